"""The account policies as questions about one person: has their password expired, must they pass a
second factor. Read by the middleware on every page, so each answers from little."""

import datetime as dt

from django.conf import settings
from django.utils import timezone

from minsheng.org.choices import PUBLIC_ROLES
from minsheng.org.scope import user_scope

from .models import PasswordRecord


def password_set_at(user) -> dt.datetime:
    """When ``user``'s password was last set: the newest record, else when the account was made."""
    newest = PasswordRecord.objects.filter(user=user).order_by("-created_at").values_list("created_at", flat=True)
    return newest.first() or user.date_joined


def password_expires_at(user) -> dt.datetime | None:
    """When the password stops being accepted for work; None when it never does: the setting is 0, the
    account signs in only through single sign-on and has no password, or it is a citizen's or an
    enterprise's (the policy is for the city's staff)."""
    days = settings.MINSHENG_PASSWORD_MAX_AGE_DAYS
    if not days or not user.has_usable_password() or not is_staff_person(user):
        return None
    return password_set_at(user) + dt.timedelta(days=days)


def password_expired(user, *, now: dt.datetime | None = None) -> bool:
    expires = password_expires_at(user)
    return expires is not None and (now or timezone.now()) >= expires


def is_staff_person(user) -> bool:
    """Anyone who works for the city: a superuser, admin-site staff, or a holder of any role but the public's."""
    if user.is_superuser or user.is_staff:
        return True
    return bool(user_scope(user).roles - {str(role) for role in PUBLIC_ROLES})


def second_factor_required(user) -> bool:
    return settings.MINSHENG_STAFF_2FA_REQUIRED and is_staff_person(user)
