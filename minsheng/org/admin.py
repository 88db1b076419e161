from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from . import services
from .models import ApiKey, Membership, Region, Unit, User


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["unit", "region"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "display_name", "is_active", "is_staff", "last_login"]
    search_fields = ["username", "display_name", "email"]
    fieldsets = (*BaseUserAdmin.fieldsets, (_("minsheng"), {"fields": ["display_name", "mobile"]}))
    inlines = [MembershipInline]


class RegionAdminForm(forms.ModelForm):
    """The checks of ``region_create``/``region_update`` as form errors, so a bad region is refused on the page."""

    class Meta:
        model = Region
        fields = ["code", "division_code", "name", "level", "parent", "geometry"]

    def clean(self):
        data = super().clean()
        level, parent = data.get("level"), data.get("parent")
        try:
            services._check_region_level(level, parent)
            if self.instance.pk and parent is not None and (
                    parent.pk == self.instance.pk or parent.path.startswith(self.instance.path)):
                raise ValidationError({"parent": _("A region cannot sit under itself or under a region below it.")})
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                self.add_error(field if field in self.fields else None, errors)
        return data


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    """Regions are made and moved through the services: the path (a grant's scope) is always computed,
    and moving a region moves every region below it."""

    form = RegionAdminForm
    list_display = ["name", "code", "division_code", "level", "parent", "path"]
    list_filter = ["level"]
    search_fields = ["name", "code", "division_code"]
    readonly_fields = ["path"]
    autocomplete_fields = ["parent"]

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            saved = services.region_update(region=obj, code=data["code"], name=data["name"], level=data["level"],
                                           parent=data["parent"], division_code=data.get("division_code", ""),
                                           actor=request.user)
            if "geometry" in form.changed_data:
                saved = services.region_set_geometry(region=saved, geometry=data.get("geometry"), actor=request.user)
        else:
            saved = services.region_create(code=data["code"], name=data["name"], level=data["level"],
                                           parent=data["parent"], division_code=data.get("division_code", ""),
                                           geometry=data.get("geometry"), actor=request.user)
        obj.pk, obj.path = saved.pk, saved.path


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "kind", "parent", "contact_phone", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "short_name", "code"]
    autocomplete_fields = ["parent", "regions"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "unit", "region", "is_active"]
    list_filter = ["role", "is_active"]
    search_fields = ["user__username", "unit__name", "region__name"]
    autocomplete_fields = ["user", "unit", "region"]


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    """Keys are issued on the staff page (``org:api_keys``), which shows the key once: the admin lists them
    and revokes them through the service, and cannot create or edit one (a key without its hash is broken)."""

    list_display = ["name", "user", "membership", "prefix", "is_active", "expires_at", "revoked_at", "last_used_at"]
    list_filter = ["is_active"]
    readonly_fields = ["name", "user", "membership", "prefix", "is_active", "created_at", "expires_at", "revoked_at",
                       "revoked_by", "last_used_at"]
    exclude = ["key_hash"]
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Revoke the selected keys"))
    def revoke(self, request, queryset):
        for key in queryset:
            services.api_key_revoke(key=key, actor=request.user)
