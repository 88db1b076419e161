"""Appeals metrics (DESIGN §5): one pure formula per rate, and the aggregate queries that count for them.

The formulas take counts and return a rate in [0, 1], or ``None`` when the denominator is 0 (a rate
over nothing is "no data", never 0% or 100%). The queries count straight from the case and leg
rows with a handful of ``GROUP BY`` statements (no per-case Python), for any period and scope: the
whole city, a district (region subtree), a unit, a category subtree, a channel, a kind — always
narrowed to what the person asking may read.

Each rate has its own cohort, so a period's figures stay stable once the period is over:

==================  ======================================================  ==========================
rate                numerator / denominator                                 cohort in the period
==================  ======================================================  ==========================
受理量 volume       cases registered                                        registered_at
按时签收率          legs signed by their sign-by time / legs due            leg sign_due_at
办结率              closed / registered                                     registered_at
按时办结率          closed by the due date (extensions included, never      due_at
                    after a recorded breach) / cases due
办理率              lead legs answered / lead legs dispatched               leg dispatched_at
回访率              called back (reached) / closed needing a callback       closed_at
解决率              resolved / valid callbacks (suggestions apart)          closed_at
满意率              (satisfied + basically) / valid callbacks               closed_at
首呼解决率          inquiries closed at intake / inquiries                  registered_at
==================  ======================================================  ==========================

"Due" means the deadline has passed or the case (leg) is already done: a case due later this month
that is still open is not counted against anybody yet. Merged duplicates follow their parent and are
left out of the rates (``APPEALS_METRICS_COUNT_MERGED``), but counted in the volume.

Whole past days are summed from the daily roll-up (``AppealDayCounts``, kept by ``rollup.py``) when
its grain can answer the question; today, dirty and never-rolled days are counted live, so the
figures are the same either way (``appeal_metrics(rollup=False)`` counts everything live).
"""

import datetime as dt
import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from functools import reduce
from operator import or_
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.db.models import BooleanField, Count, ExpressionWrapper, F, Q, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from minsheng.org.choices import RegionLevel, Role
from minsheng.org.models import Region, Unit
from minsheng.org.scope import ObjectScope, restrict, roles, scope_condition, user_scope

from .choices import Channel, CloseReason, Kind, LegRole, LegState, Satisfaction, State, SuggestionOutcome
from .models import (
    Appeal,
    AppealDayCounts,
    AppealDirtyDays,
    AppealRolledDay,
    AppealRollupBasis,
    Category,
    DispatchLeg,
)

# --- settings (denominators that differ between cities) ------------------------------------------


def _setting(name: str, default):
    return getattr(settings, f"APPEALS_METRICS_{name}", default)


def satisfied_answers() -> tuple[str, ...]:
    """Answers counted as satisfied in 满意率 (some cities count only "satisfied")."""
    return tuple(_setting("SATISFIED", (Satisfaction.SATISFIED, Satisfaction.BASICALLY_SATISFIED)))


def callback_close_reasons() -> tuple[str, ...]:
    """How a closed case ended when it needed a callback (add "at_intake" where first-contact answers are
    called back too)."""
    return tuple(_setting("CALLBACK_CLOSE_REASONS", (CloseReason.CALLBACK, CloseReason.UNREACHABLE)))


def callback_kinds() -> tuple[str, ...]:
    default = getattr(settings, "APPEALS_CALLBACK_KINDS", (Kind.INQUIRY, Kind.REQUEST, Kind.COMPLAINT, Kind.REPORT))
    return tuple(_setting("CALLBACK_KINDS", default))


def count_merged() -> bool:
    return bool(_setting("COUNT_MERGED", False))


# --- periods -------------------------------------------------------------------------------------
TZ = ZoneInfo(settings.TIME_ZONE)  # the city's zone: every day counted is a day there


