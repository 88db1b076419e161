"""Writes for accounts: passwords (change, reset by one-time code, history), TOTP devices, single sign-on.

Every event goes to the audit trail (``accounts.*`` actions); a password's hash is kept in the history,
never the password.
"""

import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import check_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext_lazy
from django_otp.plugins.otp_totp.models import TOTPDevice

from minsheng.audit.services import audit_record
from minsheng.notifications.services import otp_send, otp_verify

from .choices import PasswordSetBy
from .models import PasswordRecord

logger = logging.getLogger(__name__)

RESET_PURPOSE = "password_reset"

# Django 5.2.19 changed this message of its length validator and its own Chinese catalogue has not caught
# up: named here so that our catalogue carries it.
PASSWORD_TOO_SHORT = ngettext_lazy(
    "This password is too short. It must contain at least %d character.",
    "This password is too short. It must contain at least %d characters.",
)


def _history_check(*, user, password: str) -> None:
    """Refuse the current password and the last MINSHENG_PASSWORD_HISTORY ones."""
    keep = settings.MINSHENG_PASSWORD_HISTORY
    if not keep:
        return
    hashes = [user.password] if user.has_usable_password() else []
    hashes += list(
        PasswordRecord.objects.filter(user=user).order_by("-created_at").values_list("password_hash", flat=True)[:keep]
    )
    if any(check_password(password, encoded) for encoded in hashes):
        raise ValidationError(
            {"new_password1": _("This password was used recently; choose one you have not used in your last "
                                "%(count)s passwords.") % {"count": keep}},
            code="password_reused",
        )


def password_check_new(*, user, new_password: str) -> None:
    """Everything a new password must pass: the strength validators and the history."""
    try:
        validate_password(new_password, user)
    except ValidationError as exc:
        raise ValidationError({"new_password1": exc.messages}) from exc
    _history_check(user=user, password=new_password)


@transaction.atomic
def _password_set(*, user, new_password: str, set_by: str, ip: str | None):
    password_check_new(user=user, new_password=new_password)
    user.set_password(new_password)
    user.save(update_fields=["password"])
    PasswordRecord.objects.create(user=user, password_hash=user.password, set_by=set_by, created_at=timezone.now())
    # Keep only what the history needs (and the newest, which dates the password).
    keep = max(settings.MINSHENG_PASSWORD_HISTORY, 1)
    old = PasswordRecord.objects.filter(user=user).order_by("-created_at").values_list("pk", flat=True)[keep:]
    PasswordRecord.objects.filter(pk__in=list(old)).delete()
    audit_record(actor=user, action=f"accounts.password_{set_by}", obj=user, summary={"set_by": set_by}, ip=ip)
    return user


def password_change(*, user, old_password: str, new_password: str, expired: bool = False, ip: str | None = None):
    """The holder changes their own password, giving the current one."""
    if not user.check_password(old_password):
        raise ValidationError({"old_password": _("The current password is not correct.")}, code="wrong_password")
    return _password_set(user=user, new_password=new_password,
                         set_by=PasswordSetBy.EXPIRED if expired else PasswordSetBy.CHANGE, ip=ip)


def _reset_account(login: str):
    """The one active account that ``login`` names (a username, or a mobile number held by one account)."""
    login = (login or "").strip()
    if not login:
        return None
    users = get_user_model().objects.filter(is_active=True)
    user = users.filter(username=login).first()
    if user is None:
        matches = list(users.filter(mobile=login)[:2])
        user = matches[0] if len(matches) == 1 else None
    return user if user is not None and user.mobile else None


def password_reset_request(*, login: str, ip: str | None = None) -> None:
    """Send a one-time code to the mobile of the account ``login`` names. Says nothing either way: the
    page shows the same words whether or not an account exists, and a refusal by the outbox (too soon,
    daily limit) is logged, not shown."""
    user = _reset_account(login)
    if user is None:
        return
    try:
        otp_send(purpose=RESET_PURPOSE, mobile=user.mobile, user=user)
    except ValidationError as exc:
        logger.info("password reset code not sent to user %s: %s", user.pk, "; ".join(exc.messages))
        return
    audit_record(actor=None, action="accounts.password_reset_requested", obj=user, ip=ip)


def password_reset_confirm(*, login: str, code: str, new_password: str, ip: str | None = None):
    """Set a new password for the account ``login`` names when ``code`` is the code sent to its mobile."""
    refused = ValidationError({"code": _("The code is not correct or no longer valid. Ask for a new code.")},
                              code="reset_refused")
    user = _reset_account(login)
    if user is None:
        raise refused
    # The password is checked before the code, so a weak password does not use the code up.
    password_check_new(user=user, new_password=new_password)
    try:
        # Outside any transaction of ours: a wrong try must stay counted.
        otp_verify(purpose=RESET_PURPOSE, mobile=user.mobile, code=code)
    except ValidationError as exc:
        raise refused from exc
    return _password_set(user=user, new_password=new_password, set_by=PasswordSetBy.RESET, ip=ip)


