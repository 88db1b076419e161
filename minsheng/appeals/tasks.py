"""Background work for appeals (Django's task framework; run it every few minutes from the scheduler)."""

from django_tasks import task

from .rollup import metrics_rollup_refresh
from .services import deadlines_mark, deadlines_recompute


@task()
def appeals_mark_deadlines() -> dict[str, int]:
    """Yellow warnings one working day before a due time; red breaches once passed (kept forever)."""
    return deadlines_mark()


@task()
def appeals_refresh_metrics_rollup() -> dict[str, int]:
    """Roll up the past days that changed or were never rolled up (the metrics count them live meanwhile)."""
    return metrics_rollup_refresh()


@task()
def appeals_recompute_deadlines(years: list[int]) -> dict:
    """After a calendar change: every open deadline on the new calendar, case by case (failures listed in
    the result and the audit log), then the metrics' past days that moved rolled up again."""
    result = deadlines_recompute(years=years)
    if result.cases or result.legs:
        metrics_rollup_refresh()
    return {"cases": result.cases, "legs": result.legs, "failures": result.failures}


# Enqueued by `minsheng periodic` every five minutes (see docs/operations.md).
PERIODIC = [(appeals_mark_deadlines, 300), (appeals_refresh_metrics_rollup, 300)]
