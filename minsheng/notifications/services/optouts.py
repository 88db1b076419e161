"""Switching a channel off and on again, for a person or for an address."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from minsheng.audit.services import audit_record

from ..choices import OPTABLE_CHANNELS
from ..models import OptOut
from .outbox import recipient_normalise


def optout_target(*, channel: str, recipient: str, user) -> str:
    """The recipient as an opt-out stores it ("" for a person), or a ValidationError (forms call it too)."""
    if channel not in OPTABLE_CHANNELS:
        raise ValidationError(_("In-site messages cannot be switched off; they wait in your inbox."),
                              code="channel")
    if not recipient and user is None:
        raise ValidationError(_("Say whose messages to switch off: an address or a person."), code="no_one")
    return recipient_normalise(channel=channel, recipient=recipient) if recipient else ""


def optout_record(*, channel: str, recipient: str = "", user=None, reason: str = "", actor=None) -> OptOut:
    """No more ``channel`` messages to ``recipient`` (or to ``user`` at any address). One-time codes still go."""
    recipient = optout_target(channel=channel, recipient=recipient, user=user)
    with transaction.atomic():
        lookup = {"recipient": recipient} if recipient else {"recipient": "", "user": user}
        optout, created = OptOut.objects.get_or_create(channel=channel, **lookup,
                                                       defaults={"user": user, "reason": reason[:200]})
        if created:
            audit_record(actor=actor or user, action="notifications.optout", obj=optout,
                         summary={"channel": channel, "by": "recipient" if recipient else "user"})
    return optout


def optout_remove(*, channel: str, recipient: str = "", user=None, actor=None) -> int:
    """Switch the channel on again for that address or person."""
    recipient = optout_target(channel=channel, recipient=recipient, user=user)
    with transaction.atomic():
        match = Q(recipient=recipient) if recipient else Q(recipient="", user=user)
        removed, _by_model = OptOut.objects.filter(match, channel=channel).delete()
        if removed:
            audit_record(actor=actor or user, action="notifications.optin", obj=None,
                         summary={"channel": channel, "by": "recipient" if recipient else "user"})
    return removed




def optouts_set(*, user, switched_off: set[str]) -> set[str]:
    """A person's own choice from their inbox page: exactly these channels off for them, the others on."""
    unknown = set(switched_off) - set(OPTABLE_CHANNELS)
    if unknown:
        raise ValidationError(_("In-site messages cannot be switched off; they wait in your inbox."),
                              code="channel")
    with transaction.atomic():
        for channel in OPTABLE_CHANNELS:
            if channel in switched_off:
                optout_record(channel=channel, user=user, reason="own choice")
            else:
                optout_remove(channel=channel, user=user)
    return set(switched_off)
