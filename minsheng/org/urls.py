"""Organisation pages under /org/: the API keys a person issues for their own roles."""

from django.urls import path

from . import views

app_name = "org"

urlpatterns = [
    path("api-keys/", views.api_keys, name="api_keys"),
    path("api-keys/<int:pk>/revoke/", views.api_key_revoke, name="api_key_revoke"),
]
