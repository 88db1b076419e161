"""Single sign-on through the city's OpenID Connect provider, with mozilla-django-oidc doing the protocol
(authorization code flow, state and nonce, ID token signature against the provider's keys)."""

import logging

import jwt
import requests
from django.contrib import messages
from django.core.exceptions import PermissionDenied, SuspiciousOperation, ValidationError
from django.utils.translation import gettext as _
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView

from minsheng.audit.services import client_ip

from .middleware import SSO
from .services import sso_sign_in

logger = logging.getLogger(__name__)


class CityOidcBackend(OIDCAuthenticationBackend):
    """People are known by the provider's ``sub``; their roles come from the claims at every sign-on."""

    def verify_claims(self, claims):
        return bool(claims.get("sub"))

    def get_or_create_user(self, access_token, id_token, payload):
        claims = self.get_userinfo(access_token, id_token, payload)
        if not self.verify_claims(claims):
            return None
        return sso_sign_in(claims=claims, ip=client_ip(self.request))


class CityOidcCallbackView(OIDCAuthenticationCallbackView):
    def get(self, request):
        """A provider that cannot be reached, a token that does not verify or claims that a rule cannot use
        end on the sign-in page with a message, never an error page."""
        try:
            return super().get(request)
        except (jwt.PyJWTError, requests.RequestException, SuspiciousOperation, PermissionDenied,
                ValidationError) as exc:
            logger.warning("single sign-on refused: %s: %s", type(exc).__name__, exc)
            return self.login_failure()

    def login_failure(self):
        messages.error(self.request, _("Single sign-on did not succeed. Try again or sign in with your password."))
        return super().login_failure()

    def login_success(self):
        response = super().login_success()
        # The provider ran its own checks: the second factor is its business (MINSHENG_2FA_TRUST_SSO),
        # and there is no local password to expire.
        self.request.session[SSO] = True
        return response
