"""Forms for the policy-funds pages; amounts are typed in yuan and kept in fen."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from minsheng.org.models import Region

from .choices import PolicyMode, Scale
from .models import CapGroup


def to_fen(amount: Decimal | None) -> int | None:
    return None if amount is None else int((amount * 100).to_integral_value())


class YuanField(forms.DecimalField):
    def __init__(self, **kwargs):
        super().__init__(max_digits=16, decimal_places=2, min_value=Decimal("0.01"), **kwargs)


RULE_HELP = _('One statement per line: “clause NAME: condition” and one “amount: yuan”. '
              'E.g. clause 用气量达标: fact("gas_m3") >= 100000')


class PolicyVersionForm(forms.Form):
    period = forms.CharField(label=_("Period"), max_length=7, help_text=_("2026, 2026Q3 or 2026-10"))
    budget = YuanField(label=_("Budget (yuan)"))
    per_enterprise_cap = YuanField(label=_("Cap per enterprise (yuan)"), required=False)
    legal_reference = forms.CharField(label=_("Legal reference"), max_length=300)
    rule_text = forms.CharField(label=_("Rules"), widget=forms.Textarea(attrs={"rows": 10, "class": "code"}),
                                help_text=RULE_HELP)


class PolicyForm(PolicyVersionForm):
    code = forms.SlugField(label=_("Code"), max_length=40)
    name = forms.CharField(label=_("Name"), max_length=200)
    mode = forms.ChoiceField(label=_("Mode"), choices=PolicyMode.choices)
    cap_group = forms.ModelChoiceField(label=_("Cap group"), queryset=CapGroup.objects.all(), required=False)

    field_order = ["code", "name", "mode", "cap_group", "period", "budget", "per_enterprise_cap", "legal_reference",
                   "rule_text"]


class PublishForm(forms.Form):
    comment = forms.CharField(label=_("Comment"), max_length=300, required=False,
                              widget=forms.TextInput(attrs={"placeholder": _("Approval comment (optional)")}))


class SimulateForm(forms.Form):
    named = forms.CharField(label=_("Explain these enterprises (credit codes, one per line)"), required=False,
                            widget=forms.Textarea(attrs={"rows": 3}))


class EnterpriseForm(forms.Form):
    uscc = forms.CharField(label=_("Unified social credit code"), max_length=18)
    name = forms.CharField(label=_("Name"), max_length=200)
    region = forms.ModelChoiceField(label=_("Region"), queryset=Region.objects.filter(level__in=["district", "town"]))
    industry_code = forms.CharField(label=_("Industry code (GB/T 4754)"), max_length=4)
    scale = forms.ChoiceField(label=_("Scale"), choices=Scale.choices)
    registered_on = forms.DateField(label=_("Registration date"), widget=forms.DateInput(attrs={"type": "date"}))


class ImportForm(forms.Form):
    KINDS = [("facts", _("Facts: uscc, fact, period, value[, source]")),
             ("enterprises", _("Enterprises: uscc, name, region, industry_code, scale, registered_on"))]
    kind = forms.ChoiceField(label=_("What the file holds"), choices=KINDS)
    source = forms.CharField(label=_("Source department"), max_length=60, required=False)
    file = forms.FileField(label=_("CSV or Excel file"))


class ConfirmForm(forms.Form):
    bank_account_no = forms.CharField(label=_("Receiving account"), max_length=40)


class ReceivingAccountForm(forms.Form):
    bank_name = forms.CharField(label=_("Bank and branch"), max_length=100)
    account_no = forms.CharField(label=_("Account number"), max_length=40,
                                 widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}))
    account_name = forms.CharField(label=_("Account name"), max_length=200,
                                   help_text=_("Exactly the enterprise's registered name."))


class AccountDecisionForm(forms.Form):
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class ClaimForm(forms.Form):
    uscc = forms.CharField(label=_("Unified social credit code"), max_length=18)
    legal_representative = forms.CharField(label=_("Legal representative"), max_length=50)
    mobile = forms.CharField(label=_("Legal representative's mobile"), max_length=11,
                             widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "tel"}),
                             help_text=_("As registered with the market regulator: the code is sent to it."))


class ClaimCodeForm(forms.Form):
    uscc = forms.CharField(widget=forms.HiddenInput, max_length=18)
    code = forms.CharField(label=_("Code from the text message"), max_length=6,
                           widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}))


class InviteForm(forms.Form):
    mobile = forms.CharField(label=_("Your colleague's mobile"), max_length=11,
                             widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}))


class JoinForm(forms.Form):
    uscc = forms.CharField(label=_("The enterprise's unified social credit code"), max_length=18)
    code = forms.CharField(label=_("Code from the text message"), max_length=6,
                           widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}))
