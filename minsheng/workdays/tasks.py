"""Background work for the calendar (Django's task framework; the scheduler runs it daily)."""

from django_tasks import task

from .services import calendar_extend


@task()
def workdays_extend() -> list[int]:
    """Daily: keep the stored calendar ``WORKDAYS_YEARS_AHEAD`` years ahead with provisional years."""
    return calendar_extend()


# Enqueued by `minsheng periodic` (see docs/operations.md).
PERIODIC = [(workdays_extend, 24 * 3600)]
