from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("", views.account, name="account"),
    path("password/", views.password_change, name="password_change"),
    path("password/expired/", views.password_expired, name="password_expired"),
    path("password/reset/", views.password_reset, name="password_reset"),
    path("password/reset/code/", views.password_reset_confirm, name="password_reset_confirm"),
    path("2fa/enrol/", views.totp_enrol, name="totp_enrol"),
    path("2fa/verify/", views.totp_verify, name="totp_verify"),
    path("sso/start/", views.sso_start, name="sso_start"),
    path("sso/callback/", views.sso_callback, name="sso_callback"),
]
