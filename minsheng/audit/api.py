"""The audit trail over the API, for the auditor's tools: the same filters and scope as the page."""

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _
from ninja import Router, Schema

from .choices import action_label
from .selectors import AuditFilters, audit_event_list, audit_regions, may_read_audit

router = Router(tags=["audit"])


class AuditEventOut(Schema):
    id: int
    occurred_at: dt.datetime
    actor_id: int | None
    actor_name: str
    action: str
    action_label: str
    object_type: str
    object_id: str
    object_repr: str
    region: str | None
    ip: str | None
    summary: dict


@router.get("/events", response=list[AuditEventOut], summary="Audit events in your scope (auditors and leaders)")
def events(request, actor: str = "", action: str = "", object_type: str = "", object_id: str = "",
           since: dt.date | None = None, until: dt.date | None = None, region: str = "",
           limit: int = 100, offset: int = 0):
    if not may_read_audit(user=request.auth):
        raise PermissionDenied(_("Only an auditor or a leader reads the audit trail."))
    if since and until and since > until:
        raise ValidationError({"since": _("The start date is after the end date.")})
    where = None
    if region:
        where = audit_regions(user=request.auth).filter(code=region).first()
        if where is None:
            raise ValidationError({"region": _("Unknown region, or outside your scope.")})
    filters = AuditFilters(actor=actor, action=action, object_type=object_type, object_id=object_id,
                           since=since, until=until, region=where)
    limit, offset = min(max(limit, 1), 1000), max(offset, 0)
    rows = audit_event_list(user=request.auth, filters=filters)[offset : offset + limit]
    return [
        {"id": e.pk, "occurred_at": e.occurred_at, "actor_id": e.actor_id, "actor_name": e.actor_name,
         "action": e.action, "action_label": action_label(e.action), "object_type": e.object_type,
         "object_id": e.object_id, "object_repr": e.object_repr,
         "region": e.region.code if e.region_id and e.region else None, "ip": e.ip, "summary": e.summary}
        for e in rows
    ]