@dataclass(frozen=True)
class Period:
    """Whole local days from ``first`` to ``last`` (both included)."""

    first: dt.date
    last: dt.date

    def __post_init__(self):
        if self.last < self.first:
            raise ValueError("a period ends on or after the day it starts")

    @classmethod
    def month(cls, year: int, month: int) -> "Period":
        following = dt.date(year + month // 12, month % 12 + 1, 1)
        return cls(dt.date(year, month, 1), following - dt.timedelta(days=1))

    @classmethod
    def quarter(cls, year: int, quarter: int) -> "Period":
        first_month = 3 * (quarter - 1) + 1
        return cls(cls.month(year, first_month).first, cls.month(year, first_month + 2).last)

    @property
    def start(self) -> dt.datetime:
        return dt.datetime.combine(self.first, dt.time.min, tzinfo=TZ)

    @property
    def end(self) -> dt.datetime:
        """The first instant after the period."""
        return dt.datetime.combine(self.last + dt.timedelta(days=1), dt.time.min, tzinfo=TZ)

    @property
    def days(self) -> list[dt.date]:
        return [self.first + dt.timedelta(days=n) for n in range((self.last - self.first).days + 1)]

    def __str__(self) -> str:
        return f"{self.first:%Y-%m-%d} – {self.last:%Y-%m-%d}"


# --- the formulas (pure) ---------------------------------------------------------------------------
def rate(numerator: int, denominator: int) -> float | None:
    """numerator / denominator, or None when there is nothing to divide by."""
    if denominator < 0 or numerator < 0:
        raise ValueError("counts are never negative")
    if numerator > denominator:
        raise ValueError(f"numerator {numerator} exceeds denominator {denominator}")
    return None if denominator == 0 else numerator / denominator


def signing_on_time_rate(*, signed_on_time: int, legs_due: int) -> float | None:
    """按时签收率 = dispatch legs signed on time / dispatch legs due for signing."""
    return rate(signed_on_time, legs_due)


def completion_rate(*, closed: int, registered: int) -> float | None:
    """办结率 = cases closed / cases registered (the period's cohort)."""
    return rate(closed, registered)


def on_time_completion_rate(*, closed_on_time: int, due: int) -> float | None:
    """按时办结率 = cases closed by their due date (approved extensions included) / cases due in the period."""
    return rate(closed_on_time, due)


def handling_rate(*, answered: int, dispatched: int) -> float | None:
    """办理率 = cases answered by the unit / cases dispatched to it."""
    return rate(answered, dispatched)


def callback_rate(*, called_back: int, needing_callback: int) -> float | None:
    """回访率 = closed cases called back / closed cases that need a callback."""
    return rate(called_back, needing_callback)


def resolution_rate(*, resolved: int, valid_callbacks: int) -> float | None:
    """解决率 = callbacks where the citizen says "resolved" / valid callbacks (suggestions counted apart)."""
    return rate(resolved, valid_callbacks)


def satisfaction_rate(*, satisfied: int, basically_satisfied: int, valid_callbacks: int) -> float | None:
    """满意率 = (satisfied + basically satisfied) / valid callbacks."""
    return rate(satisfied + basically_satisfied, valid_callbacks)


def first_contact_rate(*, closed_at_intake: int, inquiries: int) -> float | None:
    """首呼解决率 = inquiries closed at intake without dispatch / inquiries."""
    return rate(closed_at_intake, inquiries)


@dataclass
class Counts:
    """Every count the rates need, for one slice (the whole scope, a unit, a district)."""

    registered: int = 0
    closed: int = 0  # of the registered cohort (rates: merged duplicates left out, see module doc)
    cohort: int = 0  # the registered cohort as counted in 办结率
    inquiries: int = 0
    closed_at_intake: int = 0
    due: int = 0
    closed_on_time: int = 0
    legs_due_for_signing: int = 0
    legs_signed_on_time: int = 0
    legs_dispatched: int = 0
    legs_answered: int = 0
    needing_callback: int = 0
    called_back: int = 0
    valid_callbacks: int = 0
    resolved: int = 0
    satisfied: int = 0
    basically_satisfied: int = 0

    def __add__(self, other: "Counts") -> "Counts":
        return Counts(**{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)})

    def rates(self) -> dict[str, float | None]:
        return {
            "signing_on_time": signing_on_time_rate(signed_on_time=self.legs_signed_on_time,
                                                    legs_due=self.legs_due_for_signing),
            "completion": completion_rate(closed=self.closed, registered=self.cohort),
            "on_time_completion": on_time_completion_rate(closed_on_time=self.closed_on_time, due=self.due),
            "handling": handling_rate(answered=self.legs_answered, dispatched=self.legs_dispatched),
            "callback": callback_rate(called_back=self.called_back, needing_callback=self.needing_callback),
            "resolution": resolution_rate(resolved=self.resolved, valid_callbacks=self.valid_callbacks),
            "satisfaction": satisfaction_rate(satisfied=self.satisfied, basically_satisfied=self.basically_satisfied,
                                              valid_callbacks=self.valid_callbacks),
            "first_contact": first_contact_rate(closed_at_intake=self.closed_at_intake, inquiries=self.inquiries),
        }


def rate_labels() -> dict[str, str]:
    """The rates in display order with their (translated) names."""
    return {
        "signing_on_time": _("On-time signing rate"),
        "completion": _("Completion rate"),
        "on_time_completion": _("On-time completion rate"),
        "handling": _("Handling rate"),
        "callback": _("Callback rate"),
        "resolution": _("Resolution rate"),
        "satisfaction": _("Satisfaction rate"),
        "first_contact": _("First-contact resolution rate"),
    }


