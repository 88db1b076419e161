from django.urls import path

from . import views

app_name = "ledger"

urlpatterns = [
    path("", views.accounts, name="accounts"),
    path("accounts/<str:code>/", views.account, name="account"),
]
