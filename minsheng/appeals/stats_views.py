"""The appeal statistics page (``appeals:stats``): a period, filters, the §5 rates and their charts.

``StatsFilterForm`` is also what the metrics API validates its query string with, so the page and
the API accept and refuse exactly the same input.
"""

import datetime as dt
import re

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import render
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from minsheng.org.choices import RegionLevel
from minsheng.org.models import Region, Unit

from .choices import Channel, Kind, SuggestionOutcome
from .metrics import Filters, Period, appeal_metrics, may_view_stats, rate_labels
from .models import Category

MONTH_RE = re.compile(r"^(\d{4})-(\d{1,2})$")
QUARTER_RE = re.compile(r"^(\d{4})-?Q([1-4])$", re.IGNORECASE)


def _max_days() -> int:
    return getattr(settings, "APPEALS_METRICS_MAX_DAYS", 731)


class CategoryChoiceField(forms.ModelChoiceField):
    """Any level of the taxonomy (a level counts its whole subtree), indented by level."""

    def label_from_instance(self, obj: Category) -> str:
        return "\u3000" * (obj.level - 1) + obj.name


class StatsFilterForm(forms.Form):
    PERIOD_CHOICES = [("month", _("Month")), ("quarter", _("Quarter")), ("custom", _("Custom period"))]

    period = forms.ChoiceField(label=_("Period"), choices=PERIOD_CHOICES, required=False)
    month = forms.CharField(label=_("Month"), required=False, max_length=7,
                            widget=forms.TextInput(attrs={"type": "month"}))
    quarter = forms.CharField(label=_("Quarter"), required=False, max_length=7)
    start = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    district = forms.ModelChoiceField(label=_("District"), required=False, to_field_name="code",
                                      queryset=Region.objects.filter(level=RegionLevel.DISTRICT),
                                      empty_label=_("All districts"))
    unit = forms.ModelChoiceField(label=_("Unit"), required=False, to_field_name="code",
                                  queryset=Unit.objects.filter(is_active=True), empty_label=_("All units"))
    category = CategoryChoiceField(label=_("Category"), required=False, to_field_name="code",
                                   queryset=Category.objects.filter(is_active=True).order_by("code"),
                                   empty_label=_("All categories"))
    channel = forms.ChoiceField(label=_("Channel"), required=False,
                                choices=[("", _("All channels")), *Channel.choices])
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("All kinds")), *Kind.choices])

    def clean(self):
        data = super().clean()
        today = timezone.localdate()
        mode = data.get("period") or ("custom" if data.get("start") or data.get("end") else "month")
        data["period"] = mode
        try:
            if mode == "month":
                data["period_range"] = self._month(data.get("month"), today)
            elif mode == "quarter":
                data["period_range"] = self._quarter(data.get("quarter"), today)
            else:
                data["period_range"] = self._custom(data.get("start"), data.get("end"), today)
        except ValidationError as exc:
            self.add_error(None, exc)
        return data

    @staticmethod
    def _month(value: str | None, today: dt.date) -> Period:
        if not value:
            return Period.month(today.year, today.month)
        match = MONTH_RE.match(value.strip())
        if not match or not 1 <= int(match[2]) <= 12 or not 2000 <= int(match[1]) <= 2100:
            raise ValidationError({"month": _("Give the month as YYYY-MM, for example 2026-03.")})
        return Period.month(int(match[1]), int(match[2]))

    @staticmethod
    def _quarter(value: str | None, today: dt.date) -> Period:
        if not value:
            return Period.quarter(today.year, (today.month - 1) // 3 + 1)
        match = QUARTER_RE.match(value.strip())
        if not match or not 2000 <= int(match[1]) <= 2100:
            raise ValidationError({"quarter": _("Give the quarter as YYYY-Qn, for example 2026-Q1.")})
        return Period.quarter(int(match[1]), int(match[2]))

    @staticmethod
    def _custom(start: dt.date | None, end: dt.date | None, today: dt.date) -> Period:
        start = start or (end or today).replace(day=1)
        if end is None:  # up to today, or to the end of a future month
            end = today if start <= today else Period.month(start.year, start.month).last
        if end < start:
            raise ValidationError({"end": _("The period ends before it starts.")})
        if (end - start).days + 1 > _max_days():
            raise ValidationError({"end": _("A period can be at most %(n)d days long.") % {"n": _max_days()}})
        return Period(start, end)

    def period_range(self) -> Period:
        return self.cleaned_data["period_range"]

    def filters(self) -> Filters:
        data = self.cleaned_data
        return Filters(region=data.get("district"), unit=data.get("unit"), category=data.get("category"),
                       channel=data.get("channel") or "", kind=data.get("kind") or "")


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{number_format(value * 100, 1)}%"


def _tiles(report) -> list[dict]:
    totals = report.totals
    fractions = {
        "signing_on_time": (totals.legs_signed_on_time, totals.legs_due_for_signing),
        "completion": (totals.closed, totals.cohort),
        "on_time_completion": (totals.closed_on_time, totals.due),
        "handling": (totals.legs_answered, totals.legs_dispatched),
        "callback": (totals.called_back, totals.needing_callback),
        "resolution": (totals.resolved, totals.valid_callbacks),
        "satisfaction": (totals.satisfied + totals.basically_satisfied, totals.valid_callbacks),
        "first_contact": (totals.closed_at_intake, totals.inquiries),
    }
    tiles = [{"key": "volume", "label": _("Cases registered"), "value": number_format(totals.registered),
              "detail": ""}]
    for key, label in rate_labels().items():
        numerator, denominator = fractions[key]
        tiles.append({"key": key, "label": label, "value": _percent(report.rates[key]),
                      "detail": f"{numerator} / {denominator}"})
    return tiles


def chart_data(report) -> dict:
    """What the page's charts draw (labels translated here, so the script has no text of its own)."""
    data = report.as_dict()
    data["labels"] = {
        "by_day": _("Cases registered per day"),
        "by_kind": _("By kind"),
        "by_channel": _("By channel"),
        "by_district": _("By district"),
        "by_unit": _("Units by on-time completion rate"),
        "cases": _("Cases"),
        "rate": _("On-time completion rate"),
        "no_data": _("No data for this period."),
    }
    return data


@require_GET
@login_required
def stats(request):
    if not may_view_stats(request.user):
        raise PermissionDenied(_("Your role does not give access to the appeal statistics."))
    form = StatsFilterForm(request.GET)
    if form.is_valid():
        period, filters = form.period_range(), form.filters()
    else:
        today = timezone.localdate()
        period, filters = Period.month(today.year, today.month), Filters()
    report = appeal_metrics(user=request.user, period=period, filters=filters)
    units = [s for s in report.by_unit if s.key is not None]
    return render(request, "appeals/stats.html", {
        "form": form,
        "report": report,
        "tiles": _tiles(report),
        "chart_data": chart_data(report),
        "districts": [(s, _percent(s.counts.rates()["on_time_completion"]),
                       _percent(s.counts.rates()["satisfaction"])) for s in report.by_district],
        "units": [(s, _percent(s.counts.rates()["on_time_completion"]), _percent(s.counts.rates()["handling"]),
                   _percent(s.counts.rates()["signing_on_time"])) for s in units],
        "suggestions": [(label, report.suggestions.get(code, 0)) for code, label in SuggestionOutcome.choices],
        "quarters": _quarter_choices(),
        "selected_quarter": f"{period.first.year}-Q{(period.first.month - 1) // 3 + 1}",
    })


def _quarter_choices() -> list[str]:
    year = timezone.localdate().year
    return [f"{y}-Q{q}" for y in range(year, year - 3, -1) for q in (4, 3, 2, 1)]