# --- scope ---------------------------------------------------------------------------------------------
# Who sees the statistics page and the metrics API.
STATS_ROLES = roles(Role.LEADER, Role.SUPERVISOR, Role.UNIT_HEAD, Role.ADMIN)
REGION_ROLES = roles(Role.LEADER, Role.SUPERVISOR, Role.ADMIN)

# Metrics read cases by their lead unit (a unit's figures are the cases it leads) and legs by their own
# unit; region roles read everything in their region. Both lookups are to-one joins, so no DISTINCT
# is needed and the aggregates below count every row once.
CASE_METRICS_SCOPE = ObjectScope(read_region=REGION_ROLES, read_unit=roles(Role.UNIT_HEAD),
                                 region_lookup="region", unit_lookup="lead_unit")
LEG_METRICS_SCOPE = ObjectScope(read_region=REGION_ROLES, read_unit=roles(Role.UNIT_HEAD),
                                region_lookup="appeal__region", unit_lookup="unit")


def may_view_stats(user) -> bool:
    return user_scope(user).has_role(*STATS_ROLES)


@dataclass(frozen=True)
class Filters:
    """Narrowing within the user's scope: a district (or any region subtree), a unit, a category subtree,
    a channel, a kind. Empty values mean "all"."""

    region: Region | None = None
    unit: Unit | None = None
    category: Category | None = None
    channel: str = ""
    kind: str = ""

    def __post_init__(self):
        if self.channel and self.channel not in Channel.values:
            raise ValueError(f"unknown channel {self.channel!r}")
        if self.kind and self.kind not in Kind.values:
            raise ValueError(f"unknown kind {self.kind!r}")


def _category_subtree(category: Category) -> list[int]:
    """The category and everything below it (three levels at most: two small queries)."""
    ids, frontier = [category.pk], [category.pk]
    while frontier:
        frontier = list(Category.objects.filter(parent_id__in=frontier).values_list("pk", flat=True))
        ids += frontier
    return ids


def _case_condition(filters: Filters, prefix: str = "") -> Q:
    """The filters as a WHERE clause on cases (``prefix`` "appeal__" when counting legs)."""
    q = Q()
    if filters.region is not None:
        q &= Q(**{f"{prefix}region__path__startswith": filters.region.path})
    if filters.category is not None:
        q &= Q(**{f"{prefix}category_id__in": _category_subtree(filters.category)})
    if filters.channel:
        q &= Q(**{f"{prefix}channel": filters.channel})
    if filters.kind:
        q &= Q(**{f"{prefix}kind": filters.kind})
    return q


def scoped_cases(*, user, filters: Filters) -> QuerySet:
    """Cases the user may count, narrowed by the filters (a unit filter means the lead unit)."""
    if not may_view_stats(user):
        raise PermissionDenied(_("Your role does not give access to the appeal statistics."))
    qs = restrict(Appeal.objects.all(), user=user, action="read", rules=CASE_METRICS_SCOPE)
    qs = qs.filter(_case_condition(filters))
    if filters.unit is not None:
        qs = qs.filter(lead_unit=filters.unit)
    return qs.order_by()


def scoped_legs(*, user, filters: Filters) -> QuerySet:
    """Dispatch legs the user may count (a unit filter means the leg's own unit)."""
    if not may_view_stats(user):
        raise PermissionDenied(_("Your role does not give access to the appeal statistics."))
    condition = scope_condition(user_scope(user), action="read", rules=LEG_METRICS_SCOPE)
    if condition is None:
        return DispatchLeg.objects.none()
    qs = DispatchLeg.objects.filter(condition).filter(_case_condition(filters, prefix="appeal__"))
    if filters.unit is not None:
        qs = qs.filter(unit=filters.unit)
    return qs.order_by()


# --- the counting queries ------------------------------------------------------------------------
# Each case cohort is counted in one pass over its own indexed range (registered_at, (state, due_at),
# closed_at), aggregated with FILTER clauses into several groupings at once: on PostgreSQL with
# GROUPING SETS (a single scan); SQLite has no grouping sets, so there the same aggregate runs once
# per grouping, glued with UNION ALL. The legs take two more indexed queries.
VOLUME_SETS = {
    "volume": ("day", "kind", "channel"),
    "category": ("category_id",),
    "region": ("region_id",),
    "unit": ("lead_unit_id",),
    "total": (),
}
RATE_SETS = {"region": ("region_id",), "unit": ("lead_unit_id",), "total": ()}


