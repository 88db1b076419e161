"""The HTTP API at /api/: one NinjaAPI, each app's router mounted from its own ``api.py``.

An app's ``api.py`` exposes ``router`` (mounted at ``/<app label>/``) and may add ``ROUTERS``,
a list of ``(prefix, router)`` for other paths (Open311 lives at ``/open311/v2/``).
Errors are answered here once for every endpoint: a ValidationError is a 422 with its messages,
a missing object a 404, a refused permission a 403, a conflict (someone acted first) a 409.
"""

from importlib import import_module

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.security import APIKeyHeader, HttpBearer, SessionAuth

from minsheng.conflicts import Conflict
from minsheng.org.services import api_key_user


class BearerKey(HttpBearer):
    """``Authorization: Bearer ms_…`` — an API key issued to a user (a call-centre system, a client)."""

    def authenticate(self, request, token):
        user = api_key_user(token)
        if user is not None:
            request.user = user
        return user


class HeaderKey(APIKeyHeader):
    """``X-API-Key: ms_…`` and Open311's ``api_key`` both map to the same keys."""

    param_name = "X-API-Key"

    def authenticate(self, request, key):
        user = api_key_user(key or "")
        if user is not None:
            request.user = user
        return user


AUTH = [BearerKey(), HeaderKey(), SessionAuth()]

api = NinjaAPI(
    title="minsheng API",
    version="1",
    description=_("Appeals, livelihood projects, policy funds and insight for a city government."),
    urls_namespace="api",
    auth=AUTH,
)


def validation_messages(exc: ValidationError) -> dict:
    if hasattr(exc, "error_dict"):
        return {field: [str(m) for m in errors] for field, errors in exc.message_dict.items()}
    return {"__all__": [str(m) for m in exc.messages]}


@api.exception_handler(ValidationError)
def on_validation_error(request, exc: ValidationError):
    return api.create_response(
        request, {"detail": _("The input is not valid."), "errors": validation_messages(exc)}, status=422
    )


@api.exception_handler(ObjectDoesNotExist)
def on_not_found(request, exc):
    return api.create_response(request, {"detail": _("Not found.")}, status=404)


@api.exception_handler(PermissionDenied)
def on_permission_denied(request, exc):
    return api.create_response(request, {"detail": str(exc) or _("You do not have permission to do this.")}, status=403)


@api.exception_handler(Conflict)
def on_conflict(request, exc: Conflict):
    return api.create_response(request, {"detail": str(exc)}, status=409)


def _mount_app_routers() -> None:
    for app in settings.INSTALLED_APPS:
        if not app.startswith("minsheng."):
            continue
        try:
            module = import_module(f"{app}.api")
        except ModuleNotFoundError as exc:
            if exc.name == f"{app}.api":
                continue
            raise
        label = app.rsplit(".", 1)[1]
        if hasattr(module, "router"):
            api.add_router(f"/{label}/", module.router)
        for prefix, router in getattr(module, "ROUTERS", ()):
            api.add_router(prefix, router)


_mount_app_routers()
