"""Signal receivers: each one only hands work to a service or a task."""


def on_calendar_changed(sender, *, years, **kwargs) -> None:
    """The working-day calendar changed: recompute the deadlines of open cases in the background, case by
    case (the metrics count the moved days live until they are rolled up again)."""
    from .tasks import appeals_recompute_deadlines

    appeals_recompute_deadlines.enqueue(years=sorted(years))
