"""URLs: the pages of each app under /<label>/, the API under /api/, admin, login, language switch."""

from importlib import import_module

from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from minsheng.audit.admin import admin_audit_everything
from minsheng.org import views as org_views

from .api import api

# Every app's admin (Django's and third-party ones too) is loaded by now: mirror every change made
# there into the audit trail and mask personal fields (docs/audit.md).
admin_audit_everything(admin.site)

urlpatterns = [
    path("", org_views.home, name="home"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("healthz", org_views.healthz, name="healthz"),
]

for app in settings.INSTALLED_APPS:
    if not app.startswith("minsheng."):
        continue
    try:
        import_module(f"{app}.urls")
    except ModuleNotFoundError as exc:
        if exc.name == f"{app}.urls":
            continue
        raise
    label = app.rsplit(".", 1)[1]
    urlpatterns.append(path(f"{label}/", include(f"{app}.urls")))

# Uploaded files are never served from MEDIA_URL, not even in development: attachments and
# evidence go through their apps' views, which check who may see them.

admin.site.site_header = "minsheng 民生"
admin.site.site_title = "minsheng"
