"""Writes: the event trail, recomputing on every change, reports, completion, deadlines, notices."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction

from minsheng.conflicts import Conflict
from minsheng.projects import services
from minsheng.projects.choices import EventAction, ProjectStatus, ReportState, WarningLevel
from minsheng.projects.models import Project, ProjectEvent

from .conftest import TODAY, add_plan

PHOTO = b"\x89PNG\r\n\x1a\n" + b"0" * 100


def photo(name="现场.png"):
    return SimpleUploadedFile(name, PHOTO, content_type="image/png")


def fresh(project):
    return Project.objects.get(pk=project.pk)


def test_creating_a_project_records_an_event(world):
    assert ProjectEvent.objects.filter(project_id=world.project.pk, action=EventAction.CREATED).exists()


def test_project_district_is_derived_from_its_region(world):
    assert world.project.district == world.regions["chancheng"]


def test_events_cannot_be_changed_or_deleted(world):
    event = ProjectEvent.objects.filter(project_id=world.project.pk).first()
    with pytest.raises(IntegrityError), transaction.atomic():
        ProjectEvent.objects.filter(pk=event.pk).update(note="rewritten")
    with pytest.raises(IntegrityError), transaction.atomic():
        ProjectEvent.objects.filter(pk=event.pk).delete()


def test_progress_is_recomputed_when_a_milestone_is_done(world):
    first, _second, _indicator = add_plan(world)
    services.milestone_mark_done(actor=world.lead_handler, milestone=first, done_at=dt.date(2026, 3, 30),
                                 evidence=[photo()], today=TODAY)
    assert fresh(world.project).progress == pytest.approx(1 / 3, abs=1e-6)


def test_progress_is_recomputed_when_a_milestone_is_deleted(world):
    first, second, indicator = add_plan(world)
    services.milestone_mark_done(actor=world.lead_handler, milestone=first, done_at=dt.date(2026, 3, 30),
                                 note="验收单已归档", today=TODAY)
    services.milestone_delete(actor=world.officer, milestone=second, today=TODAY)
    services.indicator_delete(actor=world.officer, indicator=indicator, today=TODAY)
    assert fresh(world.project).progress == 1.0


def test_marking_a_milestone_done_needs_evidence(world):
    first, _second, _indicator = add_plan(world)
    with pytest.raises(ValidationError):
        services.milestone_mark_done(actor=world.lead_handler, milestone=first, done_at=TODAY, today=TODAY)


def test_evidence_must_be_a_photo_or_pdf(world):
    first, _second, _indicator = add_plan(world)
    with pytest.raises(ValidationError):
        services.milestone_mark_done(actor=world.lead_handler, milestone=first, done_at=TODAY, today=TODAY,
                                     evidence=[SimpleUploadedFile("run.exe", b"MZ")])


def test_overdue_milestone_turns_the_project_red(world):
    add_plan(world)  # the March milestone is not done on 15 May
    assert fresh(world.project).warning == WarningLevel.RED


def test_accepted_report_applies_its_figures_and_turns_green(world):
    first, _second, indicator = add_plan(world)
    report = services.report_submit(
        actor=world.lead_handler, project=world.project, period=dt.date(2026, 5, 1), text="完成摸底，已改造 20 万亩",
        milestone_done={first.pk: "2026-03-28"}, indicator_actuals={indicator.pk: "200000"},
        evidence=[photo()], today=TODAY)
    assert fresh(world.project).warning == WarningLevel.RED  # nothing applies before acceptance
    services.report_accept(actor=world.officer, report=report, today=TODAY)
    project = fresh(world.project)
    assert project.status == ProjectStatus.IN_PROGRESS
    assert project.warning == WarningLevel.GREEN
    assert project.progress == pytest.approx((1 + 200000 / 367000) / 3, abs=1e-6)


def test_caught_up_project_keeps_the_was_lagging_mark_this_month(world):
    first, _second, indicator = add_plan(world)
    report = services.report_submit(actor=world.lead_handler, project=world.project, period=TODAY, text="赶上进度",
                                    milestone_done={first.pk: "2026-05-10"},
                                    indicator_actuals={indicator.pk: "200000"}, today=TODAY)
    services.report_accept(actor=world.officer, report=report, today=TODAY)
    project = fresh(world.project)
    assert project.warning == WarningLevel.GREEN
    assert project.lagging_month == dt.date(2026, 5, 1)


def test_returned_report_keeps_the_reason_and_changes_nothing(world):
    first, _second, _indicator = add_plan(world)
    report = services.report_submit(actor=world.lead_handler, project=world.project, period=TODAY, text="进展",
                                    milestone_done={first.pk: "2026-03-28"}, today=TODAY)
    services.report_return(actor=world.officer, report=report, reason="缺少现场照片")
    report.refresh_from_db()
    assert (report.state, report.return_reason) == (ReportState.RETURNED, "缺少现场照片")
    first.refresh_from_db()
    assert first.done_at is None


def test_a_report_is_accepted_only_once(world):
    report = services.report_submit(actor=world.lead_handler, project=world.project, period=TODAY, text="进展",
                                    today=TODAY)
    services.report_accept(actor=world.officer, report=report, today=TODAY)
    with pytest.raises(Conflict):
        services.report_accept(actor=world.officer, report=report, today=TODAY)


def test_report_with_text_in_an_indicator_is_refused(world):
    _first, _second, indicator = add_plan(world)
    with pytest.raises(ValidationError):
        services.report_submit(actor=world.lead_handler, project=world.project, period=TODAY, text="进展",
                               indicator_actuals={indicator.pk: "十二万"}, today=TODAY)


def test_completion_needs_evidence(world):
    with pytest.raises(ValidationError):
        services.report_submit(actor=world.lead_handler, project=world.project, period=TODAY, text="已完成",
                               claims_completion=True, today=TODAY)


def test_completion_happens_on_acceptance_of_a_completion_report(world):
    report = services.report_submit(actor=world.lead_handler, project=world.project, period=TODAY, text="已完成",
                                    claims_completion=True, evidence=[photo()], today=TODAY)
    assert fresh(world.project).status == ProjectStatus.NOT_STARTED
    services.report_accept(actor=world.officer, report=report, today=TODAY)
    project = fresh(world.project)
    assert project.status == ProjectStatus.COMPLETED and project.completed_at is not None
    assert ProjectEvent.objects.filter(project_id=project.pk, action=EventAction.COMPLETED).exists()


def test_status_cannot_be_set_to_completed_directly(world):
    with pytest.raises(ValidationError):
        services.project_status_change(actor=world.officer, project=world.project, status=ProjectStatus.COMPLETED)


def test_cancelled_project_cannot_restart(world):
    services.project_status_change(actor=world.officer, project=world.project, status=ProjectStatus.CANCELLED,
                                   reason="并入其他项目", today=TODAY)
    with pytest.raises(ValidationError):
        services.project_status_change(actor=world.officer, project=fresh(world.project),
                                       status=ProjectStatus.IN_PROGRESS, today=TODAY)


def test_stale_version_is_a_conflict(world):
    project = fresh(world.project)
    services.project_update(actor=world.officer, project=project, version=project.version,
                            changes={"title": "新名称"}, today=TODAY)
    with pytest.raises(Conflict):
        services.project_update(actor=world.lead_handler, project=project, version=project.version,
                                changes={"content": "另一人的修改"}, today=TODAY)


def test_lead_unit_cannot_change_dates_directly(world):
    project = fresh(world.project)
    with pytest.raises(PermissionDenied):
        services.project_update(actor=world.lead_handler, project=project, version=project.version,
                                changes={"end_date": dt.date(2027, 6, 30)}, today=TODAY)


def test_approved_deadline_change_keeps_the_original(world):
    request = services.deadline_change_request(actor=world.lead_handler, project=world.project,
                                               requested_date=dt.date(2026, 12, 20), reason="征地延误")
    services.deadline_change_decide(actor=world.officer, request=request, approve=True, note="同意", today=TODAY)
    project = fresh(world.project)
    assert project.end_date == dt.date(2026, 12, 20)
    assert project.original_end_date == dt.date(2026, 12, 31)


def test_rejected_milestone_deadline_change_moves_nothing(world):
    first, _second, _indicator = add_plan(world)
    request = services.deadline_change_request(actor=world.lead_handler, project=world.project, milestone=first,
                                               requested_date=dt.date(2026, 6, 30), reason="延误")
    services.deadline_change_decide(actor=world.officer, request=request, approve=False, note="不同意", today=TODAY)
    first.refresh_from_db()
    assert first.due_date == dt.date(2026, 3, 31)


def test_bulk_change_is_all_or_nothing_and_one_event_per_project(world):
    other = services.project_create(actor=world.officer, project_list=world.project_list, code="2026-SZ-002",
                                    title="新建幼儿园", lead_unit=world.other, start_date=dt.date(2026, 2, 1),
                                    end_date=dt.date(2026, 8, 31), today=TODAY)
    with pytest.raises(ValidationError):  # the end date would fall before the second project's start
        services.project_bulk_change(actor=world.officer, projects=[world.project, other], reason="统一调整",
                                     end_date=dt.date(2026, 1, 15), today=TODAY)
    assert fresh(other).end_date == dt.date(2026, 8, 31)
    changed = services.project_bulk_change(actor=world.officer, projects=[world.project, other], reason="统一调整",
                                           status=ProjectStatus.IN_PROGRESS, lead_unit=world.lead, today=TODAY)
    assert changed == 2
    assert fresh(other).lead_unit == world.lead
    assert ProjectEvent.objects.filter(action=EventAction.BULK_CHANGED).count() == 2


def test_supervision_notice_is_acknowledged_by_the_lead_unit(world):
    notice = services.supervision_issue(actor=world.supervisor, project=world.project, text="请加快进度",
                                        respond_by=dt.date(2026, 5, 22))
    with pytest.raises(PermissionDenied):
        services.supervision_acknowledge(actor=world.co_handler, notice=notice, response="收到")
    services.supervision_acknowledge(actor=world.lead_head, notice=notice, response="本周内完成拆除")
    notice.refresh_from_db()
    assert notice.acknowledged_at is not None


def test_co_unit_contributes_to_a_report(world):
    report = services.report_submit(actor=world.lead_handler, project=world.project, period=TODAY, text="进展",
                                    today=TODAY)
    contribution = services.report_contribute(actor=world.co_handler, report=report, text="已完成用地报批")
    assert contribution.unit == world.co


def test_leader_gives_an_instruction_but_cannot_edit(world):
    services.instruction_give(actor=world.leader, project=world.project, text="务必年底前完成")
    project = fresh(world.project)
    with pytest.raises(PermissionDenied):
        services.project_update(actor=world.leader, project=project, version=project.version,
                                changes={"title": "x"})


def test_snapshot_stores_each_project_once_per_month(world):
    assert services.snapshot_take(month=dt.date(2026, 5, 1), today=TODAY) == 1
    assert services.snapshot_take(month=dt.date(2026, 5, 20), today=TODAY) == 1
    assert world.project.snapshots.count() == 1


def test_indicator_completion_is_actual_over_target(world):
    _first, _second, indicator = add_plan(world)
    indicator.actual = Decimal(113100)
    indicator.target = Decimal(213400)
    assert indicator.completion == pytest.approx(0.53, abs=0.001)
