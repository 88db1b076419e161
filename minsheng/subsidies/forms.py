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


# --- after payment: recoveries, objections, vouchers ------------------------------------------------

class RecoveryRequestForm(forms.Form):
    reason = forms.CharField(label=_("Why the grant was wrong"), max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 3}))


class DecisionForm(forms.Form):
    """A second officer's decision on a request (a recovery): approve, or refuse with a note."""

    decision = forms.ChoiceField(label=_("Decision"), choices=[("approve", _("Approve")), ("refuse", _("Refuse"))])
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class RepaymentForm(forms.Form):
    amount = YuanField(label=_("Amount repaid (yuan)"))
    reference = forms.CharField(label=_("Bank reference"), max_length=64)


class RepayForm(forms.Form):
    """Pay a returned grant again: to one of the enterprise's active registered receiving accounts."""

    bank_account_no = forms.ChoiceField(label=_("Receiving account"))

    def __init__(self, *args, accounts=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["bank_account_no"].choices = [
            (a.account_no, f"{a.bank_name} {a.account_no} {a.account_name}") for a in accounts]


class ObjectionDecisionForm(forms.Form):
    decision = forms.ChoiceField(label=_("Decision"),
                                 choices=[("uphold", _("Uphold: look at the grant again")), ("dismiss", _("Dismiss"))])
    note = forms.CharField(label=_("Note to the enterprise"), max_length=300)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (Django's documented pattern); the service checks what they are."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/*,application/pdf"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data]
        return [single(data, initial)] if data else []


class ObjectionForm(forms.Form):
    reason = forms.CharField(label=_("Why the refusal is wrong"), max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 5}))
    files = MultipleFileField(label=_("Evidence (photos or PDF, optional)"), required=False)


class PolicyAccountsForm(forms.Form):
    """The finance system's account codes of a policy's vouchers; blank fields use the city's default."""

    expenditure_account_code = forms.CharField(label=_("Budget expenditure account code"), max_length=40,
                                               required=False)
    payable_account_code = forms.CharField(label=_("Payable account code"), max_length=40, required=False)
    bank_account_code = forms.CharField(label=_("Bank account code"), max_length=40, required=False)
    receivable_account_code = forms.CharField(label=_("Receivable account code"), max_length=40, required=False)
    funding_account_code = forms.CharField(label=_("Funding account code"), max_length=40, required=False)


class VoucherForm(forms.Form):
    FORMATS = [("csv", "CSV"), ("xlsx", "Excel (.xlsx)")]
    start = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("To"), widget=forms.DateInput(attrs={"type": "date"}))
    format = forms.ChoiceField(label=_("Format"), choices=FORMATS, initial="xlsx")

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end:
            if start > end:
                raise forms.ValidationError(_("The first day comes after the last."))
            if (end - start).days >= 366:
                raise forms.ValidationError(_("Export at most a year (366 days) at a time."))
        return data
