"""Putting a message in the outbox: ``notification_send``, and what administrators do to templates and
failed messages. Sending itself happens later, in ``delivery.py``, after the caller's transaction commits."""

import datetime as dt
import logging
import re
from collections.abc import Mapping

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from minsheng.audit.services import audit_record
from minsheng.identifiers import validate_mobile

from ..choices import Channel, DeliveryState
from ..defaults import ONE_TIME_CODE
from ..models import MessageTemplate, OptOut, OutboxMessage
from ..rendering import params_for, render, sms_text, template_check
from ..timing import quiet_hours_end
from .transitions import event_record, transition

logger = logging.getLogger("minsheng.notifications")

OPENID = re.compile(r"^[A-Za-z0-9_-]{6,64}$")


def recipient_normalise(*, channel: str, recipient: str, user=None) -> str:
    """The recipient as stored (and as the uniqueness of an event counts it), or a ValidationError.

    Without a recipient, a text message goes to the user's mobile and an e-mail to their address;
    in-site messages always go to the user (``user:<id>``).
    """
    recipient = (recipient or "").strip()
    if channel == Channel.SITE:
        if user is None or user.pk is None:
            raise ValidationError(_("An in-site message needs the user it is for."), code="no_user")
        return f"user:{user.pk}"
    if channel == Channel.SMS:
        recipient = re.sub(r"[\s-]", "", recipient or (getattr(user, "mobile", "") or ""))
        recipient = recipient.removeprefix("+86").removeprefix("0086")
        if not recipient:
            raise ValidationError(_("A text message needs a mobile number."), code="no_recipient")
        validate_mobile(recipient)
        return recipient
    if channel == Channel.EMAIL:
        recipient = recipient or (getattr(user, "email", "") or "")
        if not recipient:
            raise ValidationError(_("An e-mail needs an address."), code="no_recipient")
        validate_email(recipient)
        local, _at, domain = recipient.rpartition("@")
        return f"{local}@{domain.lower()}"
    if channel == Channel.WECHAT:
        if not OPENID.match(recipient):
            raise ValidationError(_("A WeChat message needs the recipient's openid."), code="no_recipient")
        return recipient
    raise ValidationError(_("Unknown channel “%(channel)s”."), code="channel", params={"channel": channel})


def optout_applies(*, channel: str, recipient: str, user=None) -> bool:
    """Whether this address, this person, or the person whose current mobile or e-mail it is opted out."""
    matches = Q(recipient=recipient)
    if user is not None and user.pk is not None:
        matches |= Q(recipient="", user_id=user.pk)
    if channel == Channel.SMS:
        matches |= Q(recipient="", user__mobile=recipient)
    elif channel == Channel.EMAIL:
        matches |= Q(recipient="", user__email__iexact=recipient)
    return OptOut.objects.filter(matches, channel=channel).exists()


def is_exempt(template_code: str) -> bool:
    """One-time codes are always sent and at once: the person is waiting for it on the page."""
    return template_code == ONE_TIME_CODE


def send_time(*, channel: str, urgent: bool, template_code: str, at: dt.datetime) -> dt.datetime:
    """``at``, or the end of the quiet hours for a text message that can wait until morning."""
    if channel != Channel.SMS or urgent or is_exempt(template_code):
        return at
    end = quiet_hours_end(timezone.localtime(at), start_hour=settings.NOTIFICATIONS_SMS_QUIET_START_HOUR,
                          end_hour=settings.NOTIFICATIONS_SMS_QUIET_END_HOUR)
    return end or at


