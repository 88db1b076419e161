"""The projects API at /api/projects/: lists, projects, progress reports, statistics; public reads without login."""

from django.shortcuts import get_object_or_404
from ninja import Router, Status

from . import selectors as sel
from . import services, stats
from .models import ProgressReport
from .schemas import (
    ListOut,
    ProjectDetailOut,
    ProjectOut,
    PublicProjectOut,
    ReportIn,
    ReportOut,
    ReturnIn,
)

router = Router(tags=["projects"])


@router.get("/lists", response=list[ListOut])
def lists(request, year: int | None = None):
    return list(sel.project_list_index(user=request.user, year=year))


@router.get("/lists/{list_id}/projects", response=list[ProjectOut])
def list_projects(request, list_id: int, status: str = "", warning: str = "", limit: int = 500, offset: int = 0):
    project_list = sel.project_list_get(user=request.user, pk=list_id)
    projects = sel.project_search(user=request.user, project_list=project_list,
                                  filters={"status": status, "warning": warning})
    limit = max(1, min(limit, 2000))
    return list(projects[offset:offset + limit])


@router.get("/projects/{project_id}", response=ProjectDetailOut)
def project_detail(request, project_id: int):
    return sel.project_get(user=request.user, pk=project_id)


@router.get("/projects/{project_id}/reports", response=list[ReportOut])
def project_reports(request, project_id: int):
    return list(sel.project_get(user=request.user, pk=project_id).reports.all())


@router.post("/projects/{project_id}/reports", response={201: ReportOut})
def report_submit(request, project_id: int, payload: ReportIn):
    project = sel.project_get(user=request.user, pk=project_id)
    report = services.report_submit(actor=request.user, project=project, period=payload.period, text=payload.text,
                                    milestone_done=payload.milestone_done,
                                    indicator_actuals=payload.indicator_actuals,
                                    claims_completion=payload.claims_completion)
    return Status(201, report)


def _report(request, report_id: int) -> ProgressReport:
    return get_object_or_404(ProgressReport.objects.select_related("project"), pk=report_id,
                             project__in=sel.project_scope(user=request.user))


@router.post("/reports/{report_id}/accept", response=ReportOut)
def report_accept(request, report_id: int):
    return services.report_accept(actor=request.user, report=_report(request, report_id))


@router.post("/reports/{report_id}/return", response=ReportOut)
def report_return(request, report_id: int, payload: ReturnIn):
    return services.report_return(actor=request.user, report=_report(request, report_id), reason=payload.reason)


@router.get("/stats")
def statistics(request, year: int | None = None, level: int | None = None):
    """Listed / completed / in progress / not started / lagging, by level, category, lead unit, district; trend."""
    return stats.project_statistics(user=request.user, year=year, level_id=level)


@router.get("/public/lists", response=list[ListOut], auth=None)
def public_lists(request):
    return list(sel.public_lists())


@router.get("/public/lists/{list_id}/projects", response=list[PublicProjectOut], auth=None)
def public_list_projects(request, list_id: int):
    project_list = get_object_or_404(sel.public_lists(), pk=list_id)
    return list(sel.public_projects(project_list))
