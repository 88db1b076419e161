"""Every figure insight shows, computed from the other systems' records and scoped to the person asking.

Insight owns no figures: it reads appeals, projects and grants through the scope rules those apps
declare (``APPEAL_SCOPE``, ``project_scope``, ``GRANT_SCOPE``, ``POLICY_SCOPE``), so a district
leader's dashboard counts their district and a unit head's counts their unit, and an app with no
data yet simply counts zero. Every appeal rate comes from ``minsheng.appeals.metrics`` (the one
formula per rate of DESIGN §5, with its cohorts), so the dashboard, a report and the appeal statistics
page always agree; a unit's appeal figures are the cases it leads, as there.
"""

import datetime as dt
import hashlib
from collections import defaultdict
from dataclasses import dataclass, replace

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Max, Q, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from minsheng.appeals import metrics as appeal_metrics
from minsheng.appeals.choices import OPEN_STATES, Kind, State
from minsheng.appeals.models import Appeal, Category
from minsheng.appeals.selectors import APPEAL_SCOPE
from minsheng.org.choices import RegionLevel, Role
from minsheng.org.models import Region, Unit
from minsheng.org.scope import Grant as ScopeGrant
from minsheng.org.scope import ObjectScope, UserScope, restrict, roles, scope_condition, user_scope
from minsheng.projects.choices import ACTIVE_STATUSES, ProjectStatus, WarningLevel
from minsheng.projects.models import Project
from minsheng.projects.selectors import project_can_manage, project_scope
from minsheng.subsidies.choices import HOLDING_STATES, GrantState, VersionState
from minsheng.subsidies.models import Grant, PolicyVersion
from minsheng.subsidies.selectors import GRANT_SCOPE, POLICY_SCOPE
from minsheng.workdays.selectors import calendar_current

from . import hotspots
from .models import HotspotProject, Notification, PublicFigures
from .periods import SHANGHAI, Period, month_of, rate

# Who sees the dashboard and reports: leaders, supervisors, administrators, and unit heads (their unit).
DASHBOARD_ROLES = roles(Role.LEADER, Role.SUPERVISOR, Role.ADMIN, Role.UNIT_HEAD)
# Who sees hotspots: those who watch the city, and project officers who turn hotspots into projects.
HOTSPOT_ROLES = roles(Role.LEADER, Role.SUPERVISOR, Role.ADMIN, Role.DISPATCHER, Role.PROJECT_OFFICER)
# Project officers read the cases of their region for hotspots only: titles and places, never callers.
HOTSPOT_APPEAL_SCOPE = ObjectScope(
    read_region=APPEAL_SCOPE.read_region | roles(Role.PROJECT_OFFICER),
    read_unit=APPEAL_SCOPE.read_unit,
    region_lookup="region",
    unit_lookup="legs__unit",
    unit_conditions=APPEAL_SCOPE.unit_conditions,
)
URGENT_YELLOW_HOURS = 2


class CityReader:
    """The public page reads the whole city as a leader without a region would: read-only, and only
    through the aggregate selectors below, which return counts and rates, never a row."""

    is_authenticated = True
    is_active = True
    is_superuser = False
    pk = None
    _minsheng_scope = UserScope(user_id=0, is_superuser=False,
                                grants=(ScopeGrant(role=Role.LEADER, unit_id=None, region_path=None),))


CITY = CityReader()


def may_see_dashboard(user) -> bool:
    return user_scope(user).has_role(*DASHBOARD_ROLES)


def may_see_hotspots(user) -> bool:
    return user_scope(user).has_role(*HOTSPOT_ROLES)


def may_turn_into_project(user) -> bool:
    return project_can_manage(user)


def link_to(url_name: str, query: str = "") -> str | None:
    """The page a figure comes from, when that page exists yet (other apps are built in parallel)."""
    try:
        return reverse(url_name) + query
    except NoReverseMatch:
        return None


# --- the scoped record sets ---------------------------------------------------------------
def _flat(queryset: QuerySet) -> QuerySet:
    """A restricted queryset that joined through a to-many lookup is DISTINCT; aggregate over its ids."""
    if queryset.query.distinct:
        return queryset.model.objects.filter(pk__in=queryset.values("pk"))
    return queryset