def grouping_columns(sets: dict[str, tuple[str, ...]]) -> list[str]:
    return list(dict.fromkeys(column for columns in sets.values() for column in columns))


def grouping_bits(columns: tuple[str, ...], all_columns: list[str]) -> int:
    """What PostgreSQL's GROUPING(all_columns…) gives a set: one bit per column it does not group by."""
    return sum(1 << (len(all_columns) - 1 - i) for i, name in enumerate(all_columns) if name not in columns)


def _rate_states() -> list[str]:
    """The case states counted in the rates, spelled out so PostgreSQL can use the (state, due_at) index."""
    return [s for s in State.values if count_merged() or s != State.MERGED]


def _flag(q: Q) -> ExpressionWrapper:
    return ExpressionWrapper(q, output_field=BooleanField())


def _grouped(cases: QuerySet, sets: dict[str, tuple[str, ...]], flags: dict[str, Q | None]) -> list[dict]:
    """For every grouping in ``sets``, how many of ``cases`` carry each flag (None: count every row).

    The flags are computed once per row in the inner query (one evaluation of each condition, whatever
    the number of groupings); the outer query only counts them. Each result row says which grouping
    it belongs to in ``grouping``."""
    columns = grouping_columns(sets)
    annotations = {f"f_{name}": _flag(q) for name, q in flags.items() if q is not None}
    rows = cases.annotate(**annotations).values(*columns, *annotations).order_by()
    aggregates = ", ".join(f"COUNT(*) AS {name}" if q is None else f"COUNT(*) FILTER (WHERE f_{name}) AS {name}"
                           for name, q in flags.items())
    return _grouping_sets(rows, sets, aggregates)


def _grouping_sets(rows: QuerySet, sets: dict[str, tuple[str, ...]], aggregates: str) -> list[dict]:
    """``aggregates`` (SQL) over ``rows`` for every grouping in ``sets``, one result row per group."""
    columns = grouping_columns(sets)
    inner, params = rows.query.sql_with_params()
    if connection.vendor == "postgresql":
        text = (f"SELECT {', '.join(columns)}, GROUPING({', '.join(columns)}) AS grouping_bits, {aggregates} "
                f"FROM ({inner}) AS cohort GROUP BY GROUPING SETS "
                f"({', '.join('(' + ', '.join(c) + ')' for c in sets.values())})")
    else:
        parts = []
        for grouped in sets.values():
            selected = ", ".join(c if c in grouped else f"NULL AS {c}" for c in columns)
            group_by = f" GROUP BY {', '.join(grouped)}" if grouped else ""
            parts.append(f"SELECT {selected}, {grouping_bits(grouped, columns)} AS grouping_bits, {aggregates} "
                         f"FROM ({inner}) AS cohort{group_by}")
        text = " UNION ALL ".join(parts)
        params = list(params) * len(parts)
    result = _fetch(text, params)
    by_bits = {grouping_bits(grouped, columns): name for name, grouped in sets.items()}
    for row in result:
        row["grouping"] = by_bits[row.pop("grouping_bits")]
        if isinstance(row.get("day"), str):  # SQLite gives the date as text
            row["day"] = dt.date.fromisoformat(row["day"])
    return result


def _fetch(text: str, params) -> list[dict]:
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(text, params)
            return _dicts(cursor)
    with transaction.atomic(), connection.cursor() as cursor:
        # Enough memory to hash every grouping at once instead of sorting a month of rows on disk.
        cursor.execute("SELECT set_config('work_mem', %s, true)", [_setting("WORK_MEM", "64MB")])
        cursor.execute(text, params)
        return _dicts(cursor)


def _dicts(cursor) -> list[dict]:
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _among(field: str, values: Iterable[str]) -> Q:
    values = list(values)
    return Q(**{f"{field}__in": values}) if values else Q(pk__isnull=True)  # an empty list: never


def _within(field: str, spans: list[Period]) -> Q:
    """``field`` in any of the spans (one range for a whole period, as before the roll-up)."""
    if not spans:
        return Q(pk__isnull=True)  # never
    return reduce(or_, [Q(**{f"{field}__gte": span.start, f"{field}__lt": span.end}) for span in spans])


def _registered_cohort(cases: QuerySet, spans: list[Period], sets=VOLUME_SETS) -> list[dict]:
    """Cases registered in the spans: volume, closed (办结率), inquiries answered at first contact."""
    counted = Q() if count_merged() else ~Q(state=State.MERGED)
    cases = cases.filter(_within("registered_at", spans)).annotate(day=TruncDate("registered_at", tzinfo=TZ))
    return _grouped(cases, sets, {
        "registered": None,
        "cohort": counted if counted else None,
        "closed": counted & Q(closed_at__isnull=False),
        "inquiries": counted & Q(kind=Kind.INQUIRY),
        "closed_at_intake": Q(kind=Kind.INQUIRY, close_reason=CloseReason.AT_INTAKE, dispatched_at__isnull=True),
    })


