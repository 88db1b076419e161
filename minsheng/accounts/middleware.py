"""Account policies applied to every request: rate limits on what is open without a login, the idle
timeout, the second factor for staff and the forced change of an expired password."""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django_ratelimit.core import is_ratelimited

from . import policy

# Session keys.
LAST_SEEN = "accounts_last_seen"
SSO = "accounts_sso"
PASSWORD_EXPIRES = "accounts_password_expires"  # noqa: S105 (a session key)
# The idle clock is written back at most this often (not a database write per page).
LAST_SEEN_GRANULARITY = 30


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def _has_valid_api_key(request) -> bool:
    from minsheng.org.services import api_key_user

    header = request.META.get("HTTP_AUTHORIZATION", "")
    raw = header[7:].strip() if header.lower().startswith("bearer ") else ""
    raw = raw or request.META.get("HTTP_X_API_KEY", "") or request.GET.get("api_key", "")
    return bool(raw) and api_key_user(raw) is not None


def rate_limit_group(request) -> str | None:
    """Which limit a request counts against, if any."""
    if _is_api(request):
        if request.user.is_authenticated or _has_valid_api_key(request):
            return None
        return "public_api"
    if request.path == reverse("appeals:follow") and request.GET:
        return "appeal_follow"
    if request.path == reverse("accounts:password_reset") and request.method == "POST":
        return "password_reset"
    return None


def too_many_requests(request):
    message = _("Too many requests from your address. Wait a little and try again.")
    if _is_api(request):
        return JsonResponse({"detail": message}, status=429)
    return render(request, "accounts/rate_limited.html", {"message": message}, status=429)


class RateLimitMiddleware:
    """MINSHENG_RATE_LIMITS per caller address, counted in the cache by django-ratelimit."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        group = rate_limit_group(request)
        if group is not None:
            rate = settings.MINSHENG_RATE_LIMITS.get(group)
            if rate and is_ratelimited(request, group=f"minsheng.{group}", key="ip", rate=rate, increment=True):
                return too_many_requests(request)
        return self.get_response(request)


# Pages a person held back by a policy can still reach: signing in and out, the second-factor pages,
# the sign-on's return, the reset of a forgotten password, the language switch, assets. Changing the
# password and the account page are not among them: they need the second factor first.
OPEN_PATHS = ("/accounts/login/", "/accounts/logout/", "/accounts/2fa/", "/accounts/sso/", "/accounts/password/reset/",
              "/i18n/", "/healthz")


def _open(request, *more: str) -> bool:
    return request.path.startswith((*OPEN_PATHS, settings.STATIC_URL, *more))


class AccountPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated:
            refused = self._idle(request) or self._second_factor(request) or self._password_expiry(request)
            if refused is not None:
                return refused
        return self.get_response(request)

    def _idle(self, request):
        minutes = settings.MINSHENG_SESSION_IDLE_MINUTES
        if not minutes:
            return None
        now = time.time()
        last = request.session.get(LAST_SEEN)
        if last is not None and now - last > minutes * 60:
            logout(request)
            message = _("You were signed out after %(minutes)s minutes without activity. Sign in again.") % {
                "minutes": minutes}
            if _is_api(request):
                return JsonResponse({"detail": message}, status=401)
            messages.warning(request, message)
            return redirect_to_login(request.get_full_path())
        if last is None or now - last >= LAST_SEEN_GRANULARITY:
            request.session[LAST_SEEN] = now
        return None

    def _second_factor(self, request):
        user = request.user
        if not policy.second_factor_required(user) or _open(request):
            return None
        if user.is_verified() or (settings.MINSHENG_2FA_TRUST_SSO and request.session.get(SSO)):
            return None
        if _is_api(request):
            return JsonResponse({"detail": _("Complete the second sign-in step first.")}, status=403)
        from django_otp import devices_for_user

        has_device = any(True for _device in devices_for_user(user, confirmed=True))
        target = reverse("accounts:totp_verify" if has_device else "accounts:totp_enrol")
        return redirect(f"{target}?next={request.get_full_path()}")

    def _password_expiry(self, request):
        if (not settings.MINSHENG_PASSWORD_MAX_AGE_DAYS or request.session.get(SSO)
                or _open(request, "/accounts/password/expired/")):
            return None
        expires = request.session.get(PASSWORD_EXPIRES)
        if expires is None:
            at = policy.password_expires_at(request.user)
            expires = at.timestamp() if at is not None else 0
            request.session[PASSWORD_EXPIRES] = expires
        if not expires or time.time() < expires:
            return None
        if _is_api(request):
            return JsonResponse({"detail": _("Your password has expired. Change it before you go on.")}, status=403)
        return redirect(reverse("accounts:password_expired"))
