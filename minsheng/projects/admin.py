"""Admin: configuration (levels, categories) is edited here; projects are read-only here — use the pages."""

from django.contrib import admin

from .models import ListLevel, Project, ProjectCategory, ProjectEvent, ProjectList


@admin.register(ListLevel)
class ListLevelAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "order"]


@admin.register(ProjectCategory)
class ProjectCategoryAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "parent", "order"]
    list_filter = ["parent"]


@admin.register(ProjectList)
class ProjectListAdmin(admin.ModelAdmin):
    list_display = ["year", "name", "level", "owner_unit", "is_published"]
    list_filter = ["year", "level", "is_published"]

    def has_add_permission(self, request):
        return False


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    """Read-only: every change must go through the services so that it leaves an event."""

    list_display = ["code", "title", "lead_unit", "status", "warning", "progress"]
    list_filter = ["status", "warning", "project_list__year"]
    search_fields = ["code", "title"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ProjectEvent)
class ProjectEventAdmin(admin.ModelAdmin):
    list_display = ["at", "project_id", "action", "actor_name"]
    list_filter = ["action"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
