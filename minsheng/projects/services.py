"""Every write to lists and projects: keyword-only, atomic, validated, with an event for each change.

Progress and warnings are recomputed (``project_recompute``) after every change that moves them:
a milestone added, done or deleted, an indicator added, updated or deleted, a report accepted,
a date or status changed — and by the daily task, since the calendar moves on by itself.
"""

import datetime as dt
from collections.abc import Iterable, Sequence
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Count, F
from django.utils import timezone
from django.utils.translation import gettext as _

from minsheng.audit.services import audit_record
from minsheng.conflicts import Conflict
from minsheng.org.choices import RegionLevel
from minsheng.org.models import Region, Unit
from minsheng.workdays.calendar import WorkCalendar
from minsheng.workdays.selectors import calendar_current

from . import rollup
from . import selectors as sel
from . import warnings as warn
from .bulk import rows_update
from .choices import (
    ACTIVE_STATUSES,
    REPORT_TRANSITIONS,
    STATUS_TRANSITIONS,
    EventAction,
    ProjectSource,
    ProjectStatus,
    ReportState,
    RequestState,
)
from .models import (
    DeadlineChangeRequest,
    Evidence,
    Indicator,
    LeaderInstruction,
    ListLevel,
    Milestone,
    MonthlyFigure,
    MonthlySnapshot,
    ProgressReport,
    Project,
    ProjectCategory,
    ProjectEvent,
    ProjectList,
    ReportContribution,
    SupervisionNotice,
)

EVIDENCE_EXTENSIONS = {"jpg", "jpeg", "png", "webp", "gif", "pdf"}
EVIDENCE_MAX_BYTES = 10 * 1024 * 1024


# --- helpers -------------------------------------------------------------------------------------
def _today(today: dt.date | None) -> dt.date:
    return today or timezone.localdate()


def _moment(today: dt.date | None) -> dt.datetime:
    """Now, or — when a past day is given (history being loaded) — the afternoon of that day."""
    if today is None or today >= timezone.localdate():
        return timezone.now()
    return timezone.make_aware(dt.datetime.combine(today, dt.time(17, 0)))


def _actor_name(actor) -> str:
    return str(actor)[:150] if actor is not None and getattr(actor, "is_authenticated", False) else ""


def _actor_id(actor) -> int | None:
    return actor.pk if actor is not None and getattr(actor, "is_authenticated", False) else None


def event_build(*, project: Project, action: str, actor=None, before: dict | None = None,
                after: dict | None = None, note: str = "", at: dt.datetime | None = None) -> ProjectEvent:
    return ProjectEvent(project_id=project.pk, action=action, actor_id=_actor_id(actor), actor_name=_actor_name(actor),
                        at=at or timezone.now(), before=before or {}, after=after or {}, note=note)


def _event(**kwargs) -> ProjectEvent:
    event = event_build(**kwargs)
    event.save()
    return event


def _require(allowed: bool, message: str | None = None) -> None:
    if not allowed:
        raise PermissionDenied(message or _("You may not do this on this project."))


def _plain(value):
    if isinstance(value, dt.date | Decimal):
        return str(value)
    if isinstance(value, Unit | Region | ProjectCategory | ProjectList):
        return value.pk
    return value


def _district_of(region: Region | None) -> Region | None:
    if region is None:
        return None
    if region.level == RegionLevel.DISTRICT:
        return region
    if region.level == RegionLevel.CITY:
        return None
    codes = [code for code in region.path.strip("/").split("/") if code]
    return Region.objects.filter(code__in=codes, level=RegionLevel.DISTRICT).first()


def _lock(project: Project) -> Project:
    """The project row, locked for the rest of the transaction (PostgreSQL) so recomputes serialise."""
    return Project.objects.select_for_update().get(pk=project.pk)


def _check_dates(start: dt.date, end: dt.date) -> None:
    if end < start:
        raise ValidationError({"end_date": _("The end date must not be before the start date.")})


# --- progress and warnings -----------------------------------------------------------------------
def assessment_for(*, project: Project, milestones: Sequence[Milestone], indicators: Sequence[Indicator],
                   today: dt.date, calendar: WorkCalendar) -> tuple[float, warn.Assessment]:
    """Progress (``rollup``) and warning (``warnings``) of one project from its measures. No writes."""
    progress = rollup.progress(
        [rollup.MilestoneMeasure(weight=m.weight, done=m.done_at is not None) for m in milestones],
        [rollup.IndicatorMeasure(weight=i.weight, baseline=i.baseline, target=i.target, actual=i.actual)
         for i in indicators],
    )
    assessment = warn.assess(
        status=project.status, start=project.start_date, end=project.end_date,
        milestones=[warn.PlannedMilestone(due_date=m.due_date, weight=m.weight, done=m.done_at is not None)
                    for m in milestones],
        progress=progress, today=today, calendar=calendar, indicator_weight=sum(i.weight for i in indicators),
    )
    return progress, assessment