def notification_send(
    *,
    event_key: str,
    template: str,
    channel: str,
    recipient: str = "",
    context: Mapping,
    user=None,
    urgent: bool = False,
) -> OutboxMessage:
    """Queue one message: ``template`` (a code) for ``channel``, filled from ``context``, to ``recipient``.

    The same ``event_key`` to the same recipient on the same channel returns the message queued the
    first time (whatever the context now says): an event never sends twice. A missing value, an unknown
    template or an invalid recipient is a ValidationError here, in the caller, never in the worker.
    Non-urgent text messages queued in the quiet hours wait for their end. Sending starts after the
    caller's transaction commits; if it rolls back, the message was never queued.
    """
    if channel not in Channel.values:
        raise ValidationError(_("Unknown channel “%(channel)s”."), code="channel", params={"channel": channel})
    if not event_key or len(event_key) > 200:
        raise ValidationError(_("A message needs the key of the event that caused it (at most 200 characters)."),
                              code="event_key")
    recipient = recipient_normalise(channel=channel, recipient=recipient, user=user)
    existing = OutboxMessage.objects.filter(event_key=event_key, channel=channel, recipient=recipient).first()
    if existing is not None:
        return existing
    found = MessageTemplate.objects.filter(code=template, channel=channel, is_active=True).first()
    if found is None:
        raise ValidationError(_("There is no active template “%(template)s” for %(channel)s."), code="template",
                              params={"template": template, "channel": Channel(channel).label})
    params = params_for(template_check(found.subject, found.body), context, template=template)
    body = render(found.body, params)
    if channel == Channel.SMS:
        body = sms_text(body, settings.NOTIFICATIONS_SMS_SIGNATURE)
    now = timezone.now()
    opted_out = not is_exempt(template) and optout_applies(channel=channel, recipient=recipient, user=user)
    state = DeliveryState.OPTED_OUT if opted_out else DeliveryState.QUEUED
    due = None if opted_out else send_time(channel=channel, urgent=urgent, template_code=template, at=now)
    with transaction.atomic():
        try:
            with transaction.atomic():
                message = OutboxMessage.objects.create(
                    event_key=event_key, channel=channel, recipient=recipient, user=user, template=found,
                    subject=render(found.subject, params), body=body, params=params, urgent=urgent, state=state,
                    next_attempt_at=due, created_at=now)
        except IntegrityError:
            # Someone queued the same event in the meantime; theirs is the message.
            return OutboxMessage.objects.get(event_key=event_key, channel=channel, recipient=recipient)
        detail = "" if due is None or due == now else f"quiet hours: waits until {timezone.localtime(due):%H:%M}"
        event_record(message, from_state=None, to_state=state, detail=detail, at=now)
        if due is not None and due <= now:
            pk = message.pk
            transaction.on_commit(lambda: deliver_soon(ids=[pk]))
    return message


def deliver_soon(*, ids: list[int]) -> None:
    """Ask a worker to send these messages now. If the queue cannot take it, the periodic run will."""
    from ..tasks import notifications_send_due

    try:
        notifications_send_due.enqueue(ids=ids)
    except Exception:
        logger.exception("could not enqueue delivery of %s; the periodic run will send them", ids)


def message_template_save(
    *,
    actor,
    code: str,
    channel: str,
    name: str,
    subject: str,
    body: str,
    provider_template_code: str = "",
    is_active: bool = True,
    template: MessageTemplate | None = None,
    ip: str | None = None,
) -> MessageTemplate:
    """Create or change a template; its placeholders are checked (no personal data) before it is stored."""
    template_check(subject, body)
    if channel == Channel.SMS and subject:
        raise ValidationError({"subject": _("Text messages have no subject.")})
    with transaction.atomic():
        template = template or MessageTemplate()
        template.code, template.channel, template.name = code, channel, name
        template.subject, template.body, template.provider_template_code = subject, body, provider_template_code
        template.is_active, template.updated_at = is_active, timezone.now()
        template.full_clean()
        template.save()
        audit_record(actor=actor, action="notifications.template_save", obj=template, ip=ip,
                     summary={"code": code, "channel": channel, "active": is_active})
    return template


def notification_retry(*, message: OutboxMessage, actor, ip: str | None = None) -> OutboxMessage:
    """An administrator sends a failed message again, with a fresh count of attempts."""
    with transaction.atomic():
        message = OutboxMessage.objects.select_for_update().get(pk=message.pk)
        if message.state != DeliveryState.FAILED:
            raise ValidationError(_("Only a failed message can be sent again."), code="not_failed")
        if is_exempt(message.template.code):
            # Its code is masked once it failed, and the person has asked for a new one long since.
            raise ValidationError(_("A one-time code is never sent again; the person asks for a new one."),
                                  code="one_time_code")
        now = timezone.now()
        message.attempts, message.outcome_unknown = 0, False
        message.next_attempt_at = send_time(channel=message.channel, urgent=message.urgent,
                                            template_code=message.template.code, at=now)
        transition(message, DeliveryState.QUEUED, detail=f"sent again by {actor}", at=now,
                   fields=("attempts", "outcome_unknown", "next_attempt_at"))
        audit_record(actor=actor, action="notifications.retry", obj=message, ip=ip,
                     summary={"event": message.event_key})
        if message.next_attempt_at <= now:
            pk = message.pk
            transaction.on_commit(lambda: deliver_soon(ids=[pk]))
    return message
