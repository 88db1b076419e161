"""The admin and the audit trail.

* ``ReadOnlyAdmin``: for records that change only through their app's services.
* ``AuditedAdminMixin``: every add, change and delete made in the admin is mirrored into the
  append-only audit, with the changed fields (personal data masked, secrets left out).
* ``PersonalDataAdminMixin``: personal fields (``reveal.PERSONAL_FIELDS``) are shown masked, with a
  link to reveal them (audited, with a reason); an editable one is typed anew, never shown.
* ``admin_audit_everything(site)`` puts both on every registered ModelAdmin, including those of
  Django and third-party apps (``config/urls.py`` calls it once every app's admin is loaded).

The audit events themselves are not in the admin: the system administrator neither reads nor changes
them (三员分立). Auditors use the audit page (``/audit/``).
"""

from django import forms
from django.contrib import admin
from django.db import models
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from .personal_data import mask
from .reveal import masked_value, personal_fields_of
from .services import audit_record, client_ip

# Never written to the trail, even masked.
SECRET_FIELDS = frozenset({"password", "key_hash", "secret", "token"})


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


def _plain(value, *, name: str, kinds: dict[str, str]):
    if name in SECRET_FIELDS:
        return "***"
    if name in kinds:
        return mask(kinds[name], str(value or ""))
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, (list, tuple, set, models.QuerySet)):
        return [str(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def _changes(form, kinds: dict[str, str]) -> dict:
    if form is None:
        return {}
    changed = {}
    for name in form.changed_data:
        before = form.initial.get(name)
        after = form.cleaned_data.get(name) if hasattr(form, "cleaned_data") else None
        changed[name] = [_plain(before, name=name, kinds=kinds), _plain(after, name=name, kinds=kinds)]
    return changed


class AuditedAdminMixin:
    """Mirrors every change made through this ModelAdmin into the audit trail."""

    def _audit(self, request, action: str, obj, summary: dict | None = None) -> None:
        audit_record(actor=request.user, action=action, obj=obj, summary=summary or {}, ip=client_ip(request))

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        self._audit(request, "admin.change" if change else "admin.add", obj,
                    {"fields": _changes(form, personal_fields_of(type(obj)))})

    def delete_model(self, request, obj):
        self._audit(request, "admin.delete", obj)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self._audit(request, "admin.delete", obj)
        super().delete_queryset(request, queryset)

    def save_formset(self, request, form, formset, change):
        for deleted in getattr(formset, "deleted_forms", []):
            if deleted.instance.pk is not None:
                self._audit(request, "admin.delete", deleted.instance, {"within": str(form.instance)})
        super().save_formset(request, form, formset, change)
        kinds = personal_fields_of(formset.model)
        for obj in getattr(formset, "new_objects", []):
            self._audit(request, "admin.add", obj, {"within": str(form.instance)})
        for obj, fields in getattr(formset, "changed_objects", []):
            values = {name: _plain(getattr(obj, name, None), name=name, kinds=kinds) for name in fields}
            self._audit(request, "admin.change", obj, {"within": str(form.instance), "fields": values})


class MaskedInput(forms.TextInput):
    """Shows the stored value masked, as a placeholder; the input starts empty."""

    def __init__(self, *, kind: str, attrs=None):
        super().__init__(attrs)
        self.kind = kind

    def get_context(self, name, value, attrs):
        attrs = {**(attrs or {}), "placeholder": mask(self.kind, str(value or "")) if value else "",
                 "autocomplete": "off"}
        context = super().get_context(name, None, attrs)
        context["widget"]["value"] = None
        return context


class MaskedField(forms.CharField):
    """Left empty, the stored value stays; typed, it replaces it."""

    def has_changed(self, initial, data):
        return bool(data)


class PersonalDataAdminMixin:
    """Personal fields appear masked; a link reveals them (audited). Editable ones are typed anew."""

    def __init__(self, model, admin_site):
        super().__init__(model, admin_site)
        self._personal = personal_fields_of(model)
        for name in self._personal:
            setattr(self, f"{name}_masked", self._masked_display(name))

    def _masked_display(self, name: str):
        field = self.model._meta.get_field(name)

        def display(obj):
            if obj is None or not getattr(obj, name):
                return "—"
            url = reverse("audit:reveal", args=[obj._meta.label_lower, obj.pk, name])
            return format_html('{} <a href="{}">{}</a>', masked_value(obj, name), url, _("Show (audited)"))

        display.short_description = field.verbose_name
        return display

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        kind = self._personal.get(db_field.name)
        if kind is None:
            return super().formfield_for_dbfield(db_field, request, **kwargs)
        return MaskedField(label=db_field.verbose_name, required=False, max_length=db_field.max_length,
                           validators=db_field.validators, widget=MaskedInput(kind=kind),
                           help_text=_("Shown masked. Leave empty to keep the stored value; type to replace it."))

    def save_model(self, request, obj, form, change):
        if change and form is not None:
            stored = type(obj)._default_manager.filter(pk=obj.pk).values(*self._personal).first() or {}
            for name in self._personal:
                if name in form.fields and not form.cleaned_data.get(name):
                    setattr(obj, name, stored.get(name, ""))
        super().save_model(request, obj, form, change)

    def get_fields(self, request, obj=None):
        fields = list(super().get_fields(request, obj))
        if self.has_change_permission(request, obj):
            return fields
        return [f"{f}_masked" if f in self._personal else f for f in fields]

    def get_list_display(self, request):
        return [f"{f}_masked" if f in self._personal else f for f in super().get_list_display(request)]


def _writable(model_admin) -> bool:
    cls = type(model_admin)
    return any(getattr(cls, name) is not getattr(ReadOnlyAdmin, name)
               for name in ("has_add_permission", "has_change_permission", "has_delete_permission"))


def admin_audit_everything(site: admin.AdminSite) -> None:
    """Give every registered ModelAdmin masking, and every writable one the audit mirror. Idempotent."""
    for model, model_admin in list(site._registry.items()):
        cls = type(model_admin)
        bases = []
        if not isinstance(model_admin, PersonalDataAdminMixin) and personal_fields_of(model):
            bases.append(PersonalDataAdminMixin)
        if not isinstance(model_admin, AuditedAdminMixin) and _writable(model_admin):
            bases.append(AuditedAdminMixin)
        if not bases:
            continue
        site.unregister(model)
        site.register(model, type(f"Audited{cls.__name__}", (*bases, cls), {"__module__": cls.__module__}))
