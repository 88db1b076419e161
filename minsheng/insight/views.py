"""Insight pages: the dashboard, hotspots, period reports, and the public disclosure page."""

import csv

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_http_methods

from minsheng.conflicts import Conflict
from minsheng.service_errors import add_service_errors

from . import selectors, services
from .forms import HotspotFilterForm, HotspotProjectForm, ReportForm
from .hotspots import Hotspot
from .models import HotspotProject
from .periods import month_of, percent
from .reporting import report_rows


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied(_("Your role does not give access to this page."))


@login_required
def dashboard(request):
    _require(selectors.may_see_dashboard(request.user))
    data = selectors.dashboard(user=request.user)
    chart = {
        "trend": data["trend"],
        "districts": [{"name": d["name"], "month": d["appeals_month"], "open": d["open"], "overdue": d["overdue"]}
                      for d in data["districts"]],
        "projects": {key: data["projects"][key] for key in ("completed", "on_track", "yellow", "red")},
        "labels": {"registered": pgettext("insight", "Registered"), "closed": _("Closed"), "month": _("This month"),
                   "open": _("Open"), "overdue": _("Overdue"), "completed": _("Completed"),
                   "on_track": _("On schedule"), "yellow": _("Lagging: yellow"), "red": _("Lagging: red")},
    }
    links = {
        "appeal_stats": selectors.link_to("appeals:stats"),
        "supervision": selectors.link_to("appeals:supervision"),
        "project_stats": selectors.link_to("projects:stats"),
        "project_warnings": selectors.link_to("projects:warnings"),
        "funds": selectors.link_to("subsidies:stats"),
        "hotspots": selectors.link_to("insight:hotspots") if selectors.may_see_hotspots(request.user) else None,
        "report": selectors.link_to("insight:report"),
    }
    return render(request, "insight/dashboard.html", {"d": data, "chart": chart, "links": links})


@login_required
def hotspots(request):
    _require(selectors.may_see_hotspots(request.user))
    form = HotspotFilterForm(request.GET or None)
    window = form.values()
    found = selectors.hotspot_list(user=request.user, days=window["days"], level=window["level"],
                                   min_size=window["min_size"])
    return render(request, "insight/hotspots.html", {
        "form": form, "window": window, "hotspots": found,
        "may_create": selectors.may_turn_into_project(request.user),
        "links": selectors.hotspot_project_list(user=request.user),
    })


def _hotspot_from(request, data) -> tuple[Hotspot, dict]:
    try:
        window = {"days": int(data.get("days", 30)), "level": data.get("level", "community"),
                  "min_size": int(data.get("min_size", 3))}
    except ValueError as exc:
        raise Http404 from exc
    if window["level"] not in ("grid", "community", "town"):
        raise Http404
    try:
        return selectors.hotspot_find(user=request.user, key=data.get("key", ""), **window), window
    except HotspotProject.DoesNotExist as exc:
        raise Http404(_("This hotspot is no longer in the window.")) from exc


@login_required
@require_http_methods(["GET", "POST"])
def hotspot_to_project(request):
    _require(selectors.may_turn_into_project(request.user))
    hotspot, window = _hotspot_from(request, request.POST if request.method == "POST" else request.GET)
    view = next((v for v in selectors.hotspot_list(user=request.user, **window) if v.hotspot.key == hotspot.key),
                None)
    if request.method == "POST":
        form = HotspotProjectForm(request.POST, user=request.user)
        if form.is_valid():
            data = form.cleaned_data
            try:
                link = services.hotspot_project_create(
                    actor=request.user, hotspot=hotspot, project_list=data["project_list"],
                    lead_unit=data["lead_unit"], title=data["title"], content=data["content"],
                    category=data["category"], start_date=data["start_date"], end_date=data["end_date"])
            except ValidationError as exc:
                add_service_errors(form, exc)
            except Conflict as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("Project %(code)s created from %(count)d cases.")
                                 % {"code": link.project.code, "count": len(link.appeal_ids)})
                return redirect("insight:hotspots")
    else:
        today = timezone.localdate()
        place = view.place.name if view and view.place else hotspot.place_code
        category = view.category.name if view and view.category else ""
        form = HotspotProjectForm(user=request.user, initial={
            "key": hotspot.key, **window, "title": _("Fixing %(category)s in %(place)s")
            % {"category": category, "place": place},
            "start_date": today, "end_date": today.replace(month=12, day=31),
            "lead_unit": selectors.unit_serving(view.place) if view and view.place else None,
        })
    return render(request, "insight/hotspot_project.html", {"form": form, "view": view, "hotspot": hotspot})


@login_required
def report(request):
    _require(selectors.may_see_dashboard(request.user))
    districts = selectors.districts_for(user=request.user)
    default_period = month_of(timezone.localdate()).code
    form = ReportForm(request.GET or {"period": default_period}, districts=districts)
    if not form.is_valid():
        return render(request, "insight/report.html", {"form": form, "r": None}, status=400 if request.GET else 200)
    data = selectors.period_report(user=request.user, period=form.cleaned_data["period"],
                                   district=form.cleaned_data["district"])
    rows = report_rows(data)
    if request.GET.get("format") == "csv":
        return _csv(data, rows)
    return render(request, "insight/report.html", {"form": form, "r": data, "rows": rows})


def _csv(data: dict, rows: list) -> HttpResponse:
    scope = data["district"].code if data["district"] else "city"
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="minsheng-report-{data["period"].code}-{scope}.csv"'
    response.write("\ufeff")  # Excel opens UTF-8 Chinese correctly only with the byte-order mark
    writer = csv.writer(response)
    writer.writerow([_("System"), _("Figure"), _("Value"), _("Formula")])
    for row in rows:
        writer.writerow([row.system, row.label, row.display, row.formula])
    return response


def public(request):
    """No login: the city's headline figures, aggregates only."""
    year = timezone.localdate().year
    data, counted_at = selectors.public_figures_latest(year=year)
    return render(request, "insight/public.html", {
        "p": data, "counted_at": counted_at, "satisfaction": percent(data["appeals"]["satisfaction"]),
        "closing_rate": percent(data["appeals"]["closing_rate"])})


@login_required
def my_notifications(request):
    return render(request, "insight/notifications.html",
                  {"notifications": selectors.notifications_for(user=request.user)})
