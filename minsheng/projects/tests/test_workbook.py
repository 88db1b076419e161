"""Excel import and export: validation row by row, all or nothing, dry run, re-import, round trip."""

import datetime as dt
import io
import os

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import translation
from openpyxl import Workbook

from minsheng.projects import rollup, services
from minsheng.projects.excel import INDICATOR_COLUMNS, MILESTONE_COLUMNS, PROJECT_COLUMNS
from minsheng.projects.models import Indicator, Milestone, Project, ProjectEvent
from minsheng.projects.workbook import list_export, project_import


def workbook(projects, milestones=(), indicators=(), headers=None) -> bytes:
    book = Workbook()
    book.remove(book.active)
    for name, columns, rows in (("projects", PROJECT_COLUMNS, projects), ("milestones", MILESTONE_COLUMNS, milestones),
                                ("indicators", INDICATOR_COLUMNS, indicators)):
        sheet = book.create_sheet(name)
        keys = [key for key, _header in columns]
        sheet.append((headers or {}).get(name) or [str(header) for _key, header in columns])
        for row in rows:
            sheet.append([row.get(key) for key in keys])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def project_row(code="2026-SZ-101", **overrides):
    row = {"code": code, "title": "黑臭水体整治", "content": "整治城市黑臭水体 12 条", "category": "C1-01",
           "source": "public_solicitation", "lead_unit": "FS-ZJJ", "co_units": "FS-ZRJ；佛山市教育局",
           "responsible_leader": "李副市长", "region": "440604", "start_date": dt.date(2026, 1, 1),
           "end_date": dt.date(2026, 12, 31), "status": "in_progress"}
    return row | overrides


MILESTONES = [{"project_code": "2026-SZ-101", "title": "完成排查", "due_date": dt.date(2026, 3, 31), "weight": 1},
              {"project_code": "2026-SZ-101", "title": "完成整治", "due_date": dt.date(2026, 11, 30), "weight": 3}]
INDICATORS = [{"project_code": "2026-SZ-101", "name": "整治水体", "unit": "条", "baseline": 0, "target": 12,
               "actual": 3}]


def run(world, data, dry_run=False):
    return project_import(actor=world.officer, project_list=world.project_list, data=data, dry_run=dry_run)


def problems(report):
    return [(p.sheet, p.row, p.column) for p in report.problems]


def test_import_creates_projects_with_milestones_and_indicators(world):
    report = run(world, workbook([project_row()], MILESTONES, INDICATORS))
    assert report.ok and report.applied and report.created == 1
    project = Project.objects.get(code="2026-SZ-101")
    assert project.co_units.count() == 2
    assert project.milestones.count() == 2 and project.indicators.get().target == 12
    assert project.progress == pytest.approx((3 / 12) / 5)


def test_dry_run_writes_nothing(world):
    report = run(world, workbook([project_row()], MILESTONES, INDICATORS), dry_run=True)
    assert report.ok and not report.applied and report.created == 1
    assert not Project.objects.filter(code="2026-SZ-101").exists()


def test_reimport_updates_and_never_duplicates(world):
    run(world, workbook([project_row()], MILESTONES, INDICATORS))
    changed = [dict(INDICATORS[0], actual=6)]
    report = run(world, workbook([project_row(title="城市黑臭水体整治")], MILESTONES[:1], changed))
    assert (report.created, report.updated) == (0, 1)
    project = Project.objects.get(code="2026-SZ-101")
    assert project.title == "城市黑臭水体整治"
    assert Milestone.objects.filter(project=project).count() == 2  # a row left out is kept
    assert Indicator.objects.get(project=project).actual == 6
    assert ProjectEvent.objects.filter(project_id=project.pk, action="imported").count() == 2


def test_reimport_of_the_same_file_changes_nothing(world):
    data = workbook([project_row()], MILESTONES, INDICATORS)
    run(world, data)
    report = run(world, data)
    assert (report.created, report.updated, report.unchanged) == (0, 0, 1)


def test_wrong_columns_are_reported(world):
    headers = {"projects": ["项目编号", "名称乱写", "牵头单位"]}
    report = run(world, workbook([], headers=headers))
    assert not report.ok
    messages = " ".join(str(p) for p in report.problems)
    assert "名称乱写" in messages
    assert {p.row for p in report.problems} == {1}


