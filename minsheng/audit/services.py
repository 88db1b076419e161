"""Writing the audit trail. Services call ``audit_record`` inside their own transaction.

Every event carries the client's address: the caller may pass ``ip``; otherwise the address of the
request being served is used (``ClientAddressMiddleware`` keeps it for the duration of the request),
so a service deep under a view records it without being told. The event's region is the object's
(``region`` of an appeal, a project, a membership; a region itself), so that district auditors read
their district's events.
"""

import ipaddress
import logging
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _

from .models import AuditEvent
from .personal_data import MASKS, mask

SENSITIVE_KINDS = tuple(MASKS)

log = logging.getLogger("minsheng.audit")

_request_ip: ContextVar[str | None] = ContextVar("minsheng_request_ip", default=None)


def _region_of(obj: models.Model | None):
    if obj is None:
        return None
    if obj._meta.label_lower == "org.region":
        return obj
    try:
        field = obj._meta.get_field("region")
    except Exception:
        return None
    if field.is_relation and field.related_model is not None and field.related_model._meta.label_lower == "org.region":
        return getattr(obj, "region", None)
    return None


def audit_record(
    *,
    actor,
    action: str,
    obj: models.Model | None = None,
    summary: dict[str, Any] | None = None,
    ip: str | None = None,
    region=None,
) -> AuditEvent:
    """Append one event: who did what to which object, with a summary of the change."""
    actor_pk = actor.pk if actor is not None and getattr(actor, "is_authenticated", False) else None
    region = region if region is not None else _region_of(obj)
    event = AuditEvent.objects.create(
        actor_id=actor_pk,
        actor_name=str(actor)[:150] if actor_pk else "",
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=str(obj)[:200] if obj is not None else "",
        summary=summary or {},
        ip=ip or _request_ip.get() or None,
        region=region,
    )
    log.info(
        "audit %s",
        action,
        extra={
            "audit_event": event.pk,
            "actor_id": actor_pk,
            "action": action,
            "object_type": event.object_type,
            "object_id": event.object_id,
            "client_ip": event.ip,
        },
    )
    return event


def personal_data_reveal(
    *, actor, obj: models.Model, field: str, kind: str, value: str, reason: str = "", ip: str | None = None
) -> str:
    """Return ``value`` unmasked and record that ``actor`` saw it, and why (个人信息保护法).

    The caller has already decided that the actor's role may see it; this writes the trail.
    """
    if kind not in SENSITIVE_KINDS:
        raise ValueError(f"unknown kind of personal data: {kind}")
    reason = (reason or "").strip()
    if settings.MINSHENG_REVEAL_REASON_REQUIRED and not reason:
        raise ValidationError({"reason": _("Say why you need to see the full value.")})
    audit_record(
        actor=actor,
        action="personal_data.reveal",
        obj=obj,
        summary={"field": field, "kind": kind, "masked": mask(kind, value), "reason": reason[:200]},
        ip=ip,
    )
    return value


def _trusted(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    for proxy in settings.MINSHENG_TRUSTED_PROXIES:
        try:
            if ip in ipaddress.ip_network(proxy, strict=False):
                return True
        except ValueError:
            continue
    return False


def client_ip(request) -> str | None:
    """The caller's address. X-Forwarded-For is believed only when it comes from a trusted proxy
    (``MINSHENG_TRUSTED_PROXIES``); then the client is the right-most address that is not a trusted proxy."""
    if request is None:
        return None
    remote = request.META.get("REMOTE_ADDR") or None
    if remote is None or not _trusted(remote):
        return remote
    forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()]
    for address in reversed(forwarded):
        try:
            ipaddress.ip_address(address)
        except ValueError:
            return remote  # a forged or garbled header: keep what the connection says
        if not _trusted(address):
            return address
    return forwarded[0] if forwarded else remote


class ClientAddressMiddleware:
    """Keeps the request's client address for ``audit_record`` while the request is served."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _request_ip.set(client_ip(request))
        try:
            return self.get_response(request)
        finally:
            _request_ip.reset(token)


def audit_export_record(*, actor, filters: dict) -> AuditEvent:
    """Reading the trail in bulk is itself an event (who took a copy, of what)."""
    kept = {k: (v.code if hasattr(v, "code") else str(v)) for k, v in filters.items() if v not in ("", None)}
    return audit_record(actor=actor, action="audit.export", summary={"filters": kept})