def _due_cohort(cases: QuerySet, spans: list[Period], now: dt.datetime, sets=RATE_SETS) -> list[dict]:
    """Cases due in the spans whose due time has passed (or that are closed already): closed by the
    due date (approved extensions move it) with no breach on record (a breach stays a breach)."""
    cases = cases.filter(_within("due_at", spans), state__in=_rate_states()) \
        .filter(Q(closed_at__isnull=False) | Q(due_at__lte=now))
    return _grouped(cases, sets, {
        "due": None,
        "closed_on_time": Q(closed_at__isnull=False, closed_at__lte=F("due_at"), breached_at__isnull=True),
    })


def _closed_cohort(cases: QuerySet, spans: list[Period], sets=RATE_SETS) -> list[dict]:
    """Cases closed in the spans: callbacks (one per case, its final one; suggestions counted apart)."""
    needing = _among("kind", callback_kinds()) & _among("close_reason", callback_close_reasons())
    valid = ~Q(kind=Kind.SUGGESTION) & Q(close_reason=CloseReason.CALLBACK) & ~Q(satisfaction="")
    satisfied = satisfied_answers()
    return _grouped(cases.filter(_within("closed_at", spans)), sets, {
        "needing_callback": needing,
        "called_back": needing & Q(close_reason=CloseReason.CALLBACK),
        "valid_callbacks": valid,
        "resolved": valid & Q(resolved=True),
        "satisfied": valid & _among("satisfaction", [s for s in satisfied if s == Satisfaction.SATISFIED]),
        "basically_satisfied": valid & _among("satisfaction", [s for s in satisfied if s != Satisfaction.SATISFIED]),
        **{f"suggestion_{outcome}": Q(kind=Kind.SUGGESTION, suggestion_outcome=outcome)
           for outcome in SuggestionOutcome.values},
    })


SIGNING_STATES = [LegState.PENDING, LegState.SIGNED, LegState.ANSWERED, LegState.CLOSED, LegState.CANCELLED]


def _signing(legs: QuerySet, spans: list[Period], now: dt.datetime, by=("unit_id",)) -> list[dict]:
    """Legs whose sign-by time falls in the spans and has passed (or that are signed). A leg returned
    before signing, or cancelled before it was signed, is not counted: the unit was not asked to sign."""
    return list(
        legs.filter(_within("sign_due_at", spans), state__in=SIGNING_STATES)
        .exclude(state=LegState.CANCELLED, signed_at__isnull=True)
        .filter(Q(signed_at__isnull=False) | Q(sign_due_at__lte=now))
        .values(*by)
        .annotate(legs_due_for_signing=Count("id"),
                  legs_signed_on_time=Count("id", filter=Q(signed_at__lte=F("sign_due_at"))))
        .order_by()
    )


HANDLING_STATES = [LegState.PENDING, LegState.SIGNED, LegState.ANSWERED, LegState.CLOSED]


def _handling(legs: QuerySet, spans: list[Period], by=("unit_id",)) -> list[dict]:
    """Lead legs dispatched in the spans that stayed with the unit (not returned, not cancelled)."""
    return list(
        legs.filter(_within("dispatched_at", spans), role=LegRole.LEAD, state__in=HANDLING_STATES)
        .values(*by)
        .annotate(legs_dispatched=Count("id"), legs_answered=Count("id", filter=Q(answered_at__isnull=False)))
        .order_by()
    )


# --- the report ----------------------------------------------------------------------------------
@dataclass
class Slice:
    """A named part of the scope (a unit, a district) with its counts."""

    key: int | str | None
    name: str
    counts: Counts = field(default_factory=Counts)

    def as_dict(self) -> dict:
        rates = self.counts.rates()
        return {"key": self.key, "name": self.name, **vars(self.counts),
                **{f"{name}_rate": value for name, value in rates.items()}}


