"""Importing a list from a workbook and exporting it in the same format (see ``excel`` for the format).

``project_import`` is a service: it validates every row against the database (units, categories,
regions, codes in other lists, status transitions), reports every bad row, and writes nothing unless
every row is good — then it creates or updates projects by code in one transaction, with one event
per changed project and one audit record for the import. ``dry_run`` stops before writing and
returns the same report: what would be created, updated or left unchanged.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from types import SimpleNamespace

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from minsheng.audit.services import audit_record
from minsheng.org.models import Region, Unit
from minsheng.workdays.selectors import calendar_current

from . import excel
from . import selectors as sel
from .bulk import rows_update
from .choices import STATUS_TRANSITIONS, EventAction, ProjectSource, ProjectStatus
from .models import Indicator, Milestone, Project, ProjectCategory, ProjectEvent, ProjectList
from .services import _district_of, assessment_for, event_build, project_apply_assessment

PROJECT_FIELDS = ["title", "content", "category_id", "source", "source_reference", "lead_unit_id",
                  "responsible_leader", "region_id", "start_date", "end_date", "status"]


@dataclass
class PlannedProject:
    code: str
    row: int
    action: str  # "create" | "update" | "unchanged"
    values: dict
    co_unit_ids: list[int]
    changes: dict = field(default_factory=dict)
    milestones: list[dict] = field(default_factory=list)
    indicators: list[dict] = field(default_factory=list)


@dataclass
class ImportReport:
    problems: list[excel.Problem] = field(default_factory=list)
    plans: list[PlannedProject] = field(default_factory=list)
    applied: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems

    def count(self, action: str) -> int:
        return sum(1 for plan in self.plans if plan.action == action)

    @property
    def created(self) -> int:
        return self.count("create")

    @property
    def updated(self) -> int:
        return self.count("update")

    @property
    def unchanged(self) -> int:
        return self.count("unchanged")


class _Lookup:
    """Names and codes of reference data, loaded once for the whole workbook."""

    def __init__(self):
        self.units: dict[str, int] = {}
        for pk, code, name, short_name in Unit.objects.values_list("pk", "code", "name", "short_name"):
            for key in (code, name, short_name):
                if key:
                    self.units.setdefault(key.strip(), pk)
        self.categories: dict[str, int] = {}
        for pk, code, name in ProjectCategory.objects.values_list("pk", "code", "name"):
            self.categories.setdefault(code, pk)
            self.categories.setdefault(name, pk)
        self.regions: dict[str, int] = {}
        for pk, code, name in Region.objects.filter(level__in=["city", "district", "town"]).values_list(
                "pk", "code", "name"):
            self.regions.setdefault(code, pk)
            self.regions.setdefault(name, pk)
        self.sources = {value: value for value in ProjectSource.values}
        self.sources |= {str(label): value for value, label in ProjectSource.choices}
        self.statuses = {value: value for value in ProjectStatus.values}
        self.statuses |= {str(label): value for value, label in ProjectStatus.choices}
        # The label "Suspended" had before project statuses got the "project" context (the appeals
        # wording, 已挂起) is still read; a variable msgid keeps it out of the projects catalogue.
        former_suspended = "Suspended"
        self.statuses.setdefault(_(former_suspended), ProjectStatus.SUSPENDED)
        from django.utils import translation

        with translation.override("en"):
            self.sources |= {str(label).lower(): value for value, label in ProjectSource.choices}
            self.statuses |= {str(label).lower(): value for value, label in ProjectStatus.choices}


def _lookup_choice(mapping: dict, text: str) -> str | None:
    return mapping.get(text) or mapping.get(text.lower())


def _validate_projects(book: excel.Workbook, project_list: ProjectList, lookup: _Lookup,
                       report: ImportReport) -> dict[str, PlannedProject]:
    problems = report.problems
    sheet = excel.PROJECTS_SHEET
    plans: dict[str, PlannedProject] = {}
    codes = [excel.cell_text(row.values.get("code")) for row in book.rows[sheet]]
    existing = {p.code: p for p in Project.objects.filter(code__in=[c for c in codes if c])}
    existing_co = defaultdict(list)
    for project_id, unit_id in Project.co_units.through.objects.filter(
            project_id__in=[p.pk for p in existing.values()]).values_list("project_id", "unit_id"):
        existing_co[project_id].append(unit_id)
    for row in book.rows[sheet]:
        v = row.values

        def bad(column: str, message: str, row=row) -> None:
            problems.append(excel.Problem(sheet, row.number, column, message))

        code = excel.cell_text(v.get("code"))
        title = excel.cell_text(v.get("title"))
        if not code:
            bad("code", _("The project code is empty."))
            continue
        if len(code) > 40:
            bad("code", _("The project code is longer than 40 characters."))
            continue
        if code in plans:
            bad("code", _("The code %(code)s appears twice (first in row %(row)d).") % {
                "code": code, "row": plans[code].row})
            continue
        if not title:
            bad("title", _("The project title is empty."))
        elif len(title) > 200:
            bad("title", _("The project title is longer than 200 characters."))
        lead_text = excel.cell_text(v.get("lead_unit"))
        lead_unit_id = lookup.units.get(lead_text)
        if lead_unit_id is None:
            bad("lead_unit", _("Unknown unit “%(unit)s”.") % {"unit": lead_text} if lead_text
                else _("The lead unit is empty."))
        co_unit_ids = []
        for name in excel.split_list(v.get("co_units")):
            unit_id = lookup.units.get(name)
            if unit_id is None:
                bad("co_units", _("Unknown unit “%(unit)s”.") % {"unit": name})
            elif unit_id == lead_unit_id:
                bad("co_units", _("The lead unit cannot also be a co-unit."))
            elif unit_id not in co_unit_ids:
                co_unit_ids.append(unit_id)
        category_id = None
        category_text = excel.cell_text(v.get("category"))
        if category_text:
            category_id = lookup.categories.get(category_text)
            if category_id is None:
                bad("category", _("Unknown category “%(category)s”.") % {"category": category_text})
        region_id = None
        region_text = excel.cell_text(v.get("region"))
        if region_text:
            region_id = lookup.regions.get(region_text)
            if region_id is None:
                bad("region", _("Unknown region “%(region)s”.") % {"region": region_text})
        source = ProjectSource.UNIT_PLAN
        source_text = excel.cell_text(v.get("source"))
        if source_text:
            source = _lookup_choice(lookup.sources, source_text)
            if source is None:
                bad("source", _("Unknown source “%(source)s”.") % {"source": source_text})
        start, problem = excel.cell_date(v.get("start_date"))
        if problem:
            bad("start_date", problem)
        elif start is None:
            bad("start_date", _("The start date is empty."))
        end, problem = excel.cell_date(v.get("end_date"))
        if problem:
            bad("end_date", problem)
        elif end is None:
            bad("end_date", _("The end date is empty."))
        if start and end and end < start:
            bad("end_date", _("The end date %(end)s is before the start date %(start)s.") % {"end": end,
                                                                                            "start": start})
        current = existing.get(code)
        status_text = excel.cell_text(v.get("status"))
        status = current.status if current else ProjectStatus.NOT_STARTED
        if status_text:
            status = _lookup_choice(lookup.statuses, status_text)
            if status is None:
                bad("status", _("Unknown status “%(status)s”.") % {"status": status_text})
                status = ProjectStatus.NOT_STARTED
        if current is not None and current.project_list_id != project_list.pk:
            bad("code", _("The code %(code)s belongs to another list (%(list)s).") % {
                "code": code, "list": current.project_list_id})
            continue
        if status == ProjectStatus.COMPLETED and (current is None or current.status != ProjectStatus.COMPLETED):
            bad("status", _("A project is completed only by accepting a completion report with evidence."))
        elif current is not None and status != current.status and status not in STATUS_TRANSITIONS[current.status]:
            bad("status", _("A project cannot go from “%(old)s” to “%(new)s”.") % {
                "old": ProjectStatus(current.status).label, "new": ProjectStatus(status).label})
        values = {"title": title, "content": excel.cell_text(v.get("content")), "category_id": category_id,
                  "source": source, "source_reference": excel.cell_text(v.get("source_reference"))[:200],
                  "lead_unit_id": lead_unit_id, "responsible_leader": excel.cell_text(v.get("responsible_leader"))[:60],
                  "region_id": region_id, "start_date": start, "end_date": end, "status": status}
        plan = PlannedProject(code=code, row=row.number, action="create", values=values, co_unit_ids=co_unit_ids)
        if current is not None:
            plan.changes = {f: (getattr(current, f), values[f]) for f in PROJECT_FIELDS
                            if getattr(current, f) != values[f]}
            if sorted(existing_co[current.pk]) != sorted(co_unit_ids):
                plan.changes["co_units"] = (sorted(existing_co[current.pk]), sorted(co_unit_ids))
            plan.action = "update" if plan.changes else "unchanged"
        plans[code] = plan
    return plans


def _child_rows(book: excel.Workbook, sheet: str, plans: dict[str, PlannedProject], report: ImportReport):
    """The rows of the milestones or indicators sheet, each with its values, its project's plan and a way
    to report a problem in the row; a row naming no project of the projects sheet is reported and skipped."""
    for row in book.rows.get(sheet, []):
        def bad(column: str, message: str, row=row) -> None:
            report.problems.append(excel.Problem(sheet, row.number, column, message))

        code = excel.cell_text(row.values.get("project_code"))
        plan = plans.get(code)
        if plan is None:
            bad("project_code", _("No project with code “%(code)s” in the projects sheet.") % {"code": code})
            continue
        yield row, row.values, code, plan, bad


def _validate_children(book: excel.Workbook, plans: dict[str, PlannedProject], report: ImportReport,
                       today: dt.date) -> None:
    for _row, v, code, plan, bad in _child_rows(book, excel.MILESTONES_SHEET, plans, report):
        title = excel.cell_text(v.get("title"))
        if not title or len(title) > 200:
            bad("title", _("The milestone title is empty or longer than 200 characters."))
            continue
        if any(m["title"] == title for m in plan.milestones):
            bad("title", _("The milestone “%(title)s” appears twice for %(code)s.") % {"title": title, "code": code})
            continue
        due, problem = excel.cell_date(v.get("due_date"))
        if problem or due is None:
            bad("due_date", problem or _("The due date is empty."))
        start, end = plan.values["start_date"], plan.values["end_date"]
        if due and start and end and not (start <= due <= end):
            bad("due_date", _("The due date %(due)s is outside the project's dates (%(start)s to %(end)s).") % {
                "due": due, "start": start, "end": end})
        weight, problem = excel.cell_weight(v.get("weight"))
        if problem:
            bad("weight", problem)
        done_at, problem = excel.cell_date(v.get("done_at"))
        if problem:
            bad("done_at", problem)
        elif done_at and done_at > today:
            bad("done_at", _("A milestone cannot be done in the future."))
        plan.milestones.append({"title": title, "due_date": due, "weight": weight, "done_at": done_at})
    for row, v, code, plan, bad in _child_rows(book, excel.INDICATORS_SHEET, plans, report):
        name = excel.cell_text(v.get("name"))
        if not name or len(name) > 120:
            bad("name", _("The indicator name is empty or longer than 120 characters."))
            continue
        if any(i["name"] == name for i in plan.indicators):
            bad("name", _("The indicator “%(name)s” appears twice for %(code)s.") % {"name": name, "code": code})
            continue
        numbers = {}
        for column in ("baseline", "target", "actual"):
            numbers[column], problem = excel.cell_decimal(v.get(column))
            if problem:
                bad(column, problem)
        if numbers["target"] is None and not any(p.row == row.number and p.column == "target"
                                                 for p in report.problems):
            bad("target", _("The target is empty."))
        weight, problem = excel.cell_weight(v.get("weight"))
        if problem:
            bad("weight", problem)
        as_of, problem = excel.cell_date(v.get("as_of"))
        if problem:
            bad("as_of", problem)
        plan.indicators.append({"name": name, "unit": excel.cell_text(v.get("unit"))[:20],
                                "baseline": numbers["baseline"] or Decimal("0.00"), "target": numbers["target"],
                                "actual": numbers["actual"], "as_of": as_of, "weight": weight})


def _children_changed(plans: dict[str, PlannedProject], existing_ids: dict[str, int]) -> None:
    """Mark unchanged projects as updated when their milestones or indicators differ."""
    ids = [existing_ids[code] for code, plan in plans.items() if plan.action == "unchanged"]
    if not ids:
        return
    milestones, indicators = defaultdict(list), defaultdict(list)
    for pid, title, due, weight, done in Milestone.objects.filter(project_id__in=ids).values_list(
            "project_id", "title", "due_date", "weight", "done_at"):
        milestones[pid].append({"title": title, "due_date": due, "weight": weight, "done_at": done})
    for pid, name, unit, baseline, target, actual, as_of, weight in Indicator.objects.filter(
            project_id__in=ids).values_list("project_id", "name", "unit", "baseline", "target", "actual",
                                            "as_of", "weight"):
        indicators[pid].append({"name": name, "unit": unit, "baseline": baseline, "target": target,
                                "actual": actual, "as_of": as_of, "weight": weight})
    for code, plan in plans.items():
        if plan.action != "unchanged":
            continue
        pid = existing_ids[code]
        if sorted(milestones[pid], key=lambda m: m["title"]) != sorted(plan.milestones, key=lambda m: m["title"]):
            plan.changes["milestones"] = ("", "changed")
        if sorted(indicators[pid], key=lambda i: i["name"]) != sorted(plan.indicators, key=lambda i: i["name"]):
            plan.changes["indicators"] = ("", "changed")
        if plan.changes:
            plan.action = "update"


def _check_reach(actor, plans: dict[str, PlannedProject], report: ImportReport) -> None:
    """Every row the import would create or change must lie within one of the actor's officer grants:
    the project as it is now, and the place it would have after the import."""
    existing = {p.code: p for p in Project.objects.filter(code__in=list(plans)).select_related("region")}
    regions = {r.pk: r for r in Region.objects.filter(pk__in={p.values["region_id"] for p in plans.values()
                                                               if p.values["region_id"]})}
    for code, plan in plans.items():
        current = existing.get(code)
        outside = current is not None and not sel.project_can_manage(actor, current)
        outside = outside or not sel.project_officer_covers(actor, regions.get(plan.values["region_id"]))
        if outside:
            report.problems.append(excel.Problem(excel.PROJECTS_SHEET, plan.row, "region", _(
                "Project %(code)s lies outside your area; you may not create or change it.") % {"code": code}))


def project_import(*, actor, project_list: ProjectList, data: bytes, dry_run: bool,
                   file_name: str = "", today: dt.date | None = None) -> ImportReport:
    """Validate the workbook; unless ``dry_run`` or any row is bad, apply it all in one transaction."""
    if not sel.project_can_manage(actor):
        raise PermissionDenied(_("Only project officers import lists."))
    if not sel.project_list_can_manage(actor, project_list):
        raise PermissionDenied(_("Only a project officer whose area covers the owner unit imports into its list."))
    report = ImportReport()
    book = excel.read_workbook(data)
    report.problems.extend(book.problems)
    if report.problems:
        return report
    lookup = _Lookup()
    plans = _validate_projects(book, project_list, lookup, report)
    _check_reach(actor, plans, report)
    _validate_children(book, plans, report, today or timezone.localdate())
    report.plans = sorted(plans.values(), key=lambda p: p.row)
    if report.problems:
        return report
    existing_ids = dict(Project.objects.filter(code__in=list(plans)).values_list("code", "pk"))
    _children_changed(plans, existing_ids)
    if dry_run:
        return report
    with transaction.atomic():
        _apply(actor=actor, project_list=project_list, plans=plans, existing_ids=existing_ids, today=today)
        audit_record(actor=actor, action="projects.import", obj=project_list, summary={
            "file": file_name[:100], "created": report.created, "updated": report.updated,
            "unchanged": report.unchanged})
    report.applied = True
    return report


COMPUTED_FIELDS = ["progress", "warning", "warning_reason", "lagging_month"]


def _assess(project: Project, plan: PlannedProject, today: dt.date, calendar) -> dict | None:
    """Progress and warning from the workbook's rows (they are exactly the project's measures after import)."""
    milestones = [SimpleNamespace(weight=m["weight"], done_at=m["done_at"], due_date=m["due_date"])
                  for m in plan.milestones]
    indicators = [SimpleNamespace(weight=i["weight"], baseline=i["baseline"], target=i["target"], actual=i["actual"])
                  for i in plan.indicators]
    progress, assessment = assessment_for(project=project, milestones=milestones, indicators=indicators,
                                          today=today, calendar=calendar)
    return project_apply_assessment(project, progress, assessment, today)


def _apply(*, actor, project_list: ProjectList, plans: dict[str, PlannedProject], existing_ids: dict[str, int],
           today: dt.date | None) -> None:
    now = timezone.now()
    today = today or timezone.localdate()
    calendar = calendar_current()
    regions = {r.pk: r for r in Region.objects.filter(pk__in={p.values["region_id"] for p in plans.values()
                                                               if p.values["region_id"]})}
    districts = {pk: _district_of(region) for pk, region in regions.items()}
    to_create = []
    for code, plan in plans.items():
        if plan.action != "create":
            continue
        project = Project(project_list=project_list, code=code, original_end_date=plan.values["end_date"],
                          district=districts.get(plan.values["region_id"]), **plan.values)
        _assess(project, plan, today, calendar)
        to_create.append(project)
    Project.objects.bulk_create(to_create, batch_size=1000)
    created_ids = {p.code: p.pk for p in to_create}
    if any(p.pk is None for p in to_create):  # a backend without RETURNING
        created_ids = dict(Project.objects.filter(code__in=[p.code for p in to_create]).values_list("code", "pk"))
    ids = existing_ids | created_ids
    warning_events = []
    updates = [plan for plan in plans.values() if plan.action == "update"]
    if updates:
        changed_projects = list(Project.objects.filter(pk__in=[ids[p.code] for p in updates]))
        by_code = {p.code: p for p in changed_projects}
        own_fields_changed, measures_only = [], []
        for plan in updates:
            project = by_code[plan.code]
            for name, value in plan.values.items():
                setattr(project, name, value)
            project.district = districts.get(plan.values["region_id"])
            project.version += 1
            project.updated_at = now
            change = _assess(project, plan, today, calendar)
            if change:
                warning_events.append(event_build(project=project, action=EventAction.WARNING_CHANGED, at=now,
                                                  **change))
            own = set(plan.changes) - {"milestones", "indicators", "co_units"}
            (own_fields_changed if own else measures_only).append(project)
        rows_update(own_fields_changed, [*PROJECT_FIELDS, *COMPUTED_FIELDS, "district", "version", "updated_at"])
        rows_update(measures_only, [*COMPUTED_FIELDS, "version", "updated_at"])
    touched = [code for code, plan in plans.items() if plan.action != "unchanged"]
    co_changed = [code for code in touched if plans[code].action == "create" or "co_units" in plans[code].changes]
    Through = Project.co_units.through
    Through.objects.filter(project_id__in=[ids[code] for code in co_changed]).delete()
    Through.objects.bulk_create([Through(project_id=ids[code], unit_id=unit_id)
                                 for code in co_changed for unit_id in plans[code].co_unit_ids], batch_size=2000)
    _replace_children(plans, touched, ids, created=set(created_ids))
    events = []
    for code in touched:
        plan = plans[code]
        if plan.action == "create":
            before, after = {}, {"code": code, "title": plan.values["title"], "row": plan.row}
        else:
            before = {name: _plain(old) for name, (old, _new) in plan.changes.items()}
            after = {name: _plain(new) for name, (_old, new) in plan.changes.items()}
        events.append(ProjectEvent(project_id=ids[code], action=EventAction.IMPORTED, actor_id=actor.pk,
                                   actor_name=str(actor)[:150], at=now, before=before, after=after))
    ProjectEvent.objects.bulk_create(events + warning_events, batch_size=2000)


def _plain(value):
    if isinstance(value, dt.date | Decimal):
        return str(value)
    return value


def _delete_in_chunks(model, pks: list[int], size: int = 5000) -> None:
    for start in range(0, len(pks), size):
        model.objects.filter(pk__in=pks[start:start + size]).delete()


def _replace_children(plans: dict[str, PlannedProject], touched: list[str], ids: dict[str, int],
                      created: set[str]) -> None:
    """Milestones and indicators of each touched project become exactly the workbook's, matched by title/name."""
    touched_ids = [ids[code] for code in touched if code not in created]
    current_m = defaultdict(dict)
    for milestone in Milestone.objects.filter(project_id__in=touched_ids):
        current_m[milestone.project_id][milestone.title] = milestone
    current_i = defaultdict(dict)
    for indicator in Indicator.objects.filter(project_id__in=touched_ids):
        current_i[indicator.project_id][indicator.name] = indicator
    new_m, upd_m, keep_m = [], [], set()
    new_i, upd_i, keep_i = [], [], set()
    for code in touched:
        pid = ids[code]
        for row in plans[code].milestones:
            milestone = current_m[pid].get(row["title"])
            if milestone is None:
                new_m.append(Milestone(project_id=pid, original_due_date=row["due_date"], **row))
                continue
            keep_m.add(milestone.pk)
            if (milestone.due_date, milestone.weight, milestone.done_at) != (row["due_date"], row["weight"],
                                                                              row["done_at"]):
                milestone.due_date, milestone.weight, milestone.done_at = row["due_date"], row["weight"], row["done_at"]
                upd_m.append(milestone)
        for row in plans[code].indicators:
            indicator = current_i[pid].get(row["name"])
            if indicator is None:
                new_i.append(Indicator(project_id=pid, **row))
                continue
            keep_i.add(indicator.pk)
            if any(getattr(indicator, k) != row[k] for k in row):
                for k, value in row.items():
                    setattr(indicator, k, value)
                upd_i.append(indicator)
    _delete_in_chunks(Milestone, [m.pk for by_title in current_m.values() for m in by_title.values()
                                  if m.pk not in keep_m])
    _delete_in_chunks(Indicator, [i.pk for by_name in current_i.values() for i in by_name.values()
                                  if i.pk not in keep_i])
    Milestone.objects.bulk_create(new_m, batch_size=2000)
    rows_update(upd_m, ["due_date", "weight", "done_at"])
    Indicator.objects.bulk_create(new_i, batch_size=2000)
    rows_update(upd_i, ["unit", "baseline", "target", "actual", "as_of", "weight"])


