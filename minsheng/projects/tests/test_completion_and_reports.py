"""Issue 11, defects 3, 4, 5 and 8 and the supervision notices: completion means the work is done, one report
per month with the latest month winning, private evidence, public counts that agree with the rows, escalation
of unanswered supervision notices, and notices to the lead unit through the outbox."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.urls import reverse

from minsheng.notifications.models import OutboxMessage
from minsheng.projects import selectors as sel
from minsheng.projects import services
from minsheng.projects.choices import EventAction, ProjectStatus, ReportState, WarningLevel
from minsheng.projects.models import Project, ProjectEvent, SupervisionNotice
from minsheng.projects.services.notices import reports_due_notify, supervision_escalate

from .conftest import TODAY, add_plan
from .test_services import fresh, photo


def _accept(world, report):
    return services.report_accept(actor=world.officer, report=report, today=TODAY)


# --- defect 3: completion --------------------------------------------------------------------------
def test_completion_report_without_its_own_evidence_is_refused_even_with_older_photos(world):
    first, _second, _indicator = add_plan(world)
    services.milestone_mark_done(actor=world.lead_handler, milestone=first, done_at=dt.date(2026, 3, 30),
                                 evidence=[photo()], today=TODAY)
    with pytest.raises(ValidationError):
        services.report_submit(actor=world.lead_handler, project=world.project, period=TODAY, text="已完成",
                               claims_completion=True, today=TODAY)


def test_completion_with_a_milestone_still_open_is_refused(world):
    first, _second, indicator = add_plan(world)
    with pytest.raises(ValidationError) as refused:
        services.report_submit(actor=world.lead_handler, project=world.project, period=TODAY, text="已完成",
                               milestone_done={first.pk: "2026-03-30"}, indicator_actuals={indicator.pk: "367000"},
                               claims_completion=True, evidence=[photo()], today=TODAY)
    assert "完成拆除整理" in " ".join(refused.value.messages)
    assert fresh(world.project).status != ProjectStatus.COMPLETED


def test_completion_with_an_indicator_short_of_its_target_is_refused(world):
    first, second, indicator = add_plan(world)
    with pytest.raises(ValidationError):
        services.report_submit(actor=world.lead_handler, project=world.project, period=TODAY, text="已完成",
                               milestone_done={first.pk: "2026-03-30", second.pk: "2026-05-10"},
                               indicator_actuals={indicator.pk: "120000"}, claims_completion=True,
                               evidence=[photo()], today=TODAY)


def test_completion_checks_again_on_acceptance(world):
    report = services.report_submit(actor=world.lead_handler, project=world.project, period=TODAY, text="已完成",
                                    claims_completion=True, evidence=[photo()], today=TODAY)
    services.milestone_add(actor=world.officer, project=world.project, title="补充节点", due_date=dt.date(2026, 9, 1),
                           today=TODAY)
    with pytest.raises(ValidationError):
        _accept(world, report)
    assert fresh(world.project).status != ProjectStatus.COMPLETED


def test_completion_with_everything_done_or_waived_reaches_100_percent(world):
    first, second, indicator = add_plan(world)
    services.milestone_waive(actor=world.officer, milestone=second, reason="拆除任务并入三旧改造项目", today=TODAY)
    report = services.report_submit(actor=world.lead_handler, project=world.project, period=TODAY, text="已完成",
                                    milestone_done={first.pk: "2026-03-30"},
                                    indicator_actuals={indicator.pk: "367000"}, claims_completion=True,
                                    evidence=[photo()], today=TODAY)
    _accept(world, report)
    project = fresh(world.project)
    assert project.status == ProjectStatus.COMPLETED
    assert project.progress == 1.0
    assert ProjectEvent.objects.filter(project_id=project.pk, action=EventAction.MILESTONE_WAIVED).exists()


def test_waiving_needs_an_officer_and_a_reason(world):
    _first, second, _indicator = add_plan(world)
    with pytest.raises(ValidationError):
        services.milestone_waive(actor=world.officer, milestone=second, reason=" ", today=TODAY)
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.milestone_waive(actor=world.lead_handler, milestone=second, reason="不做了", today=TODAY)


# --- defect 4: reports -----------------------------------------------------------------------------
def test_a_second_report_for_the_same_month_is_refused(world):
    services.report_submit(actor=world.lead_handler, project=world.project, period=dt.date(2026, 5, 1), text="进展",
                           today=TODAY)
    with pytest.raises(ValidationError):
        services.report_submit(actor=world.lead_handler, project=world.project, period=dt.date(2026, 5, 20),
                               text="再报一次", today=TODAY)
    assert world.project.reports.count() == 1


def test_the_latest_month_wins_whatever_the_order_of_acceptance(world):
    _first, _second, indicator = add_plan(world)
    may = services.report_submit(actor=world.lead_handler, project=world.project, period=dt.date(2026, 5, 1),
                                 text="五月", indicator_actuals={indicator.pk: "200000"}, today=TODAY)
    april = services.report_submit(actor=world.lead_handler, project=world.project, period=dt.date(2026, 4, 1),
                                   text="四月", indicator_actuals={indicator.pk: "150000"}, today=TODAY)
    _accept(world, may)
    _accept(world, april)
    indicator.refresh_from_db()
    assert indicator.actual == Decimal(200000)
    assert indicator.as_of == dt.date(2026, 5, 31)


def test_a_returned_report_is_resubmitted_and_accepted(world):
    first, _second, _indicator = add_plan(world)
    report = services.report_submit(actor=world.lead_handler, project=world.project, period=TODAY, text="进展",
                                    today=TODAY)
    services.report_return(actor=world.officer, report=report, reason="缺少节点完成情况")
    again = services.report_submit(actor=world.lead_handler, project=world.project, period=TODAY,
                                   text="进展：摸底完成", milestone_done={first.pk: "2026-03-30"}, today=TODAY)
    assert again.pk == report.pk and again.state == ReportState.SUBMITTED
    assert ProjectEvent.objects.filter(project_id=world.project.pk, action=EventAction.REPORT_RESUBMITTED).exists()
    _accept(world, again)
    first.refresh_from_db()
    assert first.done_at == dt.date(2026, 3, 30)


def test_the_cadence_page_shows_who_has_not_reported_this_month(world, client):
    other = services.project_create(actor=world.officer, project_list=world.project_list, code="2026-SZ-002",
                                    title="学位建设", lead_unit=world.other, start_date=dt.date(2026, 1, 1),
                                    end_date=dt.date(2026, 12, 31), today=TODAY)
    services.report_submit(actor=world.lead_handler, project=world.project, period=TODAY, text="进展", today=TODAY)
    client.force_login(world.officer)
    response = client.get(reverse("projects:report_cadence") + "?month=2026-05")
    assert response.status_code == 200
    page = response.content.decode()
    assert other.code in page and world.project.code not in page
    assert response.context["missing"] == 1


# --- defect 5: evidence and public counts ----------------------------------------------------------
def test_evidence_is_private_until_an_officer_shows_it(world, client):
    first, _second, _indicator = add_plan(world)
    services.milestone_mark_done(actor=world.lead_handler, milestone=first, done_at=dt.date(2026, 3, 30),
                                 evidence=[photo("会议纪要.pdf")], today=TODAY)
    evidence = world.project.evidence.get()
    assert not evidence.is_public
    assert client.get(reverse("projects:evidence_file", args=[evidence.pk])).status_code == 404
    assert not sel.public_evidence().exists()


def test_evidence_of_a_report_not_yet_accepted_cannot_be_shown(world):
    report = services.report_submit(actor=world.lead_handler, project=world.project, period=TODAY, text="进展",
                                    evidence=[photo()], today=TODAY)
    with pytest.raises(ValidationError):
        services.evidence_publish(actor=world.officer, evidence=report.evidence.get(), public=True)


def test_public_counts_and_rows_agree_without_cancelled_projects(world):
    for number in range(3):
        services.project_create(actor=world.officer, project_list=world.project_list, code=f"P-{number}",
                                title=f"项目{number}", lead_unit=world.other, start_date=dt.date(2026, 1, 1),
                                end_date=dt.date(2026, 12, 31), today=TODAY)
    services.project_status_change(actor=world.officer, project=Project.objects.get(code="P-0"),
                                   status=ProjectStatus.CANCELLED, reason="并入其他项目", today=TODAY)
    listed = sel.public_lists().get(pk=world.project_list.pk)
    rows = sel.public_projects(world.project_list)
    assert listed.project_count == rows.count()
    assert "P-0" not in set(rows.values_list("code", flat=True))


# --- defect 8 and notices: supervision and the outbox ----------------------------------------------
def _notices_to(user):
    return OutboxMessage.objects.filter(user=user, template__code="project_notice")


def test_a_notice_past_respond_by_escalates_once_and_tells_the_lead_unit(world):
    notice = services.supervision_issue(actor=world.supervisor, project=world.project, text="请加快进度",
                                        respond_by=dt.date(2026, 5, 10))
    assert supervision_escalate(today=dt.date(2026, 5, 10)) == 0  # the day itself is still in time
    assert supervision_escalate(today=TODAY) == 1
    assert supervision_escalate(today=TODAY) == 0
    notice = SupervisionNotice.objects.get(pk=notice.pk)
    assert notice.escalated_at is not None
    assert ProjectEvent.objects.filter(project_id=world.project.pk,
                                       action=EventAction.SUPERVISION_ESCALATED).count() == 1
    assert _notices_to(world.lead_handler).count() == 1
    assert notice in sel.overdue_notices(user=world.officer, today=TODAY)


def test_an_acknowledged_notice_does_not_escalate(world):
    notice = services.supervision_issue(actor=world.supervisor, project=world.project, text="请加快进度",
                                        respond_by=dt.date(2026, 5, 10))
    services.supervision_acknowledge(actor=world.lead_handler, notice=notice, response="本周内完成")
    assert supervision_escalate(today=TODAY) == 0


def test_turning_red_tells_the_lead_unit(world):
    add_plan(world)  # the first milestone was due on 31 March: red
    assert fresh(world.project).warning == WarningLevel.RED
    messages = _notices_to(world.lead_handler)
    assert messages.count() == 1 and "project:" in messages.get().event_key
    assert _notices_to(world.co_handler).count() == 0


@override_settings(PROJECTS_REPORT_DUE_DAY=25)
def test_a_due_report_is_reminded_once_from_the_due_day(world):
    assert reports_due_notify(today=dt.date(2026, 5, 24)) == 0
    assert reports_due_notify(today=dt.date(2026, 5, 25)) == 1
    assert reports_due_notify(today=dt.date(2026, 5, 26)) == 1  # the outbox keeps it to one message
    assert _notices_to(world.lead_handler).filter(event_key__contains="report-due").count() == 1
    services.report_submit(actor=world.lead_handler, project=world.project, period=dt.date(2026, 6, 1),
                           text="进展", today=dt.date(2026, 6, 26))
    assert reports_due_notify(today=dt.date(2026, 6, 26)) == 0


# --- item 10: citizens rate completed projects -----------------------------------------------------
def _completed(world):
    report = services.report_submit(actor=world.lead_handler, project=world.project, period=TODAY, text="已完成",
                                    claims_completion=True, evidence=[photo()], today=TODAY)
    _accept(world, report)
    return fresh(world.project)


def test_a_citizen_rates_a_completed_project_once_and_it_is_counted_per_project_and_unit(world, client):
    project = _completed(world)
    client.force_login(world.citizen)
    url = reverse("projects:public_rate", args=[project.pk])
    client.post(url, {"level": "satisfied", "comment": "路修好了"})
    client.post(url, {"level": "dissatisfied"})  # a second rating from the same account is refused
    assert project.ratings.count() == 1
    counts = sel.public_ratings(project)
    assert (counts["satisfied"], counts["total"], counts["satisfaction_rate"]) == (1, 1, 1.0)
    by_unit = sel.public_ratings_by_unit()
    assert [(row["unit"], row["total"]) for row in by_unit] == [(world.lead.name, 1)]
    page = client.get(reverse("projects:public_project", args=[project.pk])).content.decode()
    assert "满意" in page or "Satisfied" in page


def test_a_project_not_completed_cannot_be_rated(world):
    with pytest.raises(ValidationError):
        services.project_rate(actor=world.citizen, project=world.project, level="satisfied")


def test_rating_needs_a_signed_in_account(world, client):
    project = _completed(world)
    response = client.post(reverse("projects:public_rate", args=[project.pk]), {"level": "satisfied"})
    assert response.status_code == 302 and "login" in response["Location"]
    assert not project.ratings.exists()


def test_history_being_loaded_tells_nobody(world):
    from minsheng.projects.services.notices import notices_paused

    with notices_paused():
        add_plan(world)
    assert fresh(world.project).warning == WarningLevel.RED
    assert _notices_to(world.lead_handler).count() == 0
