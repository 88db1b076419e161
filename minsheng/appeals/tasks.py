"""Background work for appeals (Django's task framework; run it every few minutes from the scheduler)."""

from django_tasks import task

from .rollup import metrics_rollup_refresh
from .services import deadlines_mark


@task()
def appeals_mark_deadlines() -> dict[str, int]:
    """Yellow warnings one working day before a due time; red breaches once passed (kept forever)."""
    return deadlines_mark()


@task()
def appeals_refresh_metrics_rollup() -> dict[str, int]:
    """Roll up the past days that changed or were never rolled up (the metrics count them live meanwhile)."""
    return metrics_rollup_refresh()


# Enqueued by `minsheng periodic` every five minutes (see docs/operations.md).
PERIODIC = [(appeals_mark_deadlines, 300), (appeals_refresh_metrics_rollup, 300)]
