from django.contrib import admin

from minsheng.audit.admin import ReadOnlyAdmin

from .models import Account, Transfer


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
