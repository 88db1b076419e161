"""Background work for insight (Django's task framework; run it every few minutes from the scheduler)."""

from django_tasks import task

from .services import hotspot_outcomes_notify, public_figures_refresh


@task()
def insight_notify_hotspot_outcomes() -> int:
    """Tell the citizens behind every hotspot whose project has been completed since the last run."""
    return hotspot_outcomes_notify()


@task()
def insight_refresh_public_figures() -> str:
    """Recount the public page's figures (a year of cases takes seconds in a big city)."""
    return str(public_figures_refresh())


@task()
def insight_warm_hotspots() -> int:
    """Cluster the city's default hotspot window ahead of the first visitor (shared cache backends)."""
    from .selectors import CITY, hotspot_clusters

    return len(hotspot_clusters(user=CITY, days=30, level="community", min_size=3))


# Run by ``minsheng periodic``: citizens hear within ten minutes of a project's acceptance; the public
# figures are at most five minutes old (the page counts itself if the worker has stopped for 30 minutes);
# the city-wide hotspots are clustered before anyone asks.
PERIODIC = [(insight_notify_hotspot_outcomes, 600), (insight_refresh_public_figures, 300),
            (insight_warm_hotspots, 300)]