def project_apply_assessment(project: Project, progress: float, assessment: warn.Assessment,
                             today: dt.date) -> dict | None:
    """Set the computed fields on ``project`` (not saved); the warning change for the trail, if any."""
    change = None
    if assessment.warning != project.warning:
        change = {"before": {"warning": project.warning}, "after": {"warning": assessment.warning},
                  "note": assessment.reason}
    project.progress = progress
    project.warning = assessment.warning
    project.warning_reason = assessment.reason[:200]
    project.lagging_month = warn.next_lagging_month(assessment.warning, project.lagging_month, today)
    return change


def project_recompute(*, project: Project, today: dt.date | None = None, calendar: WorkCalendar | None = None,
                      actor=None) -> Project:
    """Recompute and store progress and warning; a changed warning is an event."""
    today = _today(today)
    calendar = calendar or calendar_current()
    progress, assessment = assessment_for(project=project, milestones=list(project.milestones.all()),
                                          indicators=list(project.indicators.all()), today=today, calendar=calendar)
    change = project_apply_assessment(project, progress, assessment, today)
    Project.objects.filter(pk=project.pk).update(progress=project.progress, warning=project.warning,
                                                 warning_reason=project.warning_reason,
                                                 lagging_month=project.lagging_month)
    if change:
        _event(project=project, action=EventAction.WARNING_CHANGED, actor=actor, **change)
    return project


def projects_recompute(*, today: dt.date | None = None, projects: Iterable[Project] | None = None) -> int:
    """Recompute every active project (the daily task, and after a calendar change). Returns how many changed."""
    today = _today(today)
    calendar = calendar_current()
    queryset = Project.objects.filter(status__in=ACTIVE_STATUSES) if projects is None else projects
    changed = 0
    batch: list[Project] = []
    events: list[ProjectEvent] = []
    with transaction.atomic():
        for project in queryset.prefetch_related("milestones", "indicators").iterator(chunk_size=1000):
            before = (project.progress, project.warning, project.lagging_month)
            progress, assessment = assessment_for(project=project, milestones=list(project.milestones.all()),
                                                  indicators=list(project.indicators.all()),
                                                  today=today, calendar=calendar)
            change = project_apply_assessment(project, progress, assessment, today)
            if change:
                events.append(event_build(project=project, action=EventAction.WARNING_CHANGED, **change))
            if before != (project.progress, project.warning, project.lagging_month):
                batch.append(project)
                changed += 1
        rows_update(batch, ["progress", "warning", "warning_reason", "lagging_month"])
        ProjectEvent.objects.bulk_create(events, batch_size=1000)
    return changed


@transaction.atomic
def snapshot_take(*, month: dt.date, today: dt.date | None = None) -> int:
    """Store (or refresh) every project's state for ``month``; the monthly task runs it on the last day."""
    month = warn.month_of(month)
    today = _today(today)
    rows = [
        MonthlySnapshot(project_id=pk, month=month, status=status, progress=progress, warning=warning,
                        was_lagging=warn.was_lagging(warning, lagging_month, today) or lagging_month == month)
        for pk, status, progress, warning, lagging_month in Project.objects.values_list(
            "pk", "status", "progress", "warning", "lagging_month").iterator(chunk_size=2000)
    ]
    MonthlySnapshot.objects.filter(month=month).delete()
    MonthlySnapshot.objects.bulk_create(rows, batch_size=2000)
    monthly_figures_write(month=month)
    return len(rows)


@transaction.atomic
def monthly_figures_write(*, month: dt.date) -> int:
    """The month's snapshot counts by list year, level, status and warning (for the city-wide trend)."""
    MonthlyFigure.objects.filter(month=month).delete()
    MonthlyFigure.objects.bulk_create(
        MonthlyFigure(month=month, year=year, level_id=level_id, status=status, warning=warning, count=count)
        for year, level_id, status, warning, count in MonthlySnapshot.objects.filter(month=month)
        .values_list("project__project_list__year", "project__project_list__level_id", "status", "warning")
        .annotate(n=Count("pk")).order_by()
    )
    return MonthlyFigure.objects.filter(month=month).count()


