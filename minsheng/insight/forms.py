"""Forms of the insight pages: the hotspot window, turning a hotspot into a project, the report period."""

import datetime as dt

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from minsheng.org.models import Region, Unit
from minsheng.org.scope import restrict
from minsheng.projects.models import ProjectCategory, ProjectList
from minsheng.projects.selectors import LIST_RULES

from .choices import PlaceLevel
from .periods import period_parse, recent_periods

WINDOW_CHOICES = [(7, _("Last 7 days")), (14, _("Last 14 days")), (30, _("Last 30 days")),
                  (60, _("Last 60 days")), (90, _("Last 90 days"))]


DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")  # the browser's date picker wants ISO


class HotspotFilterForm(forms.Form):
    days = forms.TypedChoiceField(label=_("Window"), choices=WINDOW_CHOICES, coerce=int, initial=30)
    level = forms.ChoiceField(label=_("Place"), choices=PlaceLevel.choices, initial=PlaceLevel.COMMUNITY)
    min_size = forms.IntegerField(label=_("At least this many cases"), min_value=2, max_value=50, initial=3)

    def values(self) -> dict:
        """The cleaned window, or the defaults when the query string is missing or wrong."""
        defaults = {name: field.initial for name, field in self.fields.items()}
        return {**defaults, **self.cleaned_data} if self.is_valid() else defaults


class HotspotProjectForm(forms.Form):
    key = forms.CharField(widget=forms.HiddenInput)
    days = forms.TypedChoiceField(choices=WINDOW_CHOICES, coerce=int, widget=forms.HiddenInput)
    level = forms.ChoiceField(choices=PlaceLevel.choices, widget=forms.HiddenInput)
    min_size = forms.IntegerField(min_value=2, max_value=50, widget=forms.HiddenInput)
    project_list = forms.ModelChoiceField(label=_("List"), queryset=ProjectList.objects.none())
    title = forms.CharField(label=_("Project title"), max_length=200)
    content = forms.CharField(label=pgettext_lazy("project", "Content"), widget=forms.Textarea, required=False)
    category = forms.ModelChoiceField(label=_("Category"), queryset=ProjectCategory.objects.all(), required=False)
    lead_unit = forms.ModelChoiceField(label=pgettext_lazy("project", "Lead unit"),
                                       queryset=Unit.objects.filter(is_active=True))
    start_date = forms.DateField(label=_("Start date"), widget=DATE_INPUT)
    end_date = forms.DateField(label=_("End date"), widget=DATE_INPUT)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project_list"].queryset = restrict(ProjectList.objects.all(), user=user, action="write",
                                                        rules=LIST_RULES)

    def clean(self):
        data = super().clean()
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            raise ValidationError({"end_date": _("The end date is before the start date.")})
        return data


def _period_choices(today: dt.date) -> list[tuple[str, str]]:
    return [(p.code, p.code) for p in recent_periods(today)]


class ReportForm(forms.Form):
    # No max_length: a too-long period gets the same message as any other bad one, with the formats.
    period = forms.CharField(label=_("Period"), max_length=40,
                             help_text=_("A month (2026-11) or a quarter (2026Q4)."))
    district = forms.ModelChoiceField(label=_("District"), queryset=Region.objects.none(), required=False,
                                      empty_label=_("Whole city"))

    def __init__(self, *args, districts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["district"].queryset = Region.objects.filter(pk__in=[d.pk for d in districts]).order_by("code")
        self.period_choices = _period_choices(timezone.localdate())

    def clean_period(self):
        return period_parse(self.cleaned_data["period"].strip())