def appeals_in_scope(*, user, district: Region | None = None,
                     rules: ObjectScope = appeal_metrics.CASE_METRICS_SCOPE) -> QuerySet:
    qs = _flat(restrict(Appeal.objects.all(), user=user, action="read", rules=rules))
    if district is not None:
        qs = qs.filter(region__path__startswith=district.path)
    return qs


def projects_in_scope(*, user, district: Region | None = None) -> QuerySet:
    qs = _flat(project_scope(Project.objects.all(), user=user))
    if district is not None:
        qs = qs.filter(district=district)
    return qs


def grants_in_scope(*, user, district: Region | None = None) -> QuerySet:
    qs = _flat(restrict(Grant.objects.all(), user=user, action="read", rules=GRANT_SCOPE))
    if district is not None:
        qs = qs.filter(enterprise__district=district)
    return qs


def budget_in_scope(*, user) -> int:
    """Budgets of the published policy versions (policies are city-wide documents), in fen."""
    if scope_condition(user_scope(user), action="read", rules=POLICY_SCOPE) is None:
        return 0
    total = PolicyVersion.objects.filter(state=VersionState.PUBLISHED).aggregate(total=Sum("budget"))["total"]
    return total or 0


def districts_for(*, user) -> list[Region]:
    """The districts a report may be narrowed to: all of them for a city-wide role, else those within
    the person's region grants (the figures are scoped to the person either way)."""
    scope = user_scope(user)
    qs = Region.objects.filter(level=RegionLevel.DISTRICT).order_by("code")
    if scope.is_superuser or any(g.region_path is None for g in scope.grants):
        return list(qs)
    condition = Q(pk__in=[])
    for grant in scope.grants:
        condition |= Q(path__startswith=grant.region_path)
    return list(qs.filter(condition))


# --- appeals -------------------------------------------------------------------------------
def _yellow_bound(now: dt.datetime) -> dt.datetime:
    """Cases due before this instant (by working days) are "due within one working day" (yellow)."""
    today = timezone.localtime(now, SHANGHAI).date()
    day = calendar_current().add_working_days(today, 2)
    return dt.datetime.combine(day, dt.time.min, tzinfo=SHANGHAI)


def metrics_period(period: Period) -> appeal_metrics.Period:
    return appeal_metrics.Period(period.first, period.after - dt.timedelta(days=1))


def appeal_rates(*, user, period: Period, district: Region | None = None,
                 now: dt.datetime | None = None) -> appeal_metrics.Report:
    """The appeals app's own §5 report for the period (its formulas, cohorts and scope)."""
    return appeal_metrics.appeal_metrics(user=user, period=metrics_period(period),
                                         filters=appeal_metrics.Filters(region=district), now=now)


RATES_CACHE_SECONDS = 300


def scope_signature(user) -> str:
    """The same for two people with the same grants: what they may see is the same."""
    scope = user_scope(user)
    raw = repr((scope.is_superuser, sorted(map(repr, scope.grants))))
    return hashlib.sha256(raw.encode()).hexdigest()[:32]


def month_rates_cached(*, user, now: dt.datetime) -> appeal_metrics.Report:
    """This month's §5 rates for the dashboard: counting a month of a big city takes a few seconds, so
    they are kept for five minutes per scope (the live counts beside them are always fresh)."""
    period = month_of(timezone.localtime(now, SHANGHAI).date())
    key = f"insight:month-rates:{scope_signature(user)}:{period.code}"
    report = cache.get(key)
    if report is None:
        report = appeal_rates(user=user, period=period, now=now)
        cache.set(key, report, RATES_CACHE_SECONDS)
    return report


