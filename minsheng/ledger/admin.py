from django.contrib import admin

from minsheng.audit.admin import ReadOnlyAdmin

from .models import Account, BankPayment, ReconciliationException, Statement, Transfer


# The ledger changes only through its services: accounts are never deleted, transfers never edited.
@admin.register(Account)
class AccountAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "kind", "debits_must_not_exceed_credits",
                    "posted_debits", "posted_credits", "pending_debits", "pending_credits", "created_at"]
    list_filter = ["kind", "debits_must_not_exceed_credits"]
    search_fields = ["code", "name"]


@admin.register(Transfer)
class TransferAdmin(ReadOnlyAdmin):
    list_display = ["key", "kind", "debit_account", "credit_account", "amount", "memo", "created_at"]
    list_filter = ["kind"]
    search_fields = ["key", "memo", "debit_account__code", "credit_account__code"]
    list_select_related = ["debit_account", "credit_account"]
    raw_id_fields = ["debit_account", "credit_account", "pending", "reverses"]
    date_hierarchy = "created_at"


# Reconciliation changes only through its services (imports, the exceptions queue's actions).
@admin.register(BankPayment)
class BankPaymentAdmin(ReadOnlyAdmin):
    list_display = ["reference", "state", "amount", "payee_name", "sent_at", "settled_on", "returned_on"]
    list_filter = ["state"]
    search_fields = ["reference", "payee_name", "payee_account_no"]
    raw_id_fields = ["sent_transfer", "source", "settlement_transfer", "return_transfer", "replaces"]


@admin.register(Statement)
class StatementAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "format", "from_date", "to_date", "line_count", "settled_count", "exception_count",
                    "imported_at"]
    list_filter = ["format"]
    search_fields = ["statement_id", "file_name", "file_sha256"]


@admin.register(ReconciliationException)
class ReconciliationExceptionAdmin(ReadOnlyAdmin):
    list_display = ["pk", "kind", "state", "amount", "occurred_on", "resolution", "resolved_by"]
    list_filter = ["kind", "state", "resolution"]
    raw_id_fields = ["payment", "line", "resolved_by"]
