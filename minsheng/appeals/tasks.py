"""Background work for appeals (Django's task framework; run it every few minutes from the scheduler)."""

from django_tasks import task

from .services import deadlines_mark


@task()
def appeals_mark_deadlines() -> dict[str, int]:
    """Yellow warnings one working day before a due time; red breaches once passed (kept forever)."""
    return deadlines_mark()


# Enqueued by `minsheng periodic` every five minutes (see docs/operations.md).
PERIODIC = [(appeals_mark_deadlines, 300)]
