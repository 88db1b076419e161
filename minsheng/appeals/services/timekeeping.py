"""Deadlines over time: yellow warnings and breaches, and recomputing open clocks after a calendar change."""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from minsheng.audit.services import audit_record
from minsheng.workdays.selectors import calendar_current

from .. import deadlines
from ..choices import (
    OPEN_STATES,
    Action,
    LegState,
    State,
    Warning,
)
from ..models import (
    Appeal,
    DispatchLeg,
)
from ..rollup import local_day, rollup_mark
from ..selectors import policy
from .core import _appeal_clock, _leg_handle_clock, _lock, _transition


def deadlines_mark(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Record yellow warnings and breaches of open cases (the periodic task calls this).

    A breach is stored once, at the due time it passed, and never erased (extensions included).
    """
    now = now or timezone.now()
    calendar = calendar_current()
    rules = policy()
    counts = {"breached": 0, "warned": 0}
    running = Appeal.objects.filter(state__in=OPEN_STATES - {State.SUSPENDED})
    for pk in running.filter(breached_at__isnull=True, due_at__lt=now).values_list("pk", flat=True):
        with transaction.atomic():
            appeal = _lock(pk)
            if appeal.breached_at is None and appeal.due_at < now and appeal.state in OPEN_STATES:
                appeal.breached_at = appeal.due_at
                _transition(appeal, action=Action.BREACH, at=now, payload={
                    "due_at": appeal.due_at.isoformat(),
                    "provisional": deadlines.due_is_provisional(calendar, basis=appeal.due_basis_at,
                                                                due=appeal.due_at,
                                                                working_days=appeal.due_working_days)})
                appeal.save()
                counts["breached"] += 1
    horizon = now + dt.timedelta(days=7)
    for appeal in running.filter(warned_at__isnull=True, breached_at__isnull=True, due_at__gte=now,
                                 due_at__lte=horizon).only("pk", "due_at", "due_hours"):
        level = deadlines.warning_level(calendar, due=appeal.due_at, now=now, hours_based=appeal.due_hours is not None,
                                        urgent_yellow_hours=rules.urgent_yellow_hours)
        if level != "yellow":
            continue
        with transaction.atomic():
            locked = _lock(appeal.pk)
            if locked.warned_at is None:
                locked.warned_at = now
                _transition(locked, action=Action.WARN, at=now, payload={"due_at": locked.due_at.isoformat()})
                locked.save()
                counts["warned"] += 1
    DispatchLeg.objects.filter(state=LegState.SIGNED, handle_breached_at__isnull=True, handle_due_at__lt=now,
                               suspended_at__isnull=True).update(handle_breached_at=F("handle_due_at"))
    return counts


@dataclass
class RecomputeResult:
    """What a recompute after a calendar change did: cases and legs moved, and those that failed."""

    cases: int = 0
    legs: int = 0
    failures: list[str] = field(default_factory=list)


def _breached_on_provisional(appeal: Appeal) -> bool:
    event = appeal.events.filter(action=Action.BREACH).order_by("-at", "-id").first()
    return bool(event and event.payload.get("provisional"))


def _recompute_case(pk: int, calendar, *, now: dt.datetime, years: list[int]) -> bool:
    """One case's clock on the new calendar, in its own transaction. A warning or breach recorded on a
    provisional due date that the official schedule moved past ``now`` is withdrawn (and said so)."""
    with transaction.atomic():
        appeal = _lock(pk)
        if appeal.state not in OPEN_STATES or appeal.state == State.SUSPENDED or appeal.due_working_days is None:
            return False
        old, old_provisional = appeal.due_at, _stored_provisional(appeal)
        due = _appeal_clock(appeal).due(calendar)
        provisional = deadlines.due_is_provisional(calendar, basis=appeal.due_basis_at, due=due,
                                                   working_days=appeal.due_working_days)
        if due == old and provisional == old_provisional:
            return False
        payload = {"from": old.isoformat(), "to": due.isoformat(), "years": years,
                   "provisional_before": old_provisional, "provisional": provisional}
        if appeal.breached_at is not None and due > now and _breached_on_provisional(appeal):
            appeal.breached_at = None
            payload["breach_withdrawn"] = True
        if appeal.warned_at is not None and due > old and deadlines.warning_level(
                calendar, due=due, now=now, hours_based=False) == Warning.GREEN:
            appeal.warned_at = None
            payload["warning_withdrawn"] = True
        rollup_mark([local_day(old)])  # the new due day is marked by the transition
        appeal.due_at = due
        _transition(appeal, action=Action.RECOMPUTE, at=now, payload=payload)
        appeal.save()
        return True


def _stored_provisional(appeal: Appeal) -> bool:
    """Whether the due date stored on the case was provisional when last computed (its latest event says)."""
    event = (appeal.events.filter(action__in=[Action.RECOMPUTE, Action.REGISTER]).order_by("-at", "-id")
             .values_list("payload", flat=True).first())
    return bool(event and event.get("provisional", event.get("due_provisional")))


def _recompute_leg(pk: int, calendar) -> bool:
    with transaction.atomic():
        leg = DispatchLeg.objects.select_for_update().get(pk=pk)
        if leg.state not in (LegState.PENDING, LegState.SIGNED) or leg.suspended_at is not None:
            return False
        fields = []
        if leg.handle_working_days is not None:
            due = _leg_handle_clock(leg).due(calendar)
            if due != leg.handle_due_at:
                leg.handle_due_at = due
                fields.append("handle_due_at")
        if leg.state == LegState.PENDING and leg.sign_working_days is not None:
            due = deadlines.Clock(leg.dispatched_at, working_days=leg.sign_working_days).due(calendar)
            if due != leg.sign_due_at:
                rollup_mark([local_day(leg.sign_due_at), local_day(due)])  # no transition for a leg's clock
                leg.sign_due_at = due
                fields.append("sign_due_at")
        if fields:
            leg.save(update_fields=fields)
        return bool(fields)


def deadlines_recompute(*, years: Iterable[int] | None = None, now: dt.datetime | None = None) -> RecomputeResult:
    """After a calendar change: recompute every running working-day clock from its start and length, case
    by case and leg by leg, each in its own transaction: one that fails is listed and never undoes the
    others. The case's trail records the move and whether the date is still provisional."""
    calendar = calendar_current(fresh=True)
    now = now or timezone.now()
    years = sorted(years or [])
    result = RecomputeResult()
    running = Appeal.objects.filter(state__in=OPEN_STATES - {State.SUSPENDED}, due_working_days__isnull=False)
    for pk, number in running.order_by("pk").values_list("pk", "number"):
        try:
            result.cases += _recompute_case(pk, calendar, now=now, years=years)
        except Exception as exc:  # one case's failure is reported, never silent, never fatal to the others
            result.failures.append(f"{number}: {exc}")
    legs = DispatchLeg.objects.filter(state__in=[LegState.PENDING, LegState.SIGNED], suspended_at__isnull=True)
    for pk, number in legs.order_by("pk").values_list("pk", "appeal__number"):
        try:
            result.legs += _recompute_leg(pk, calendar)
        except Exception as exc:
            result.failures.append(f"{number} ({_('dispatch leg')} {pk}): {exc}")
    audit_record(actor=None, action="appeals.deadlines_recompute",
                 summary={"years": years, "cases": result.cases, "legs": result.legs, "failures": result.failures})
    return result
