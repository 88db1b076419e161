from django.urls import path

from . import views

app_name = "insight"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("hotspots/", views.hotspots, name="hotspots"),
    path("hotspots/project/", views.hotspot_to_project, name="hotspot_project"),
    path("report/", views.report, name="report"),
    path("public/", views.public, name="public"),
    path("notifications/", views.my_notifications, name="notifications"),
]