# --- configuration and lists ---------------------------------------------------------------------
@transaction.atomic
def list_level_create(*, code: str, name: str, order: int = 0) -> ListLevel:
    level = ListLevel(code=code, name=name, order=order)
    level.full_clean()
    level.save()
    return level


@transaction.atomic
def category_create(*, code: str, name: str, parent: ProjectCategory | None = None, order: int = 0) -> ProjectCategory:
    if parent is not None and parent.parent_id is not None:
        raise ValidationError({"parent": _("A type belongs to a category, not to another type.")})
    category = ProjectCategory(code=code, name=name, parent=parent, order=order)
    category.full_clean()
    category.save()
    return category


@transaction.atomic
def project_list_create(*, actor, year: int, level: ListLevel, name: str, owner_unit: Unit,
                        description: str = "", is_published: bool = False) -> ProjectList:
    _require(sel.project_list_can_manage(actor, owner_unit=owner_unit),
             _("Only a project officer whose area covers the owner unit creates its lists."))
    project_list = ProjectList(year=year, level=level, name=name, owner_unit=owner_unit, description=description,
                               is_published=is_published)
    project_list.full_clean()
    project_list.save()
    audit_record(actor=actor, action="projects.list_create", obj=project_list, summary={"year": year, "name": name})
    return project_list


@transaction.atomic
def project_list_publish(*, actor, project_list: ProjectList, published: bool) -> ProjectList:
    _require(sel.project_list_can_manage(actor, project_list),
             _("Only a project officer whose area covers the owner unit publishes or withdraws its list."))
    project_list.is_published = published
    project_list.save(update_fields=["is_published"])
    audit_record(actor=actor, action="projects.list_publish", obj=project_list, summary={"published": published})
    return project_list


# --- projects ------------------------------------------------------------------------------------
@transaction.atomic
def project_create(*, actor, project_list: ProjectList, code: str, title: str, lead_unit: Unit,
                   start_date: dt.date, end_date: dt.date, content: str = "",
                   category: ProjectCategory | None = None, source: str = ProjectSource.UNIT_PLAN,
                   source_reference: str = "", co_units: Sequence[Unit] = (), responsible_leader: str = "",
                   region: Region | None = None, internal_note: str = "", today: dt.date | None = None) -> Project:
    _require(sel.project_officer_covers(actor, region),
             _("Only a project officer whose area covers the project's place creates it."))
    _check_dates(start_date, end_date)
    if lead_unit in co_units:
        raise ValidationError({"co_units": _("The lead unit cannot also be a co-unit.")})
    project = Project(project_list=project_list, code=code.strip(), title=title.strip(), content=content,
                      category=category, source=source, source_reference=source_reference, lead_unit=lead_unit,
                      responsible_leader=responsible_leader, region=region, district=_district_of(region),
                      start_date=start_date, end_date=end_date, original_end_date=end_date,
                      internal_note=internal_note)
    project.full_clean()
    project.save()
    project.co_units.set(co_units)
    _event(project=project, action=EventAction.CREATED, actor=actor,
           after={"code": project.code, "title": project.title, "lead_unit": lead_unit.pk,
                  "start_date": str(start_date), "end_date": str(end_date)})
    return project_recompute(project=project, today=today)


# Fields the lead unit may edit on its own project; officers may edit all of EDITABLE_FIELDS.
LEAD_EDITABLE = frozenset({"title", "content", "responsible_leader", "co_units", "region", "internal_note"})
EDITABLE_FIELDS = LEAD_EDITABLE | {"category", "source", "source_reference", "lead_unit", "start_date", "end_date"}


