"""Red / yellow / green warnings from plan versus reality (pure: no database, no clock).

The plan weighs the same measures as the progress rule (``rollup``), with the same weights: the
milestones' part rises linearly from 0 on the start date to each milestone's cumulative share on
its due date; each indicator's part rises linearly from 0 on the start date to 1 on the end date.
The project's measured progress is compared with that planned share.

* red — a milestone not done after its due date, the end date passed without completion, or
  progress at least ``red_gap`` (default 25 points) behind the plan;
* yellow — progress behind the plan by more than ``yellow_gap`` (default 5 points), or a milestone
  (or the end date) still open and due within ``soon_days`` working days on the working-day calendar;
* green — otherwise. Completed projects are green; suspended and cancelled ones are not watched.

The three thresholds are settings (``PROJECTS_WARNING_YELLOW_GAP_POINTS``, ``…_RED_GAP_POINTS``,
``…_SOON_WORKING_DAYS``), so a city sets its own; ``assess`` reads them unless a caller passes its own.

A due date is met by the end of that day: a milestone due on the 10th is overdue on the 11th.
"""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

from django.conf import settings
from django.utils.translation import gettext as _

from minsheng.workdays.calendar import WorkCalendar

from .choices import ACTIVE_STATUSES, ProjectStatus, WarningLevel

YELLOW_GAP = 0.05  # the defaults of the settings below, as shares
RED_GAP = 0.25
SOON_WORKING_DAYS = 10


@dataclass(frozen=True)
class Thresholds:
    yellow_gap: float  # a share of the work: 0.05 = 5 points
    red_gap: float
    soon_days: int  # working days

    @property
    def yellow_points(self) -> int:
        return round(self.yellow_gap * 100)

    @property
    def red_points(self) -> int:
        return round(self.red_gap * 100)


def thresholds() -> Thresholds:
    """The city's warning thresholds (settings, in points and working days)."""
    return Thresholds(
        yellow_gap=getattr(settings, "PROJECTS_WARNING_YELLOW_GAP_POINTS", round(YELLOW_GAP * 100)) / 100,
        red_gap=getattr(settings, "PROJECTS_WARNING_RED_GAP_POINTS", round(RED_GAP * 100)) / 100,
        soon_days=getattr(settings, "PROJECTS_WARNING_SOON_WORKING_DAYS", SOON_WORKING_DAYS),
    )


@dataclass(frozen=True)
class PlannedMilestone:
    due_date: dt.date
    weight: int
    done: bool


@dataclass(frozen=True)
class Assessment:
    warning: str
    reason: str
    planned: float


def planned_share(start: dt.date, milestones: Sequence[PlannedMilestone], today: dt.date,
                  end: dt.date | None = None, indicator_weight: int = 0) -> float:
    """The share of the work the plan expects done by ``today``: milestones and indicators, by weight."""
    milestone_weight = sum(m.weight for m in milestones)
    if milestone_weight + indicator_weight == 0:
        return 0.0
    linear = 0.0
    if indicator_weight and end is not None:
        span = max((end - start).days, 1)
        linear = min(1.0, max(0.0, (today - start).days / span))
    return (milestone_weight * _milestone_share(start, milestones, today) + indicator_weight * linear) / (
        milestone_weight + indicator_weight)


def _milestone_share(start: dt.date, milestones: Sequence[PlannedMilestone], today: dt.date) -> float:
    total = sum(m.weight for m in milestones)
    if total == 0:
        return 0.0
    points: list[tuple[dt.date, float]] = [(start, 0.0)]
    cumulative = 0
    for milestone in sorted(milestones, key=lambda m: m.due_date):
        cumulative += milestone.weight
        points.append((milestone.due_date, cumulative / total))
    if today < start:
        return 0.0
    for (left_day, left_share), (right_day, right_share) in pairwise(points):
        if today < right_day:
            span = (right_day - left_day).days
            if span <= 0:
                return left_share
            return left_share + (right_share - left_share) * (today - left_day).days / span
    return 1.0


def assess(*, status: str, start: dt.date, end: dt.date, milestones: Sequence[PlannedMilestone],
           progress: float, today: dt.date, calendar: WorkCalendar, indicator_weight: int = 0,
           yellow_gap: float | None = None, red_gap: float | None = None,
           soon_days: int | None = None) -> Assessment:
    if yellow_gap is None or red_gap is None or soon_days is None:
        configured = thresholds()
        yellow_gap = configured.yellow_gap if yellow_gap is None else yellow_gap
        red_gap = configured.red_gap if red_gap is None else red_gap
        soon_days = configured.soon_days if soon_days is None else soon_days
    if status == ProjectStatus.COMPLETED:
        return Assessment(WarningLevel.GREEN, "", 1.0)
    if status not in ACTIVE_STATUSES:
        return Assessment(WarningLevel.NONE, "", 0.0)
    planned = planned_share(start, milestones, today, end, indicator_weight)
    overdue = [m for m in milestones if not m.done and m.due_date < today]
    if overdue:
        first = min(m.due_date for m in overdue)
        return Assessment(WarningLevel.RED, _("A milestone is overdue since %(day)s.") % {"day": first.isoformat()},
                          planned)
    if end < today:
        return Assessment(WarningLevel.RED, _("The end date %(day)s has passed.") % {"day": end.isoformat()}, planned)
    gap = planned - progress
    if gap >= red_gap:
        return Assessment(WarningLevel.RED, _("Progress is far behind the plan (%(gap)d points).")
                          % {"gap": round(gap * 100)}, planned)
    if gap > yellow_gap:
        return Assessment(WarningLevel.YELLOW, _("Progress is behind the plan (%(gap)d points).")
                          % {"gap": round(gap * 100)}, planned)
    open_dates = [m.due_date for m in milestones if not m.done] + [end]
    nearest = min(open_dates)
    # Far-off dates cannot be "soon" whatever the holidays: no need to count their working days.
    if (nearest - today).days <= 2 * soon_days + 14 and calendar.working_days_between(today, nearest) <= soon_days:
        if calendar.counts_provisional(today, nearest):
            return Assessment(WarningLevel.YELLOW, _(
                "Due within %(n)d working days (%(day)s), counted on the provisional calendar: the State "
                "Council's holiday schedule prevails.") % {"n": soon_days, "day": nearest.isoformat()}, planned)
        return Assessment(WarningLevel.YELLOW, _("Due within %(n)d working days (%(day)s).")
                          % {"n": soon_days, "day": nearest.isoformat()}, planned)
    return Assessment(WarningLevel.GREEN, "", planned)


def month_of(day: dt.date) -> dt.date:
    return day.replace(day=1)


def next_lagging_month(warning: str, lagging_month: dt.date | None, today: dt.date) -> dt.date | None:
    """Remember the month of the last red/yellow: red or yellow now marks this month."""
    if warning in (WarningLevel.RED, WarningLevel.YELLOW):
        return month_of(today)
    return lagging_month


def was_lagging(warning: str, lagging_month: dt.date | None, today: dt.date) -> bool:
    """Green now, but red or yellow earlier in this same month: the period keeps a "was lagging" mark."""
    return warning == WarningLevel.GREEN and lagging_month is not None and lagging_month == month_of(today)
