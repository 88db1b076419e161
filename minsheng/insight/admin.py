from django.contrib import admin

from minsheng.audit.admin import ReadOnlyAdmin

from .models import HotspotProject, Notification


@admin.register(HotspotProject)
class HotspotProjectAdmin(admin.ModelAdmin):
    list_display = ["hotspot_key", "project", "place", "category", "created_at", "notified_at"]
    list_filter = ["notified_at"]
    search_fields = ["hotspot_key", "project__code", "project__title"]
    readonly_fields = ["hotspot_key", "project", "place", "category", "appeal_ids", "case_numbers", "created_by",
                       "created_at", "notified_at"]


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    """Read-only: notifications are append-only records of what was told."""

    list_display = ["appeal", "channel", "created_at"]
    list_filter = ["channel"]
