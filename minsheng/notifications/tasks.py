"""Background sending (Django's task framework). ``notification_send`` enqueues a run for its message once
the caller's transaction commits; the periodic run sends the rest: retries, text messages held for the
quiet hours, and anything whose enqueue was lost."""

from django_tasks import task

from .services import notifications_deliver


@task()
def notifications_send_due(ids: list[int] | None = None) -> dict[str, int]:
    """Send the due messages (only ``ids`` when given): claim, send outside a transaction, record."""
    return notifications_deliver(ids=ids)


# Enqueued by `minsheng periodic` every minute (see docs/notifications.md).
PERIODIC = [(notifications_send_due, 60)]
