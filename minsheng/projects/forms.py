"""Forms of the project pages: they parse and validate input; services do the writing."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from minsheng.org.models import Region, Unit

from .choices import ProjectSource, ProjectStatus, RatingLevel
from .models import ListLevel, ProjectCategory


class DateInput(forms.DateInput):
    """An HTML date input; its value must be ISO (zh-Hans would otherwise render 2026/11/01, which browsers drop)."""

    input_type = "date"

    def __init__(self, attrs=None, format="%Y-%m-%d"):
        super().__init__(attrs=attrs, format=format)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(item, initial) for item in data if item]
        return [super().clean(data, initial)] if data else []


def _units():
    return Unit.objects.filter(is_active=True).order_by("code")


class PlaceholderForm(forms.Form):
    """Compact inline forms: each field's label doubles as its placeholder."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs.setdefault("placeholder", field.label)
            field.widget.attrs.setdefault("aria-label", field.label)


class ProjectListForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    level = forms.ModelChoiceField(label=_("Level"), queryset=ListLevel.objects.all())
    name = forms.CharField(label=_("Name"), max_length=120)
    owner_unit = forms.ModelChoiceField(label=_("Owner unit"), queryset=_units())
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea)
    is_published = forms.BooleanField(label=_("Published on the public pages"), required=False)


class ProjectForm(forms.Form):
    code = forms.CharField(label=_("Code"), max_length=40)
    title = forms.CharField(label=pgettext_lazy("project", "Title"), max_length=200)
    content = forms.CharField(label=pgettext_lazy("project", "Content"), required=False, widget=forms.Textarea)
    category = forms.ModelChoiceField(label=_("Category"), queryset=ProjectCategory.objects.all(), required=False)
    source = forms.ChoiceField(label=_("Source"), choices=ProjectSource.choices)
    source_reference = forms.CharField(label=_("Source reference"), max_length=200, required=False)
    lead_unit = forms.ModelChoiceField(label=pgettext_lazy("project", "Lead unit"), queryset=_units())
    co_units = forms.ModelMultipleChoiceField(label=_("Co-units"), queryset=_units(), required=False)
    responsible_leader = forms.CharField(label=_("Responsible leader"), max_length=60, required=False)
    region = forms.ModelChoiceField(label=pgettext_lazy("project", "Region"), required=False,
                                    queryset=Region.objects.filter(level__in=["city", "district", "town"]))
    start_date = forms.DateField(label=_("Start date"), widget=DateInput)
    end_date = forms.DateField(label=_("End date"), widget=DateInput)
    internal_note = forms.CharField(label=_("Internal note (never public)"), required=False, widget=forms.Textarea)

    def clean(self):
        data = super().clean()
        if data.get("start_date") and data.get("end_date") and data["end_date"] < data["start_date"]:
            self.add_error("end_date", _("The end date must not be before the start date."))
        return data


class ProjectEditForm(ProjectForm):
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, lead_only: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["code"]
        if lead_only:
            for name in ("category", "source", "source_reference", "lead_unit", "start_date", "end_date"):
                del self.fields[name]


class StatusForm(PlaceholderForm):
    status = forms.ChoiceField(label=_("Status"), choices=[c for c in ProjectStatus.choices
                                                           if c[0] != ProjectStatus.COMPLETED])
    reason = forms.CharField(label=_("Reason"), max_length=500)


class BulkChangeForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=[("", "—")] + [c for c in ProjectStatus.choices
                                                      if c[0] != ProjectStatus.COMPLETED])
    start_date = forms.DateField(label=_("Start date"), required=False, widget=DateInput)
    end_date = forms.DateField(label=_("End date"), required=False, widget=DateInput)
    lead_unit = forms.ModelChoiceField(label=pgettext_lazy("project", "Lead unit"), queryset=_units(), required=False)
    reason = forms.CharField(label=_("Reason"), max_length=500)


