"""Working-day arithmetic over a known calendar. Pure: no database, no clock.

A ``WorkCalendar`` knows, for every date of the years it covers, whether it is a working day
(weekends off, public holidays off, make-up Saturdays and Sundays on — 调休). Asking about a
date outside those years raises ``CalendarOutOfRange``: a deadline is never guessed.
"""

import datetime as dt
from bisect import bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _


class CalendarOutOfRange(ValueError):
    """The calendar has no entry for the date asked about: enter that year's schedule first."""

    def __init__(self, day: dt.date, first: dt.date | None, last: dt.date | None):
        self.day = day
        self.first = first
        self.last = last
        if first is None:
            message = _("The working-day calendar is empty; load it before computing deadlines.")
        else:
            message = _(
                "%(day)s is outside the working-day calendar (%(first)s to %(last)s); "
                "an administrator must enter that year's holiday schedule."
            ) % {"day": day.isoformat(), "first": first.isoformat(), "last": last.isoformat()}
        super().__init__(message)


@dataclass(frozen=True)
class WorkCalendar:
    """Working days as sorted ordinals, for O(log n) arithmetic."""

    first: dt.date | None
    last: dt.date | None
    working_ordinals: tuple[int, ...] = field(repr=False)

    @classmethod
    def from_days(cls, days: Mapping[dt.date, bool] | Iterable[tuple[dt.date, bool]]) -> "WorkCalendar":
        items = sorted(days.items() if isinstance(days, Mapping) else days)
        if not items:
            return cls(first=None, last=None, working_ordinals=())
        return cls(
            first=items[0][0],
            last=items[-1][0],
            working_ordinals=tuple(day.toordinal() for day, is_workday in items if is_workday),
        )

    def _check(self, day: dt.date) -> None:
        if self.first is None or not (self.first <= day <= self.last):
            raise CalendarOutOfRange(day, self.first, self.last)

    def is_workday(self, day: dt.date) -> bool:
        self._check(day)
        ordinal = day.toordinal()
        index = bisect_right(self.working_ordinals, ordinal)
        return index > 0 and self.working_ordinals[index - 1] == ordinal

    def add_working_days(self, start: dt.date, days: int) -> dt.date:
        """The ``days``-th working day after ``start`` (``start`` itself never counts; 0 gives ``start``)."""
        if days < 0:
            raise ValueError("days must not be negative")
        self._check(start)
        if days == 0:
            return start
        index = bisect_right(self.working_ordinals, start.toordinal()) + days - 1
        if index >= len(self.working_ordinals):
            raise CalendarOutOfRange(self.last + dt.timedelta(days=1), self.first, self.last)
        return dt.date.fromordinal(self.working_ordinals[index])

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """Working days in (start, end]: how many working days have passed from ``start`` to ``end``.

        Negative when ``end`` is before ``start``.
        """
        self._check(start)
        self._check(end)
        if end < start:
            return -self.working_days_between(end, start)
        return bisect_right(self.working_ordinals, end.toordinal()) - bisect_right(
            self.working_ordinals, start.toordinal()
        )

    def next_working_day(self, day: dt.date) -> dt.date:
        """``day`` itself when it is a working day, else the first working day after it."""
        return day if self.is_workday(day) else self.add_working_days(day, 1)


def end_of_day(day: dt.date, tz: dt.tzinfo) -> dt.datetime:
    """The last second of ``day`` in ``tz``: a deadline "by the end of the last day"."""
    return dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=tz)


def due_after_working_days(calendar: WorkCalendar, start: dt.datetime, days: int) -> dt.datetime:
    """Due at the end of the ``days``-th working day after the local date of ``start`` (aware)."""
    tz = start.tzinfo or ZoneInfo("Asia/Shanghai")
    return end_of_day(calendar.add_working_days(start.astimezone(tz).date(), days), tz)


def due_after_hours(start: dt.datetime, hours: float) -> dt.datetime:
    """Urgent cases run on the wall clock: holidays do not stop them."""
    if hours <= 0:
        raise ValueError("hours must be positive")
    return start + dt.timedelta(hours=hours)


def working_days_between_instants(calendar: WorkCalendar, start: dt.datetime, end: dt.datetime) -> int:
    """Working days passed between two aware instants, counted by their local dates in ``start``'s zone."""
    tz = start.tzinfo
    return calendar.working_days_between(start.date(), end.astimezone(tz).date())
