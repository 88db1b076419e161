"""Project statistics (DESIGN §5): listed, completed, in progress, not started, lagging, was lagging —
by list level, category, type, source, research topic, lead unit and district — the key programmes'
figures and the monthly trend from stored snapshots. Reads only, scoped.

Definitions (one each): *listed* = projects on the lists (cancelled ones included: they were listed);
*completed*, *in progress*, *not started* = by declared status; *lagging* = red or yellow now
(only projects not started or in progress are watched); *was lagging* = red or yellow at any time,
now or before, read from the warning history (every change of warning is an event row), so a
project that caught up still counts; *indicator completion* = (actual − baseline) / (target − baseline),
clipped to [0, 1] (``rollup.indicator_completion``, the same on every page and in the export).
"""

import datetime as dt
from collections import Counter
from decimal import Decimal

from django.db.models import Count, F
from django.utils.translation import gettext as _

from minsheng.org.models import Region, Unit

from .choices import ProjectSource
from .models import Indicator, ListLevel, MonthlyFigure, MonthlySnapshot, ProjectCategory
from .rollup import indicator_share
from .selectors import LAGGING, lagging_history, project_scope, project_scope_is_everything

EMPTY = {"listed": 0, "completed": 0, "in_progress": 0, "not_started": 0, "suspended": 0, "cancelled": 0,
         "red": 0, "yellow": 0, "was_lagging": 0}


def _fold(rows) -> dict:
    """Counts by (group, status, warning[, was lagging]) folded into one row of figures per group.

    Grouping by the small columns and counting once is several times cheaper for the
    database than one filtered COUNT per figure, and gives the same numbers.
    """
    folded: dict = {}
    for group, status, warning, *rest in rows:
        count = rest[-1]
        row = folded.get(group)
        if row is None:
            row = folded[group] = dict(EMPTY)
        row["listed"] += count
        if status in row:
            row[status] += count
        if warning in LAGGING:
            row[warning] += count
        if len(rest) == 2 and rest[0]:
            row["was_lagging"] += count
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




def _breakdowns(projects) -> tuple[dict[str, dict], dict[int, dict[str, set]]]:
    """Every breakdown from one read of the projects' small columns, counted in Python.

    The projects' (level, type, source, topic, lead unit, district, status, warning, was lagging) are
    read once — no GROUP BY: over so many columns the database spends longer sorting than Python spends
    counting — and each breakdown is a count of (its group, status, warning, was lagging).
    Also, per list level, the distinct lead units, categories, types and research topics its
    projects come from ("352 projects from 105 units in 6 categories").
    """
    parents = dict(ProjectCategory.objects.values_list("pk", "parent_id"))
    rows = list(projects.annotate(level=F("project_list__level_id"), lagged=lagging_history())
                .values_list("level", "category_id", "source", "research_topic", "lead_unit_id", "district_id",
                             "status", "warning", "lagged").order_by())
    columns = list(zip(*rows, strict=True)) or [()] * 9
    levels, kinds, sources, topics, lead_units, districts, statuses, warnings, lagged = columns
    tops = [parents.get(kind) or kind for kind in kinds]
    groups = {"totals": [None] * len(rows), "level": levels, "category": tops, "type": kinds, "source": sources,
              "research_topic": [topic or None for topic in topics], "lead_unit": lead_units, "district": districts}
    # Counting tuples with Counter runs in C: a few milliseconds per breakdown for 10,000 projects.
    by = {name: [(*key, count) for key, count in
                 Counter(zip(values, statuses, warnings, lagged, strict=True)).items()]
          for name, values in groups.items()}
    spread: dict[int, dict[str, set]] = {}
    for level, lead_unit, top, kind, topic in set(zip(levels, lead_units, tops, kinds, topics, strict=True)):
        seen = spread.setdefault(level, {"lead_units": set(), "categories": set(), "types": set(), "topics": set()})
        seen["lead_units"].add(lead_unit)
        if top is not None:
            seen["categories"].add(top)
        if kind is not None and kind != top:
            seen["types"].add(kind)
        if topic:
            seen["topics"].add(topic)
    return {name: _fold(items) for name, items in by.items()}, spread