@dataclass
class Report:
    period: Period
    totals: Counts
    by_day: list[tuple[dt.date, int]]
    by_kind: list[tuple[str, str, int]]  # (code, label, volume)
    by_channel: list[tuple[str, str, int]]
    by_category: list[tuple[int, str, int]]  # top-level categories
    by_district: list[Slice]
    by_unit: list[Slice]
    suggestions: dict[str, int]
    rolled_days: list[dt.date] = field(default_factory=list)  # the days counted from the daily roll-up

    @property
    def rates(self) -> dict[str, float | None]:
        return self.totals.rates()

    def as_dict(self) -> dict:
        """Plain data for JSON (the API and the page's charts)."""
        return {
            "period": {"from": self.period.first.isoformat(), "to": self.period.last.isoformat()},
            "totals": vars(self.totals),
            "rates": self.rates,
            "volume": {
                "by_day": [{"day": day.isoformat(), "count": n} for day, n in self.by_day],
                "by_kind": [{"kind": code, "name": label, "count": n} for code, label, n in self.by_kind],
                "by_channel": [{"channel": code, "name": label, "count": n} for code, label, n in self.by_channel],
                "by_category": [{"category": pk, "name": name, "count": n} for pk, name, n in self.by_category],
            },
            "by_district": [s.as_dict() for s in self.by_district],
            "by_unit": [s.as_dict() for s in self.by_unit],
            "suggestions": self.suggestions,
        }


def _add(target: Counts, row: dict) -> None:
    for name, value in row.items():
        if hasattr(target, name) and isinstance(value, int) and not isinstance(value, bool):
            setattr(target, name, getattr(target, name) + value)


def _district_of() -> dict[int, tuple[int | None, str]]:
    """region id → (district id, district name); regions above district level map to (None, city name)."""
    rows = list(Region.objects.values_list("pk", "path", "level", "name"))
    districts = {path: (pk, name) for pk, path, level, name in rows if level == RegionLevel.DISTRICT}
    mapping = {}
    for pk, path, _level, name in rows:
        codes = [c for c in path.split("/") if c]
        prefix = "/" + "/".join(codes[:2]) + "/"
        mapping[pk] = districts.get(prefix, (None, name))
    return mapping


def _top_category_of() -> dict[int, tuple[int, str]]:
    rows = {pk: (parent, name) for pk, parent, name in Category.objects.values_list("pk", "parent_id", "name")}
    top = {}
    for pk in rows:
        node = pk
        while rows[node][0] is not None:
            node = rows[node][0]
        top[pk] = (node, rows[node][1])
    return top


# --- the daily roll-up ---------------------------------------------------------------------------
# Whole past days can be read from ``AppealDayCounts`` (written by ``rollup.py``) instead of the cases:
# some 700 rows a day instead of 20,000 cohort rows for a city of 6,500 cases a day. Its grain is the
# district, the unit counted and the top-level category, so it answers the city, a district, a unit and
# a top-level category exactly; anything finer (a town, a subcategory, a kind or a channel) is counted
# live for the whole period.
ROLLUP_SCOPE = ObjectScope(read_region=REGION_ROLES, read_unit=roles(Role.UNIT_HEAD),
                           region_lookup="region", unit_lookup="unit")
ROLLUP_SETS = {"day": ("day",), "category": ("category_id",), "region": ("of_legs", "region_id"),
               "unit": ("unit_id",), "total": ()}


def _district_or_above(path: str) -> bool:
    return len([code for code in path.split("/") if code]) <= 2


def rollup_condition(*, user, filters: Filters) -> Q | None:
    """The user's scope and the filters as a WHERE clause on ``AppealDayCounts``, or None when the
    roll-up's grain cannot answer them exactly."""
    if filters.kind or filters.channel:
        return None
    if filters.region is not None and not _district_or_above(filters.region.path):
        return None
    if filters.category is not None and filters.category.parent_id is not None:
        return None
    scope = user_scope(user)
    if any(g.role in REGION_ROLES and g.region_path and not _district_or_above(g.region_path) for g in scope.grants):
        return None
    condition = scope_condition(scope, action="read", rules=ROLLUP_SCOPE)
    if condition is None:
        return None
    if filters.region is not None:
        condition &= Q(region__path__startswith=filters.region.path)
    if filters.category is not None:
        condition &= Q(category_id=filters.category.pk)
    if filters.unit is not None:
        condition &= Q(unit_id=filters.unit.pk)
    return condition


def folded_regions(district_of: dict[int, tuple[int | None, str]]) -> dict[int, int]:
    """region id → the id the roll-up stores: its district, or the region itself above district level."""
    return {pk: district if district is not None else pk for pk, (district, _name) in district_of.items()}


def rollup_basis(regions: dict[int, int], categories: dict[int, int]) -> dict:
    """How the roll-up folds ids (region → district, category → top-level) and the settings its flags use."""
    return {"regions": {str(k): v for k, v in regions.items()},
            "categories": {str(k): v for k, v in categories.items()},
            "rules": [sorted(satisfied_answers()), sorted(callback_close_reasons()), sorted(callback_kinds()),
                      count_merged()]}


def basis_digest(basis: dict) -> str:
    return hashlib.sha256(json.dumps(basis, sort_keys=True).encode()).hexdigest()


