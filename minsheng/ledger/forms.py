from django import forms
from django.utils.translation import gettext_lazy as _

from .choices import AccountKind, TransferKind


class AccountFilterForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("All kinds")), *AccountKind.choices])
    search = forms.CharField(
        label=_("Code or name"), required=False, max_length=100,
        widget=forms.TextInput(attrs={"placeholder": _("Code or name"), "type": "search"}),
    )


class TransferFilterForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("All kinds")), *TransferKind.choices])
