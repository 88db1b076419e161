"""Admin: configuration (levels, categories) is edited here; projects are read-only here — use the pages."""

from django.contrib import admin

from minsheng.audit.admin import ReadOnlyAdmin

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
class ProjectAdmin(ReadOnlyAdmin):
    """Read-only: every change must go through the services so that it leaves an event."""

    list_display = ["code", "title", "lead_unit", "status", "warning", "progress"]
    list_filter = ["status", "warning", "project_list__year"]
    search_fields = ["code", "title"]


@admin.register(ProjectEvent)
class ProjectEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "project_id", "action", "actor_name"]
    list_filter = ["action"]