def basis_fits(stored: dict, current: dict) -> bool:
    """Whether counts made on ``stored`` are still right today: same settings, and every id folds as it
    did then (new regions and categories are fine: no case of a past day can refer to them)."""
    return stored["rules"] == current["rules"] and all(
        current[tree].get(key) == value for tree in ("regions", "categories") for key, value in stored[tree].items())


def fitting_bases(current: dict, digests: Iterable[str]) -> set[str]:
    return {b.digest for b in AppealRollupBasis.objects.filter(digest__in=set(digests))
            if basis_fits({"regions": b.regions, "categories": b.categories, "rules": b.rules}, current)}


def rolled_up_days(period: Period, now: dt.datetime) -> dict[dt.date, str]:
    """The period's whole days before today that were rolled up, with the basis of each."""
    last = min(period.last, timezone.localtime(now, TZ).date() - dt.timedelta(days=1))
    if last < period.first:
        return {}
    return dict(AppealRolledDay.objects.filter(day__gte=period.first, day__lte=last).values_list("day", "basis_id"))


def rollup_usable_days(rolled: dict[dt.date, str], current: dict) -> set[dt.date]:
    """Of the rolled days, those the roll-up may answer: rolled up on a basis that still holds, and not
    touched since (dirty)."""
    fitting = fitting_bases(current, rolled.values())
    days = {day for day, basis in rolled.items() if basis in fitting}
    if days:
        for first, until in AppealDirtyDays.objects.filter(first__lte=max(days), last__gte=min(days)) \
                .values_list("first", "last"):
            days -= {first + dt.timedelta(days=n) for n in range((until - first).days + 1)}
    return days


def spans_without(period: Period, days: set[dt.date]) -> list[Period]:
    """The period's days not in ``days``, as runs of consecutive days."""
    spans, start = [], None
    for day in period.days:
        if day in days:
            if start is not None:
                spans.append(Period(start, day - dt.timedelta(days=1)))
                start = None
        elif start is None:
            start = day
    if start is not None:
        spans.append(Period(start, period.last))
    return spans


ROLLUP_COUNTS = [f.name for f in fields(Counts)]


def _rolled(condition: Q, days: set[dt.date]) -> list[dict]:
    """The roll-up's rows for ``days`` within ``condition``, summed for every grouping in ROLLUP_SETS."""
    columns = [*ROLLUP_COUNTS, *(f"volume_{k}" for k in Kind.values), *(f"volume_{c}" for c in Channel.values),
               *(f"suggestion_{o}" for o in SuggestionOutcome.values)]
    rows = AppealDayCounts.objects.filter(condition, day__in=sorted(days)) \
        .values(*grouping_columns(ROLLUP_SETS), *columns).order_by()
    result = _grouping_sets(rows, ROLLUP_SETS, ", ".join(f"SUM({c}) AS {c}" for c in columns))
    for row in result:
        if not isinstance(row["of_legs"], bool | None):  # SQLite gives 0/1
            row["of_legs"] = bool(row["of_legs"])
    return result


def _from_rollup(*, user, filters: Filters, period: Period, now: dt.datetime):
    """(rows summed from the roll-up, the days they cover, the region and category folds), or no rows
    when the roll-up cannot answer any of the period's days."""
    condition = rollup_condition(user=user, filters=filters)
    rolled = rolled_up_days(period, now) if condition is not None else {}
    if not rolled:
        return [], set(), None, None
    district_of, top_of = _district_of(), _top_category_of()
    current = rollup_basis(folded_regions(district_of), {pk: top for pk, (top, _name) in top_of.items()})
    days = rollup_usable_days(rolled, current)
    return (_rolled(condition, days) if days else []), days, district_of, top_of


