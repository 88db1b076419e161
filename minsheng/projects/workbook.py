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

from . import excel, rollup, rules
from . import selectors as sel
from .bulk import rows_update
from .choices import STATUS_TRANSITIONS, EventAction, ProjectSource, ProjectStatus
from .models import Indicator, Milestone, Project, ProjectCategory, ProjectEvent, ProjectList
from .services import _district_of, assessment_for, event_build, project_apply_assessment
from .services.notices import warning_notify

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
    # Rows marked in the "delete" column: (sheet row, title or name). Nothing else deletes.
    milestone_deletions: list[tuple[int, str]] = field(default_factory=list)
    waived_titles: set[str] = field(default_factory=set)  # waived by an officer: not a measure
    indicator_deletions: list[tuple[int, str]] = field(default_factory=list)
    # What the deletions remove (the rows as they are now), for the preview and the event.
    deleted_milestones: list[dict] = field(default_factory=list)
    deleted_indicators: list[dict] = field(default_factory=list)


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

    @property
    def deletions(self) -> list[dict]:
        """Every milestone and indicator the import deletes, for the dry run to list."""
        rows = []
        for plan in self.plans:
            rows += [{"code": plan.code, "kind": _("milestone"), "name": m["title"], "row": row}
                     for (row, _title), m in zip(plan.milestone_deletions, plan.deleted_milestones, strict=False)]
            rows += [{"code": plan.code, "kind": _("indicator"), "name": i["name"], "row": row}
                     for (row, _name), i in zip(plan.indicator_deletions, plan.deleted_indicators, strict=False)]
        return rows


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
        if start and end and (problem := rules.project_dates_problem(start, end)):
            bad("end_date", problem)
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


def _delete_marked(v: dict, bad) -> bool:
    marked, problem = excel.cell_delete_mark(v.get("delete"))
    if problem:
        bad("delete", problem)
    return marked


def _validate_children(book: excel.Workbook, plans: dict[str, PlannedProject], report: ImportReport,
                       today: dt.date) -> None:
    for row, v, code, plan, bad in _child_rows(book, excel.MILESTONES_SHEET, plans, report):
        title = excel.cell_text(v.get("title"))
        if not title or len(title) > 200:
            bad("title", _("The milestone title is empty or longer than 200 characters."))
            continue
        if any(m["title"] == title for m in plan.milestones) or any(t == title for _r, t in plan.milestone_deletions):
            bad("title", _("The milestone “%(title)s” appears twice for %(code)s.") % {"title": title, "code": code})
            continue
        if _delete_marked(v, bad):
            plan.milestone_deletions.append((row.number, title))
            continue
        due, problem = excel.cell_date(v.get("due_date"))
        if problem or due is None:
            bad("due_date", problem or _("The due date is empty."))
        start, end = plan.values["start_date"], plan.values["end_date"]
        if due and start and end and (problem := rules.milestone_due_problem(due, start, end)):
            bad("due_date", problem)
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
        if any(i["name"] == name for i in plan.indicators) or any(n == name for _r, n in plan.indicator_deletions):
            bad("name", _("The indicator “%(name)s” appears twice for %(code)s.") % {"name": name, "code": code})
            continue
        if _delete_marked(v, bad):
            plan.indicator_deletions.append((row.number, name))
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


def _merge_existing(plans: dict[str, PlannedProject], existing_ids: dict[str, int], report: ImportReport) -> None:
    """Each plan's measures become what the project will hold after the import, and the changes are noted.

    A row of the file adds or updates a milestone (by title) or an indicator (by name); a row marked
    in the "delete" column deletes it; a milestone or indicator the file does not mention — a missing
    sheet, a missing row — is kept as it is. The kept milestones are checked against the project's
    new dates with the same rule as the services (``rules``), so no import strands one.
    """
    milestones, indicators = defaultdict(dict), defaultdict(dict)
    ids = list(existing_ids.values())
    waived = defaultdict(set)
    for pid, title, due, weight, done, waived_at in Milestone.objects.filter(project_id__in=ids).values_list(
            "project_id", "title", "due_date", "weight", "done_at", "waived_at"):
        milestones[pid][title] = {"title": title, "due_date": due, "weight": weight, "done_at": done}
        if waived_at is not None:
            waived[pid].add(title)
    for pid, name, unit, baseline, target, actual, as_of, weight in Indicator.objects.filter(
            project_id__in=ids).values_list("project_id", "name", "unit", "baseline", "target", "actual",
                                            "as_of", "weight"):
        indicators[pid][name] = {"name": name, "unit": unit, "baseline": baseline, "target": target,
                                 "actual": actual, "as_of": as_of, "weight": weight}
    for code, plan in plans.items():
        pid = existing_ids.get(code)
        current_m, current_i = milestones[pid], indicators[pid]
        plan.waived_titles = waived[pid]
        for sheet, deletions, current, deleted in (
                (excel.MILESTONES_SHEET, plan.milestone_deletions, current_m, plan.deleted_milestones),
                (excel.INDICATORS_SHEET, plan.indicator_deletions, current_i, plan.deleted_indicators)):
            for row, name in deletions:
                if name not in current:
                    report.problems.append(excel.Problem(sheet, row, "delete", _(
                        "%(code)s has no “%(name)s” to delete.") % {"code": code, "name": name}))
                else:
                    deleted.append(current[name])
        gone_m = {title for _row, title in plan.milestone_deletions}
        gone_i = {name for _row, name in plan.indicator_deletions}
        in_file_m = {m["title"] for m in plan.milestones}
        in_file_i = {i["name"] for i in plan.indicators}
        kept_m = [m for title, m in current_m.items() if title not in gone_m and title not in in_file_m]
        kept_i = [i for name, i in current_i.items() if name not in gone_i and name not in in_file_i]
        start, end = plan.values["start_date"], plan.values["end_date"]
        if start and end:
            for problem in rules.stranded_milestones(start, end, [(m["title"], m["due_date"]) for m in kept_m]):
                report.problems.append(excel.Problem(excel.PROJECTS_SHEET, plan.row, "end_date", problem))
        plan.milestones = kept_m + plan.milestones
        plan.indicators = kept_i + plan.indicators
        if pid is None:
            continue
        if sorted(current_m.values(), key=lambda m: m["title"]) != sorted(plan.milestones, key=lambda m: m["title"]):
            plan.changes["milestones"] = ("", "changed")
        if sorted(current_i.values(), key=lambda i: i["name"]) != sorted(plan.indicators, key=lambda i: i["name"]):
            plan.changes["indicators"] = ("", "changed")
        if plan.deleted_milestones:
            plan.changes["milestones_deleted"] = ([_plain_row(m) for m in plan.deleted_milestones], [])
        if plan.deleted_indicators:
            plan.changes["indicators_deleted"] = ([_plain_row(i) for i in plan.deleted_indicators], [])
        if plan.changes:
            plan.action = "update"


