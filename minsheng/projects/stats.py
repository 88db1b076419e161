"""Project statistics (DESIGN §5): listed, completed, in progress, not started, lagging — by list level,
category, lead unit and district — and the monthly trend from stored snapshots. Reads only, scoped.

Definitions (one each): *listed* = projects on the lists (cancelled ones included: they were listed);
*completed*, *in progress*, *not started* = by declared status; *lagging* = red or yellow now
(only projects not started or in progress are watched); *indicator completion* = actual / target.
"""

import datetime as dt

from django.db.models import Count, F, Q
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from minsheng.org.models import Region, Unit

from .choices import ProjectStatus, WarningLevel
from .models import ListLevel, MonthlySnapshot, ProjectCategory
from .selectors import project_scope

COUNTS = {
    "listed": Count("pk"),
    "completed": Count("pk", filter=Q(status=ProjectStatus.COMPLETED)),
    "in_progress": Count("pk", filter=Q(status=ProjectStatus.IN_PROGRESS)),
    "not_started": Count("pk", filter=Q(status=ProjectStatus.NOT_STARTED)),
    "suspended": Count("pk", filter=Q(status=ProjectStatus.SUSPENDED)),
    "cancelled": Count("pk", filter=Q(status=ProjectStatus.CANCELLED)),
    "red": Count("pk", filter=Q(warning=WarningLevel.RED)),
    "yellow": Count("pk", filter=Q(warning=WarningLevel.YELLOW)),
}


def _with_lagging(row: dict) -> dict:
    row["lagging"] = row["red"] + row["yellow"]
    row["completion_rate"] = row["completed"] / row["listed"] if row["listed"] else None
    return row


def _grouped(projects, key, names: dict) -> list[dict]:
    expression = F(key) if isinstance(key, str) else key
    rows = projects.values(group=expression).annotate(**COUNTS).order_by()
    result = []
    for row in rows:
        row = _with_lagging(dict(row))
        row["name"] = names.get(row["group"], "—") if row["group"] is not None else "—"
        result.append(row)
    return sorted(result, key=lambda r: (-r["listed"], str(r["name"])))


def project_statistics(*, user, year: int | None = None, level_id: int | None = None,
                       months: int = 12, today: dt.date | None = None) -> dict:
    projects = project_scope(user=user)
    if year:
        projects = projects.filter(project_list__year=year)
    if level_id:
        projects = projects.filter(project_list__level_id=level_id)
    totals = _with_lagging(projects.aggregate(**COUNTS))
    by_level = _grouped(projects, "project_list__level_id", dict(ListLevel.objects.values_list("pk", "name")))
    by_category = _grouped(projects, Coalesce("category__parent_id", "category_id"),
                           dict(ProjectCategory.objects.values_list("pk", "name")))
    by_unit_all = _grouped(projects, "lead_unit_id", {})
    unit_names = dict(Unit.objects.filter(pk__in=[r["group"] for r in by_unit_all])
                      .values_list("pk", "short_name"))
    for row in by_unit_all:
        row["name"] = unit_names.get(row["group"]) or row["name"]
    missing = [r["group"] for r in by_unit_all if not r["name"] or r["name"] == "—"]
    if missing:
        full = dict(Unit.objects.filter(pk__in=missing).values_list("pk", "name"))
        for row in by_unit_all:
            if row["group"] in full:
                row["name"] = full[row["group"]]
    district_names = dict(Region.objects.filter(level="district").values_list("pk", "name"))
    by_district = _grouped(projects, "district_id", district_names)
    for row in by_district:
        if row["group"] is None:
            row["name"] = str(_("City-wide"))
    return {
        "totals": totals,
        "by_level": by_level,
        "by_category": by_category,
        "by_lead_unit": by_unit_all,
        "by_district": by_district,
        "trend": snapshot_trend(projects=projects, months=months, today=today),
    }


def snapshot_trend(*, projects, months: int = 12, today: dt.date | None = None) -> list[dict]:
    """Per stored month: how many projects were listed, completed, in progress, not started, red, yellow."""
    from django.utils import timezone

    today = today or timezone.localdate()
    first = today.replace(day=1)
    for _month in range(months - 1):
        first = (first - dt.timedelta(days=1)).replace(day=1)
    snapshots = MonthlySnapshot.objects.filter(month__gte=first)
    if projects.query.where:  # scoped or filtered: only those projects' snapshots
        snapshots = snapshots.filter(project__in=projects.values("pk"))
    rows = snapshots.values("month").annotate(**COUNTS).order_by("month")
    trend = []
    for row in rows:
        row = _with_lagging(dict(row))
        row["month"] = row["month"].strftime("%Y-%m")
        trend.append(row)
    return trend