def appeal_live_figures(appeals: QuerySet, *, user, now: dt.datetime, cached: bool = True) -> dict:
    local = timezone.localtime(now, SHANGHAI)
    today_start = local.replace(hour=0, minute=0, second=0, microsecond=0)
    watched = ~Q(state=State.SUSPENDED)
    yellow = Q(due_hours__isnull=True, due_at__lt=_yellow_bound(now)) | Q(
        due_hours__isnull=False, due_at__lte=now + dt.timedelta(hours=URGENT_YELLOW_HOURS))
    # Two index-friendly queries (open states are few; today is a short range), not a scan of every case.
    counts = appeals.filter(state__in=OPEN_STATES).aggregate(
        open=Count("id"),
        overdue=Count("id", filter=watched & Q(due_at__lt=now)),
        due_soon=Count("id", filter=watched & Q(due_at__gte=now) & yellow),
    )
    counts["today"] = appeals.filter(registered_at__gte=today_start).count()
    # Working-day deadlines that fall on or after the first provisional day may still move.
    first_provisional = calendar_current().first_provisional(local.date())
    counts["provisional_due"] = appeals.filter(
        state__in=OPEN_STATES, due_hours__isnull=True,
        due_at__gte=dt.datetime.combine(first_provisional, dt.time.min, tzinfo=SHANGHAI)).count()
    counts["provisional_from"] = first_provisional
    month = (month_rates_cached(user=user, now=now) if cached
             else appeal_rates(user=user, period=month_of(local.date()), now=now))
    return {
        **counts,
        "month": month.totals.registered,
        "handling_rate": month.rates["completion"],
        "satisfaction": month.rates["satisfaction"],
        "valid_callbacks": month.totals.valid_callbacks,
    }


def appeal_period_figures(*, user, period: Period, district: Region | None = None) -> dict:
    report = appeal_rates(user=user, period=period, district=district)
    totals, rates = report.totals, report.rates
    by_kind = {code: n for code, _label, n in report.by_kind}
    return {
        "registered": totals.registered,
        "inquiries": by_kind.get(Kind.INQUIRY, 0),
        "requests": sum(by_kind.get(k, 0) for k in (Kind.REQUEST, Kind.COMPLAINT, Kind.REPORT)),
        "suggestions": by_kind.get(Kind.SUGGESTION, 0),
        "cohort_closed": totals.closed,
        "due": totals.due,
        "valid_callbacks": totals.valid_callbacks,
        "closing_rate": rates["completion"],
        "on_time_rate": rates["on_time_completion"],
        "signing_rate": rates["signing_on_time"],
        "handling_rate": rates["handling"],
        "callback_rate": rates["callback"],
        "first_contact_rate": rates["first_contact"],
        "satisfaction": rates["satisfaction"],
        "resolution_rate": rates["resolution"],
    }


def appeal_trend(appeals: QuerySet, *, now: dt.datetime, days: int = 30) -> dict:
    """Cases registered and closed per local day over the last ``days`` days."""
    last = timezone.localtime(now, SHANGHAI).date()
    first = last - dt.timedelta(days=days - 1)
    start = dt.datetime.combine(first, dt.time.min, tzinfo=SHANGHAI)

    def per_day(field: str) -> dict[dt.date, int]:
        rows = (appeals.filter(**{f"{field}__gte": start}).annotate(day=TruncDate(field, tzinfo=SHANGHAI))
                .values("day").annotate(n=Count("id")).order_by())
        return {row["day"]: row["n"] for row in rows}

    registered, closed = per_day("registered_at"), per_day("closed_at")
    dates = [first + dt.timedelta(days=i) for i in range(days)]
    return {
        "days": [d.strftime("%m-%d") for d in dates],
        "registered": [registered.get(d, 0) for d in dates],
        "closed": [closed.get(d, 0) for d in dates],
    }


