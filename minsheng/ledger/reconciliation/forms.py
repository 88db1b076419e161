import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..choices import ExceptionKind, ExceptionState, LineOutcome, PaymentState, StatementFormat
from .formats import max_bytes


class StatementUploadForm(forms.Form):
    file = forms.FileField(label=_("Statement file"), required=False,
                           help_text=_("A CSV export or an ISO 20022 camt.053 XML file."))
    text = forms.CharField(label=_("Or paste the CSV"), required=False,
                           widget=forms.Textarea(attrs={"rows": 8, "spellcheck": "false"}))
    format = forms.ChoiceField(label=_("Format"), required=False,
                               choices=[("", _("Recognise automatically")), *StatementFormat.choices])
    statement_id = forms.CharField(label=_("Bank statement id"), required=False, max_length=200,
                                   help_text=_("For a CSV export, which names none (a camt.053 file names its own)."))
    account_no = forms.CharField(label=_("Account number"), required=False, max_length=64)

    def clean(self):
        data = super().clean()
        upload, text = data.get("file"), (data.get("text") or "").strip()
        if upload and text:
            raise forms.ValidationError(_("Upload a file or paste the text, not both."))
        if not upload and not text:
            raise forms.ValidationError(_("Upload a statement file or paste its text."))
        if upload is not None and upload.size > max_bytes():
            self.add_error("file", _("The file is %(size)s MB; at most %(max)s MB is accepted.") % {
                "size": f"{upload.size / 1024 / 1024:.1f}", "max": f"{max_bytes() / 1024 / 1024:.1f}"})
        return data

    def content(self) -> tuple[bytes, str]:
        """The statement's bytes and its file name."""
        upload = self.cleaned_data.get("file")
        if upload is not None:
            return upload.read(), upload.name
        return self.cleaned_data["text"].strip().encode("utf-8"), ""


class NoteForm(forms.Form):
    note = forms.CharField(label=_("Note"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class MatchForm(NoteForm):
    reference = forms.CharField(label=_("Payment reference"), max_length=200)
    field_order = ["reference", "note"]


class ReturnForm(NoteForm):
    reference = forms.CharField(label=_("Payment reference"), max_length=200, required=False,
                                help_text=_("Only when the exception names no payment."))
    field_order = ["reference", "note"]


class ExceptionFilterForm(forms.Form):
    state = forms.ChoiceField(label=_("State"), required=False,
                              choices=[("", _("All states")), *ExceptionState.choices])
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("All kinds")), *ExceptionKind.choices])


class LineFilterForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), required=False,
                                choices=[("", _("All outcomes")), *LineOutcome.choices])


class PaymentFilterForm(forms.Form):
    state = forms.ChoiceField(label=_("State"), required=False, choices=[("", _("All states")), *PaymentState.choices])
    search = forms.CharField(label=_("Reference or payee"), required=False, max_length=200,
                             widget=forms.TextInput(attrs={"placeholder": _("Reference or payee"), "type": "search"}))


class ReportForm(forms.Form):
    date_from = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def period(self) -> tuple[dt.date, dt.date]:
        """The dates asked for; by default the last 14 days up to today."""
        today = timezone.localdate()
        data = self.cleaned_data if self.is_valid() else {}
        date_to = data.get("date_to") or today
        return data.get("date_from") or date_to - dt.timedelta(days=13), date_to
