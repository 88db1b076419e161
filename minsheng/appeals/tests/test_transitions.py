"""Each transition of the state machine, and each refusal."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, transaction

from minsheng.conflicts import Conflict
from minsheng.workdays.services import day_set

from .. import services
from ..choices import TRANSITIONS, CloseReason, LegState, State
from ..models import AppealEvent, DispatchLeg, SupervisionNotice
from ..selectors import assist_inputs
from .conftest import TZ, at
from .helpers import answered, dispatched, in_callback, lead_leg, register, signed

RETURN = {"reason": "不属于本单位职责", "legal_basis": "《佛山市城市管理条例》第十条"}


def events(appeal) -> list[str]:
    return list(AppealEvent.objects.filter(appeal=appeal).order_by("id").values_list("action", flat=True))


def test_every_state_has_an_entry_in_the_table():
    assert set(TRANSITIONS) == set(State.values)


# --- intake ---------------------------------------------------------------------------------------
def test_case_numbers_count_per_day(world):
    first = register(world, at=at(2026, 11, 2, 9))
    second = register(world, at=at(2026, 11, 2, 10))
    next_day = register(world, at=at(2026, 11, 3, 9))
    assert first.number == "FS20261102000001" and second.number == "FS20261102000002"
    assert next_day.number == "FS20261103000001"


def test_register_refuses_a_category_that_is_not_a_leaf(world):
    with pytest.raises(ValidationError) as exc:
        register(world, category=world.middle)
    assert "category" in exc.value.message_dict


def test_urgent_needs_a_reason(world):
    with pytest.raises(ValidationError):
        register(world, urgent=True)
    appeal = register(world, urgent=True, urgency="water", category=world.water, at=at(2026, 11, 2, 9))
    assert appeal.due_at == at(2026, 11, 3, 9)


def test_inquiry_closed_at_first_contact(world):
    appeal = register(world, kind="inquiry")
    services.appeal_close_at_intake(actor=world.agent, appeal=appeal, answer="可在粤省事查询。")
    appeal.refresh_from_db()
    assert appeal.state == State.CLOSED and appeal.close_reason == CloseReason.AT_INTAKE


def test_only_an_inquiry_is_closed_at_first_contact(world):
    with pytest.raises(ValidationError):
        services.appeal_close_at_intake(actor=world.agent, appeal=register(world), answer="可在粤省事查询。")


# --- dispatch, sign, return -------------------------------------------------------------------------
def test_dispatch_creates_lead_and_assist_legs_with_their_own_clocks(world):
    appeal = dispatched(world, assists=[world.zumiao_office], at=at(2026, 11, 2, 9))
    legs = {leg.role: leg for leg in appeal.legs.all()}
    assert appeal.state == State.DISPATCHED and appeal.lead_unit == world.cgj
    assert legs["lead"].sign_due_at.date() == dt.date(2026, 11, 3)
    assert legs["lead"].handle_due_at.date() == dt.date(2026, 11, 23)  # complaint: 15 working days
    assert legs["assist"].handle_due_at.date() == dt.date(2026, 11, 9)  # assist input: 5 working days


def test_dispatch_twice_is_refused(world):
    appeal = dispatched(world)
    with pytest.raises(ValidationError):
        services.appeal_dispatch(actor=world.dispatcher, appeal=appeal, lead_unit=world.cgj)


def test_dispatch_with_the_lead_also_assisting_is_refused(world):
    with pytest.raises(ValidationError):
        services.appeal_dispatch(actor=world.dispatcher, appeal=register(world), lead_unit=world.cgj,
                                 assist_units=[world.cgj])


def test_dispatch_by_a_call_agent_is_refused(world):
    with pytest.raises(PermissionDenied):
        services.appeal_dispatch(actor=world.agent, appeal=register(world), lead_unit=world.cgj)


def test_dispatch_outside_the_dispatchers_region_is_refused(world):
    appeal = register(world)  # in 禅城区
    with pytest.raises(PermissionDenied):
        services.appeal_dispatch(actor=world.shunde_dispatcher, appeal=appeal, lead_unit=world.cgj)


def test_sign_moves_the_case_to_handling(world):
    appeal = signed(world)
    assert appeal.state == State.HANDLING
    assert lead_leg(appeal).state == LegState.SIGNED


def test_sign_by_another_unit_is_refused(world):
    appeal = dispatched(world)
    with pytest.raises(PermissionDenied):
        services.leg_sign(actor=world.zumiao_handler, leg=lead_leg(appeal))


def test_signing_late_is_recorded(world):
    appeal = dispatched(world, at=at(2026, 11, 2, 9))
    leg = services.leg_sign(actor=world.handler, leg=lead_leg(appeal), at=at(2026, 11, 5, 9))
    assert leg.sign_breached


def test_sign_twice_is_refused(world):
    appeal = signed(world)
    with pytest.raises(ValidationError):
        services.leg_sign(actor=world.handler, leg=lead_leg(appeal))


def test_return_needs_a_reason_and_legal_basis(world):
    appeal = dispatched(world)
    with pytest.raises(ValidationError):
        services.leg_return(actor=world.handler, leg=lead_leg(appeal), reason="不归我们管", legal_basis="")


def test_return_after_signing_is_refused(world):
    appeal = signed(world)
    with pytest.raises(ValidationError):
        services.leg_return(actor=world.handler, leg=lead_leg(appeal), **RETURN)


def test_accepted_return_reassigns_to_another_unit(world):
    appeal = dispatched(world)
    returned = lead_leg(appeal)
    services.leg_return(actor=world.handler, leg=returned, **RETURN)
    appeal.refresh_from_db()
    assert appeal.state == State.RETURNED
    services.return_decide(actor=world.dispatcher, appeal=appeal, accept=True, lead_unit=world.zumiao_office)
    appeal.refresh_from_db()
    returned.refresh_from_db()
    assert appeal.state == State.DISPATCHED and appeal.lead_unit == world.zumiao_office
    assert returned.state == LegState.RETURNED
    assert lead_leg(appeal).unit == world.zumiao_office and lead_leg(appeal).state == LegState.PENDING


def test_rejected_return_goes_back_to_the_same_unit(world):
    appeal = dispatched(world)
    services.leg_return(actor=world.handler, leg=lead_leg(appeal), **RETURN)
    with pytest.raises(ValidationError):  # a rejection needs its reason
        services.return_decide(actor=world.dispatcher, appeal=appeal, accept=False)
    services.return_decide(actor=world.dispatcher, appeal=appeal, accept=False, reason="属你单位职责")
    appeal.refresh_from_db()
    assert appeal.state == State.DISPATCHED and lead_leg(appeal).state == LegState.PENDING
    assert lead_leg(appeal).unit == world.cgj


def test_after_three_returns_the_unit_is_designated_and_cannot_return(world):
    appeal = dispatched(world)
    for _ in range(3):
        services.leg_return(actor=world.handler, leg=lead_leg(appeal), **RETURN)
        services.return_decide(actor=world.dispatcher, appeal=appeal, accept=False, reason="属你单位职责")
    appeal.refresh_from_db()
    assert appeal.designated and appeal.return_count == 3
    with pytest.raises(ValidationError, match="can no longer be returned"):
        services.leg_return(actor=world.handler, leg=lead_leg(appeal), **RETURN)


def test_an_assisting_unit_cannot_return(world):
    appeal = dispatched(world, assists=[world.zumiao_office])
    assist = appeal.legs.get(role="assist")
    with pytest.raises(ValidationError):
        services.leg_return(actor=world.zumiao_handler, leg=assist, **RETURN)


# --- handling and answering ---------------------------------------------------------------------------
def test_assist_input_is_visible_to_the_lead(world):
    appeal = dispatched(world, assists=[world.zumiao_office])
    assist = appeal.legs.get(role="assist")
    services.leg_sign(actor=world.zumiao_handler, leg=assist)
    services.leg_note(actor=world.zumiao_handler, leg=assist, text="街道已派网格员核查，情况属实。")
    assert [leg.unit for leg in assist_inputs(appeal=appeal)] == [world.zumiao_office]
    appeal.refresh_from_db()
    assert appeal.state == State.DISPATCHED  # the assist's work does not move the case


def test_answer_before_signing_is_refused(world):
    appeal = dispatched(world)
    with pytest.raises(ValidationError):
        services.appeal_answer(actor=world.handler, leg=lead_leg(appeal), text="已处理完毕，摊贩已劝离。")


def test_an_assisting_unit_cannot_answer(world):
    appeal = signed(world, assists=[world.zumiao_office])
    assist = appeal.legs.get(role="assist")
    services.leg_sign(actor=world.zumiao_handler, leg=assist)
    with pytest.raises(ValidationError):
        services.appeal_answer(actor=world.zumiao_handler, leg=assist, text="已处理完毕，摊贩已劝离。")


def test_a_one_word_answer_is_refused(world):
    appeal = signed(world)
    with pytest.raises(ValidationError):
        services.appeal_answer(actor=world.handler, leg=lead_leg(appeal), text="已办")


def test_review_send_back_returns_the_case_to_the_unit(world):
    appeal = answered(world)
    with pytest.raises(ValidationError):
        services.answer_review(actor=world.reviewer, appeal=appeal, passed=False, reason="")
    services.answer_review(actor=world.reviewer, appeal=appeal, passed=False, reason="未说明处理结果")
    appeal.refresh_from_db()
    assert appeal.state == State.HANDLING and lead_leg(appeal).state == LegState.SIGNED


def test_review_pass_goes_to_callback(world):
    assert in_callback(world).state == State.CALLBACK


def test_review_by_a_unit_handler_is_refused(world):
    appeal = answered(world)
    with pytest.raises(PermissionDenied):
        services.answer_review(actor=world.handler, appeal=appeal, passed=True)


# --- callback and redo ------------------------------------------------------------------------------
def test_three_failed_callbacks_close_the_case_as_unreachable(world):
    appeal = in_callback(world)
    for _ in range(3):
        appeal = services.callback_record(actor=world.callback, appeal=appeal, reached=False)
    assert appeal.state == State.CLOSED and appeal.close_reason == CloseReason.UNREACHABLE
    assert appeal.callbacks.count() == 3


def test_callback_reached_needs_satisfaction_and_resolution(world):
    appeal = in_callback(world)
    with pytest.raises(ValidationError) as exc:
        services.callback_record(actor=world.callback, appeal=appeal, reached=True)
    assert {"satisfaction", "resolved"} <= set(exc.value.message_dict)


def test_dissatisfied_with_the_unit_sends_the_case_back_with_a_new_deadline(world):
    appeal = in_callback(world, at=at(2026, 11, 2, 9))
    old_due = appeal.due_at
    appeal = services.callback_record(actor=world.callback, appeal=appeal, reached=True, satisfaction="dissatisfied",
                                      resolved=False, dissatisfied_reason="unit", at=at(2026, 11, 4, 9))
    assert appeal.state == State.HANDLING and appeal.redo_count == 1
    assert appeal.due_at == dt.datetime(2026, 11, 25, 23, 59, 59, tzinfo=TZ) != old_due
    assert lead_leg(appeal).state == LegState.SIGNED
    assert appeal.number == appeal.number  # the same case, not a new one


def test_dissatisfied_for_another_reason_closes(world):
    appeal = in_callback(world)
    appeal = services.callback_record(actor=world.callback, appeal=appeal, reached=True, satisfaction="dissatisfied",
                                      resolved=False, dissatisfied_reason="other")
    assert appeal.state == State.CLOSED and appeal.satisfaction == "dissatisfied"


# --- extensions and suspensions ----------------------------------------------------------------------
def test_approved_extension_moves_both_due_dates(world):
    appeal = signed(world, at=at(2026, 11, 2, 9))
    leg = lead_leg(appeal)
    request = services.extension_request(actor=world.handler, leg=leg, days=5, reason="需多部门联合处置")
    services.extension_decide(actor=world.dispatcher, request=request, approve=True)
    appeal.refresh_from_db()
    leg.refresh_from_db()
    assert appeal.due_at.date() == dt.date(2026, 11, 30) and appeal.extended_days == 5
    assert leg.handle_due_at.date() == dt.date(2026, 11, 30)


def test_refused_extension_needs_a_reason_and_keeps_the_due_date(world):
    appeal = signed(world, at=at(2026, 11, 2, 9))
    request = services.extension_request(actor=world.handler, leg=lead_leg(appeal), days=5, reason="需协调")
    with pytest.raises(ValidationError):
        services.extension_decide(actor=world.dispatcher, request=request, approve=False)
    services.extension_decide(actor=world.dispatcher, request=request, approve=False, note="时限内可办结")
    appeal.refresh_from_db()
    assert appeal.due_at.date() == dt.date(2026, 11, 23)


def test_extension_request_twice_is_refused(world):
    appeal = signed(world)
    services.extension_request(actor=world.handler, leg=lead_leg(appeal), days=3, reason="需协调")
    with pytest.raises(ValidationError):
        services.extension_request(actor=world.handler, leg=lead_leg(appeal), days=3, reason="需协调")


def test_extension_of_an_unreasonable_length_is_refused(world):
    appeal = signed(world)
    with pytest.raises(ValidationError):
        services.extension_request(actor=world.handler, leg=lead_leg(appeal), days=90, reason="需协调")


def test_a_breach_stays_recorded_after_an_extension(world):
    appeal = signed(world, at=at(2026, 10, 9, 9))
    services.deadlines_mark(now=at(2026, 11, 20, 9))
    appeal.refresh_from_db()
    assert appeal.breached_at == appeal.due_at
    breach = appeal.breached_at
    request = services.extension_request(actor=world.handler, leg=lead_leg(appeal), days=10, reason="补充材料")
    services.extension_decide(actor=world.dispatcher, request=request, approve=True)
    appeal.refresh_from_db()
    assert appeal.due_at > breach and appeal.breached_at == breach


def test_suspension_stops_the_clock_and_resume_carries_the_remaining_days(world):
    appeal = signed(world, at=at(2026, 11, 2, 9))  # due 2026-11-23 (15 working days)
    request = services.suspension_request(actor=world.handler, leg=lead_leg(appeal), reason="等待司法鉴定",
                                          at=at(2026, 11, 9, 10))
    services.suspension_decide(actor=world.dispatcher, request=request, approve=True, at=at(2026, 11, 9, 11))
    appeal.refresh_from_db()
    assert appeal.state == State.SUSPENDED and appeal.due_working_days == 10
    appeal = services.suspension_resume(actor=world.dispatcher, appeal=appeal, at=at(2026, 11, 16, 9))
    assert appeal.state == State.HANDLING
    assert appeal.due_at.date() == dt.date(2026, 11, 30)
    assert lead_leg(appeal).handle_due_at.date() == dt.date(2026, 11, 30)


def test_a_suspended_case_cannot_be_answered(world):
    appeal = signed(world)
    request = services.suspension_request(actor=world.handler, leg=lead_leg(appeal), reason="等待鉴定")
    services.suspension_decide(actor=world.dispatcher, request=request, approve=True)
    with pytest.raises(ValidationError):
        services.appeal_answer(actor=world.handler, leg=lead_leg(appeal), text="已处理完毕，摊贩已劝离。")


def test_a_request_decided_twice_is_a_conflict(world):
    appeal = signed(world)
    request = services.extension_request(actor=world.handler, leg=lead_leg(appeal), days=3, reason="需协调")
    services.extension_decide(actor=world.dispatcher, request=request, approve=True)
    with pytest.raises(Conflict):
        services.extension_decide(actor=world.dispatcher, request=request, approve=True)


# --- merge, supervision, instructions, suggestions ----------------------------------------------------
def test_a_merged_case_follows_the_parents_answer(world):
    parent = dispatched(world)
    child = register(world)
    services.appeal_merge(actor=world.dispatcher, appeal=child, parent=parent)
    child.refresh_from_db()
    assert child.state == State.MERGED and child.parent == parent
    services.leg_sign(actor=world.handler, leg=lead_leg(parent))
    services.appeal_answer(actor=world.handler, leg=lead_leg(parent), text="已联系城管中队现场处置，摊贩已劝离。")
    services.answer_review(actor=world.reviewer, appeal=parent, passed=True)
    services.callback_record(actor=world.callback, appeal=parent, reached=True, satisfaction="satisfied",
                             resolved=True)
    child.refresh_from_db()
    assert child.closed_at is not None and child.answer.startswith("已联系城管中队")
    assert "follow_parent" in events(child)


def test_merge_into_itself_or_a_merged_case_is_refused(world):
    a, b, c = register(world), register(world), register(world)
    with pytest.raises(ValidationError):
        services.appeal_merge(actor=world.dispatcher, appeal=a, parent=a)
    services.appeal_merge(actor=world.dispatcher, appeal=b, parent=c)
    with pytest.raises(ValidationError):
        services.appeal_merge(actor=world.dispatcher, appeal=a, parent=b)


def test_supervision_notice_is_acknowledged_by_its_unit_only(world):
    appeal = signed(world)
    notice = services.supervision_issue(actor=world.supervisor, appeal=appeal, kind="supervise",
                                        instructions="请三日内办结并书面报告")
    with pytest.raises(PermissionDenied):
        services.supervision_acknowledge(actor=world.zumiao_handler, notice=notice)
    services.supervision_acknowledge(actor=world.head, notice=notice)
    assert SupervisionNotice.objects.get().acknowledged_at is not None
    assert {"supervise", "supervision_ack"} <= set(events(appeal))


def test_an_undispatched_case_cannot_be_urged(world):
    with pytest.raises(ValidationError):
        services.supervision_issue(actor=world.supervisor, appeal=register(world), kind="urge", instructions="快")


def test_a_leader_instructs_but_cannot_dispatch(world):
    appeal = register(world)
    services.leader_instruct(actor=world.leader, appeal=appeal, text="请尽快解决")
    assert "instruct" in events(appeal)
    with pytest.raises(PermissionDenied):
        services.appeal_dispatch(actor=world.leader, appeal=appeal, lead_unit=world.cgj)


def test_suggestion_is_closed_with_an_outcome(world):
    appeal = register(world, kind="suggestion")
    with pytest.raises(ValidationError):
        services.suggestion_close(actor=world.reviewer, appeal=appeal, outcome="maybe")
    appeal = services.suggestion_close(actor=world.reviewer, appeal=appeal, outcome="adopted", note="已采纳")
    assert appeal.state == State.CLOSED and appeal.suggestion_outcome == "adopted"


def test_a_complaint_is_not_closed_as_a_suggestion(world):
    with pytest.raises(ValidationError):
        services.suggestion_close(actor=world.reviewer, appeal=register(world), outcome="adopted")


# --- deadlines over time, calendar changes, versions, the event log -------------------------------------
def test_deadlines_mark_warns_then_breaches_once(world):
    appeal = register(world, kind="inquiry", at=at(2026, 11, 2, 9))  # due 2026-11-04
    services.deadlines_mark(now=at(2026, 11, 3, 10))
    appeal.refresh_from_db()
    assert appeal.warned_at is not None and appeal.breached_at is None
    services.deadlines_mark(now=at(2026, 11, 5, 10))
    services.deadlines_mark(now=at(2026, 11, 6, 10))
    appeal.refresh_from_db()
    assert appeal.breached_at == appeal.due_at
    assert events(appeal).count("breach") == 1


def test_a_case_closed_late_is_recorded_as_breached(world):
    appeal = in_callback(world, kind="inquiry", at=at(2026, 11, 2, 9))
    appeal = services.callback_record(actor=world.callback, appeal=appeal, reached=True, satisfaction="satisfied",
                                      resolved=True, at=at(2026, 11, 20, 9))
    assert appeal.breached_at == appeal.due_at


def test_a_calendar_change_recomputes_open_deadlines(world, django_capture_on_commit_callbacks):
    appeal = register(world, at=at(2026, 11, 2, 9))  # due 2026-11-23
    with django_capture_on_commit_callbacks(execute=True):  # the signal is sent on commit
        day_set(actor=None, date=dt.date(2026, 11, 10), is_workday=False, name="测试调休")
    appeal.refresh_from_db()
    assert appeal.due_at.date() == dt.date(2026, 11, 24)
    assert "recompute" in events(appeal)


def test_acting_on_a_stale_version_is_a_conflict(world):
    appeal = register(world)
    seen = appeal.version
    services.leader_instruct(actor=world.leader, appeal=appeal, text="请尽快处理")
    with pytest.raises(Conflict):
        services.appeal_dispatch(actor=world.dispatcher, appeal=appeal, lead_unit=world.cgj, version=seen)


def test_the_event_log_is_append_only(world):
    appeal = register(world)
    with pytest.raises(DatabaseError), transaction.atomic():
        AppealEvent.objects.filter(appeal=appeal).update(reason="changed")
    with pytest.raises(DatabaseError), transaction.atomic():
        AppealEvent.objects.filter(appeal=appeal).delete()


def test_attachment_type_is_sniffed_and_size_limited(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    png = services.Upload(name="photo.png", data=b"\x89PNG\r\n\x1a\n" + b"0" * 100)
    fake = services.Upload(name="photo.jpg", data=b"MZ\x90\x00 not an image")
    appeal = register(world, attachments=[png])
    assert appeal.attachments.get().content_type == "image/png"
    with pytest.raises(ValidationError):
        register(world, attachments=[fake])
    settings.APPEALS_ATTACHMENT_MAX_BYTES = 50
    with pytest.raises(ValidationError):
        register(world, attachments=[png])


def test_legs_are_not_left_behind_by_a_refused_dispatch(world):
    appeal = register(world)
    inactive = world.daliang_office
    inactive.is_active = False
    inactive.save()
    with pytest.raises(ValidationError):
        services.appeal_dispatch(actor=world.dispatcher, appeal=appeal, lead_unit=world.cgj, assist_units=[inactive])
    assert DispatchLeg.objects.count() == 0
