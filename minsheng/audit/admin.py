from django.contrib import admin

from .models import AuditEvent


class ReadOnlyAdmin(admin.ModelAdmin):
    """For looking, not changing: records that change only through their app's services (so that every
    change leaves its event and audit trail), or that the database keeps append-only. Every app's admin
    uses this one."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    """The database refuses changes to audit events anyway; the admin does not offer them."""

    list_display = ["occurred_at", "actor_name", "action", "object_type", "object_repr", "ip"]
    list_filter = ["action", "object_type"]
    search_fields = ["actor_name", "object_repr", "object_id", "action"]
    date_hierarchy = "occurred_at"
