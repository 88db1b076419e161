"""Background work for projects (Django's task framework; the scheduler runs them daily)."""

from django.utils import timezone
from django_tasks import task

from .services import projects_recompute, snapshot_take


@task()
def projects_recompute_warnings() -> int:
    """Daily: the calendar moves on by itself, so warnings are recomputed every morning."""
    return projects_recompute()


@task()
def projects_take_snapshot() -> int:
    """Daily (cheap, idempotent): this month's snapshot, refreshed; the last run of a month is the one kept."""
    today = timezone.localdate()
    return snapshot_take(month=today, today=today)


DAY = 24 * 3600
# Enqueued by `minsheng periodic` (see docs/operations.md).
PERIODIC = [(projects_recompute_warnings, DAY), (projects_take_snapshot, DAY)]
