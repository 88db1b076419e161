"""Projects: creation, edits, status, bulk changes."""

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from minsheng.audit.services import audit_record
from minsheng.conflicts import Conflict
from minsheng.org.models import Region, Unit

from .. import selectors as sel
from ..bulk import rows_update
from ..choices import (
    STATUS_TRANSITIONS,
    EventAction,
    ProjectSource,
    ProjectStatus,
)
from ..models import (
    Milestone,
    Project,
    ProjectCategory,
    ProjectEvent,
    ProjectList,
)
from .assessment import project_recompute, projects_recompute
from .common import (
    _check_dates,
    _district_of,
    _event,
    _lock,
    _plain,
    _require,
    event_build,
)


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
    _check_dates(project.start_date, project.end_date, project.milestones.values_list("title", "due_date"))
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
    milestones = defaultdict(list)
    for project_id, title, due in Milestone.objects.filter(project_id__in=ids).values_list("project_id", "title",
                                                                                           "due_date"):
        milestones[project_id].append((title, due))
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
            _check_dates(project.start_date, project.end_date, project.milestones.values_list("title", "due_date"))
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