def appeal_metrics(*, user, period: Period, filters: Filters | None = None, now: dt.datetime | None = None,
                   rollup: bool = True) -> Report:
    """Every §5 figure for the period, within the user's scope and the filters: the whole past days the
    daily roll-up holds are summed from it, the other days (today, dirty days, or all of them when the
    roll-up cannot answer the question) are counted live — three aggregate passes over the cases (one
    per cohort), two over the legs — and three small look-ups of names. ``rollup=False`` counts every
    day live (the tests and the benchmark compare both ways)."""
    filters = filters or Filters()
    now = now or timezone.now()
    cases = scoped_cases(user=user, filters=filters)
    legs = scoped_legs(user=user, filters=filters)
    rolled, rolled_days, district_of, top_of = _from_rollup(user=user, filters=filters, period=period, now=now) \
        if rollup else ([], set(), None, None)
    spans = spans_without(period, rolled_days)

    totals = Counts()
    by_unit: dict[int | None, Counts] = defaultdict(Counts)
    by_region: dict[int, Counts] = defaultdict(Counts)
    volume_by_day: dict[dt.date, int] = defaultdict(int)
    volume_by_kind: dict[str, int] = defaultdict(int)
    volume_by_channel: dict[str, int] = defaultdict(int)
    volume_by_category: dict[int, int] = defaultdict(int)
    suggestions = dict.fromkeys(SuggestionOutcome.values, 0)
    live = [*_registered_cohort(cases, spans), *_due_cohort(cases, spans, now), *_closed_cohort(cases, spans)] \
        if spans else []
    for row in live:
        grouping = row["grouping"]
        if grouping == "total":
            _add(totals, row)
            for outcome in suggestions:
                suggestions[outcome] += row.get(f"suggestion_{outcome}", 0)
        elif grouping == "volume" and row["registered"]:
            volume_by_day[row["day"]] += row["registered"]
            volume_by_kind[row["kind"]] += row["registered"]
            volume_by_channel[row["channel"]] += row["registered"]
        elif grouping == "category" and row["registered"]:
            volume_by_category[row["category_id"]] += row["registered"]
        elif grouping == "region":
            _add(by_region[row["region_id"]], row)
        elif grouping == "unit":
            _add(by_unit[row["lead_unit_id"]], row)

    for row in [*_signing(legs, spans, now), *_handling(legs, spans)] if spans else []:
        _add(totals, row)
        _add(by_unit[row["unit_id"]], row)

    for row in rolled:  # the same counts, already added up per day, district, unit and top category
        grouping = row["grouping"]
        if grouping == "total":
            _add(totals, row)
            for outcome in suggestions:
                suggestions[outcome] += row[f"suggestion_{outcome}"]
            for code in Kind.values:
                volume_by_kind[code] += row[f"volume_{code}"]
            for code in Channel.values:
                volume_by_channel[code] += row[f"volume_{code}"]
        elif grouping == "day":
            volume_by_day[row["day"]] += row["registered"]
        elif grouping == "category" and row["registered"]:
            volume_by_category[row["category_id"]] += row["registered"]
        elif grouping == "region" and not row["of_legs"]:  # the district table counts cases, not legs
            _add(by_region[row["region_id"]], row)
        elif grouping == "unit":
            _add(by_unit[row["unit_id"]], row)

    return Report(
        period=period,
        totals=totals,
        by_day=[(day, volume_by_day.get(day, 0)) for day in period.days],
        by_kind=[(code, label, volume_by_kind.get(code, 0)) for code, label in Kind.choices],
        by_channel=sorted(((code, label, volume_by_channel[code]) for code, label in Channel.choices
                           if volume_by_channel.get(code)), key=lambda item: -item[2]),
        by_category=_categories(volume_by_category, top_of),
        by_district=_districts(by_region, district_of),
        by_unit=_units(by_unit),
        suggestions=suggestions,
        rolled_days=sorted(rolled_days),
    )


def _categories(volume: dict[int, int], top: dict | None = None) -> list[tuple[int, str, int]]:
    if not volume:
        return []
    top = top or _top_category_of()
    folded: dict[tuple[int, str], int] = defaultdict(int)
    for pk, n in volume.items():
        folded[top[pk]] += n
    return sorted(((pk, name, n) for (pk, name), n in folded.items()), key=lambda item: (-item[2], item[1], item[0]))


def _districts(by_region: dict[int, Counts], district_of: dict | None = None) -> list[Slice]:
    if not by_region:
        return []
    district_of = district_of or _district_of()
    folded: dict[int | None, Slice] = {}
    for region_id, counts in by_region.items():
        key, name = district_of[region_id]
        if key is None:
            name = _("City-wide (no district)")
        item = folded.setdefault(key, Slice(key=key, name=name))
        item.counts = item.counts + counts
    return sorted(folded.values(), key=lambda s: (s.key is None, -s.counts.registered, s.name))


def _units(by_unit: dict[int | None, Counts]) -> list[Slice]:
    """Units ranked by 按时办结率 (best first; units with nothing due last), then by volume."""
    names = dict(Unit.objects.filter(pk__in=[k for k in by_unit if k is not None])
                 .values_list("pk", "name"))
    slices = [Slice(key=pk, name=names.get(pk, _("Not dispatched")) if pk else _("Not dispatched"), counts=counts)
              for pk, counts in by_unit.items()]

    def rank(item: Slice):
        value = item.counts.rates()["on_time_completion"]
        return (item.key is None, value is None, -(value or 0), -item.counts.registered, item.name)

    return sorted(slices, key=rank)