def test_every_bad_row_is_reported_and_nothing_is_imported(world):
    rows = [
        project_row("A-1", lead_unit="不存在的局"),
        project_row("A-2", start_date=dt.date(2026, 6, 1), end_date=dt.date(2026, 3, 1)),
        project_row("A-3"),
        project_row("A-3"),
        project_row("A-4", end_date="明年年底"),
        project_row("A-5"),
    ]
    indicators = [{"project_code": "A-5", "name": "新增学位", "target": "三千", "actual": 10}]
    report = run(world, workbook(rows, [], indicators))
    assert not report.ok
    assert set(problems(report)) >= {("projects", 2, "lead_unit"), ("projects", 3, "end_date"),
                                     ("projects", 5, "code"), ("projects", 6, "end_date"),
                                     ("indicators", 2, "target")}
    assert not Project.objects.filter(code__startswith="A-").exists()


def test_milestone_of_an_unknown_project_is_reported(world):
    report = run(world, workbook([project_row()], [dict(MILESTONES[0], project_code="NOPE")]))
    assert ("milestones", 2, "project_code") in problems(report)


def test_code_of_another_list_is_refused(world):
    other = services.project_list_create(actor=world.officer, year=2026, level=world.level, name="另一清单",
                                         owner_unit=world.lead)
    report = project_import(actor=world.officer, project_list=other, data=workbook([project_row(world.project.code)]),
                            dry_run=True)
    assert ("projects", 2, "code") in problems(report)


def test_import_cannot_complete_a_project(world):
    report = run(world, workbook([project_row(status="completed")]))
    assert ("projects", 2, "status") in problems(report)


def test_garbage_file_is_refused_cleanly(world):
    report = run(world, os.urandom(10 * 1024 * 1024))
    assert not report.ok and len(report.problems) == 1


def test_zip_that_is_not_a_workbook_is_refused(world):
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "不是表格")
    report = run(world, buffer.getvalue())
    assert not report.ok


def test_oversized_file_is_refused(world):
    report = run(world, b"PK\x03\x04" + b"0" * (21 * 1024 * 1024))
    assert not report.ok


def test_only_officers_import(world):
    with pytest.raises(PermissionDenied):
        project_import(actor=world.lead_handler, project_list=world.project_list,
                       data=workbook([project_row()]), dry_run=True)


def test_export_reimports_unchanged(world):
    run(world, workbook([project_row()], MILESTONES, INDICATORS))
    exported = list_export(user=world.officer, project_list=world.project_list)
    report = run(world, exported)
    assert report.ok
    assert (report.created, report.updated) == (0, 0)
    assert report.unchanged == Project.objects.filter(project_list=world.project_list).count()


def test_export_restores_what_was_lost_identically(world):
    run(world, workbook([project_row()], MILESTONES, INDICATORS))
    exported = list_export(user=world.officer, project_list=world.project_list)
    before = _dump()
    Milestone.objects.all().delete()
    Indicator.objects.all().delete()
    Project.co_units.through.objects.all().delete()
    report = run(world, exported)
    assert report.ok and report.updated == 2
    assert _dump() == before


def _dump():
    return sorted(
        (p.code, p.title, p.lead_unit_id, p.start_date, p.end_date, p.status,
         tuple(sorted(p.co_units.values_list("pk", flat=True))),
         tuple(p.milestones.values_list("title", "due_date", "weight", "done_at")),
         tuple(p.indicators.values_list("name", "unit", "baseline", "target", "actual", "weight")))
        for p in Project.objects.all()
    )


def _export_by_instances(user, project_list) -> bytes:
    """The export as it was written before it read plain rows and wrote its own XML: the reference."""
    from collections import defaultdict

    from openpyxl import Workbook as OpenpyxlWorkbook

    from minsheng.projects import selectors as sel

    projects = (sel.project_scope(user=user).filter(project_list=project_list)
                .select_related("category", "lead_unit", "region").order_by("code"))
    ids = list(projects.values_list("pk", flat=True))
    co_units = defaultdict(list)
    for project_id, code in Project.co_units.through.objects.filter(project_id__in=ids).order_by("id").values_list(
            "project_id", "unit__code"):
        co_units[project_id].append(code)
    codes, sheets = {}, {"projects": [], "milestones": [], "indicators": []}
    for p in projects:
        codes[p.pk] = p.code
        sheets["projects"].append([
            p.code, p.title, p.content, p.category.code if p.category else None, p.source, p.source_reference,
            p.lead_unit.code, "；".join(co_units[p.pk]), p.responsible_leader, p.region.code if p.region else None,
            p.start_date, p.end_date, p.status])
    for pid, *values in Milestone.objects.filter(project_id__in=ids).order_by("project_id", "due_date", "pk") \
            .values_list("project_id", "title", "due_date", "weight", "done_at"):
        sheets["milestones"].append([codes[pid], *values])
    for pid, *values in Indicator.objects.filter(project_id__in=ids).order_by("project_id", "pk").values_list(
            "project_id", "name", "unit", "baseline", "target", "actual", "as_of", "weight"):
        completion = rollup.percent_text(rollup.indicator_completion(values[2], values[3], values[4]))
        sheets["indicators"].append([codes[pid], *values, completion])
    book = OpenpyxlWorkbook(write_only=True)
    for name, columns in (("projects", PROJECT_COLUMNS), ("milestones", MILESTONE_COLUMNS),
                          ("indicators", INDICATOR_COLUMNS)):
        sheet = book.create_sheet(name)
        sheet.append([str(header) for _key, header in columns])
        for row in sheets[name]:
            sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _cells(data: bytes) -> dict:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        return {name: list(book[name].iter_rows(values_only=True)) for name in book.sheetnames}
    finally:
        book.close()


