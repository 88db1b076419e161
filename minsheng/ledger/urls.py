from django.urls import path

from . import views
from .reconciliation import views as reconciliation

app_name = "ledger"

urlpatterns = [
    path("", views.accounts, name="accounts"),
    path("accounts/<str:code>/", views.account, name="account"),
    path("reconciliation/", reconciliation.overview, name="reconciliation"),
    path("reconciliation/upload/", reconciliation.statement_upload, name="statement_upload"),
    path("reconciliation/statements/<int:pk>/", reconciliation.statement, name="statement"),
    path("reconciliation/exceptions/", reconciliation.exceptions, name="exceptions"),
    path("reconciliation/exceptions/<int:pk>/", reconciliation.exception, name="exception"),
    path("reconciliation/exceptions/<int:pk>/resolve/", reconciliation.exception_resolve, name="exception_resolve"),
    path("reconciliation/exceptions/<int:pk>/match/", reconciliation.exception_match, name="exception_match"),
    path("reconciliation/exceptions/<int:pk>/return/", reconciliation.exception_return, name="exception_return"),
    path("reconciliation/payments/", reconciliation.payments, name="bank_payments"),
    path("reconciliation/report/", reconciliation.report, name="reconciliation_report"),
]