def _plain_row(row: dict) -> dict:
    return {key: _plain(value) for key, value in row.items()}


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
    _merge_existing(plans, existing_ids, report)
    if report.problems:
        return report
    if dry_run:
        return report
    with transaction.atomic():
        _apply(actor=actor, project_list=project_list, plans=plans, existing_ids=existing_ids, today=today)
        audit_record(actor=actor, action="projects.import", obj=project_list, summary={
            "file": file_name[:100], "created": report.created, "updated": report.updated,
            "unchanged": report.unchanged, "deleted": len(report.deletions)})
    report.applied = True
    return report


COMPUTED_FIELDS = ["progress", "warning", "warning_reason", "lagging_month"]


def _assess(project: Project, plan: PlannedProject, today: dt.date, calendar) -> dict | None:
    """Progress and warning from the workbook's rows (they are exactly the project's measures after import)."""
    milestones = [SimpleNamespace(weight=m["weight"], done_at=m["done_at"], due_date=m["due_date"])
                  for m in plan.milestones if m["title"] not in plan.waived_titles]
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
                warning_notify(project=project, warning=project.warning, today=today)
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
    """Milestones and indicators of each touched project become the plan's (matched by title/name): rows
    added or updated, and deleted only where the file marked them (``_merge_existing``)."""
    touched_ids = [ids[code] for code in touched if code not in created]
    current_m = defaultdict(dict)
    for milestone in Milestone.objects.filter(project_id__in=touched_ids):
        current_m[milestone.project_id][milestone.title] = milestone
    current_i = defaultdict(dict)
    for indicator in Indicator.objects.filter(project_id__in=touched_ids):
        current_i[indicator.project_id][indicator.name] = indicator
    new_m, upd_m, gone_m = [], [], []
    new_i, upd_i, gone_i = [], [], []
    for code in touched:
        pid, plan = ids[code], plans[code]
        for row in plan.milestones:
            milestone = current_m[pid].get(row["title"])
            if milestone is None:
                new_m.append(Milestone(project_id=pid, original_due_date=row["due_date"], **row))
            elif (milestone.due_date, milestone.weight, milestone.done_at) != (row["due_date"], row["weight"],
                                                                                row["done_at"]):
                milestone.due_date, milestone.weight, milestone.done_at = row["due_date"], row["weight"], row["done_at"]
                upd_m.append(milestone)
        for row in plan.indicators:
            indicator = current_i[pid].get(row["name"])
            if indicator is None:
                new_i.append(Indicator(project_id=pid, **row))
            elif any(getattr(indicator, k) != row[k] for k in row):
                for k, value in row.items():
                    setattr(indicator, k, value)
                upd_i.append(indicator)
        gone_m += [current_m[pid][m["title"]].pk for m in plan.deleted_milestones]
        gone_i += [current_i[pid][i["name"]].pk for i in plan.deleted_indicators]
    _delete_in_chunks(Milestone, gone_m)
    _delete_in_chunks(Indicator, gone_i)
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
         "actual": actual, "as_of": as_of, "weight": weight,
         "completion": rollup.percent_text(rollup.indicator_completion(baseline, target, actual))}
        for pid, name, unit, baseline, target, actual, as_of, weight in Indicator.objects.filter(
            project_id__in=scoped_ids).order_by("project_id", "pk").values_list(
            "project_id", "name", "unit", "baseline", "target", "actual", "as_of", "weight")
        if pid in codes
    ]
    return excel.write_workbook(project_rows, milestone_rows, indicator_rows)
