"""Reading the audit trail: administrators and leaders (who read everything in scope) only."""

from django.db.models import QuerySet

from minsheng.org.choices import Role
from minsheng.org.scope import ObjectScope, restrict, roles

from .models import AuditEvent

AUDIT_RULES = ObjectScope(read_region=roles(Role.LEADER))


def audit_event_list(*, user, action: str | None = None, object_type: str | None = None) -> QuerySet[AuditEvent]:
    qs = restrict(AuditEvent.objects.all(), user=user, action="read", rules=AUDIT_RULES)
    if action:
        qs = qs.filter(action=action)
    if object_type:
        qs = qs.filter(object_type=object_type)
    return qs