# --- TOTP second factor -------------------------------------------------------------------------

@transaction.atomic
def totp_enrol_start(*, user) -> TOTPDevice:
    """A new, not yet confirmed authenticator for ``user`` (earlier unconfirmed ones are dropped)."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name=_("Authenticator app"), confirmed=False)


@transaction.atomic
def totp_enrol_confirm(*, user, device: TOTPDevice, token: str, ip: str | None = None) -> TOTPDevice:
    """Confirm the authenticator with a code it shows; it replaces any earlier one."""
    if device.user_id != user.pk or device.confirmed:
        raise ValidationError(_("Start the set-up again."), code="stale_device")
    token = (token or "").strip().replace(" ", "")
    if not token.isdigit() or not device.verify_token(token):
        raise ValidationError({"token": _("The code is not correct. Enter the 6 digits the app shows now.")},
                              code="wrong_token")
    TOTPDevice.objects.filter(user=user, confirmed=True).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    audit_record(actor=user, action="accounts.totp_enrol", obj=user, ip=ip)
    return device


# --- single sign-on -------------------------------------------------------------------------------

def sso_roles_for(claims: dict, rules: list[dict]) -> set[tuple[str, str, str]]:
    """The (role, unit code, region code) that ``rules`` give a person with ``claims``. A rule matches when
    its claim is the rule's value, or a list that holds it."""
    wanted = set()
    for rule in rules:
        value = claims.get(rule["claim"])
        values = value if isinstance(value, list | tuple) else [value]
        if str(rule["value"]) in {str(v) for v in values if v is not None}:
            wanted.add((rule["role"], rule.get("unit") or "", rule.get("region") or ""))
    return wanted


def _sso_roles_apply(*, user, claims: dict) -> list[str]:
    from minsheng.org.models import Membership, Region, Unit
    from minsheng.org.services import membership_grant, membership_revoke

    from .models import SsoMembership

    keep: set[int] = set()
    for role, unit_code, region_code in sorted(sso_roles_for(claims, settings.MINSHENG_OIDC_ROLE_RULES)):
        unit = Unit.objects.filter(code=unit_code).first() if unit_code else None
        region = Region.objects.filter(code=region_code).first() if region_code else None
        if (unit_code and unit is None) or (region_code and region is None):
            logger.warning("MINSHENG_OIDC_ROLE_RULES names unit %r / region %r, which do not exist: rule skipped",
                           unit_code, region_code)
            continue
        held = Membership.objects.filter(user=user, role=role, unit=unit, region=region, is_active=True).first()
        if held is not None and not SsoMembership.objects.filter(membership=held).exists():
            continue  # granted by hand: not the sign-on's to manage
        membership = held or membership_grant(user=user, role=role, unit=unit, region=region, actor=None)
        SsoMembership.objects.get_or_create(membership=membership)
        keep.add(membership.pk)
    for membership in Membership.objects.filter(user=user, is_active=True, sso__isnull=False).exclude(pk__in=keep):
        membership_revoke(membership=membership, actor=None)
    return sorted(Membership.objects.filter(user=user, is_active=True).values_list("role", flat=True))


@transaction.atomic
def sso_sign_in(*, claims: dict, ip: str | None = None):
    """The person the identity provider vouched for, made or updated from the claims, with the roles the
    rules give (MINSHENG_OIDC_ROLE_RULES) granted and the ones they no longer give ended."""
    from minsheng.org.services import user_create

    from .models import SsoIdentity

    subject = str(claims.get("sub") or "")
    if not subject:
        raise ValidationError(_("The identity provider did not say who signed in."), code="no_subject")
    identity = SsoIdentity.objects.select_related("user").filter(subject=subject).first()
    display_name = str(claims.get("name") or "")[:50]
    email = str(claims.get("email") or "")
    if identity is None:
        username = str(claims.get(settings.MINSHENG_OIDC_USERNAME_CLAIM) or subject)[:150]
        User = get_user_model()
        user = User.objects.filter(username=username).first()
        if user is not None and SsoIdentity.objects.filter(user=user).exists():
            user = None
            username = f"sso-{subject}"[:150]
        if user is None:
            user = user_create(username=username, password=None, display_name=display_name, email=email)
        identity = SsoIdentity.objects.create(user=user, subject=subject)
    user = identity.user
    changed = [f for f, v in (("display_name", display_name), ("email", email)) if v and getattr(user, f) != v]
    for field in changed:
        setattr(user, field, display_name if field == "display_name" else email)
    if changed:
        user.save(update_fields=changed)
    identity.last_login_at = timezone.now()
    identity.save(update_fields=["last_login_at"])
    roles = _sso_roles_apply(user=user, claims=claims)
    audit_record(actor=user, action="accounts.sso_sign_in", obj=user, summary={"subject": subject, "roles": roles},
                 ip=ip)
    return user
