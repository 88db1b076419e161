"""Writing the audit trail. Services call ``audit_record`` inside their own transaction."""

from typing import Any

from django.db import models

from .models import AuditEvent
from .personal_data import mask

SENSITIVE_KINDS = ("mobile", "resident_id")


def audit_record(
    *,
    actor,
    action: str,
    obj: models.Model | None = None,
    summary: dict[str, Any] | None = None,
    ip: str | None = None,
) -> AuditEvent:
    """Append one event: who did what to which object, with a summary of the change."""
    actor_pk = actor.pk if actor is not None and getattr(actor, "is_authenticated", False) else None
    return AuditEvent.objects.create(
        actor_id=actor_pk,
        actor_name=str(actor)[:150] if actor_pk else "",
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=str(obj)[:200] if obj is not None else "",
        summary=summary or {},
        ip=ip or None,
    )


def personal_data_reveal(*, actor, obj: models.Model, field: str, kind: str, value: str, ip: str | None = None) -> str:
    """Return ``value`` unmasked and record that ``actor`` saw it (个人信息保护法).

    The caller has already decided that the actor's role may see it; this writes the trail.
    """
    if kind not in SENSITIVE_KINDS:
        raise ValueError(f"unknown kind of personal data: {kind}")
    audit_record(
        actor=actor,
        action="personal_data.reveal",
        obj=obj,
        summary={"field": field, "kind": kind, "masked": mask(kind, value)},
        ip=ip,
    )
    return value


def client_ip(request) -> str | None:
    """The caller's address as the app sees it (behind a proxy, configure it to set REMOTE_ADDR)."""
    return request.META.get("REMOTE_ADDR") if request is not None else None
