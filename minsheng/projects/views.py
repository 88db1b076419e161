"""Project pages: thin views that parse input, call one service, and render.

Officers: lists, import (upload → preview → confirm), export, bulk changes, accepting reports,
deadline decisions. Lead units: their projects, reports, milestones, deadline requests. Leaders and
supervisors: warnings, statistics, notices, instructions. The public: published lists, no login.
"""

import contextlib
import datetime as dt
import secrets
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from minsheng.conflicts import Conflict

from . import forms, services, stats
from . import selectors as sel
from .choices import ProjectStatus, ReportState, RequestState, WarningLevel
from .excel import MAX_UPLOAD_BYTES
from .models import DeadlineChangeRequest, Evidence, Milestone, ProgressReport, Project, ProjectList, SupervisionNotice
from .warnings import thresholds as warning_thresholds
from .workbook import list_export, project_import

IMPORT_DIR = "projects/imports"


def _error_text(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return str(exc)


def _act(request, action, success: str):
    """Run one service call; report refusals as messages instead of errors. Returns True on success."""
    try:
        action()
    except (ValidationError, Conflict) as exc:
        messages.error(request, _error_text(exc))
        return False
    messages.success(request, success)
    return True


def _project_for(request, pk: int) -> Project:
    try:
        return sel.project_get(user=request.user, pk=pk)
    except Project.DoesNotExist as exc:
        raise Http404 from exc


def _back(project: Project):
    return redirect("projects:project_detail", pk=project.pk)


# --- lists ---------------------------------------------------------------------------------------
@login_required
def list_index(request):
    can_manage = sel.project_can_manage(request.user)
    form = forms.ProjectListForm(request.POST or None, initial={"year": timezone.localdate().year})
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied
        if form.is_valid():
            created = {}
            if _act(request, lambda: created.update(item=services.project_list_create(actor=request.user,
                                                                                        **form.cleaned_data)),
                    _("The list is created.")):
                return redirect("projects:list_detail", pk=created["item"].pk)
    return render(request, "projects/list_index.html", {
        "lists": sel.project_list_index(user=request.user),
        "form": form if can_manage else None,
        "reports_waiting": sel.reports_waiting(user=request.user)[:50],
        "deadline_requests": sel.deadline_requests_waiting(user=request.user)[:50],
    })


@login_required
def list_detail(request, pk: int):
    try:
        project_list = sel.project_list_get(user=request.user, pk=pk)
    except ProjectList.DoesNotExist as exc:
        raise Http404 from exc
    filters = {key: request.GET.get(key, "") for key in ("status", "warning", "lead_unit", "category", "q")}
    projects = sel.project_search(user=request.user, project_list=project_list, filters=filters)
    can_manage = sel.project_can_manage(request.user)
    bulk_form = forms.BulkChangeForm(request.POST or None) if can_manage else None
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied
        ids = [int(x) for x in request.POST.getlist("project") if x.isdigit()]
        writable = sel.project_scope(user=request.user, action="write")
        chosen = list(writable.filter(pk__in=ids, project_list=project_list))
        if not chosen:
            messages.error(request, _("Choose at least one project."))
        elif bulk_form.is_valid():
            data = bulk_form.cleaned_data
            if _act(request, lambda: services.project_bulk_change(
                    actor=request.user, projects=chosen, reason=data["reason"], status=data["status"] or None,
                    start_date=data["start_date"], end_date=data["end_date"], lead_unit=data["lead_unit"]),
                    _("%(n)d projects changed.") % {"n": len(chosen)}):
                return redirect(request.get_full_path())
    return render(request, "projects/list_detail.html", {
        "project_list": project_list, "projects": projects[:500], "total": projects.count(),
        "filters": filters, "statuses": ProjectStatus.choices, "warnings": WarningLevel.choices,
        "categories": sel.categories(), "bulk_form": bulk_form, "can_manage": can_manage,
    })


@login_required
@require_POST
def list_publish(request, pk: int):
    project_list = get_object_or_404(sel.project_list_index(user=request.user), pk=pk)
    publish = request.POST.get("published") == "1"
    _act(request, lambda: services.project_list_publish(actor=request.user, project_list=project_list,
                                                         published=publish),
         _("The list is published.") if publish else _("The list is withdrawn from the public pages."))
    return redirect("projects:list_detail", pk=pk)


@login_required
def list_export_view(request, pk: int):
    project_list = get_object_or_404(sel.project_list_index(user=request.user), pk=pk)
    data = list_export(user=request.user, project_list=project_list)
    response = HttpResponse(data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="projects-{project_list.year}-{project_list.pk}.xlsx"'
    return response


def _import_path(token: str) -> Path:
    return Path(settings.MEDIA_ROOT) / IMPORT_DIR / f"{token}.xlsx"


@login_required
def list_import(request, pk: int):
    """Upload → dry-run preview with every problem → confirm (the same file, kept under a random token)."""
    project_list = get_object_or_404(sel.project_list_index(user=request.user), pk=pk)
    if not sel.project_can_manage(request.user):
        raise PermissionDenied
    form = forms.ImportForm()
    context = {"project_list": project_list, "form": form}
    if request.method == "POST" and request.POST.get("token"):
        token = request.POST["token"]
        path = _import_path(token)
        if not token.isalnum() or not path.exists():
            messages.error(request, _("The uploaded file has expired. Upload it again."))
            return redirect("projects:list_import", pk=pk)
        report = project_import(actor=request.user, project_list=project_list, data=path.read_bytes(),
                                dry_run=False, file_name=request.POST.get("file_name", ""))
        path.unlink(missing_ok=True)
        if report.applied:
            messages.success(request, _("Imported: %(created)d created, %(updated)d updated, %(unchanged)d unchanged.")
                             % {"created": report.created, "updated": report.updated, "unchanged": report.unchanged})
            return redirect("projects:list_detail", pk=pk)
        context["report"] = report
    elif request.method == "POST":
        form = forms.ImportForm(request.POST, request.FILES)
        context["form"] = form
        if form.is_valid():
            upload = form.cleaned_data["file"]
            data = upload.read(MAX_UPLOAD_BYTES + 1)
            report = project_import(actor=request.user, project_list=project_list, data=data, dry_run=True,
                                    file_name=upload.name)
            context["report"] = report
            if report.ok:
                token = secrets.token_hex(16)
                path = _import_path(token)
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(data)
                context.update(token=token, file_name=upload.name)
    return render(request, "projects/list_import.html", context)


# --- projects ------------------------------------------------------------------------------------
@login_required
def project_new(request, list_pk: int):
    project_list = get_object_or_404(sel.project_list_index(user=request.user), pk=list_pk)
    if not sel.project_can_manage(request.user):
        raise PermissionDenied
    form = forms.ProjectForm(request.POST or None, initial={"start_date": dt.date(project_list.year, 1, 1),
                                                             "end_date": dt.date(project_list.year, 12, 31)})
    if request.method == "POST" and form.is_valid():
        created = {}
        data = dict(form.cleaned_data)
        data["co_units"] = list(data["co_units"])
        if _act(request, lambda: created.update(item=services.project_create(actor=request.user,
                                                                               project_list=project_list, **data)),
                _("The project is created.")):
            return redirect("projects:project_detail", pk=created["item"].pk)
    return render(request, "projects/project_form.html", {"form": form, "project_list": project_list})


@login_required
def project_detail(request, pk: int):
    project = _project_for(request, pk)
    user = request.user
    can = {
        "edit": sel.project_can_edit(user, project), "manage": sel.project_can_manage(user, project),
        "report": sel.project_can_report(user, project), "contribute": sel.project_can_contribute(user, project),
        "supervise": sel.project_can_supervise(user, project), "instruct": sel.project_can_instruct(user, project),
    }
    reports = list(project.reports.all())
    milestones = list(project.milestones.all())
    return render(request, "projects/project_detail.html", {
        "project": project, "can": can, "reports": reports, "milestones": milestones,
        "indicators": list(project.indicators.all()),
        "evidence": project.evidence.select_related("milestone").all()[:50],
        "events": project.events.all()[:100],
        "notices": project.supervision_notices.select_related("issued_by", "acknowledged_by"),
        "instructions": project.instructions.select_related("leader"),
        "deadline_requests": project.deadline_requests.select_related("milestone", "requested_by", "decided_by"),
        "status_form": forms.StatusForm(initial={"status": project.status}),
        "milestone_form": forms.MilestoneForm(), "indicator_form": forms.IndicatorForm(),
        "deadline_form": forms.DeadlineRequestForm(), "supervision_form": forms.SupervisionForm(),
        "today": timezone.localdate(), "ReportState": ReportState, "RequestState": RequestState,
        "was_lagging": project.warning == WarningLevel.GREEN and project.lagging_month == timezone.localdate()
        .replace(day=1),
    })


@login_required
def project_edit(request, pk: int):
    project = _project_for(request, pk)
    if not sel.project_can_edit(request.user, project):
        raise PermissionDenied
    lead_only = not sel.project_can_manage(request.user, project)
    initial = {f: getattr(project, f) for f in ("title", "content", "category", "source", "source_reference",
                                                 "lead_unit", "responsible_leader", "region", "start_date",
                                                 "end_date", "internal_note")}
    initial.update(co_units=list(project.co_units.all()), version=project.version)
    form = forms.ProjectEditForm(request.POST or None, initial=initial, lead_only=lead_only)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("version")
        changes = {k: (list(v) if k == "co_units" else v) for k, v in data.items()}
        if _act(request, lambda: services.project_update(actor=request.user, project=project, version=version,
                                                         changes=changes), _("The project is saved.")):
            return _back(project)
    return render(request, "projects/project_form.html", {"form": form, "project": project,
                                                          "project_list": project.project_list})


@login_required
@require_POST
def project_status(request, pk: int):
    project = _project_for(request, pk)
    form = forms.StatusForm(request.POST)
    if form.is_valid():
        _act(request, lambda: services.project_status_change(actor=request.user, project=project,
                                                             status=form.cleaned_data["status"],
                                                             reason=form.cleaned_data["reason"]),
             _("The status is changed."))
    else:
        messages.error(request, _("Choose a status and give a reason."))
    return _back(project)


@login_required
@require_POST
def milestone_add(request, pk: int):
    project = _project_for(request, pk)
    form = forms.MilestoneForm(request.POST)
    if form.is_valid():
        _act(request, lambda: services.milestone_add(actor=request.user, project=project, **form.cleaned_data),
             _("The milestone is added."))
    else:
        messages.error(request, _("Give the milestone a title, a due date and a weight."))
    return _back(project)


@login_required
@require_POST
def indicator_add(request, pk: int):
    project = _project_for(request, pk)
    form = forms.IndicatorForm(request.POST)
    if form.is_valid():
        _act(request, lambda: services.indicator_add(actor=request.user, project=project, **form.cleaned_data),
             _("The indicator is added."))
    else:
        messages.error(request, _("Give the indicator a name and numbers for baseline and target."))
    return _back(project)


@login_required
@require_POST
def milestone_delete(request, pk: int):
    milestone = get_object_or_404(Milestone, pk=pk, project__in=sel.project_scope(user=request.user))
    _act(request, lambda: services.milestone_delete(actor=request.user, milestone=milestone),
         _("The milestone is deleted."))
    return _back(milestone.project)


@login_required
@require_POST
def milestone_waive(request, pk: int):
    milestone = get_object_or_404(Milestone.objects.select_related("project"), pk=pk,
                                  project__in=sel.project_scope(user=request.user))
    form = forms.ReasonForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    _act(request, lambda: services.milestone_waive(actor=request.user, milestone=milestone, reason=reason),
         _("The milestone is waived."))
    return _back(milestone.project)


@login_required
@require_POST
def evidence_publish(request, pk: int):
    evidence = get_object_or_404(Evidence.objects.select_related("project"), pk=pk,
                                 project__in=sel.project_scope(user=request.user))
    public = request.POST.get("public") == "1"
    _act(request, lambda: services.evidence_publish(actor=request.user, evidence=evidence, public=public),
         _("The evidence is shown to the public.") if public else _("The evidence is hidden from the public."))
    return _back(evidence.project)


@login_required
def milestone_done(request, pk: int):
    milestone = get_object_or_404(Milestone.objects.select_related("project"), pk=pk,
                                  project__in=sel.project_scope(user=request.user))
    form = forms.MilestoneDoneForm(request.POST or None, request.FILES or None,
                                   initial={"done_at": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if _act(request, lambda: services.milestone_mark_done(actor=request.user, milestone=milestone,
                                                              done_at=data["done_at"], evidence=data["evidence"],
                                                              note=data["note"]), _("The milestone is done.")):
            return _back(milestone.project)
    return render(request, "projects/milestone_done.html", {"form": form, "milestone": milestone,
                                                            "project": milestone.project})


# --- reports -------------------------------------------------------------------------------------
@login_required
def report_new(request, pk: int):
    project = _project_for(request, pk)
    if not sel.project_can_report(request.user, project):
        raise PermissionDenied
    initial = {"period": timezone.localdate().replace(day=1)}
    with contextlib.suppress(ValueError):  # ?period=2026-05-01 from "correct and resubmit"
        initial["period"] = dt.date.fromisoformat(request.GET.get("period", "")).replace(day=1)
    returned = project.reports.filter(period=initial["period"], state=ReportState.RETURNED).first()
    if returned is not None:  # correcting a returned report: start from what was sent
        initial["text"] = returned.text
    form = forms.ReportForm(request.POST or None, request.FILES or None, project=project, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if _act(request, lambda: services.report_submit(
                actor=request.user, project=project, period=data["period"], text=data["text"],
                milestone_done=form.milestone_done(), indicator_actuals=form.indicator_actuals(),
                claims_completion=data["claims_completion"], evidence=data["evidence"]),
                _("The report is submitted for acceptance.")):
            return _back(project)
    return render(request, "projects/report_form.html", {"form": form, "project": project})


def _report_for(request, pk: int) -> ProgressReport:
    return get_object_or_404(ProgressReport.objects.select_related("project"), pk=pk,
                             project__in=sel.project_scope(user=request.user))


@login_required
@require_POST
def report_accept(request, pk: int):
    report = _report_for(request, pk)
    _act(request, lambda: services.report_accept(actor=request.user, report=report), _("The report is accepted."))
    return _back(report.project)


@login_required
@require_POST
def report_return(request, pk: int):
    report = _report_for(request, pk)
    form = forms.ReasonForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    _act(request, lambda: services.report_return(actor=request.user, report=report, reason=reason),
         _("The report is returned to the lead unit."))
    return _back(report.project)


@login_required
@require_POST
def report_contribute(request, pk: int):
    report = _report_for(request, pk)
    form = forms.TextForm(request.POST)
    text = form.cleaned_data["text"] if form.is_valid() else ""
    _act(request, lambda: services.report_contribute(actor=request.user, report=report, text=text),
         _("Your unit's contribution is added."))
    return _back(report.project)


# --- deadlines, supervision, instructions --------------------------------------------------------
@login_required
@require_POST
def deadline_request(request, pk: int):
    project = _project_for(request, pk)
    form = forms.DeadlineRequestForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the new date and a reason."))
        return _back(project)
    milestone = None
    if form.cleaned_data["milestone"]:
        milestone = get_object_or_404(Milestone, pk=form.cleaned_data["milestone"], project=project)
    _act(request, lambda: services.deadline_change_request(
        actor=request.user, project=project, milestone=milestone,
        requested_date=form.cleaned_data["requested_date"], reason=form.cleaned_data["reason"]),
        _("The request is sent to the project officer."))
    return _back(project)


@login_required
@require_POST
def deadline_decide(request, pk: int):
    change = get_object_or_404(DeadlineChangeRequest.objects.select_related("project", "milestone"), pk=pk,
                               project__in=sel.project_scope(user=request.user))
    form = forms.DecisionForm(request.POST)
    form.is_valid()
    approve = request.POST.get("approve") == "1"
    _act(request, lambda: services.deadline_change_decide(actor=request.user, request=change, approve=approve,
                                                          note=form.cleaned_data.get("note", "")),
         _("The deadline change is approved.") if approve else _("The deadline change is rejected."))
    return _back(change.project)


@login_required
@require_POST
def supervision_issue(request, pk: int):
    project = _project_for(request, pk)
    form = forms.SupervisionForm(request.POST)
    if form.is_valid():
        _act(request, lambda: services.supervision_issue(actor=request.user, project=project, **form.cleaned_data),
             _("The supervision notice is issued."))
    else:
        messages.error(request, _("Write the notice and the date to respond by."))
    return _back(project)


@login_required
@require_POST
def supervision_acknowledge(request, pk: int):
    notice = get_object_or_404(SupervisionNotice.objects.select_related("project"), pk=pk,
                               project__in=sel.project_scope(user=request.user))
    form = forms.AcknowledgeForm(request.POST)
    response = form.cleaned_data["response"] if form.is_valid() else ""
    _act(request, lambda: services.supervision_acknowledge(actor=request.user, notice=notice, response=response),
         _("The notice is acknowledged."))
    return _back(notice.project)


@login_required
@require_POST
def instruction_give(request, pk: int):
    project = _project_for(request, pk)
    form = forms.TextForm(request.POST)
    text = form.cleaned_data["text"] if form.is_valid() else ""
    _act(request, lambda: services.instruction_give(actor=request.user, project=project, text=text),
         _("The instruction is recorded."))
    return _back(project)


# --- overviews -----------------------------------------------------------------------------------
@login_required
def my_projects(request):
    return render(request, "projects/my_projects.html", {
        "projects": sel.my_projects(user=request.user), "notices": sel.open_notices(user=request.user),
    })


@login_required
def warnings(request):
    caught_up = sel.caught_up_projects(user=request.user)
    return render(request, "projects/warnings.html", {
        "projects": sel.lagging_projects(user=request.user)[:500], "caught_up": caught_up[:200],
        "caught_up_count": caught_up.count(), "thresholds": warning_thresholds(),
        "overdue_notices": sel.overdue_notices(user=request.user, today=timezone.localdate())[:200]})


@login_required
def report_cadence(request):
    """Who has not reported this month (or the month asked for, ``?month=2026-05``)."""
    today = timezone.localdate()
    month = today.replace(day=1)
    text = request.GET.get("month", "")
    if text:
        try:
            month = dt.date.fromisoformat(f"{text}-01")
        except ValueError:
            messages.error(request, _("“%(value)s” is not a month (write 2026-05).") % {"value": text[:20]})
    rows = sel.report_cadence(user=request.user, month=month)
    return render(request, "projects/report_cadence.html", {
        "month": month, "rows": rows, "missing": sum(len(row["projects"]) for row in rows)})


def _int_param(request, name: str) -> int | None:
    value = request.GET.get(name, "")
    return int(value) if value.isdigit() else None


@login_required
def statistics(request):
    year = _int_param(request, "year")
    level_id = _int_param(request, "level")
    figures = stats.project_statistics(user=request.user, year=year, level_id=level_id)
    years = sorted(set(ProjectList.objects.values_list("year", flat=True)), reverse=True)
    return render(request, "projects/stats.html", {
        "figures": figures, "year": year, "level_id": level_id, "years": years, "levels": sel.list_levels(),
        "chart_data": {"trend": figures["trend"], "by_level": figures["by_level"],
                       "by_category": figures["by_category"], "by_district": figures["by_district"],
                       "by_lead_unit": figures["by_lead_unit"][:15],
                       "labels": {"completed": _("Completed"), "in_progress": _("In progress"),
                                  "not_started": _("Not started"), "red": _("Red"), "yellow": _("Yellow"),
                                  "listed": _("Listed")}},
    })


# --- evidence files ------------------------------------------------------------------------------
def evidence_file(request, pk: int):
    """Evidence is served through here: public evidence of published lists to anyone, the rest by scope."""
    evidence = get_object_or_404(Evidence.objects.select_related("project__project_list"), pk=pk)
    public = sel.public_evidence().filter(pk=pk).exists()
    if not public and not sel.project_can_read(request.user, evidence.project):
        raise Http404
    return FileResponse(evidence.file.open("rb"), filename=Path(evidence.file.name).name)


# --- the public ----------------------------------------------------------------------------------
def public_index(request):
    return render(request, "projects/public_index.html", {"lists": sel.public_lists(),
                                                          "ratings_by_unit": sel.public_ratings_by_unit()[:50]})


def public_list(request, pk: int):
    project_list = get_object_or_404(sel.public_lists(), pk=pk)
    return render(request, "projects/public_list.html", {
        "project_list": project_list, "projects": sel.public_projects(project_list)})


def public_project(request, pk: int):
    try:
        project = sel.public_project(pk)
    except Project.DoesNotExist as exc:
        raise Http404 from exc
    return render(request, "projects/public_project.html", {
        "project": project, "latest": sel.public_latest_report(project),
        "evidence": list(project.evidence.all()),
        "list_url": reverse("projects:public_list", args=[project.project_list_id]),
        "ratings": sel.public_ratings(project), "my_rating": sel.rating_of(project, request.user),
        "rating_form": forms.RatingForm(), "can_rate": project.status == ProjectStatus.COMPLETED,
    })


@require_POST
def public_rate(request, pk: int):
    """A citizen rates a completed project (signed in; one rating per account)."""
    try:
        project = sel.public_project(pk)
    except Project.DoesNotExist as exc:
        raise Http404 from exc
    if not request.user.is_authenticated:
        return redirect(f"{settings.LOGIN_URL}?next={reverse('projects:public_project', args=[pk])}")
    form = forms.RatingForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose satisfied, basically satisfied or dissatisfied."))
    else:
        _act(request, lambda: services.project_rate(actor=request.user, project=project,
                                                    level=form.cleaned_data["level"],
                                                    comment=form.cleaned_data["comment"]),
             _("Thank you: your rating is recorded."))
    return redirect("projects:public_project", pk=pk)