# --- export ----------------------------------------------------------------------------------------
def list_export(*, user, project_list: ProjectList) -> bytes:
    """The list's projects the user can read, as a workbook in the import format."""
    scoped = sel.project_scope(user=user).filter(project_list=project_list)
    # Children are read by subquery rather than by a list of ids (10,000 parameters cost more to send
    # than the join); a project added meanwhile is not in ``codes`` and its rows are left out.
    scoped_ids = scoped.values("pk")
    co_units = defaultdict(list)
    for project_id, code in Project.co_units.through.objects.filter(project_id__in=scoped_ids).order_by(
            "id").values_list("project_id", "unit__code"):
        co_units[project_id].append(code)
    codes = {}
    project_rows = []
    for (pk, code, title, content, category, source, source_reference, lead_unit, responsible_leader, region,
         start_date, end_date, status) in scoped.order_by("code").values_list(
            "pk", "code", "title", "content", "category__code", "source", "source_reference", "lead_unit__code",
            "responsible_leader", "region__code", "start_date", "end_date", "status"):
        codes[pk] = code
        project_rows.append({
            "code": code, "title": title, "content": content, "category": category, "source": source,
            "source_reference": source_reference, "lead_unit": lead_unit, "co_units": "；".join(co_units[pk]),
            "responsible_leader": responsible_leader, "region": region, "start_date": start_date,
            "end_date": end_date, "status": status,
        })
    milestone_rows = [
        {"project_code": codes[pid], "title": title, "due_date": due, "weight": weight, "done_at": done}
        for pid, title, due, weight, done in Milestone.objects.filter(project_id__in=scoped_ids)
        .order_by("project_id", "due_date", "pk").values_list("project_id", "title", "due_date", "weight", "done_at")
        if pid in codes
    ]
    indicator_rows = [
        {"project_code": codes[pid], "name": name, "unit": unit, "baseline": baseline, "target": target,
         "actual": actual, "as_of": as_of, "weight": weight}
        for pid, name, unit, baseline, target, actual, as_of, weight in Indicator.objects.filter(
            project_id__in=scoped_ids).order_by("project_id", "pk").values_list(
            "project_id", "name", "unit", "baseline", "target", "actual", "as_of", "weight")
        if pid in codes
    ]
    return excel.write_workbook(project_rows, milestone_rows, indicator_rows)