@transaction.atomic
def project_update(*, actor, project: Project, version: int, changes: dict, today: dt.date | None = None) -> Project:
    """Edit a project. ``version`` is the one the editor saw: a newer one means someone saved first (409)."""
    _require(sel.project_can_edit(actor, project))
    managing = sel.project_can_manage(actor, project)
    allowed = EDITABLE_FIELDS if managing else LEAD_EDITABLE
    if managing and "region" in changes and not sel.project_officer_covers(actor, changes["region"]):
        raise PermissionDenied(_("You may not move a project to a place outside your area."))
    refused = set(changes) - allowed
    if refused:
        raise PermissionDenied(_("You may not change: %(fields)s.") % {"fields": ", ".join(sorted(refused))})
    bumped = Project.objects.filter(pk=project.pk, version=version).update(version=F("version") + 1)
    if not bumped:
        raise Conflict(_("Someone else changed this project meanwhile. Reload it and apply your change again."))
    project = _lock(project)
    before, after = {}, {}
    for field, value in changes.items():
        if field == "co_units":
            old = sorted(project.co_units.values_list("pk", flat=True))
            new = sorted(unit.pk for unit in value)
            if old != new:
                before[field], after[field] = old, new
            continue
        old = getattr(project, field)
        if old != value:
            before[field], after[field] = _plain(old), _plain(value)
            setattr(project, field, value)
    if "region" in after:
        project.district = _district_of(project.region)
    _check_dates(project.start_date, project.end_date)
    if "co_units" in changes and project.lead_unit in changes["co_units"]:
        raise ValidationError({"co_units": _("The lead unit cannot also be a co-unit.")})
    project.full_clean()
    project.save()
    if "co_units" in after:
        project.co_units.set(changes["co_units"])
    if after:
        _event(project=project, action=EventAction.UPDATED, actor=actor, before=before, after=after)
    return project_recompute(project=project, today=today, actor=actor)


@transaction.atomic
def project_status_change(*, actor, project: Project, status: str, reason: str = "",
                          today: dt.date | None = None) -> Project:
    _require(sel.project_can_manage(actor, project), _("Only project officers change a project's status."))
    project = _lock(project)
    _status_transition(project, status)
    old = project.status
    project.status = status
    if old == ProjectStatus.COMPLETED:
        project.completed_at = None
    project.version += 1
    project.save(update_fields=["status", "completed_at", "version", "updated_at"])
    _event(project=project, action=EventAction.STATUS_CHANGED, actor=actor, before={"status": old},
           after={"status": status}, note=reason)
    return project_recompute(project=project, today=today, actor=actor)


def _status_transition(project: Project, status: str) -> None:
    if status not in ProjectStatus.values:
        raise ValidationError({"status": _("Unknown status “%(status)s”.") % {"status": status}})
    if status == ProjectStatus.COMPLETED:
        raise ValidationError({"status": _("A project is completed only by accepting a completion report with "
                                           "evidence.")})
    if status != project.status and status not in STATUS_TRANSITIONS[project.status]:
        raise ValidationError({"status": _("A project cannot go from “%(old)s” to “%(new)s”.") % {
            "old": ProjectStatus(project.status).label, "new": ProjectStatus(status).label}})


