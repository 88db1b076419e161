"""One-time codes by text message, for any app that must know a person holds a mobile number.

``otp_send`` makes a 6-digit code, keeps only its keyed hash and queues the one-time-code text through
the outbox (never opted out, never held for the quiet hours). ``otp_verify`` checks the newest code for
that purpose and number: it expires (``NOTIFICATIONS_OTP_TTL_SECONDS``), is used once, and is dead
after ``NOTIFICATIONS_OTP_MAX_WRONG`` wrong tries. A number gets at most one code per
``NOTIFICATIONS_OTP_RESEND_SECONDS`` and ``NOTIFICATIONS_OTP_DAILY_LIMIT`` a day (city time), whatever
the purpose: a form cannot be used to flood someone's phone.
"""

import datetime as dt
import hashlib
import re
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext_lazy as _

from ..choices import Channel
from ..defaults import ONE_TIME_CODE
from ..models import OneTimeCode
from .outbox import notification_send, recipient_normalise

PURPOSE = re.compile(r"^[a-z][a-z0-9_-]{0,39}$")
CODE = re.compile(r"^\d{6}$")


def code_hash(*, purpose: str, mobile: str, code: str) -> str:
    return salted_hmac("minsheng.notifications.otp", f"{purpose}:{mobile}:{code}", algorithm="sha256").hexdigest()


def _mobile_lock(mobile: str) -> None:
    """Serialise code requests for one number, so two at once cannot both pass the rate limit.
    PostgreSQL: a transaction-level advisory lock; SQLite already runs one writing transaction at a time."""
    if connection.vendor == "postgresql":
        key = int.from_bytes(hashlib.blake2b(f"otp:{mobile}".encode(), digest_size=8).digest(), "big", signed=True)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])


def _purpose_check(purpose: str) -> None:
    if not PURPOSE.match(purpose or ""):
        raise ValueError(f"a one-time code's purpose is a short lower-case name, not {purpose!r}")


def otp_send(*, purpose: str, mobile: str, user=None) -> OneTimeCode:
    """Send a new code for ``purpose`` to ``mobile``; earlier codes for the same purpose stop working."""
    _purpose_check(purpose)
    try:
        mobile = recipient_normalise(channel=Channel.SMS, recipient=mobile)
    except ValidationError as exc:
        raise ValidationError({"mobile": exc.messages}) from exc
    ttl = settings.NOTIFICATIONS_OTP_TTL_SECONDS
    with transaction.atomic():
        _mobile_lock(mobile)
        now = timezone.now()
        last = OneTimeCode.objects.filter(mobile=mobile).order_by("-created_at", "-id").first()
        wait = settings.NOTIFICATIONS_OTP_RESEND_SECONDS
        if last is not None and now - last.created_at < dt.timedelta(seconds=wait):
            left = wait - int((now - last.created_at).total_seconds())
            raise ValidationError(_("A code was sent to this number moments ago; ask again in %(seconds)s seconds."),
                                  code="too_soon", params={"seconds": max(1, left)})
        midnight = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
        limit = settings.NOTIFICATIONS_OTP_DAILY_LIMIT
        if OneTimeCode.objects.filter(mobile=mobile, created_at__gte=midnight).count() >= limit:
            raise ValidationError(_("This number has had %(limit)s codes today, the most allowed; "
                                    "try again tomorrow."), code="daily_limit", params={"limit": limit})
        code = f"{secrets.randbelow(10**6):06d}"
        otp = OneTimeCode.objects.create(purpose=purpose, mobile=mobile, created_at=now,
                                         code_hash=code_hash(purpose=purpose, mobile=mobile, code=code),
                                         expires_at=now + dt.timedelta(seconds=ttl))
        otp.message = notification_send(
            event_key=f"otp:{otp.pk}", template=ONE_TIME_CODE, channel=Channel.SMS, recipient=mobile, user=user,
            context={"code": code, "minutes": max(1, ttl // 60)}, urgent=True)
        otp.save(update_fields=["message"])
    return otp


def otp_verify(*, purpose: str, mobile: str, code: str) -> OneTimeCode:
    """The code, now used, when ``code`` is the newest one sent for ``purpose`` to ``mobile`` and still good;
    otherwise a ValidationError that says what to do. A wrong code counts even though this raises."""
    _purpose_check(purpose)
    code = (code or "").strip()
    if not CODE.match(code):
        raise ValidationError(_("Enter the 6-digit code from the text message."), code="format")
    try:
        mobile = recipient_normalise(channel=Channel.SMS, recipient=mobile)
    except ValidationError as exc:
        raise ValidationError({"mobile": exc.messages}) from exc
    max_wrong = settings.NOTIFICATIONS_OTP_MAX_WRONG
    with transaction.atomic():
        otp = (OneTimeCode.objects.select_for_update().filter(purpose=purpose, mobile=mobile)
               .order_by("-created_at", "-id").first())
        now = timezone.now()
        if otp is None or otp.used_at is not None:
            outcome = "none"
        elif otp.expires_at <= now:
            outcome = "expired"
        elif otp.wrong_attempts >= max_wrong:
            outcome = "locked"
        elif constant_time_compare(code_hash(purpose=purpose, mobile=mobile, code=code), otp.code_hash):
            otp.used_at = now
            otp.save(update_fields=["used_at"])
            return otp
        else:
            # Stored before the refusal is raised, outside this block: a wrong try must count.
            otp.wrong_attempts += 1
            otp.save(update_fields=["wrong_attempts"])
            outcome = "wrong" if otp.wrong_attempts < max_wrong else "locked"
    if outcome == "wrong":
        raise ValidationError(_("The code is not right; %(left)s tries left."), code="wrong",
                              params={"left": max_wrong - otp.wrong_attempts})
    messages = {
        "none": _("No code waits for this number; ask for a new one."),
        "expired": _("The code has expired; ask for a new one."),
        "locked": _("Too many wrong tries; ask for a new code."),
    }
    raise ValidationError(messages[outcome], code=outcome)
