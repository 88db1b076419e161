"""Receivers: they only call services."""

from .services import projects_recompute


def on_calendar_changed(sender, years, **kwargs) -> None:
    """Holidays moved: "due within N working days" may have changed for open projects."""
    projects_recompute()
