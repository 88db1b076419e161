"""The insight API at /api/insight/: the dashboard's figures, period reports, hotspots, and the public figures.

Thin: parse, call one selector or service, render. Errors are answered centrally (``minsheng.config.api``).
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Status

from minsheng.org.models import Region, Unit
from minsheng.org.scope import restrict
from minsheng.projects.models import ProjectList
from minsheng.projects.selectors import LIST_RULES

from . import selectors, services
from .choices import PlaceLevel
from .periods import month_of, period_parse
from .reporting import report_rows
from .schemas import HotspotOut, HotspotProjectIn, HotspotProjectOut, ReportRowOut

router = Router(tags=["insight"])


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied(_("Your role does not give access to this page."))


def _window(days: int, level: str, min_size: int) -> dict:
    if level not in PlaceLevel.values:
        raise ValidationError({"level": _("Choose grid, community or town.")})
    if not (1 <= days <= 366 and 2 <= min_size <= 50):
        raise ValidationError(_("The window is 1 to 366 days and a hotspot has 2 to 50 cases."))
    return {"days": days, "level": level, "min_size": min_size}


@router.get("/dashboard")
def dashboard(request):
    _require(selectors.may_see_dashboard(request.user))
    data = selectors.dashboard(user=request.user)
    data["hotspot_projects"] = [{"hotspot_key": link.hotspot_key, "project_code": link.project.code,
                                 "cases": len(link.appeal_ids), "status": link.project.status}
                                for link in data["hotspot_projects"]]
    return data


@router.get("/report", response=list[ReportRowOut])
def report(request, period: str = "", district: int | None = None):
    _require(selectors.may_see_dashboard(request.user))
    chosen = period_parse(period) if period else month_of(timezone.localdate())
    region = None
    if district is not None:
        region = next((d for d in selectors.districts_for(user=request.user) if d.pk == district), None)
        if region is None:
            raise Region.DoesNotExist(district)
    return report_rows(selectors.period_report(user=request.user, period=chosen, district=region))


def _hotspot_out(view: selectors.HotspotView) -> dict:
    h = view.hotspot
    return {
        "key": h.key, "place_code": h.place_code, "place": view.place.name if view.place else None,
        "category_id": h.category_id, "category": view.category.full_name if view.category else None,
        "size": h.size, "cohesion": h.cohesion, "terms": h.terms, "case_numbers": h.numbers,
        "first_at": h.first_at, "last_at": h.last_at, "project_code": view.link.project.code if view.link else None,
    }


@router.get("/hotspots", response=list[HotspotOut])
def hotspots(request, days: int = 30, level: str = "community", min_size: int = 3):
    _require(selectors.may_see_hotspots(request.user))
    return [_hotspot_out(v) for v in selectors.hotspot_list(user=request.user, **_window(days, level, min_size))]


@router.post("/hotspots/{key}/project", response={201: HotspotProjectOut})
def hotspot_project(request, key: str, payload: HotspotProjectIn):
    _require(selectors.may_turn_into_project(request.user))
    hotspot = selectors.hotspot_find(user=request.user, key=key,
                                     **_window(payload.days, payload.level, payload.min_size))
    project_list = get_object_or_404(restrict(ProjectList.objects.all(), user=request.user, action="write",
                                              rules=LIST_RULES), pk=payload.project_list)
    lead_unit = get_object_or_404(Unit, pk=payload.lead_unit, is_active=True)
    link = services.hotspot_project_create(
        actor=request.user, hotspot=hotspot, project_list=project_list, lead_unit=lead_unit, title=payload.title,
        content=payload.content, start_date=payload.start_date, end_date=payload.end_date)
    return Status(201, {"hotspot_key": link.hotspot_key, "project_id": link.project_id,
                        "project_code": link.project.code, "case_numbers": link.case_numbers})


@router.get("/public", auth=None, summary="The city's headline figures (no login; aggregates only)")
def public(request, year: int | None = None):
    figures, counted_at = selectors.public_figures_latest(year=year or timezone.localdate().year)
    return {**figures, "counted_at": counted_at}
