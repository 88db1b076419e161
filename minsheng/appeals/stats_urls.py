"""The statistics page, included by ``minsheng.appeals.urls`` at ``stats/`` inside the ``appeals`` namespace."""

from django.urls import path

from . import stats_views

urlpatterns = [
    path("", stats_views.stats, name="stats"),
]