# --- projects and funds ----------------------------------------------------------------------
def project_figures(projects: QuerySet, *, period: Period | None = None) -> dict:
    active = Q(status__in=ACTIVE_STATUSES)
    counts = projects.exclude(status=ProjectStatus.CANCELLED).aggregate(
        listed=Count("id"),
        completed=Count("id", filter=Q(status=ProjectStatus.COMPLETED)),
        in_progress=Count("id", filter=Q(status=ProjectStatus.IN_PROGRESS)),
        not_started=Count("id", filter=Q(status=ProjectStatus.NOT_STARTED)),
        on_track=Count("id", filter=active & Q(warning=WarningLevel.GREEN)),
        red=Count("id", filter=active & Q(warning=WarningLevel.RED)),
        yellow=Count("id", filter=active & Q(warning=WarningLevel.YELLOW)),
    )
    counts["lagging"] = counts["red"] + counts["yellow"]
    counts["completion_rate"] = rate(counts["completed"], counts["listed"])
    if period is not None:
        start, end = period.start(SHANGHAI), period.end(SHANGHAI)
        counts["completed_in_period"] = projects.filter(status=ProjectStatus.COMPLETED, completed_at__gte=start,
                                                        completed_at__lt=end).count()
    return counts


def fund_figures(grants: QuerySet, *, budget: int, period: Period | None = None) -> dict:
    paid = Q(state=GrantState.PAID)
    if period is not None:
        paid &= Q(paid_at__gte=period.start(SHANGHAI), paid_at__lt=period.end(SHANGHAI))
    counts = grants.aggregate(
        paid_fen=Sum("amount", filter=paid),
        paid_grants=Count("id", filter=paid),
        paid_enterprises=Count("enterprise", filter=paid, distinct=True),
        held_fen=Sum("amount", filter=Q(state__in=HOLDING_STATES)),
        eligible=Count("enterprise", distinct=True),
        confirmed=Count("id", filter=~Q(state__in=[GrantState.OFFERED, GrantState.REFUSED])),
    )
    counts["paid_fen"] = counts["paid_fen"] or 0
    counts["held_fen"] = counts["held_fen"] or 0
    counts["budget_fen"] = budget
    counts["budget_used"] = rate(counts["held_fen"], budget)
    if period is not None:
        durations = [
            (paid_at - confirmed_at).total_seconds()
            for paid_at, confirmed_at in grants.filter(paid, confirmed_at__isnull=False)
            .values_list("paid_at", "confirmed_at")[:20000]
        ]
        durations.sort()
        counts["median_seconds_to_pay"] = durations[len(durations) // 2] if durations else None
    return counts


# --- the dashboard ---------------------------------------------------------------------------
def lagging_units(appeals: QuerySet, projects: QuerySet, *, now: dt.datetime, limit: int = 10) -> list[dict]:
    """Units with overdue open cases or red/yellow projects, the worst first."""
    rows: dict[int, dict] = defaultdict(lambda: {"overdue": 0, "open": 0, "lagging_projects": 0})
    for row in (appeals.filter(state__in=OPEN_STATES, lead_unit__isnull=False).values("lead_unit")
                .annotate(open=Count("id"), overdue=Count("id", filter=Q(due_at__lt=now) & ~Q(state=State.SUSPENDED)))
                .order_by()):
        rows[row["lead_unit"]].update(open=row["open"], overdue=row["overdue"])
    for row in (projects.filter(status__in=ACTIVE_STATUSES, warning__in=[WarningLevel.RED, WarningLevel.YELLOW])
                .values("lead_unit").annotate(n=Count("id")).order_by()):
        rows[row["lead_unit"]]["lagging_projects"] = row["n"]
    worst = sorted(((unit_id, r) for unit_id, r in rows.items() if r["overdue"] or r["lagging_projects"]),
                   key=lambda item: (-(item[1]["overdue"] + item[1]["lagging_projects"]), item[0]))[:limit]
    names = dict(Unit.objects.filter(pk__in=[unit_id for unit_id, _ in worst]).values_list("pk", "name"))
    return [{"unit_id": unit_id, "name": names.get(unit_id, "?"), **r} for unit_id, r in worst]


def district_breakdown(appeals: QuerySet, projects: QuerySet, grants: QuerySet, *, now: dt.datetime) -> list[dict]:
    """Per district: cases this month, open and overdue; projects and completed; funds paid."""
    month_start = timezone.localtime(now, SHANGHAI).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    districts = {r.path: r for r in Region.objects.filter(level=RegionLevel.DISTRICT)}
    region_district: dict[int, str] = {}
    for pk, path in Region.objects.values_list("pk", "path"):
        region_district[pk] = next((p for p in districts if path.startswith(p)), "")
    rows: dict[str, dict] = {
        path: {"name": r.name, "code": r.code, "appeals_month": 0, "open": 0, "overdue": 0, "projects": 0,
               "completed": 0, "paid_fen": 0}
        for path, r in districts.items()
    }
    for row in appeals.filter(registered_at__gte=month_start).values("region").annotate(n=Count("id")).order_by():
        if target := rows.get(region_district.get(row["region"], "")):
            target["appeals_month"] += row["n"]
    for row in (appeals.filter(state__in=OPEN_STATES).values("region").annotate(
            open=Count("id"), overdue=Count("id", filter=Q(due_at__lt=now) & ~Q(state=State.SUSPENDED)))
            .order_by()):
        if target := rows.get(region_district.get(row["region"], "")):
            target["open"] += row["open"]
            target["overdue"] += row["overdue"]
    by_pk = {r.pk: path for path, r in districts.items()}
    for row in (projects.exclude(status=ProjectStatus.CANCELLED).filter(district__isnull=False).values("district")
                .annotate(n=Count("id"), done=Count("id", filter=Q(status=ProjectStatus.COMPLETED))).order_by()):
        if target := rows.get(by_pk.get(row["district"], "")):
            target["projects"] += row["n"]
            target["completed"] += row["done"]
    for row in (grants.filter(state=GrantState.PAID, enterprise__district__isnull=False)
                .values("enterprise__district").annotate(fen=Sum("amount")).order_by()):
        if target := rows.get(by_pk.get(row["enterprise__district"], "")):
            target["paid_fen"] += row["fen"] or 0
    return [r for _, r in sorted(rows.items()) if any(r[k] for k in ("appeals_month", "open", "projects", "paid_fen"))]


def dashboard(*, user, now: dt.datetime | None = None) -> dict:
    """The live picture. With an explicit ``now`` (tests, benchmarks) nothing comes from the cache."""
    cached = now is None
    now = now or timezone.now()
    appeals = appeals_in_scope(user=user)
    projects = projects_in_scope(user=user)
    grants = grants_in_scope(user=user)
    return {
        "now": now,
        "appeals": appeal_live_figures(appeals, user=user, now=now, cached=cached),
        "projects": project_figures(projects),
        "funds": fund_figures(grants, budget=budget_in_scope(user=user)),
        "lagging_units": lagging_units(appeals, projects, now=now),
        "districts": district_breakdown(appeals, projects, grants, now=now),
        "trend": appeal_trend(appeals, now=now),
        "hotspot_projects": hotspot_project_list(user=user)[:5],
    }


# --- reports ---------------------------------------------------------------------------------
def period_report(*, user, period: Period, district: Region | None = None) -> dict:
    projects = projects_in_scope(user=user, district=district)
    grants = grants_in_scope(user=user, district=district)
    return {
        "period": period,
        "district": district,
        "appeals": appeal_period_figures(user=user, period=period, district=district),
        "projects": project_figures(projects, period=period),
        "funds": fund_figures(grants, budget=budget_in_scope(user=user) if district is None else 0, period=period),
    }


# --- the public page -------------------------------------------------------------------------
PUBLIC_FRESH_MINUTES = 30


def public_figures_latest(*, year: int) -> tuple[dict, dt.datetime]:
    """The public figures and when they were counted: the periodic task's last count while it is fresh
    (under half an hour), else counted now — the page never shows figures older than that."""
    now = timezone.now()
    row = PublicFigures.objects.filter(year=year, computed_at__gte=now - dt.timedelta(minutes=PUBLIC_FRESH_MINUTES)
                                       ).first()
    if row is not None:
        return row.figures, row.computed_at
    return public_figures(year=year), now


def public_figures(*, year: int, now: dt.datetime | None = None) -> dict:
    """The city's headline figures for anyone: counts and rates only, nothing about a person or a case."""
    today = timezone.localtime(now, SHANGHAI).date() if now else timezone.localdate()
    last = min(dt.date(year, 12, 31), today) if year == today.year else dt.date(year, 12, 31)
    report = appeal_metrics.appeal_metrics(user=CITY, period=appeal_metrics.Period(dt.date(year, 1, 1), last),
                                           now=now)
    by_kind = {code: n for code, _label, n in report.by_kind}
    start = dt.datetime(year, 1, 1, tzinfo=SHANGHAI)
    end = dt.datetime(year + 1, 1, 1, tzinfo=SHANGHAI)
    projects = project_figures(Project.objects.filter(project_list__is_published=True))
    paid = Q(state=GrantState.PAID, paid_at__gte=start, paid_at__lt=end)
    funds = Grant.objects.aggregate(paid_fen=Sum("amount", filter=paid),
                                    enterprises=Count("enterprise", filter=paid, distinct=True))
    return {
        "year": year,
        "appeals": {
            "registered": report.totals.registered,
            "closed": report.totals.closed,
            "inquiries": by_kind.get(Kind.INQUIRY, 0),
            "requests": sum(by_kind.get(k, 0) for k in (Kind.REQUEST, Kind.COMPLAINT, Kind.REPORT)),
            "suggestions": by_kind.get(Kind.SUGGESTION, 0),
            "closing_rate": report.rates["completion"],
            "satisfaction": report.rates["satisfaction"],
        },
        "projects": {k: projects[k] for k in ("listed", "completed", "in_progress", "not_started", "completion_rate")},
        "funds": {"paid_fen": funds["paid_fen"] or 0, "enterprises": funds["enterprises"]},
    }


# --- hotspots --------------------------------------------------------------------------------
def similarity_threshold() -> float:
    """How alike two groups of cases must be, on average, to be one hotspot (cosine, 0–1)."""
    return float(getattr(settings, "INSIGHT_HOTSPOT_SIMILARITY", hotspots.DEFAULT_THRESHOLD))


HOTSPOT_KINDS = [Kind.REQUEST, Kind.COMPLAINT, Kind.REPORT, Kind.SUGGESTION]


def _hotspot_cases(*, user, since: dt.datetime, until: dt.datetime | None = None) -> QuerySet:
    """The cases the user may read, registered in the window: problems, not questions (inquiries are left out)."""
    qs = appeals_in_scope(user=user, rules=HOTSPOT_APPEAL_SCOPE).filter(registered_at__gte=since,
                                                                         kind__in=HOTSPOT_KINDS)
    return qs if until is None else qs.filter(registered_at__lt=until)


def hotspot_docs(*, user, since: dt.datetime, until: dt.datetime | None = None) -> list[hotspots.AppealDoc]:
    rows = _hotspot_cases(user=user, since=since, until=until).values_list(
        "id", "number", "region__path", "category_id", "title", "content", "registered_at")
    return [hotspots.AppealDoc(id=i, number=n, region_path=p, category_id=c, text=f"{t} {body}", registered_at=r)
            for i, n, p, c, t, body, r in rows.iterator(chunk_size=5000)]


HOTSPOT_CACHE_SECONDS = 600
HOTSPOTS_KEPT = 200  # the page shows 30; a hotspot must be among these to be turned into a project


def hotspot_clusters(*, user, days: int, level: str, min_size: int, now: dt.datetime | None = None
                     ) -> list[hotspots.Hotspot]:
    """The biggest hotspots among the cases the user may read, biggest first.

    Clustering a city's month takes seconds, so the result is cached for everyone who sees the same
    cases (the key is the scope's SQL, not the person) and the same window, until a case enters or
    leaves the window (the key holds the window's count and newest id) or ten minutes pass; the
    periodic task ``insight_warm_hotspots`` keeps the city-wide default window warm. An explicit
    ``now`` (a look at the past, a benchmark) always recomputes.
    """
    threshold = similarity_threshold()
    if now is not None:
        docs = hotspot_docs(user=user, since=now - dt.timedelta(days=days), until=now)
        return hotspots.cluster(docs, level=level, min_size=min_size, threshold=threshold)[:HOTSPOTS_KEPT]
    since = timezone.now() - dt.timedelta(days=days)
    marker = _hotspot_cases(user=user, since=since).aggregate(n=Count("id"), last=Max("id"))
    visible_sql = str(appeals_in_scope(user=user, rules=HOTSPOT_APPEAL_SCOPE).query)
    raw = repr((visible_sql, days, level, min_size, threshold, marker["n"], marker["last"]))
    key = "insight:hotspots:" + hashlib.sha256(raw.encode()).hexdigest()
    found = cache.get(key)
    if found is None:
        found = hotspots.cluster(hotspot_docs(user=user, since=since), level=level, min_size=min_size,
                                 threshold=threshold)[:HOTSPOTS_KEPT]
        for hotspot in found:  # the cache keeps who and where, not what people wrote
            hotspot.docs = [replace(doc, text="") for doc in hotspot.docs]
        cache.set(key, found, HOTSPOT_CACHE_SECONDS)
    return found


@dataclass
class HotspotView:
    """A hotspot with what the page shows: its place, category, cases and the project it became."""

    hotspot: hotspots.Hotspot
    place: Region | None
    category: Category | None
    appeals: list[Appeal]
    link: HotspotProject | None


def hotspot_list(*, user, days: int = 30, level: str = "community", min_size: int = hotspots.DEFAULT_MIN_SIZE,
                 now: dt.datetime | None = None, limit: int = 30) -> list[HotspotView]:
    found = hotspot_clusters(user=user, days=days, level=level, min_size=min_size, now=now)[:limit]
    places = {r.code: r for r in Region.objects.filter(code__in={h.place_code for h in found})}
    categories = Category.objects.in_bulk({h.category_id for h in found})
    appeal_ids = {i for h in found for i in h.appeal_ids}
    appeals = Appeal.objects.select_related("region").only(
        "id", "number", "title", "registered_at", "state", "region__name", "address").in_bulk(appeal_ids)
    links = _links_by_appeal()
    views = []
    for h in found:
        link = links.get(("key", h.key)) or next((links[("appeal", i)] for i in h.appeal_ids
                                                  if ("appeal", i) in links), None)
        views.append(HotspotView(hotspot=h, place=places.get(h.place_code), category=categories.get(h.category_id),
                                 appeals=[appeals[i] for i in h.appeal_ids if i in appeals], link=link))
    return views


def hotspot_find(*, user, key: str, days: int, level: str, min_size: int = hotspots.DEFAULT_MIN_SIZE,
                 now: dt.datetime | None = None) -> hotspots.Hotspot:
    """One hotspot by its key, as the page showed it (same window); DoesNotExist (404) otherwise."""
    for h in hotspot_clusters(user=user, days=days, level=level, min_size=min_size, now=now):
        if h.key == key:
            return h
    raise HotspotProject.DoesNotExist(key)


def _links_by_appeal() -> dict[tuple[str, object], HotspotProject]:
    index: dict[tuple[str, object], HotspotProject] = {}
    for link in HotspotProject.objects.select_related("project"):
        index[("key", link.hotspot_key)] = link
        for appeal_id in link.appeal_ids:
            index[("appeal", appeal_id)] = link
    return index


def unit_serving(place: Region) -> Unit | None:
    """The unit closest to a place: the office serving it or the nearest region above it (a suggestion only)."""
    ancestors = [code for code in place.path.split("/") if code]
    for code in reversed(ancestors):
        unit = Unit.objects.filter(is_active=True, regions__code=code).order_by("kind", "code").first()
        if unit is not None:
            return unit
    return None


def hotspot_project_list(*, user) -> list[HotspotProject]:
    """Hotspots turned into projects, for the projects the user may read."""
    visible = project_scope(Project.objects.all(), user=user).values("pk")
    return list(HotspotProject.objects.filter(project__in=visible).select_related("project", "place", "category")
                .annotate(told=Count("notifications")))


def notifications_for(*, user) -> list[Notification]:
    """A citizen's own outcome messages."""
    if not user.is_authenticated:
        return []
    return list(Notification.objects.filter(citizen=user).select_related("appeal", "link__project")[:100])
