"""Issue 11, defects 1, 2 and 6: a re-import never deletes by omission, merged and uncalculated cells are
refused, and whatever the services allow exports and re-imports unchanged."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from openpyxl import Workbook, load_workbook

from minsheng.projects import services
from minsheng.projects.choices import EventAction
from minsheng.projects.excel import INDICATOR_COLUMNS, MILESTONE_COLUMNS, PROJECT_COLUMNS
from minsheng.projects.models import Indicator, Milestone, Project, ProjectEvent
from minsheng.projects.workbook import list_export, project_import

from .conftest import TODAY, add_plan
from .test_services import photo
from .test_workbook import INDICATORS, MILESTONES, problems, project_row, run, workbook


def _done_with_evidence(world):
    first, second, indicator = add_plan(world)
    services.milestone_mark_done(actor=world.lead_handler, milestone=first, done_at=dt.date(2026, 3, 30),
                                 evidence=[photo()], today=TODAY)
    return first, second, indicator


def _export_without(world, *sheets) -> bytes:
    book = load_workbook(io.BytesIO(list_export(user=world.officer, project_list=world.project_list)))
    for name in sheets:
        book.remove(book[name])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_a_missing_milestones_sheet_deletes_nothing(world):
    _done_with_evidence(world)
    data = _export_without(world, "milestones", "indicators")
    preview = run(world, data, dry_run=True)
    assert preview.ok and preview.deletions == []
    report = run(world, data)
    assert report.ok and report.updated == 0
    assert Milestone.objects.filter(project=world.project).count() == 2
    assert Milestone.objects.get(project=world.project, title="完成摸底调查").done_at == dt.date(2026, 3, 30)
    assert Indicator.objects.filter(project=world.project).count() == 1


def test_a_renamed_milestones_sheet_deletes_nothing(world):
    _done_with_evidence(world)
    book = load_workbook(io.BytesIO(list_export(user=world.officer, project_list=world.project_list)))
    book["milestones"].title = "进度安排"
    buffer = io.BytesIO()
    book.save(buffer)
    report = run(world, buffer.getvalue())
    assert report.ok
    assert Milestone.objects.filter(project=world.project).count() == 2


def test_a_row_left_out_is_kept(world):
    run(world, workbook([project_row()], MILESTONES, INDICATORS))
    report = run(world, workbook([project_row()], MILESTONES[:1], []))
    assert report.ok and report.unchanged == 1
    project = Project.objects.get(code="2026-SZ-101")
    assert project.milestones.count() == 2 and project.indicators.count() == 1


def test_deleting_takes_the_marker_column_and_the_dry_run_lists_it(world):
    run(world, workbook([project_row()], MILESTONES, INDICATORS))
    marked = [dict(MILESTONES[1], delete="删除")]
    indicator = [dict(INDICATORS[0], delete="是")]
    preview = run(world, workbook([project_row()], marked, indicator), dry_run=True)
    assert preview.ok and preview.updated == 1
    assert sorted(d["name"] for d in preview.deletions) == sorted([MILESTONES[1]["title"], INDICATORS[0]["name"]])
    project = Project.objects.get(code="2026-SZ-101")
    assert project.milestones.count() == 2  # the dry run wrote nothing
    report = run(world, workbook([project_row()], marked, indicator))
    assert report.applied
    assert list(project.milestones.values_list("title", flat=True)) == [MILESTONES[0]["title"]]
    assert not project.indicators.exists()


def test_the_import_event_records_what_was_removed(world):
    run(world, workbook([project_row()], MILESTONES, INDICATORS))
    run(world, workbook([project_row()], [dict(MILESTONES[1], delete="删除")]))
    event = ProjectEvent.objects.filter(project__code="2026-SZ-101", action=EventAction.IMPORTED).first()
    removed = event.before["milestones_deleted"]
    assert [m["title"] for m in removed] == [MILESTONES[1]["title"]]
    assert removed[0]["due_date"] == str(MILESTONES[1]["due_date"])


def test_deleting_what_does_not_exist_is_a_problem(world):
    run(world, workbook([project_row()], MILESTONES, INDICATORS))
    report = run(world, workbook([project_row()], [dict(MILESTONES[0], title="没有这个节点", delete="删除")]))
    assert ("milestones", 2, "delete") in problems(report)


def test_an_unknown_delete_mark_is_a_problem(world):
    report = run(world, workbook([project_row()], [dict(MILESTONES[0], delete="也许")]))
    assert ("milestones", 2, "delete") in problems(report)


def test_a_new_end_date_that_strands_a_kept_milestone_is_refused(world):
    run(world, workbook([project_row()], MILESTONES, INDICATORS))
    report = run(world, workbook([project_row(end_date=dt.date(2026, 6, 30))]))
    assert ("projects", 2, "end_date") in problems(report)
    assert Project.objects.get(code="2026-SZ-101").end_date == dt.date(2026, 12, 31)


# --- merged and uncalculated cells ----------------------------------------------------------------
def _merged_workbook() -> bytes:
    book = Workbook()
    book.remove(book.active)
    sheet = book.create_sheet("projects")
    keys = [key for key, _header in PROJECT_COLUMNS]
    sheet.append([str(header) for _key, header in PROJECT_COLUMNS])
    for n in range(3):
        sheet.append([project_row(f"M-{n}").get(key) for key in keys])
    for key in ("category", "region", "co_units"):
        letter = chr(ord("A") + keys.index(key))
        sheet.merge_cells(f"{letter}2:{letter}4")
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_merged_cells_are_refused(world):
    report = run(world, _merged_workbook())
    assert not report.ok and not report.applied
    assert ("projects", 2, "category") in problems(report)
    assert ("projects", 2, "region") in problems(report)
    assert not Project.objects.filter(code__startswith="M-").exists()


def test_a_formula_without_a_calculated_value_gets_a_clear_message(world):
    book = Workbook()
    book.remove(book.active)
    for name, columns, rows in (("projects", PROJECT_COLUMNS, [project_row()]), ("milestones", MILESTONE_COLUMNS, []),
                                ("indicators", INDICATOR_COLUMNS, [dict(INDICATORS[0], target="=6*2")])):
        sheet = book.create_sheet(name)
        sheet.append([str(header) for _key, header in columns])
        for row in rows:
            sheet.append([row.get(key) for key, _header in columns])
    buffer = io.BytesIO()
    book.save(buffer)  # openpyxl stores the formula without a value, as any non-calculating program does
    report = run(world, buffer.getvalue())
    assert ("indicators", 2, "target") in problems(report)
    message = next(p.message for p in report.problems if p.column == "target")
    assert "公式" in message or "formula" in message


# --- one validation: services and import agree ----------------------------------------------------
def test_milestone_add_refuses_a_date_after_the_project_ends(world):
    with pytest.raises(ValidationError):
        services.milestone_add(actor=world.officer, project=world.project, title="验收",
                               due_date=world.project.end_date + dt.timedelta(days=1), today=TODAY)
    with pytest.raises(ValidationError):
        services.milestone_add(actor=world.officer, project=world.project, title="筹备",
                               due_date=world.project.start_date - dt.timedelta(days=1), today=TODAY)


def test_bulk_end_date_change_that_strands_milestones_is_refused(world):
    add_plan(world)
    with pytest.raises(ValidationError):
        services.project_bulk_change(actor=world.officer, projects=[world.project], reason="统一调整",
                                     end_date=dt.date(2026, 6, 30), today=TODAY)
    assert Project.objects.get(pk=world.project.pk).end_date == dt.date(2026, 12, 31)


def test_project_update_that_strands_milestones_is_refused(world):
    add_plan(world)
    project = Project.objects.get(pk=world.project.pk)
    with pytest.raises(ValidationError):
        services.project_update(actor=world.officer, project=project, version=project.version,
                                changes={"end_date": dt.date(2026, 6, 30)}, today=TODAY)


def test_deadline_changes_keep_milestones_inside_the_project(world):
    first, _second, _indicator = add_plan(world)
    with pytest.raises(ValidationError):
        services.deadline_change_request(actor=world.lead_handler, project=world.project,
                                         requested_date=dt.date(2027, 2, 1), reason="拆迁延误", milestone=first)
    with pytest.raises(ValidationError):
        services.deadline_change_request(actor=world.lead_handler, project=world.project,
                                         requested_date=dt.date(2026, 6, 30), reason="提前完成")


def test_approving_a_deadline_that_became_impossible_is_refused(world):
    first, _second, _indicator = add_plan(world)
    request = services.deadline_change_request(actor=world.lead_handler, project=world.project,
                                               requested_date=dt.date(2026, 12, 20), reason="拆迁延误",
                                               milestone=first)
    project = Project.objects.get(pk=world.project.pk)
    services.project_update(actor=world.officer, project=project, version=project.version,
                            changes={"end_date": dt.date(2026, 11, 30)}, today=TODAY)
    with pytest.raises(ValidationError):
        services.deadline_change_decide(actor=world.officer, request=request, approve=True, today=TODAY)


def test_whatever_the_services_allow_exports_and_reimports_unchanged(world):
    _done_with_evidence(world)
    services.indicator_add(actor=world.officer, project=world.project, name="拆除面积", unit="亩",
                           baseline=Decimal(500), target=Decimal(100), actual=Decimal(300), today=TODAY)
    services.project_bulk_change(actor=world.officer, projects=[world.project], reason="统一调整",
                                 end_date=dt.date(2026, 10, 31), today=TODAY)
    exported = list_export(user=world.officer, project_list=world.project_list)
    report = project_import(actor=world.officer, project_list=world.project_list, data=exported, dry_run=False)
    assert report.ok, [str(p) for p in report.problems]
    assert (report.created, report.updated) == (0, 0)
    assert report.unchanged == Project.objects.filter(project_list=world.project_list).count()


# --- one indicator formula ------------------------------------------------------------------------
def test_indicator_completion_counts_from_the_baseline(world):
    indicator = services.indicator_add(actor=world.officer, project=world.project, name="床位", target=Decimal(200),
                                       baseline=Decimal(100), actual=Decimal(150), today=TODAY)
    assert indicator.completion == pytest.approx(0.5)


def test_a_reduce_to_indicator_has_a_completion(world):
    indicator = services.indicator_add(actor=world.officer, project=world.project, name="黑臭水体", target=Decimal(0),
                                       baseline=Decimal(12), actual=Decimal(3), today=TODAY)
    assert indicator.completion == pytest.approx(0.75)


def test_completion_is_clamped_to_a_whole(world):
    indicator = services.indicator_add(actor=world.officer, project=world.project, name="学位", target=Decimal(100),
                                       actual=Decimal(130), today=TODAY)
    assert indicator.completion == 1.0


def test_the_page_and_the_export_show_the_same_completion(world, client):
    services.indicator_add(actor=world.officer, project=world.project, name="床位", target=Decimal(200),
                           baseline=Decimal(100), actual=Decimal(150), today=TODAY)
    book = load_workbook(io.BytesIO(list_export(user=world.officer, project_list=world.project_list)))
    rows = list(book["indicators"].iter_rows(values_only=True))
    completion_column = [key for key, _header in INDICATOR_COLUMNS].index("completion")
    assert rows[1][completion_column] == "50%"
    client.force_login(world.officer)
    page = client.get(f"/projects/p/{world.project.pk}/").content.decode()
    assert "50%" in page and "75%" not in page
