"""The daily roll-up behind the appeal metrics: which days a change touched, and rolling whole past days up.

``metrics.appeal_metrics`` sums whole past days from ``AppealDayCounts`` and counts every other day
live, so the figures stay exact and live:

- A day is read from the roll-up only when it is over, was rolled up with today's region and category
  trees and metric settings (``metrics.rollup_basis``), and no change touched it since (no
  ``AppealDirtyDays`` range covers it). Today, future days, never-rolled and dirty days are live.
- Every service that changes a count marks the days it touches, in its own transaction, before and
  after the change (``services._lock`` notes them, ``services._transition`` marks them): the days of
  the case's cohorts (registered, due, closed) and of its legs' (sign-by, dispatched), and, for a
  change dated in the past, every day from then to yesterday. Only past days are marked: today and
  later are live anyway. Actions that change no count (``UNCOUNTED_ACTIONS``) mark nothing.
- ``metrics_rollup_refresh`` (a periodic task, every five minutes) rolls up the dirty and never-rolled
  days once they have been over for ``APPEALS_ROLLUP_GRACE_MINUTES`` (10), with the same counting
  queries as the live report.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Min
from django.utils import timezone

from .choices import Action
from .metrics import (
    TZ,
    Period,
    _closed_cohort,
    _district_of,
    _due_cohort,
    _handling,
    _registered_cohort,
    _signing,
    _top_category_of,
    basis_digest,
    fitting_bases,
    folded_regions,
    rollup_basis,
)
from .models import Appeal, AppealDayCounts, AppealDirtyDays, AppealRolledDay, AppealRollupBasis, DispatchLeg

COUNT_COLUMNS = frozenset(f.name for f in AppealDayCounts._meta.get_fields()
                          if f.get_internal_type() == "PositiveIntegerField")


def local_day(moment: dt.datetime | None) -> dt.date | None:
    return None if moment is None else timezone.localtime(moment, TZ).date()


# --- marking -------------------------------------------------------------------------------------
def case_days(appeal: Appeal) -> set[dt.date | None]:
    """The days on which the case is counted: registered, due, closed."""
    return {local_day(appeal.registered_at), local_day(appeal.due_at), local_day(appeal.closed_at)}


def leg_days(*legs: tuple[dt.datetime, dt.datetime]) -> set[dt.date | None]:
    """The days on which legs, given as (dispatched_at, sign_due_at), are counted."""
    return {local_day(moment) for pair in legs for moment in pair}


# Actions that change nothing the metrics count (notes, supervision, instructions, warnings, requests,
# suspensions, an unanswered callback attempt, the breach of an open case): they leave the roll-up clean.
UNCOUNTED_ACTIONS = frozenset({
    Action.NOTE, Action.ASSIST_INPUT, Action.URGE, Action.SUPERVISE, Action.SUPERVISION_ACK, Action.INSTRUCT,
    Action.WARN, Action.BREACH, Action.EXTENSION_REQUEST, Action.SUSPENSION_REQUEST, Action.SUSPENSION_REFUSE,
    Action.SUSPEND, Action.CALLBACK_ATTEMPT,
})


def rollup_mark_case(appeal: Appeal, *, before: Iterable[dt.date | None] = (), since: dt.date | None = None) -> None:
    """Mark the past days the case and its legs count on, the days in ``before`` and every day from
    ``since`` to yesterday. The legs are read only for a case registered before today."""
    today = local_day(timezone.now())
    days = case_days(appeal) | set(before)
    if appeal.pk is not None and local_day(appeal.registered_at) < today:
        days |= leg_days(*DispatchLeg.objects.filter(appeal_id=appeal.pk).values_list("dispatched_at", "sign_due_at"))
    rollup_mark(days, since=since)


def rollup_mark(days: Iterable[dt.date | None], *, since: dt.date | None = None) -> None:
    """Mark past days dirty: ``days``, and every day from ``since`` to yesterday. One insert, no lock."""
    today = local_day(timezone.now())
    wanted = {day for day in days if day is not None and day < today}
    if since is not None and since < today:
        wanted.update(since + dt.timedelta(days=n) for n in range((today - since).days))
    if wanted:
        AppealDirtyDays.objects.bulk_create([AppealDirtyDays(first=first, last=last) for first, last in runs(wanted)])


def runs(days: Iterable[dt.date]) -> list[tuple[dt.date, dt.date]]:
    """Sorted days as (first, last) runs of consecutive days."""
    result: list[list[dt.date]] = []
    for day in sorted(set(days)):
        if result and day - result[-1][1] == dt.timedelta(days=1):
            result[-1][1] = day
        else:
            result.append([day, day])
    return [(first, last) for first, last in result]


# --- refreshing -----------------------------------------------------------------------------------
def _grace() -> dt.timedelta:
    return dt.timedelta(minutes=getattr(settings, "APPEALS_ROLLUP_GRACE_MINUTES", 10))


def metrics_rollup_refresh(*, days: Iterable[dt.date] | None = None, now: dt.datetime | None = None) -> dict[str, int]:
    """Roll up the dirty days, the never-rolled days and the days rolled up on a basis that no longer
    holds (or exactly ``days``), each in its own transaction. Days not over for the grace period yet
    are left to the live count.

    The dirty marks read at the start are removed at the end: a change committed after that read keeps
    its mark (its day may have been counted without it), so that day is rolled up again next time."""
    now = now or timezone.now()
    before = local_day(now - _grace())  # the days before this one are over, with a margin for late commits
    marks = list(AppealDirtyDays.objects.filter(first__lt=before).values_list("pk", "first", "last"))
    regions = folded_regions(_district_of())
    tops = {pk: top for pk, (top, _name) in _top_category_of().items()}
    current = rollup_basis(regions, tops)
    basis, _created = AppealRollupBasis.objects.get_or_create(
        digest=basis_digest(current), defaults={"regions": current["regions"], "categories": current["categories"],
                                                "rules": current["rules"]})
    if days is None:
        todo = _not_rolled(before, current)
        for _pk, first, last in marks:
            todo.update(_days(first, min(last, before - dt.timedelta(days=1))))
    else:
        todo = {day for day in days if day < before}
    for day in sorted(todo):
        with transaction.atomic():
            _roll_up(day, regions=regions, tops=tops, basis=basis, now=now)
    done = [pk for pk, first, last in marks if _days(first, min(last, before - dt.timedelta(days=1))) <= todo]
    AppealDirtyDays.objects.filter(pk__in=done).delete()
    return {"days": len(todo), "marks": len(done)}


def _days(first: dt.date, last: dt.date) -> set[dt.date]:
    return {first + dt.timedelta(days=n) for n in range((last - first).days + 1)}


def _not_rolled(before: dt.date, current: dict) -> set[dt.date]:
    """Past days since the first case with no roll-up, or one on a basis that no longer holds."""
    first = local_day(Appeal.objects.aggregate(first=Min("registered_at"))["first"])
    if first is None or first >= before:
        return set()
    rolled = dict(AppealRolledDay.objects.filter(day__gte=first, day__lt=before).values_list("day", "basis_id"))
    fitting = fitting_bases(current, rolled.values()) if rolled else set()
    return _days(first, before - dt.timedelta(days=1)) - {day for day, basis in rolled.items() if basis in fitting}


def _roll_up(day: dt.date, *, regions: dict[int, int], tops: dict[int, int], basis: AppealRollupBasis,
             now: dt.datetime) -> None:
    """Replace the day's roll-up with its counts, from the same queries as the live report."""
    if connection.vendor == "postgresql":  # two refreshes at once would both insert the day's rows
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [0x41505052, day.toordinal()])
    spans = [Period(day, day)]
    cases, legs = Appeal.objects.order_by(), DispatchLeg.objects.order_by()
    grain = ("region_id", "lead_unit_id", "category_id")
    rows: dict[tuple, dict[str, int]] = defaultdict(lambda: defaultdict(int))

    def add(key: tuple, row: dict) -> dict[str, int]:
        counts = rows[key]
        for name, value in row.items():
            if name in COUNT_COLUMNS:
                counts[name] += value
        return counts

    for row in _registered_cohort(cases, spans, sets={"grain": (*grain, "kind", "channel")}):
        counts = add((False, regions[row["region_id"]], row["lead_unit_id"], tops[row["category_id"]]), row)
        counts[f"volume_{row['kind']}"] += row["registered"]
        counts[f"volume_{row['channel']}"] += row["registered"]
    sets = {"grain": grain}
    for row in [*_due_cohort(cases, spans, now, sets=sets), *_closed_cohort(cases, spans, sets=sets)]:
        add((False, regions[row["region_id"]], row["lead_unit_id"], tops[row["category_id"]]), row)
    by = ("unit_id", "appeal__region_id", "appeal__category_id")
    for row in [*_signing(legs, spans, now, by=by), *_handling(legs, spans, by=by)]:
        add((True, regions[row["appeal__region_id"]], row["unit_id"], tops[row["appeal__category_id"]]), row)

    AppealDayCounts.objects.filter(day=day).delete()
    AppealDayCounts.objects.bulk_create([
        AppealDayCounts(day=day, of_legs=of_legs, region_id=region, unit_id=unit, category_id=category, **counts)
        for (of_legs, region, unit, category), counts in rows.items()
    ])
    AppealRolledDay.objects.update_or_create(day=day, defaults={"basis": basis, "rolled_at": now})

