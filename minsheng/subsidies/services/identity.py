"""Who acts for an enterprise, proven. The enterprise's administrator claims it with its credit code and
the legal representative's name and mobile as registered, and a one-time code sent to that registered
mobile (through the notification outbox); the administrator then invites the enterprise's other users
(a code to the invitee's own mobile) and removes them. Every change is audited. Funds officers can
remove a user (a suspected fraud) but never add one."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from minsheng.audit.services import audit_record
from minsheng.conflicts import Conflict
from minsheng.notifications.services import otp_send, otp_verify
from minsheng.org.choices import Role
from minsheng.org.scope import can, user_scope

from ..models import Enterprise
from ..selectors import ENTERPRISE_SCOPE
from .accounts import same_name
from .core import _require_funds_officer

NOT_MATCHING = gettext_lazy(
    "The credit code, the legal representative and the mobile number do not match the enterprise's registration. "
    "Check them against the business licence, or ask the market regulator to correct the registration.")


def _enterprise_user(user) -> None:
    if Role.ENTERPRISE not in user_scope(user).roles:
        raise PermissionDenied(_("Only a person with the enterprise role can act for an enterprise."))


def _registered(uscc: str) -> Enterprise:
    enterprise = Enterprise.objects.filter(uscc=(uscc or "").strip().upper()).first()
    if enterprise is None:
        raise ValidationError(str(NOT_MATCHING))
    return enterprise


def _claim_purpose(enterprise: Enterprise) -> str:
    return f"ent-claim-{enterprise.pk}"


def _invite_purpose(enterprise: Enterprise) -> str:
    return f"ent-invite-{enterprise.pk}"


def enterprise_claim_start(*, user, uscc: str, legal_representative: str, mobile: str) -> Enterprise:
    """Step 1 of claiming: the details must match the registration; the code goes to the registered mobile
    (never to a number the claimant types that differs from it). The same message for every mismatch, so
    the page tells nobody which detail was right."""
    _enterprise_user(user)
    enterprise = _registered(uscc)
    if enterprise.administrator_id is not None:
        raise Conflict(_("This enterprise has an administrator already: ask them to invite you."))
    mobile = (mobile or "").strip()
    if (not enterprise.legal_representative_mobile or mobile != enterprise.legal_representative_mobile
            or not same_name(legal_representative, enterprise.legal_representative)):
        audit_record(actor=user, action="subsidies.enterprise_claim_refused", obj=enterprise, summary={})
        raise ValidationError(str(NOT_MATCHING))
    otp_send(purpose=_claim_purpose(enterprise), mobile=enterprise.legal_representative_mobile, user=user)
    audit_record(actor=user, action="subsidies.enterprise_claim_start", obj=enterprise, summary={})
    return enterprise


def enterprise_claim_verify(*, user, uscc: str, code: str) -> Enterprise:
    """Step 2: the code from the registered mobile makes ``user`` the enterprise's administrator."""
    _enterprise_user(user)
    enterprise = _registered(uscc)
    # Outside any transaction: a wrong code must count even though this raises.
    otp_verify(purpose=_claim_purpose(enterprise), mobile=enterprise.legal_representative_mobile, code=code)
    with transaction.atomic():
        enterprise = Enterprise.objects.select_for_update().get(pk=enterprise.pk)
        if enterprise.administrator_id is not None and enterprise.administrator_id != user.pk:
            raise Conflict(_("This enterprise has an administrator already: ask them to invite you."))
        enterprise.administrator = user
        enterprise.save(update_fields=["administrator"])
        enterprise.users.add(user)
        audit_record(actor=user, action="subsidies.enterprise_claim", obj=enterprise,
                     summary={"administrator": user.pk})
    return enterprise


def _require_administrator(actor, enterprise: Enterprise) -> None:
    if enterprise.administrator_id != actor.pk:
        raise PermissionDenied(_("Only the enterprise's administrator can do this."))


def enterprise_invite(*, enterprise: Enterprise, actor, mobile: str) -> None:
    """The administrator invites a colleague: a code goes to the colleague's own mobile."""
    _require_administrator(actor, enterprise)
    otp_send(purpose=_invite_purpose(enterprise), mobile=mobile, user=actor)
    audit_record(actor=actor, action="subsidies.enterprise_invite", obj=enterprise,
                 summary={"mobile": f"{(mobile or '')[:3]}****{(mobile or '')[-4:]}"})


def enterprise_invite_accept(*, user, uscc: str, code: str) -> Enterprise:
    """The invited colleague, signed in with the mobile the code was sent to, joins the enterprise."""
    _enterprise_user(user)
    enterprise = _registered(uscc)
    if not user.mobile:
        raise ValidationError(_("Add your mobile number to your account first: the code was sent to it."))
    otp_verify(purpose=_invite_purpose(enterprise), mobile=user.mobile, code=code)
    with transaction.atomic():
        enterprise.users.add(user)
        audit_record(actor=user, action="subsidies.enterprise_join", obj=enterprise, summary={"user": user.pk})
    return enterprise


@transaction.atomic
def enterprise_user_remove(*, enterprise: Enterprise, actor, user) -> None:
    """The administrator (or a funds officer) removes a user; the administrator hands over first."""
    if enterprise.administrator_id != actor.pk:
        _require_funds_officer(actor)
        if not can(actor, action="write", rules=ENTERPRISE_SCOPE, obj=enterprise):
            raise PermissionDenied(_("This enterprise is outside your area."))
    if user.pk == enterprise.administrator_id:
        raise ValidationError(_("The administrator cannot be removed; hand the role to another user first."))
    enterprise.users.remove(user)
    audit_record(actor=actor, action="subsidies.enterprise_user_remove", obj=enterprise, summary={"user": user.pk})


@transaction.atomic
def enterprise_administrator_transfer(*, enterprise: Enterprise, actor, user) -> None:
    """The administrator hands the role to another of the enterprise's users."""
    _require_administrator(actor, enterprise)
    if not enterprise.users.filter(pk=user.pk).exists():
        raise ValidationError(_("Invite the person first: only the enterprise's users can become its administrator."))
    enterprise.administrator = user
    enterprise.save(update_fields=["administrator"])
    audit_record(actor=actor, action="subsidies.enterprise_administrator_transfer", obj=enterprise,
                 summary={"from": actor.pk, "to": user.pk})
