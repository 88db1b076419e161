"""Reading the audit trail: auditors (审计员) and leaders, each within the region of their grant.

三员分立: the system administrator (a superuser or the ``admin`` role) and the security administrator
read nothing here unless they also hold an auditor's grant — which ``membership_grant`` refuses. So
this selector does not take the usual "administrators see everything" short cut of ``restrict``: it
asks the permission layer with the reader grants only.
"""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils import timezone

from minsheng.org.choices import Role
from minsheng.org.models import Region
from minsheng.org.scope import ObjectScope, UserScope, roles, scope_condition, user_scope

from .models import AuditEvent

AUDIT_READERS = roles(Role.AUDITOR, Role.LEADER)
AUDIT_RULES = ObjectScope(read_region=AUDIT_READERS, region_lookup="region")


def _reader_condition(user) -> Q | None:
    scope = user_scope(user)
    readers = tuple(g for g in scope.grants if g.role in AUDIT_READERS)
    if not readers:
        return None
    return scope_condition(
        UserScope(user_id=scope.user_id, is_superuser=False, grants=readers), action="read", rules=AUDIT_RULES
    )


def may_read_audit(*, user) -> bool:
    return _reader_condition(user) is not None


@dataclass(frozen=True)
class AuditFilters:
    actor: str = ""
    action: str = ""
    object_type: str = ""
    object_id: str = ""
    since: dt.date | None = None
    until: dt.date | None = None  # inclusive: the whole day, in the city's time
    region: Region | None = None


def _city_midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def audit_event_list(
    *, user, filters: AuditFilters | None = None, action: str | None = None, object_type: str | None = None
) -> QuerySet[AuditEvent]:
    """The events ``user`` may read, narrowed by ``filters`` (newest first)."""
    condition = _reader_condition(user)
    if condition is None:
        return AuditEvent.objects.none()
    qs = AuditEvent.objects.filter(condition) if condition else AuditEvent.objects.all()
    f = filters or AuditFilters(action=action or "", object_type=object_type or "")
    if f.actor:
        qs = qs.filter(
            Q(actor_name__icontains=f.actor) | Q(summary__username=f.actor) | Q(actor_id__in=_user_ids(f.actor))
        )
    if f.action:
        qs = qs.filter(action__startswith=f.action)
    if f.object_type:
        qs = qs.filter(object_type=f.object_type)
    if f.object_id:
        qs = qs.filter(object_id=f.object_id)
    if f.since:
        qs = qs.filter(occurred_at__gte=_city_midnight(f.since))
    if f.until:
        qs = qs.filter(occurred_at__lt=_city_midnight(f.until + dt.timedelta(days=1)))
    if f.region is not None:
        qs = qs.filter(region__path__startswith=f.region.path)
    return qs.select_related("region")


def _user_ids(text: str):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(username=text).values("pk")


def audit_regions(*, user) -> QuerySet[Region]:
    """The regions a reader may filter by: their grants' regions and everything below."""
    scope = user_scope(user)
    paths = [g.region_path for g in scope.grants if g.role in AUDIT_READERS]
    if not paths:
        return Region.objects.none()
    if any(p is None for p in paths):
        return Region.objects.exclude(level="grid")
    condition = Q()
    for path in paths:
        condition |= Q(path__startswith=path)
    return Region.objects.filter(condition).exclude(level="grid")


def audit_actions(*, user) -> list[str]:
    return list(audit_event_list(user=user).order_by().values_list("action", flat=True).distinct()[:200])


def audit_object_types(*, user) -> list[str]:
    return list(audit_event_list(user=user).order_by().values_list("object_type", flat=True).distinct()[:200])
