"""Deadline arithmetic for appeals (DESIGN §6). Pure: a calendar and instants in, instants out.

A clock is a start instant plus either working days (due at the end of the last day) or wall-clock
hours (urgent cases). Keeping the clock, not only its due time, lets a calendar change recompute it.
"""

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from minsheng.workdays.calendar import WorkCalendar, due_after_hours, due_after_working_days, local_date

from .choices import Kind, Warning

DEFAULT_WORKING_DAYS = {
    Kind.INQUIRY: 2,
    Kind.REQUEST: 10,
    Kind.SUGGESTION: 10,
    Kind.COMPLAINT: 15,
    Kind.REPORT: 15,
}


@dataclass(frozen=True)
class Clock:
    start: dt.datetime
    working_days: int | None = None
    hours: int | None = None

    def due(self, calendar: WorkCalendar) -> dt.datetime:
        """When the clock runs out: working days end at 23:59:59 in the city's zone (``TIME_ZONE``)."""
        if self.hours is not None:
            return due_after_hours(self.start, self.hours)
        return due_after_working_days(calendar, self.start, self.working_days or 0, tz=city_zone())

    def is_provisional(self, calendar: WorkCalendar) -> bool:
        """Whether the due date counts a provisional day (no official holiday schedule yet)."""
        if self.hours is not None or not self.working_days:
            return False
        start = local_date(self.start, city_zone())
        return calendar.counts_provisional(start, calendar.add_working_days(start, self.working_days))


def city_zone() -> dt.tzinfo:
    """The city's zone: every date a deadline counts is a date there, whatever zone an instant carries."""
    return timezone.get_default_timezone()


@dataclass(frozen=True)
class Policy:
    """The deadline rules in force (settings, with DESIGN §6 defaults)."""

    working_days: dict[str, int]
    urgent_hours: int = 24
    sign_working_days: int = 1
    urgent_sign_hours: int = 2
    assist_working_days: int = 5
    urgent_yellow_hours: int = 2

    def handling_clock(self, *, kind: str, urgent: bool, start: dt.datetime) -> Clock:
        if urgent:
            return Clock(start, hours=self.urgent_hours)
        return Clock(start, working_days=self.working_days[kind])

    def sign_clock(self, *, urgent: bool, start: dt.datetime) -> Clock:
        if urgent:
            return Clock(start, hours=self.urgent_sign_hours)
        return Clock(start, working_days=self.sign_working_days)

    def assist_clock(self, *, kind: str, urgent: bool, start: dt.datetime) -> Clock:
        if urgent:
            return Clock(start, hours=self.urgent_hours)
        return Clock(start, working_days=min(self.assist_working_days, self.working_days[kind]))


def remaining_on_stop(calendar: WorkCalendar, clock: Clock, due: dt.datetime, stop: dt.datetime) -> Clock:
    """What is left of a clock stopped at ``stop`` (a suspension), as a clock to restart later.

    Working days left are those after the stop's date up to the due date; an overdue clock has none.
    """
    if clock.hours is not None:
        seconds = max(0, int((due - stop).total_seconds()))
        return Clock(stop, hours=max(1, -(-seconds // 3600)))  # whole hours, at least one
    tz = city_zone()
    left = max(0, calendar.working_days_between(local_date(stop, tz), local_date(due, tz)))
    return Clock(stop, working_days=left)


def resume(calendar: WorkCalendar, remaining: Clock, at: dt.datetime) -> Clock:
    """The clock restarted at ``at`` with what was left."""
    if remaining.hours is not None:
        return Clock(at, hours=remaining.hours)
    return Clock(at, working_days=remaining.working_days or 0)


def warning_level(calendar: WorkCalendar, *, due: dt.datetime, now: dt.datetime, hours_based: bool,
                  urgent_yellow_hours: int = 2) -> str:
    """Red when overdue; yellow within one working day (or a few hours for urgent cases); else green."""
    if now > due:
        return Warning.RED
    if hours_based:
        return Warning.YELLOW if due - now <= dt.timedelta(hours=urgent_yellow_hours) else Warning.GREEN
    tz = city_zone()
    if calendar.working_days_between(local_date(now, tz), local_date(due, tz)) <= 1:
        return Warning.YELLOW
    return Warning.GREEN


def due_is_provisional(calendar: WorkCalendar, *, basis: dt.datetime, due: dt.datetime,
                       working_days: int | None) -> bool:
    """Whether a working-day deadline counted a provisional day between its start and its due date: it
    may still move when the State Council's schedule is entered. Wall-clock (urgent) deadlines never do."""
    if working_days is None:
        return False
    tz = city_zone()
    return calendar.counts_provisional(local_date(basis, tz), local_date(due, tz))
