"""Reading the calendar: the current ``WorkCalendar`` (cached per process), its years and their state."""

import datetime as dt
import threading
import time

from django.conf import settings
from django.db.models import Count, Max, Min
from django.utils import timezone
from django.utils.translation import gettext as _

from .calendar import WorkCalendar
from .models import CalendarYear, Day

# The calendar changes a few times a year; re-check the table's signature at most this often.
RECHECK_SECONDS = 30

_lock = threading.Lock()
_cached: dict = {"calendar": None, "signature": None, "checked_at": 0.0}


def _signature() -> tuple:
    stats = Day.objects.aggregate(n=Count("date"), changed=Max("changed_at"))
    return stats["n"], stats["changed"]


def calendar_current(*, fresh: bool = False) -> WorkCalendar:
    """The working-day calendar as stored now. Other processes' edits are seen within RECHECK_SECONDS."""
    now = time.monotonic()
    with _lock:
        if not fresh and _cached["calendar"] is not None and now - _cached["checked_at"] < RECHECK_SECONDS:
            return _cached["calendar"]
        signature = _signature()
        if fresh or signature != _cached["signature"] or _cached["calendar"] is None:
            _cached["calendar"] = WorkCalendar.from_days(
                Day.objects.values_list("date", "is_workday"),
                provisional=Day.objects.filter(provisional=True).values_list("date", flat=True))
            _cached["signature"] = signature
        _cached["checked_at"] = now
        return _cached["calendar"]


def calendar_forget() -> None:
    """Drop this process's cached calendar (after an edit, and between tests)."""
    with _lock:
        _cached.update(calendar=None, signature=None, checked_at=0.0)


def calendar_coverage() -> tuple[dt.date | None, dt.date | None]:
    stats = Day.objects.aggregate(first=Min("date"), last=Max("date"))
    return stats["first"], stats["last"]


def calendar_provisional_years() -> list[CalendarYear]:
    """The years still on the provisional rule, oldest first."""
    return list(CalendarYear.objects.filter(provisional=True).order_by("year"))


def calendar_years(*, user) -> list[CalendarYear]:
    """Every year of the calendar with its state (official or provisional) and since when."""
    from minsheng.org.scope import ObjectScope, restrict

    return list(restrict(CalendarYear.objects.all(), user=user, action="read",
                         rules=ObjectScope(everyone_reads=True)).order_by("-year"))


def calendar_coverage_warning(*, today: dt.date | None = None) -> str | None:
    """A notice for administrators: the calendar is empty, or this year or next (near its end) still
    runs on the provisional rule and waits for the State Council's schedule."""
    today = today or timezone.localdate()
    _first, last = calendar_coverage()
    if last is None:
        return _("The working-day calendar is empty: deadlines cannot be computed. Load it in the admin.")
    provisional = set(CalendarYear.objects.filter(provisional=True).values_list("year", flat=True))
    year_end = dt.date(today.year, 12, 31)
    waiting = [year for year in (today.year, today.year + 1) if year in provisional
               and (year == today.year or (year_end - today).days <= settings.WORKDAYS_WARN_DAYS_BEFORE_END)]
    if waiting:
        return _(
            "The holiday schedule of %(years)s has not been entered: deadlines that count its days follow the "
            "statutory holidays only and are marked provisional. Enter the State Council's notice when it is "
            "published."
        ) % {"years": "、".join(str(year) for year in waiting)}
    return None


def day_list(*, user, year: int | None = None, action="read"):
    """Calendar days as the user may see (everyone signed in) or change (administrators)."""
    from minsheng.org.scope import ObjectScope, restrict

    qs = restrict(Day.objects.all(), user=user, action=action, rules=ObjectScope(everyone_reads=True))
    return qs.filter(date__year=year) if year else qs
