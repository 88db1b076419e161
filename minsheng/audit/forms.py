"""The audit page's filters."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .choices import action_label, object_type_label
from .selectors import AuditFilters, audit_actions, audit_object_types, audit_regions

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class AuditFilterForm(forms.Form):
    actor = forms.CharField(label=_("Who"), required=False, max_length=150)
    action = forms.ChoiceField(label=_("Action"), required=False)
    object_type = forms.ChoiceField(label=_("Object type"), required=False)
    object_id = forms.CharField(label=_("Object id"), required=False, max_length=64)
    since = forms.DateField(label=_("From"), required=False, widget=DATE_INPUT)
    until = forms.DateField(label=_("Until"), required=False, widget=DATE_INPUT)
    region = forms.ModelChoiceField(label=_("Region"), required=False, queryset=None, empty_label=_("All in my scope"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        every = [("", _("All"))]
        self.fields["action"].choices = every + sorted(
            ((a, action_label(a)) for a in audit_actions(user=user)), key=lambda c: c[1]
        )
        self.fields["object_type"].choices = every + sorted(
            ((t, object_type_label(t)) for t in audit_object_types(user=user) if t), key=lambda c: c[1]
        )
        self.fields["region"].queryset = audit_regions(user=user)

    def clean(self):
        data = super().clean()
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            raise ValidationError(_("The start date is after the end date."))
        return data

    def filters(self) -> AuditFilters:
        """The cleaned filters; none when the form is not valid (the page shows the errors)."""
        if not self.is_valid():
            return AuditFilters()
        return AuditFilters(**{k: v for k, v in self.cleaned_data.items() if v not in ("", None)})


class RevealForm(forms.Form):
    reason = forms.CharField(label=_("Why do you need to see it?"), max_length=200,
                             help_text=_("Recorded in the audit trail with your name and the time."))