def _several_projects(world):
    """Projects with and without category, region, co-units, milestones and indicators; one of another unit."""
    run(world, workbook(
        [project_row(), project_row(code="2026-SZ-102", title="  空格 & <符号> ", category="", region="",
                                    co_units="", content="第一行\n第二行", status="not_started"),
         project_row(code="2026-SZ-103", lead_unit="FS-JYJ", co_units="FS-ZRJ、FS-ZJJ")],
        [*MILESTONES, {"project_code": "2026-SZ-103", "title": "开工", "due_date": dt.date(2026, 2, 1), "weight": 2,
                       "done_at": dt.date(2026, 2, 1)}],
        [*INDICATORS, {"project_code": "2026-SZ-103", "name": "学位", "unit": "个", "baseline": 10, "target": 2500.5,
                       "actual": None, "as_of": dt.date(2026, 3, 1), "weight": 3}]))


def test_export_is_the_same_as_the_reference_export(world):
    _several_projects(world)
    for user in (world.officer, world.lead_handler, world.other_handler, world.co_handler, world.citizen):
        exported = list_export(user=user, project_list=world.project_list)
        assert _cells(exported) == _cells(_export_by_instances(user, world.project_list)), user


def test_export_reads_the_same_through_the_import_reader(world):
    from minsheng.projects.excel import read_workbook

    _several_projects(world)
    exported = list_export(user=world.officer, project_list=world.project_list)
    assert read_workbook(exported) == read_workbook(_export_by_instances(world.officer, world.project_list))
    assert len(read_workbook(exported).rows["projects"]) == Project.objects.filter(
        project_list=world.project_list).count()


def test_text_that_xml_cannot_carry_still_exports_without_it(world):
    Project.objects.filter(pk=world.project.pk).update(content=" 第一行\x0b第二行\x01 ", title="a\x1fb")
    rows = _cells(list_export(user=world.officer, project_list=world.project_list))["projects"]
    assert rows[1][:3] == ("2026-SZ-001", "ab", " 第一行第二行 ")


def test_chinese_headers_from_before_the_project_context_still_import(world):
    # Until the project columns had a translation context of their own, Chinese workbooks were
    # written with the appeals wording for these three headers.
    former = {"lead_unit": "主办单位", "content": "诉求内容", "region": "区域"}
    with translation.override("zh-hans"):
        headers = [former.get(key, str(header)) for key, header in PROJECT_COLUMNS]
    report = run(world, workbook([project_row()], headers={"projects": headers}))
    assert report.ok and report.created == 1
    project = Project.objects.get(code="2026-SZ-101")
    assert project.lead_unit.code == "FS-ZJJ" and project.content and project.region.code == "440604"


def test_the_current_chinese_headers_are_the_project_wording(world):
    with translation.override("zh-hans"):
        headers = {key: str(header) for key, header in PROJECT_COLUMNS}
    assert (headers["lead_unit"], headers["content"], headers["region"]) == ("牵头单位", "项目内容", "实施区域")


@pytest.mark.parametrize("status", ["暂停", "已挂起", "suspended"])
def test_a_suspended_status_is_read_in_the_current_and_the_former_wording(world, status):
    with translation.override("zh-hans"):
        report = run(world, workbook([project_row(status=status)]))
    assert report.ok, report.problems
    assert Project.objects.get(code="2026-SZ-101").status == "suspended"
