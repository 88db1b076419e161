from django.urls import path

from . import views

app_name = "workdays"
urlpatterns = [
    path("", views.years, name="years"),
    path("notice/", views.notice, name="notice"),
]
