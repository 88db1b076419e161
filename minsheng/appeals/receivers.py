"""Signal receivers: each one only calls a service."""

from contextlib import suppress

from minsheng.workdays.calendar import CalendarOutOfRange

from .rollup import metrics_rollup_refresh
from .services import deadlines_recompute


def on_calendar_changed(sender, *, years, **kwargs) -> None:
    """The working-day calendar changed: recompute the deadlines of open cases, then roll up again the
    past days whose counts that moved (the metrics count them live meanwhile).

    A clock that now reaches past the calendar keeps its old due time; the calendar warning banner
    already tells administrators to enter the missing year.
    """
    with suppress(CalendarOutOfRange):
        if deadlines_recompute(years=years):
            metrics_rollup_refresh()