class MilestoneForm(PlaceholderForm):
    title = forms.CharField(label=_("Milestone"), max_length=200)
    due_date = forms.DateField(label=_("Due date"), widget=DateInput)
    weight = forms.IntegerField(label=_("Weight"), min_value=1, max_value=1000, initial=1)


class IndicatorForm(PlaceholderForm):
    name = forms.CharField(label=_("Indicator"), max_length=120)
    unit = forms.CharField(label=_("Unit of measure"), max_length=20, required=False)
    baseline = forms.DecimalField(label=_("Baseline"), max_digits=16, decimal_places=2, initial=0)
    target = forms.DecimalField(label=_("Target"), max_digits=16, decimal_places=2)
    weight = forms.IntegerField(label=_("Weight"), min_value=1, max_value=1000, initial=1)


class MilestoneDoneForm(forms.Form):
    done_at = forms.DateField(label=_("Done on"), widget=DateInput)
    note = forms.CharField(label=_("Evidence description"), max_length=300, required=False)
    evidence = MultipleFileField(label=_("Evidence (photos or PDF)"))


class ReportForm(forms.Form):
    """A monthly report; one extra field per milestone not yet done and per indicator."""

    period = forms.DateField(label=_("Month reported on"), widget=DateInput)
    text = forms.CharField(label=_("Progress"), widget=forms.Textarea)
    evidence = MultipleFileField(label=_("Evidence (photos or PDF)"))
    claims_completion = forms.BooleanField(label=_(
        "The project is complete (every milestone done or waived, every indicator at its target; needs evidence "
        "attached here and acceptance)"),
                                           required=False)

    def __init__(self, *args, project, **kwargs):
        super().__init__(*args, **kwargs)
        self.milestone_fields, self.indicator_fields = [], []
        for milestone in project.milestones.all():
            if milestone.done_at is None:
                name = f"milestone_{milestone.pk}"
                self.fields[name] = forms.DateField(label=_("“%(title)s” done on") % {"title": milestone.title},
                                                    required=False, widget=DateInput)
                self.milestone_fields.append((name, milestone))
        for indicator in project.indicators.all():
            name = f"indicator_{indicator.pk}"
            self.fields[name] = forms.DecimalField(
                label=_("%(name)s (%(unit)s), target %(target)s") % {"name": indicator.name, "unit": indicator.unit,
                                                                    "target": indicator.target},
                required=False, max_digits=16, decimal_places=2, initial=indicator.actual)
            self.indicator_fields.append((name, indicator))

    def milestone_done(self) -> dict:
        return {m.pk: self.cleaned_data[name] for name, m in self.milestone_fields if self.cleaned_data.get(name)}

    def indicator_actuals(self) -> dict:
        return {i.pk: self.cleaned_data[name] for name, i in self.indicator_fields
                if self.cleaned_data.get(name) is not None and self.cleaned_data[name] != i.actual}


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea)


class TextForm(forms.Form):
    text = forms.CharField(label=_("Text"), widget=forms.Textarea)


class DeadlineRequestForm(forms.Form):
    milestone = forms.IntegerField(required=False, widget=forms.HiddenInput)
    requested_date = forms.DateField(label=_("New date"), widget=DateInput)
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea)


class DecisionForm(forms.Form):
    approve = forms.BooleanField(required=False)
    note = forms.CharField(label=_("Note"), required=False, max_length=500)


class SupervisionForm(forms.Form):
    text = forms.CharField(label=_("Notice"), widget=forms.Textarea)
    respond_by = forms.DateField(label=_("Respond by"), widget=DateInput)


class AcknowledgeForm(forms.Form):
    response = forms.CharField(label=_("Response"), widget=forms.Textarea)


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Workbook (.xlsx)"))


class RatingForm(forms.Form):
    level = forms.ChoiceField(label=_("Your rating"), choices=RatingLevel.choices, widget=forms.RadioSelect)
    comment = forms.CharField(label=_("Comment (optional)"), required=False, max_length=500,
                              widget=forms.Textarea(attrs={"rows": 3}))
