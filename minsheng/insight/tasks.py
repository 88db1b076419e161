"""Background work for insight (Django's task framework; run it every few minutes from the scheduler)."""

from django_tasks import task

from .services import hotspot_outcomes_notify


@task()
def insight_notify_hotspot_outcomes() -> int:
    """Tell the citizens behind every hotspot whose project has been completed since the last run."""
    return hotspot_outcomes_notify()


# Run by ``minsheng periodic``: every ten minutes, so a citizen hears soon after a project is accepted.
PERIODIC = [(insight_notify_hotspot_outcomes, 600)]