def project_statistics(*, user, year: int | None = None, level_id: int | None = None,
                       months: int = 12, today: dt.date | None = None) -> dict:
    projects = project_scope(user=user)
    if year:
        projects = projects.filter(project_list__year=year)
    if level_id:
        projects = projects.filter(project_list__level_id=level_id)
    city_wide = project_scope_is_everything(user)
    folded, spread = _breakdowns(projects)
    totals = _with_lagging(folded["totals"].get(None, dict(EMPTY)))
    by_level = _rows(folded["level"], dict(ListLevel.objects.values_list("pk", "name")))
    for row in by_level:
        seen = spread.get(row["group"], {})
        row.update({key: len(seen.get(key, ())) for key in ("lead_units", "categories", "types", "topics")})
    category_names = dict(ProjectCategory.objects.values_list("pk", "name"))
    by_category = _rows(folded["category"], category_names)
    by_type = _rows(folded["type"], category_names)
    by_source = _rows(folded["source"], {value: str(label) for value, label in ProjectSource.choices})
    topics = folded["research_topic"]
    by_research_topic = _rows({key: row for key, row in topics.items() if key}, {key: key for key in topics if key})
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
        "by_type": by_type,
        "by_source": by_source,
        "by_research_topic": by_research_topic,
        "by_lead_unit": by_unit_all,
        "by_district": by_district,
        "programmes": programme_figures(projects=projects),
        "trend": snapshot_trend(projects=projects, months=months, today=today,
                                summary={"year": year, "level_id": level_id} if city_wide else None),
    }


def _share(baseline, target, actual) -> float | None:
    if actual is None:
        return None
    return indicator_share(baseline, target, actual)


def programme_figures(*, projects) -> list[dict]:
    """The key programmes' indicators, as the city publishes them: each indicator with its completion,
    and each group of indicators added up (targets, actuals, how many) — e.g. road hazards found
    (the targets) and treated (the actuals) over their categories."""
    indicators = (Indicator.objects.filter(project__in=projects.filter(flagship=True))
                  .select_related("project").order_by("project__code", "pk"))
    programmes: dict[int, dict] = {}
    for indicator in indicators:
        project = indicator.project
        programme = programmes.setdefault(project.pk, {
            "project": project.pk, "code": project.code, "title": project.title, "progress": project.progress,
            "status": project.status, "indicators": [], "groups": {}})
        if indicator.group:
            group = programme["groups"].setdefault(indicator.group, {
                "name": indicator.group, "unit": indicator.unit, "count": 0, "baseline": Decimal(0),
                "target": Decimal(0), "actual": Decimal(0), "reported": 0, "members": []})
            group["members"].append({
                "name": indicator.name, "unit": indicator.unit, "target": indicator.target, "actual": indicator.actual,
                "completion": _share(indicator.baseline, indicator.target, indicator.actual)})
            group["count"] += 1
            group["baseline"] += indicator.baseline
            group["target"] += indicator.target
            if indicator.actual is not None:
                group["actual"] += indicator.actual
                group["reported"] += 1
            continue
        programme["indicators"].append({
            "name": indicator.name, "unit": indicator.unit, "baseline": indicator.baseline,
            "target": indicator.target, "actual": indicator.actual,
            "completion": _share(indicator.baseline, indicator.target, indicator.actual)})
    result = []
    for programme in programmes.values():
        groups = list(programme["groups"].values())
        for group in groups:
            group["completion"] = _share(group["baseline"], group["target"],
                                         group["actual"] if group["reported"] else None)
        programme["groups"] = groups
        result.append(programme)
    return result


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
