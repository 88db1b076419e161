"""Background work for projects (Django's task framework; the scheduler runs them daily)."""

from django.utils import timezone
from django_tasks import task

from .services import projects_recompute, snapshot_take
from .services.notices import reports_due_notify, supervision_escalate


@task()
def projects_recompute_warnings() -> int:
    """Daily: the calendar moves on by itself, so warnings are recomputed every morning."""
    return projects_recompute()


@task()
def projects_take_snapshot() -> int:
    """Daily (cheap, idempotent): this month's snapshot, refreshed; the last run of a month is the one kept."""
    today = timezone.localdate()
    return snapshot_take(month=today, today=today)


@task()
def projects_supervision_escalate() -> int:
    """Daily: supervision notices past their respond-by day without an answer are escalated (once each)."""
    return supervision_escalate()


@task()
def projects_reports_due() -> int:
    """Daily: from the due day of the month, lead units without this month's report are reminded (once)."""
    return reports_due_notify()


DAY = 24 * 3600
# Enqueued by `minsheng periodic` (see docs/operations.md).
PERIODIC = [(projects_recompute_warnings, DAY), (projects_take_snapshot, DAY), (projects_supervision_escalate, DAY),
            (projects_reports_due, DAY)]
