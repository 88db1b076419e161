"""Project statistics (DESIGN §5): listed, completed, in progress, not started, lagging — by list level,
category, lead unit and district — and the monthly trend from stored snapshots. Reads only, scoped.

Definitions (one each): *listed* = projects on the lists (cancelled ones included: they were listed);
*completed*, *in progress*, *not started* = by declared status; *lagging* = red or yellow now
(only projects not started or in progress are watched); *indicator completion* = (actual − baseline) /
(target − baseline), clipped to [0, 1] (``rollup.indicator_completion``, the same on every page and in the export).
"""

import datetime as dt

from django.db.models import Count, F
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from minsheng.org.models import Region, Unit

from .choices import WarningLevel
from .models import ListLevel, MonthlyFigure, MonthlySnapshot, ProjectCategory
from .selectors import project_scope, project_scope_is_everything

EMPTY = {"listed": 0, "completed": 0, "in_progress": 0, "not_started": 0, "suspended": 0, "cancelled": 0,
         "red": 0, "yellow": 0}


def _fold(rows) -> dict:
    """Counts by (group, status, warning) folded into one row of figures per group.

    Grouping by the two small columns and counting once is several times cheaper for the
    database than one filtered COUNT per figure, and gives the same numbers.
    """
    folded: dict = {}
    for group, status, warning, count in rows:
        row = folded.setdefault(group, dict(EMPTY))
        row["listed"] += count
        if status in row:
            row[status] += count
        if warning in (WarningLevel.RED, WarningLevel.YELLOW):
            row[warning] += count
    return folded


def _with_lagging(row: dict) -> dict:
    row["lagging"] = row["red"] + row["yellow"]
    row["completion_rate"] = row["completed"] / row["listed"] if row["listed"] else None
    return row


def _rows(folded: dict, names: dict) -> list[dict]:
    result = []
    for group, row in folded.items():
        row = _with_lagging(row)
        row["group"] = group
        row["name"] = names.get(group) or "—"
        result.append(row)
    return sorted(result, key=lambda r: (-r["listed"], str(r["name"])))


def _breakdowns(projects) -> dict[str, dict]:
    """One GROUP BY over every dimension at once; each breakdown is folded from it in Python.

    The combinations of level × category × lead unit × district × status × warning number in the
    hundreds or low thousands, so one query replaces five scans of the projects.
    """
    rows = (projects.annotate(level=F("project_list__level_id"), top=Coalesce("category__parent_id", "category_id"))
            .values_list("level", "top", "lead_unit_id", "district_id", "status", "warning")
            .annotate(n=Count("pk")).order_by())
    by = {"totals": [], "level": [], "category": [], "lead_unit": [], "district": []}
    for level, top, lead_unit, district, status, warning, count in rows:
        by["totals"].append((None, status, warning, count))
        by["level"].append((level, status, warning, count))
        by["category"].append((top, status, warning, count))
        by["lead_unit"].append((lead_unit, status, warning, count))
        by["district"].append((district, status, warning, count))
    return {name: _fold(items) for name, items in by.items()}


def project_statistics(*, user, year: int | None = None, level_id: int | None = None,
                       months: int = 12, today: dt.date | None = None) -> dict:
    projects = project_scope(user=user)
    if year:
        projects = projects.filter(project_list__year=year)
    if level_id:
        projects = projects.filter(project_list__level_id=level_id)
    city_wide = project_scope_is_everything(user)
    folded = _breakdowns(projects)
    totals = _with_lagging(folded["totals"].get(None, dict(EMPTY)))
    by_level = _rows(folded["level"], dict(ListLevel.objects.values_list("pk", "name")))
    by_category = _rows(folded["category"], dict(ProjectCategory.objects.values_list("pk", "name")))
    units = {pk: short_name or name for pk, short_name, name in
             Unit.objects.filter(pk__in=list(folded["lead_unit"])).values_list("pk", "short_name", "name")}
    by_unit_all = _rows(folded["lead_unit"], units)
    district_names = dict(Region.objects.filter(level="district").values_list("pk", "name"))
    district_names[None] = str(_("City-wide"))
    by_district = _rows(folded["district"], district_names)
    return {
        "totals": totals,
        "by_level": by_level,
        "by_category": by_category,
        "by_lead_unit": by_unit_all,
        "by_district": by_district,
        "trend": snapshot_trend(projects=projects, months=months, today=today,
                                summary={"year": year, "level_id": level_id} if city_wide else None),
    }


def snapshot_trend(*, projects, months: int = 12, today: dt.date | None = None,
                   summary: dict | None = None) -> list[dict]:
    """Per stored month: how many projects were listed, completed, in progress, not started, red, yellow.

    ``summary`` (for a user who sees every project; optional year and level): read the monthly
    figures written with the snapshots — the same counts, a few hundred rows instead of all snapshots.
    """
    from django.utils import timezone

    today = today or timezone.localdate()
    first = today.replace(day=1)
    for _month in range(months - 1):
        first = (first - dt.timedelta(days=1)).replace(day=1)
    if summary is not None:
        figures = MonthlyFigure.objects.filter(month__gte=first)
        if summary.get("year"):
            figures = figures.filter(year=summary["year"])
        if summary.get("level_id"):
            figures = figures.filter(level_id=summary["level_id"])
        rows = figures.values_list("month", "status", "warning", "count")
    else:
        snapshots = MonthlySnapshot.objects.filter(month__gte=first, project__in=projects.values("pk"))
        rows = snapshots.values_list("month", "status", "warning").annotate(n=Count("pk")).order_by()
    trend = []
    for month, row in sorted(_fold(rows).items()):
        row = _with_lagging(row)
        row["month"] = month.strftime("%Y-%m")
        trend.append(row)
    return trend
