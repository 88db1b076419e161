"""Account pages: password change (and the forced change of an expired one), reset by a one-time code,
the authenticator set-up and check, and single sign-on through the city's identity provider."""

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from django_otp import devices_for_user, match_token
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from minsheng.audit.services import client_ip
from minsheng.service_errors import add_service_errors

from . import forms, middleware, policy, services
from .models import SsoIdentity

RESET_LOGIN = "accounts_reset_login"
ENROL_DEVICE = "accounts_enrol_device"


def _next(request, default: str = "home") -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return default


@login_required
def account(request):
    user = request.user
    return render(request, "accounts/account.html", {
        "password_expires_at": policy.password_expires_at(user),
        "has_password": user.has_usable_password(),
        "has_authenticator": any(True for _d in devices_for_user(user, confirmed=True)),
        "second_factor_required": policy.second_factor_required(user),
        "sso_identity": SsoIdentity.objects.filter(user=user).first(),
    })


def _password_change(request, *, expired: bool):
    form = forms.PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.password_change(user=request.user, old_password=form.cleaned_data["old_password"],
                                     new_password=form.cleaned_data["new_password1"], expired=expired,
                                     ip=client_ip(request))
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            update_session_auth_hash(request, request.user)
            request.session.pop(middleware.PASSWORD_EXPIRES, None)
            messages.success(request, _("Your password has been changed."))
            return redirect("accounts:account")
    return render(request, "accounts/password_change.html", {"form": form, "expired": expired})


@login_required
@require_http_methods(["GET", "POST"])
def password_change(request):
    if not request.user.has_usable_password():
        raise Http404
    return _password_change(request, expired=False)


@login_required
@require_http_methods(["GET", "POST"])
def password_expired(request):
    if not policy.password_expired(request.user):
        return redirect("accounts:password_change")
    return _password_change(request, expired=True)


@require_http_methods(["GET", "POST"])
def password_reset(request):
    form = forms.PasswordResetRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.password_reset_request(login=form.cleaned_data["login"], ip=client_ip(request))
        request.session[RESET_LOGIN] = form.cleaned_data["login"].strip()
        return redirect("accounts:password_reset_confirm")
    return render(request, "accounts/password_reset.html", {"form": form})


@require_http_methods(["GET", "POST"])
def password_reset_confirm(request):
    login = request.session.get(RESET_LOGIN)
    if not login:
        return redirect("accounts:password_reset")
    form = forms.PasswordResetConfirmForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.password_reset_confirm(login=login, code=form.cleaned_data["code"],
                                            new_password=form.cleaned_data["new_password1"], ip=client_ip(request))
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            request.session.pop(RESET_LOGIN, None)
            messages.success(request, _("Your password has been set. Sign in with it."))
            return redirect("login")
    return render(request, "accounts/password_reset_confirm.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def totp_enrol(request):
    has_device = any(True for _d in devices_for_user(request.user, confirmed=True))
    if has_device and not request.user.is_verified():
        # Replacing an authenticator needs the old one: a password alone must not set up a new one.
        return redirect(f"{reverse('accounts:totp_verify')}?next={reverse('accounts:totp_enrol')}")
    device = None
    if pk := request.session.get(ENROL_DEVICE):
        device = TOTPDevice.objects.filter(pk=pk, user=request.user, confirmed=False).first()
    if device is None:
        device = services.totp_enrol_start(user=request.user)
        request.session[ENROL_DEVICE] = device.pk
    form = forms.TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.totp_enrol_confirm(user=request.user, device=device, token=form.cleaned_data["token"],
                                        ip=client_ip(request))
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            request.session.pop(ENROL_DEVICE, None)
            otp_login(request, device)
            messages.success(request, _("The authenticator app is set up. You will be asked for its code at sign-in."))
            return redirect(_next(request))
    qr = segno.make(device.config_url, error="m")
    return render(request, "accounts/totp_enrol.html", {
        "form": form, "qr_data_uri": qr.svg_data_uri(scale=5), "secret": _b32(device),
        "next": _next(request, "")})


def _b32(device) -> str:
    from base64 import b32encode

    key = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(key[i:i + 4] for i in range(0, len(key), 4))


@login_required
@require_http_methods(["GET", "POST"])
def totp_verify(request):
    form = forms.TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = match_token(request.user, form.cleaned_data["token"].strip().replace(" ", ""))
        if device is not None:
            otp_login(request, device)
            return redirect(_next(request))
        form.add_error("token", _("The code is not correct. Enter the 6 digits the app shows now."))
    return render(request, "accounts/totp_verify.html", {"form": form, "next": _next(request, "")})


def _sso_enabled() -> bool:
    return bool(settings.OIDC_RP_CLIENT_ID)


def sso_start(request):
    if not _sso_enabled():
        raise Http404
    from mozilla_django_oidc.views import OIDCAuthenticationRequestView

    return OIDCAuthenticationRequestView.as_view()(request)


def sso_callback(request):
    if not _sso_enabled():
        raise Http404
    from .oidc import CityOidcCallbackView

    return CityOidcCallbackView.as_view()(request)
