"""Admin: reference data is editable; enterprises, policies and grants change only through services."""

from django.contrib import admin

from minsheng.audit.admin import ReadOnlyAdmin

from .models import (
    CapGroup,
    Enterprise,
    EnterpriseFact,
    EnterpriseFactRevision,
    EnterpriseNotice,
    FactBatch,
    FactDefinition,
    Grant,
    GrantEvent,
    Industry,
    Objection,
    ObjectionFile,
    Policy,
    PolicyApproval,
    PolicyVersion,
    Recovery,
    RecoveryRepayment,
)


@admin.register(Industry)
class IndustryAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "section"]
    list_filter = ["level", "section"]
    search_fields = ["code", "name"]


@admin.register(FactDefinition)
class FactDefinitionAdmin(admin.ModelAdmin):
    list_display = ["name", "label", "unit", "period_kind", "is_money", "source_department"]


@admin.register(CapGroup)
class CapGroupAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "year_cap"]


@admin.register(Enterprise)
class EnterpriseAdmin(ReadOnlyAdmin):
    list_display = ["uscc", "name", "district", "industry_code", "scale", "registered_on"]
    list_filter = ["scale", "district", "industry__section"]
    search_fields = ["uscc", "name"]


@admin.register(EnterpriseFact)
class EnterpriseFactAdmin(ReadOnlyAdmin):
    list_display = ["enterprise", "definition", "period", "value", "source", "revision", "imported_at"]
    list_filter = ["definition", "period"]
    raw_id_fields = ["enterprise"]


@admin.register(FactBatch)
class FactBatchAdmin(ReadOnlyAdmin):
    list_display = ["id", "kind", "source", "file_name", "recorded_by", "recorded_at", "rows", "created", "changed",
                    "unchanged"]
    list_filter = ["kind"]


@admin.register(EnterpriseFactRevision)
class EnterpriseFactRevisionAdmin(ReadOnlyAdmin):
    list_display = ["enterprise", "definition", "period", "number", "value", "source", "batch", "recorded_at"]
    list_filter = ["definition", "period"]
    raw_id_fields = ["enterprise", "batch"]


@admin.register(Policy)
class PolicyAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "mode", "cap_group", "created_at"]


@admin.register(PolicyVersion)
class PolicyVersionAdmin(ReadOnlyAdmin):
    list_display = ["policy", "number", "state", "period", "budget", "author", "published_at"]
    list_filter = ["state"]


@admin.register(PolicyApproval)
class PolicyApprovalAdmin(ReadOnlyAdmin):
    list_display = ["version", "approver", "approved_at"]


@admin.register(Grant)
class GrantAdmin(ReadOnlyAdmin):
    list_display = ["policy", "enterprise", "period", "amount", "state", "confirmed_at", "paid_at"]
    list_filter = ["state", "policy"]
    raw_id_fields = ["enterprise"]


@admin.register(GrantEvent)
class GrantEventAdmin(ReadOnlyAdmin):
    list_display = ["grant", "from_state", "to_state", "actor", "occurred_at"]


@admin.register(Recovery)
class RecoveryAdmin(ReadOnlyAdmin):
    list_display = ["grant", "amount", "repaid", "state", "requested_by", "decided_by", "requested_at"]
    list_filter = ["state"]
    raw_id_fields = ["grant"]


@admin.register(RecoveryRepayment)
class RecoveryRepaymentAdmin(ReadOnlyAdmin):
    list_display = ["reference", "recovery", "amount", "recorded_by", "recorded_at"]
    search_fields = ["reference"]


@admin.register(Objection)
class ObjectionAdmin(ReadOnlyAdmin):
    list_display = ["grant", "state", "filed_by", "filed_at", "decided_by", "outcome"]
    list_filter = ["state"]
    raw_id_fields = ["grant"]


@admin.register(ObjectionFile)
class ObjectionFileAdmin(ReadOnlyAdmin):
    list_display = ["objection", "name", "content_type", "size", "uploaded_at"]


@admin.register(EnterpriseNotice)
class EnterpriseNoticeAdmin(ReadOnlyAdmin):
    list_display = ["enterprise", "kind", "grant", "created_at"]
    list_filter = ["kind"]