@transaction.atomic
def project_bulk_change(*, actor, projects: Sequence[Project], reason: str, status: str | None = None,
                        start_date: dt.date | None = None, end_date: dt.date | None = None,
                        lead_unit: Unit | None = None, today: dt.date | None = None) -> int:
    """Change status, dates or lead unit of many projects at once, each with its own event. All or nothing."""
    if not reason.strip():
        raise ValidationError({"reason": _("Give a reason for a bulk change.")})
    if status is None and start_date is None and end_date is None and lead_unit is None:
        raise ValidationError({"__all__": _("Choose at least one thing to change.")})
    ids = [p.pk for p in projects]
    locked = list(Project.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
    for project in locked:
        _require(sel.project_can_manage(actor, project),
                 _("You may not change project %(code)s.") % {"code": project.code})
    now = timezone.now()
    events = []
    for project in locked:
        before, after = {}, {}
        if status is not None and status != project.status:
            try:
                _status_transition(project, status)
            except ValidationError as exc:
                raise ValidationError(_("%(code)s: %(error)s") % {"code": project.code,
                                                                  "error": " ".join(exc.messages)}) from exc
            before["status"], after["status"] = project.status, status
            project.status = status
        for field, value in (("start_date", start_date), ("end_date", end_date), ("lead_unit", lead_unit)):
            if value is not None and getattr(project, field) != value:
                before[field], after[field] = _plain(getattr(project, field)), _plain(value)
                setattr(project, field, value)
        try:
            _check_dates(project.start_date, project.end_date)
        except ValidationError as exc:
            raise ValidationError(_("%(code)s: %(error)s") % {"code": project.code,
                                                              "error": " ".join(exc.messages)}) from exc
        if after:
            project.version += 1
            events.append(event_build(project=project, action=EventAction.BULK_CHANGED, actor=actor, before=before,
                                      after=after, note=reason, at=now))
    rows_update(locked, ["status", "start_date", "end_date", "lead_unit", "version"])
    ProjectEvent.objects.bulk_create(events)
    audit_record(actor=actor, action="projects.bulk_change", summary={
        "projects": len(events), "reason": reason, "status": status, "start_date": _plain(start_date),
        "end_date": _plain(end_date), "lead_unit": _plain(lead_unit)})
    projects_recompute(today=today, projects=Project.objects.filter(pk__in=ids))
    return len(events)


# --- milestones and indicators -------------------------------------------------------------------
@transaction.atomic
def milestone_add(*, actor, project: Project, title: str, due_date: dt.date, weight: int = 1,
                  today: dt.date | None = None) -> Milestone:
    _require(sel.project_can_edit(actor, project))
    project = _lock(project)
    milestone = Milestone(project=project, title=title.strip(), due_date=due_date, original_due_date=due_date,
                          weight=weight)
    milestone.full_clean()
    if weight <= 0:
        raise ValidationError({"weight": _("The weight must be positive.")})
    milestone.save()
    _event(project=project, action=EventAction.MILESTONE_ADDED, actor=actor,
           after={"milestone": milestone.title, "due_date": str(due_date), "weight": weight})
    project_recompute(project=project, today=today, actor=actor)
    return milestone


@transaction.atomic
def milestone_delete(*, actor, milestone: Milestone, today: dt.date | None = None) -> None:
    project = milestone.project
    _require(sel.project_can_manage(actor, project), _("Only project officers delete milestones."))
    project = _lock(project)
    _event(project=project, action=EventAction.MILESTONE_DELETED, actor=actor,
           before={"milestone": milestone.title, "due_date": str(milestone.due_date), "weight": milestone.weight,
                   "done_at": _plain(milestone.done_at)})
    milestone.delete()
    project_recompute(project=project, today=today, actor=actor)


def evidence_check(upload: UploadedFile) -> None:
    extension = upload.name.lower().rsplit(".", 1)[-1] if "." in upload.name else ""
    if extension not in EVIDENCE_EXTENSIONS:
        raise ValidationError({"evidence": _("Evidence must be a photo (JPG, PNG, WebP, GIF) or a PDF: “%(name)s”.")
                               % {"name": upload.name}})
    if upload.size > EVIDENCE_MAX_BYTES:
        raise ValidationError({"evidence": _("“%(name)s” is larger than 10 MB.") % {"name": upload.name}})


def _evidence_attach(*, actor, project: Project, files: Sequence[UploadedFile], report: ProgressReport | None = None,
                     milestone: Milestone | None = None, caption: str = "") -> list[Evidence]:
    for upload in files:
        evidence_check(upload)
    attached = []
    for upload in files:
        evidence = Evidence(project=project, report=report, milestone=milestone, caption=caption[:200],
                            uploaded_by=actor if _actor_id(actor) else None)
        evidence.file.save(upload.name, upload, save=False)
        evidence.save()
        attached.append(evidence)
    return attached


@transaction.atomic
def milestone_mark_done(*, actor, milestone: Milestone, done_at: dt.date, evidence: Sequence[UploadedFile] = (),
                        note: str = "", today: dt.date | None = None) -> Milestone:
    """The lead unit marks a checkpoint done; evidence (a photo, a document, or a note) is required."""
    project = milestone.project
    _require(sel.project_can_report(actor, project) or sel.project_can_manage(actor, project))
    if milestone.done_at is not None:
        raise ValidationError(_("This milestone is already done."))
    if not evidence and not note.strip():
        raise ValidationError({"evidence": _("Attach evidence or describe it to mark a milestone done.")})
    if done_at > _today(today):
        raise ValidationError({"done_at": _("A milestone cannot be done in the future.")})
    project = _lock(project)
    _evidence_attach(actor=actor, project=project, files=evidence, milestone=milestone, caption=milestone.title)
    milestone.done_at = done_at
    milestone.evidence_note = note[:300]
    milestone.save(update_fields=["done_at", "evidence_note"])
    _event(project=project, action=EventAction.MILESTONE_DONE, actor=actor,
           after={"milestone": milestone.title, "done_at": str(done_at)}, note=note)
    project_recompute(project=project, today=today, actor=actor)
    return milestone


@transaction.atomic
def indicator_add(*, actor, project: Project, name: str, target: Decimal, unit: str = "",
                  baseline: Decimal = Decimal(0), actual: Decimal | None = None, as_of: dt.date | None = None,
                  weight: int = 1, today: dt.date | None = None) -> Indicator:
    _require(sel.project_can_edit(actor, project))
    project = _lock(project)
    if weight <= 0:
        raise ValidationError({"weight": _("The weight must be positive.")})
    indicator = Indicator(project=project, name=name.strip(), unit=unit, baseline=baseline, target=target,
                          actual=actual, as_of=as_of, weight=weight)
    indicator.full_clean()
    indicator.save()
    _event(project=project, action=EventAction.INDICATOR_ADDED, actor=actor,
           after={"indicator": indicator.name, "baseline": str(baseline), "target": str(target)})
    project_recompute(project=project, today=today, actor=actor)
    return indicator


@transaction.atomic
def indicator_delete(*, actor, indicator: Indicator, today: dt.date | None = None) -> None:
    project = indicator.project
    _require(sel.project_can_manage(actor, project), _("Only project officers delete indicators."))
    project = _lock(project)
    _event(project=project, action=EventAction.INDICATOR_DELETED, actor=actor,
           before={"indicator": indicator.name, "target": str(indicator.target), "actual": _plain(indicator.actual)})
    indicator.delete()
    project_recompute(project=project, today=today, actor=actor)


# --- progress reports ----------------------------------------------------------------------------
def _parse_report_figures(project: Project, milestone_done: dict, indicator_actuals: dict,
                          today: dt.date) -> tuple[dict, dict]:
    milestones = {str(m.pk): m for m in project.milestones.all()}
    indicators = {str(i.pk): i for i in project.indicators.all()}
    errors: list[str] = []
    done: dict[str, str] = {}
    for key, value in milestone_done.items():
        milestone = milestones.get(str(key))
        if milestone is None:
            errors.append(_("Unknown milestone %(id)s.") % {"id": key})
            continue
        try:
            day = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
        except ValueError:
            errors.append(_("“%(value)s” is not a date.") % {"value": value})
            continue
        if day > today:
            errors.append(_("Milestone “%(title)s” cannot be done in the future.") % {"title": milestone.title})
        done[str(key)] = day.isoformat()
    actuals: dict[str, str] = {}
    for key, value in indicator_actuals.items():
        indicator = indicators.get(str(key))
        if indicator is None:
            errors.append(_("Unknown indicator %(id)s.") % {"id": key})
            continue
        try:
            number = Decimal(str(value).replace(",", "").strip())
        except InvalidOperation:
            errors.append(_("“%(value)s” is not a number (indicator “%(name)s”).") % {"value": value,
                                                                                    "name": indicator.name})
            continue
        if not number.is_finite() or abs(number) >= Decimal("1e14"):
            errors.append(_("“%(value)s” is not a usable number (indicator “%(name)s”).") % {
                "value": value, "name": indicator.name})
            continue
        actuals[str(key)] = str(number.quantize(Decimal("0.01")))
    if errors:
        raise ValidationError(errors)
    return done, actuals


@transaction.atomic
def report_submit(*, actor, project: Project, period: dt.date, text: str, milestone_done: dict | None = None,
                  indicator_actuals: dict | None = None, claims_completion: bool = False,
                  evidence: Sequence[UploadedFile] = (), today: dt.date | None = None) -> ProgressReport:
    """The lead unit reports on a month: text, milestones done, indicator actuals, evidence."""
    _require(sel.project_can_report(actor, project), _("Only the lead unit submits progress reports."))
    today = _today(today)
    if not text.strip():
        raise ValidationError({"text": _("Describe the progress.")})
    period = warn.month_of(period)
    if period > warn.month_of(today):
        raise ValidationError({"period": _("A report cannot be for a future month.")})
    if project.status in (ProjectStatus.CANCELLED, ProjectStatus.COMPLETED):
        raise ValidationError(_("This project is %(status)s: no more reports.") % {
            "status": ProjectStatus(project.status).label})
    if claims_completion and not evidence and not project.evidence.exists():
        raise ValidationError({"evidence": _("A completion report needs evidence.")})
    done, actuals = _parse_report_figures(project, milestone_done or {}, indicator_actuals or {}, today)
    report = ProgressReport(project=project, period=period, text=text, milestone_done=done,
                            indicator_actuals=actuals, claims_completion=claims_completion,
                            state=ReportState.SUBMITTED, author=actor, submitted_at=_moment(today))
    report.save()
    _evidence_attach(actor=actor, project=project, files=evidence, report=report)
    _event(project=project, action=EventAction.REPORT_SUBMITTED, actor=actor,
           after={"report": report.pk, "period": period.strftime("%Y-%m"), "milestones_done": done,
                  "indicator_actuals": actuals, "claims_completion": claims_completion})
    return report


@transaction.atomic
def report_contribute(*, actor, report: ProgressReport, text: str) -> ReportContribution:
    """A co-unit adds its part to a report that is not yet accepted."""
    project = report.project
    _require(sel.project_can_contribute(actor, project), _("Only co-units contribute to reports."))
    if report.state == ReportState.ACCEPTED:
        raise ValidationError(_("This report is already accepted."))
    if not text.strip():
        raise ValidationError({"text": _("Describe your unit's contribution.")})
    from minsheng.org.scope import user_scope

    unit_ids = user_scope(actor).unit_ids(*sel.UNIT_STAFF)
    unit = project.co_units.filter(pk__in=unit_ids).first()
    contribution = ReportContribution.objects.create(report=report, unit=unit, author=actor, text=text)
    _event(project=project, action=EventAction.CONTRIBUTION, actor=actor,
           after={"report": report.pk, "unit": unit.pk}, note=text[:500])
    return contribution


def _report_transition(report: ProgressReport, state: str) -> None:
    if state not in REPORT_TRANSITIONS[report.state]:
        raise Conflict(_("This report is %(state)s already.") % {"state": ReportState(report.state).label})


@transaction.atomic
def report_accept(*, actor, report: ProgressReport, today: dt.date | None = None) -> ProgressReport:
    """Accept a report: its milestone dates and indicator actuals apply; a completion report completes."""
    project = report.project
    _require(sel.project_can_manage(actor, project), _("Only project officers accept reports."))
    today = _today(today)
    project = _lock(project)
    report = ProgressReport.objects.select_for_update().get(pk=report.pk)
    _report_transition(report, ReportState.ACCEPTED)
    milestones = {str(m.pk): m for m in project.milestones.all()}
    for key, day in report.milestone_done.items():
        milestone = milestones.get(key)
        if milestone is not None and milestone.done_at is None:
            milestone.done_at = dt.date.fromisoformat(day)
            milestone.save(update_fields=["done_at"])
    indicators = {str(i.pk): i for i in project.indicators.all()}
    for key, value in report.indicator_actuals.items():
        indicator = indicators.get(key)
        if indicator is not None:
            indicator.actual = Decimal(value)
            indicator.as_of = today
            indicator.save(update_fields=["actual", "as_of"])
    report.state = ReportState.ACCEPTED
    report.reviewed_by = actor
    report.reviewed_at = _moment(today)
    report.save(update_fields=["state", "reviewed_by", "reviewed_at"])
    _event(project=project, action=EventAction.REPORT_ACCEPTED, actor=actor, after={"report": report.pk})
    old_status = project.status
    if report.claims_completion:
        if not project.evidence.exists():
            raise ValidationError(_("A project is completed only with evidence."))
        project.status = ProjectStatus.COMPLETED
        project.completed_at = _moment(today)
    elif project.status == ProjectStatus.NOT_STARTED:
        project.status = ProjectStatus.IN_PROGRESS
    if project.status != old_status:
        project.version += 1
        project.save(update_fields=["status", "completed_at", "version", "updated_at"])
        action = EventAction.COMPLETED if project.status == ProjectStatus.COMPLETED else EventAction.STATUS_CHANGED
        _event(project=project, action=action, actor=actor, before={"status": old_status},
               after={"status": project.status}, note=_("Accepted report for %(period)s") % {
                   "period": report.period.strftime("%Y-%m")})
    project_recompute(project=project, today=today, actor=actor)
    return report


@transaction.atomic
def report_return(*, actor, report: ProgressReport, reason: str) -> ProgressReport:
    project = report.project
    _require(sel.project_can_manage(actor, project), _("Only project officers return reports."))
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the report is returned.")})
    report = ProgressReport.objects.select_for_update().get(pk=report.pk)
    _report_transition(report, ReportState.RETURNED)
    report.state = ReportState.RETURNED
    report.return_reason = reason
    report.reviewed_by = actor
    report.reviewed_at = timezone.now()
    report.save(update_fields=["state", "return_reason", "reviewed_by", "reviewed_at"])
    _event(project=project, action=EventAction.REPORT_RETURNED, actor=actor, after={"report": report.pk}, note=reason)
    return report


# --- deadlines, supervision, instructions --------------------------------------------------------
@transaction.atomic
def deadline_change_request(*, actor, project: Project, requested_date: dt.date, reason: str,
                            milestone: Milestone | None = None) -> DeadlineChangeRequest:
    _require(sel.project_can_report(actor, project), _("Only the lead unit asks to change a deadline."))
    if not reason.strip():
        raise ValidationError({"reason": _("Give a reason for the new deadline.")})
    if milestone is not None and milestone.project_id != project.pk:
        raise ValidationError({"milestone": _("That milestone belongs to another project.")})
    original = milestone.due_date if milestone is not None else project.end_date
    if requested_date == original:
        raise ValidationError({"requested_date": _("The requested date is the current deadline.")})
    if requested_date < project.start_date:
        raise ValidationError({"requested_date": _("The requested date is before the project starts.")})
    if DeadlineChangeRequest.objects.filter(project=project, milestone=milestone, state=RequestState.PENDING).exists():
        raise ValidationError(_("A request for this deadline is already waiting for a decision."))
    request = DeadlineChangeRequest.objects.create(project=project, milestone=milestone, original_date=original,
                                                   requested_date=requested_date, reason=reason, requested_by=actor)
    _event(project=project, action=EventAction.DEADLINE_REQUESTED, actor=actor,
           before={"date": str(original)}, after={"date": str(requested_date),
                                                  "milestone": milestone.title if milestone else ""}, note=reason)
    return request


@transaction.atomic
def deadline_change_decide(*, actor, request: DeadlineChangeRequest, approve: bool, note: str = "",
                           today: dt.date | None = None) -> DeadlineChangeRequest:
    project = request.project
    _require(sel.project_can_manage(actor, project), _("Only project officers decide deadline changes."))
    request = DeadlineChangeRequest.objects.select_for_update().get(pk=request.pk)
    if request.state != RequestState.PENDING:
        raise Conflict(_("This request has been decided already."))
    project = _lock(project)
    if approve:
        if request.milestone_id:
            milestone = request.milestone
            milestone.due_date = request.requested_date  # original_due_date keeps the first plan
            milestone.save(update_fields=["due_date"])
        else:
            project.end_date = request.requested_date  # original_end_date keeps the first plan
            project.version += 1
            project.save(update_fields=["end_date", "version", "updated_at"])
    request.state = RequestState.APPROVED if approve else RequestState.REJECTED
    request.decided_by = actor
    request.decided_at = timezone.now()
    request.decision_note = note
    request.save(update_fields=["state", "decided_by", "decided_at", "decision_note"])
    _event(project=project, action=EventAction.DEADLINE_DECIDED, actor=actor,
           before={"date": str(request.original_date)},
           after={"date": str(request.requested_date), "approved": approve}, note=note)
    project_recompute(project=project, today=today, actor=actor)
    return request


@transaction.atomic
def supervision_issue(*, actor, project: Project, text: str, respond_by: dt.date) -> SupervisionNotice:
    _require(sel.project_can_supervise(actor, project), _("Only supervisors and project officers issue notices."))
    if not text.strip():
        raise ValidationError({"text": _("Write the notice.")})
    notice = SupervisionNotice.objects.create(project=project, text=text, respond_by=respond_by, issued_by=actor)
    _event(project=project, action=EventAction.SUPERVISION_ISSUED, actor=actor,
           after={"notice": notice.pk, "respond_by": str(respond_by)}, note=text)
    return notice


@transaction.atomic
def supervision_acknowledge(*, actor, notice: SupervisionNotice, response: str) -> SupervisionNotice:
    _require(sel.project_can_report(actor, notice.project), _("Only the lead unit acknowledges a notice."))
    notice = SupervisionNotice.objects.select_for_update().get(pk=notice.pk)
    if notice.acknowledged_at is not None:
        raise Conflict(_("This notice has been acknowledged already."))
    if not response.strip():
        raise ValidationError({"response": _("Say what your unit will do.")})
    notice.acknowledged_by = actor
    notice.acknowledged_at = timezone.now()
    notice.response = response
    notice.save(update_fields=["acknowledged_by", "acknowledged_at", "response"])
    _event(project=notice.project, action=EventAction.SUPERVISION_ACKNOWLEDGED, actor=actor,
           after={"notice": notice.pk}, note=response)
    return notice


@transaction.atomic
def instruction_give(*, actor, project: Project, text: str) -> LeaderInstruction:
    _require(sel.project_can_instruct(actor, project), _("Only leaders give instructions."))
    if not text.strip():
        raise ValidationError({"text": _("Write the instruction.")})
    instruction = LeaderInstruction.objects.create(project=project, leader=actor, text=text)
    _event(project=project, action=EventAction.INSTRUCTION, actor=actor, after={"instruction": instruction.pk},
           note=text)
    return instruction
