"""Appeals in the admin: for looking, not for changing. Every change goes through the services
(the pages and the API), so the event log, the clocks and the scope rules are never bypassed."""

from django.contrib import admin

from minsheng.audit.admin import ReadOnlyAdmin

from .models import (
    Appeal,
    AppealEvent,
    Callback,
    Category,
    DispatchCatalogue,
    DispatchLeg,
    KnowledgeArticle,
    LeaderInstruction,
    LegRequest,
    SupervisionNotice,
)


class LegInline(admin.TabularInline):
    model = DispatchLeg
    extra = 0
    can_delete = False
    fields = ["unit", "role", "state", "sign_due_at", "handle_due_at", "signed_at", "answered_at", "returned_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Appeal)
class AppealAdmin(ReadOnlyAdmin):
    list_display = ["number", "kind", "channel", "category", "region", "state", "lead_unit", "registered_at", "due_at",
                    "breached_at"]
    list_filter = ["state", "kind", "channel", "urgent"]
    search_fields = ["number", "title", "address"]
    date_hierarchy = "registered_at"
    list_select_related = ["category", "region", "lead_unit"]
    exclude = ["caller_mobile"]  # personal data: shown masked on the case page, revealed only with an audit record
    inlines = [LegInline]


@admin.register(AppealEvent)
class AppealEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "appeal", "action", "from_state", "to_state", "actor", "unit"]
    list_filter = ["action"]
    search_fields = ["appeal__number"]
    list_select_related = ["appeal", "actor", "unit"]


@admin.register(Category)
class CategoryAdmin(ReadOnlyAdmin):
    list_display = ["code", "full_name", "level", "initials", "is_active"]
    search_fields = ["code", "full_name", "pinyin", "initials"]


@admin.register(DispatchCatalogue)
class DispatchCatalogueAdmin(ReadOnlyAdmin):
    list_display = ["category", "region", "lead_unit", "note"]
    list_select_related = ["category", "region", "lead_unit"]


@admin.register(KnowledgeArticle)
class KnowledgeArticleAdmin(ReadOnlyAdmin):
    list_display = ["title", "category", "used_count", "is_published", "updated_at"]
    search_fields = ["title", "keywords"]


@admin.register(LegRequest)
class LegRequestAdmin(ReadOnlyAdmin):
    list_display = ["leg", "kind", "state", "days", "requested_at", "decided_at"]
    list_filter = ["kind", "state"]


@admin.register(Callback)
class CallbackAdmin(ReadOnlyAdmin):
    list_display = ["appeal", "attempt", "at", "reached", "satisfaction", "resolved"]
    list_filter = ["reached", "satisfaction"]


@admin.register(SupervisionNotice)
class SupervisionNoticeAdmin(ReadOnlyAdmin):
    list_display = ["appeal", "kind", "unit", "issued_at", "acknowledged_at"]
    list_filter = ["kind"]


@admin.register(LeaderInstruction)
class LeaderInstructionAdmin(ReadOnlyAdmin):
    list_display = ["appeal", "leader", "at"]
