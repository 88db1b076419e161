"""The metric queries against a hand-computed month of cases, built through the real services.

March 2026 (no public holidays; the 2nd is a Monday), looked at from 30 April 2026:

====  =========  ========================================================  =========================
case  kind       what happens                                              due (end of day)
====  =========  ========================================================  =========================
A     complaint  3-02 → 城管局, signed in an hour, answered 3-05, callback  ~3-20, closed 3-06: on time
                 3-06 satisfied + resolved
B     inquiry    3-03 answered at first contact                            3-05, closed 3-03: on time
C     inquiry    3-03, still open                                          3-05, open: late
D     request    3-04 → 祖庙街道, signed 3-10 (late), answered 3-20,         3-18, closed 3-23: late
                 callback 3-23 basically satisfied, not resolved
E     suggestion 3-05 → 城管局, signed, answered 3-06, adopted 3-06          3-19, closed 3-06: on time
F     complaint  2-10 (February cohort), still open                        3-09 (after Spring Festival)
G     complaint  3-31 23:59 (last minute of March), not dispatched          in April: not due in March
H     complaint  3-09 → 城管局, never signed                                3-30, open: late
I     complaint  3-10 → 城管局, signed, answered, 3 failed callbacks 3-16    3-31, closed 3-16: on time
J     complaint  4-01 00:00 (first instant of April)                        —
====  =========  ========================================================  =========================
"""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from minsheng.org.choices import Role
from minsheng.org.tests.factories import person

from ..metrics import Filters, Period, appeal_metrics
from ..services import (
    answer_review,
    appeal_answer,
    appeal_close_at_intake,
    appeal_dispatch,
    appeal_register,
    callback_record,
    deadlines_mark,
    extension_decide,
    extension_request,
    leg_sign,
    suggestion_close,
)
from .conftest import at

MARCH = Period.month(2026, 3)
NOW = at(2026, 4, 30, 12)


def _register(world, when, *, kind="complaint", category=None):
    return appeal_register(actor=world.agent, kind=kind, channel="hotline_12345" if kind != "inquiry" else "web",
                           category=category or world.stalls, region=world.regions["community"],
                           content="路口有人占道摆卖，影响通行。", caller_name="陈先生",
                           caller_mobile="13800138000", at=when, auto_dispatch=False)


def _lead(appeal):
    return appeal.legs.filter(role="lead").order_by("-id").first()


def _dispatch(world, appeal, unit, when):
    return appeal_dispatch(actor=world.dispatcher, appeal=appeal, lead_unit=unit, at=when)


def _sign(handler, appeal, when):
    leg_sign(actor=handler, leg=_lead(appeal), at=when)


def _answer(handler, appeal, when):
    appeal_answer(actor=handler, leg=_lead(appeal), text="已到现场处理完毕，情况已答复市民。", at=when)


def _answered_and_passed(world, appeal, handler, *, dispatched, signed, answered):
    _dispatch(world, appeal, _unit_of(world, handler), dispatched)
    _sign(handler, appeal, signed)
    _answer(handler, appeal, answered)
    appeal.refresh_from_db()
    return answer_review(actor=world.reviewer, appeal=appeal, passed=True, at=answered)


def _unit_of(world, handler):
    return world.zumiao_office if handler == world.zumiao_handler else world.cgj


@pytest.fixture
def march(world):
    cases = {}
    a = cases["A"] = _register(world, at(2026, 3, 2, 10))
    a = _answered_and_passed(world, a, world.handler, dispatched=at(2026, 3, 2, 10, 5), signed=at(2026, 3, 2, 11),
                             answered=at(2026, 3, 5))
    callback_record(actor=world.callback, appeal=a, reached=True, satisfaction="satisfied", resolved=True,
                    at=at(2026, 3, 6))

    b = cases["B"] = _register(world, at(2026, 3, 3, 9), kind="inquiry")
    appeal_close_at_intake(actor=world.agent, appeal=b, answer="可在市民服务中心办理，带身份证即可。",
                           at=at(2026, 3, 3, 9, 5))
    cases["C"] = _register(world, at(2026, 3, 3, 9, 30), kind="inquiry")

    d = cases["D"] = _register(world, at(2026, 3, 4, 10), kind="request")
    d = _answered_and_passed(world, d, world.zumiao_handler, dispatched=at(2026, 3, 4, 10, 5),
                             signed=at(2026, 3, 10), answered=at(2026, 3, 20))
    callback_record(actor=world.callback, appeal=d, reached=True, satisfaction="basically_satisfied",
                    resolved=False, at=at(2026, 3, 23))

    e = cases["E"] = _register(world, at(2026, 3, 5, 10), kind="suggestion")
    _dispatch(world, e, world.cgj, at(2026, 3, 5, 10, 5))
    _sign(world.handler, e, at(2026, 3, 5, 12))
    _answer(world.handler, e, at(2026, 3, 6, 9))
    suggestion_close(actor=world.reviewer, appeal=e, outcome="adopted", note="已采纳。", at=at(2026, 3, 6, 10))

    cases["F"] = _register(world, at(2026, 2, 10, 10))
    cases["G"] = _register(world, dt.datetime(2026, 3, 31, 23, 59, 59, tzinfo=at(2026, 3, 31).tzinfo))
    h = cases["H"] = _register(world, at(2026, 3, 9, 10))
    _dispatch(world, h, world.cgj, at(2026, 3, 9, 10, 5))

    i = cases["I"] = _register(world, at(2026, 3, 10, 10))
    i = _answered_and_passed(world, i, world.handler, dispatched=at(2026, 3, 10, 10, 5), signed=at(2026, 3, 10, 11),
                             answered=at(2026, 3, 13))
    for minute in (0, 10, 20):
        i.refresh_from_db()
        callback_record(actor=world.callback, appeal=i, reached=False, at=at(2026, 3, 16, 10, minute))

    cases["J"] = _register(world, at(2026, 4, 1, 0))
    for case in cases.values():
        case.refresh_from_db()
    return cases


def test_the_fixture_dates_fall_where_the_table_says(march):
    assert march["F"].due_at.date().month == 3
    assert march["G"].due_at.date().month == 4
    assert march["I"].close_reason == "unreachable"
    assert march["D"].closed_at > march["D"].due_at


def test_volume_counts_the_registered_cohort_to_the_last_second(world, march):
    report = appeal_metrics(user=world.leader, period=MARCH, now=NOW)
    assert report.totals.registered == 8  # A B C D E G H I: not F (February), not J (April)
    assert dict((code, n) for code, _label, n in report.by_kind) == {
        "inquiry": 2, "request": 1, "complaint": 4, "report": 0, "suggestion": 1}
    assert dict((code, n) for code, _label, n in report.by_channel) == {"hotline_12345": 6, "web": 2}
    by_day = dict(report.by_day)
    assert len(by_day) == 31
    assert by_day[dt.date(2026, 3, 31)] == 1
    assert by_day[dt.date(2026, 3, 3)] == 2
    assert sum(by_day.values()) == 8


def test_completion_rate_is_closed_over_the_registered_cohort(world, march):
    report = appeal_metrics(user=world.leader, period=MARCH, now=NOW)
    assert (report.totals.closed, report.totals.cohort) == (5, 8)  # A B D E I
    assert report.rates["completion"] == pytest.approx(5 / 8)


def test_on_time_completion_counts_cases_due_in_the_period(world, march):
    report = appeal_metrics(user=world.leader, period=MARCH, now=NOW)
    assert report.totals.due == 8  # A B C D E F H I; G is due in April
    assert report.totals.closed_on_time == 4  # A B E I
    assert report.rates["on_time_completion"] == pytest.approx(0.5)


def test_a_case_not_yet_due_is_not_counted_against_anyone(world, march):
    report = appeal_metrics(user=world.leader, period=MARCH, now=at(2026, 3, 19, 12))
    # On 19 March H (due 3-30, open) is not due yet; I (due 3-31) counts, closed already on 3-16.
    assert report.totals.due == 7
    assert report.totals.closed_on_time == 4


def test_signing_rate_counts_legs_due_for_signing(world, march):
    report = appeal_metrics(user=world.leader, period=MARCH, now=NOW)
    assert (report.totals.legs_signed_on_time, report.totals.legs_due_for_signing) == (3, 5)  # A E I of A D E H I
    assert report.rates["signing_on_time"] == pytest.approx(0.6)


def test_handling_rate_is_answered_over_dispatched(world, march):
    report = appeal_metrics(user=world.leader, period=MARCH, now=NOW)
    assert (report.totals.legs_answered, report.totals.legs_dispatched) == (4, 5)  # H not answered
    assert report.rates["handling"] == pytest.approx(0.8)


def test_callback_resolution_and_satisfaction_rates(world, march):
    report = appeal_metrics(user=world.leader, period=MARCH, now=NOW)
    totals = report.totals
    assert (totals.called_back, totals.needing_callback) == (2, 3)  # A D reached; I unreachable
    assert (totals.resolved, totals.valid_callbacks) == (1, 2)  # the suggestion E is left out
    assert (totals.satisfied, totals.basically_satisfied) == (1, 1)
    assert report.rates["callback"] == pytest.approx(2 / 3)
    assert report.rates["resolution"] == pytest.approx(0.5)
    assert report.rates["satisfaction"] == pytest.approx(1.0)
    assert report.suggestions["adopted"] == 1


def test_a_city_counting_only_fully_satisfied_gets_half(world, march, settings):
    settings.APPEALS_METRICS_SATISFIED = ("satisfied",)
    assert appeal_metrics(user=world.leader, period=MARCH, now=NOW).rates["satisfaction"] == pytest.approx(0.5)


def test_a_city_can_call_back_first_contact_answers(world, march, settings):
    settings.APPEALS_METRICS_CALLBACK_CLOSE_REASONS = ("callback", "unreachable", "at_intake")
    totals = appeal_metrics(user=world.leader, period=MARCH, now=NOW).totals
    assert (totals.called_back, totals.needing_callback) == (2, 4)  # B, answered at first contact, joins A D I


def test_first_contact_rate_over_inquiries(world, march):
    report = appeal_metrics(user=world.leader, period=MARCH, now=NOW)
    assert (report.totals.closed_at_intake, report.totals.inquiries) == (1, 2)
    assert report.rates["first_contact"] == pytest.approx(0.5)


def test_units_are_ranked_by_on_time_completion(world, march):
    report = appeal_metrics(user=world.leader, period=MARCH, now=NOW)
    units = {s.key: s for s in report.by_unit}
    cgj, zumiao = units[world.cgj.pk], units[world.zumiao_office.pk]
    assert (cgj.counts.closed_on_time, cgj.counts.due) == (3, 4)  # A E I of A E H I
    assert (zumiao.counts.closed_on_time, zumiao.counts.due) == (0, 1)
    assert (zumiao.counts.legs_answered, zumiao.counts.legs_dispatched) == (1, 1)
    ranked = [s.key for s in report.by_unit]
    assert ranked.index(world.cgj.pk) < ranked.index(world.zumiao_office.pk)
    assert ranked[-1] is None  # the cases not dispatched come last


def test_districts_fold_their_towns_and_communities(world, march):
    report = appeal_metrics(user=world.leader, period=MARCH, now=NOW)
    assert [(s.name, s.counts.registered) for s in report.by_district] == [("禅城区", 8)]


def test_an_empty_period_gives_no_rates_rather_than_zero(world, march):
    report = appeal_metrics(user=world.leader, period=Period.month(2025, 1), now=NOW)
    assert report.totals.registered == 0
    assert all(value is None for value in report.rates.values())


def test_filters_narrow_by_kind_channel_district_and_category(world, march):
    def registered(**filters):
        return appeal_metrics(user=world.leader, period=MARCH, filters=Filters(**filters), now=NOW).totals.registered

    assert registered(kind="inquiry") == 2
    assert registered(channel="web") == 2
    assert registered(region=world.regions["chancheng"]) == 8
    assert registered(region=world.regions["shunde"]) == 0
    assert registered(category=world.middle) == 8  # the subtree of 市容环境
    assert registered(category=world.water) == 0
    assert registered(unit=world.zumiao_office) == 1


def test_unit_filter_counts_that_units_legs(world, march):
    report = appeal_metrics(user=world.leader, period=MARCH, filters=Filters(unit=world.cgj), now=NOW)
    assert report.totals.legs_dispatched == 4
    assert report.totals.registered == 4  # A E H I, led by 城管局


def test_unit_head_sees_only_the_cases_their_unit_leads(world, march):
    report = appeal_metrics(user=world.head, period=MARCH, now=NOW)
    assert report.totals.registered == 4
    assert {s.key for s in report.by_unit} == {world.cgj.pk}
    # Asking for another unit inside their scope gives nothing, never that unit's figures.
    other = appeal_metrics(user=world.head, period=MARCH, filters=Filters(unit=world.zumiao_office), now=NOW)
    assert other.totals.registered == 0 and other.totals.legs_dispatched == 0


def test_a_district_supervisor_sees_only_their_district(world, march):
    supervisor = person(Role.SUPERVISOR, region=world.regions["shunde"])
    report = appeal_metrics(user=supervisor, period=MARCH, now=NOW)
    assert report.totals.registered == 0
    assert report.totals.legs_due_for_signing == 0


def test_roles_without_statistics_are_refused(world, march):
    for user in (world.handler, world.agent, world.citizen):
        with pytest.raises(PermissionDenied):
            appeal_metrics(user=user, period=MARCH, now=NOW)


def _extended_case(world, *, breach_first):
    appeal = _register(world, at(2026, 3, 2, 10))
    _dispatch(world, appeal, world.cgj, at(2026, 3, 2, 10, 5))
    _sign(world.handler, appeal, at(2026, 3, 2, 11))
    appeal.refresh_from_db()
    original_due = appeal.due_at
    if breach_first:
        deadlines_mark(now=original_due + dt.timedelta(hours=1))
    request = extension_request(actor=world.handler, leg=_lead(appeal), days=5, reason="需协调多个部门现场核查。",
                                at=at(2026, 3, 18))
    extension_decide(actor=world.dispatcher, request=request, approve=True, at=at(2026, 3, 18, 11))
    _answer(world.handler, appeal, original_due + dt.timedelta(days=2))
    appeal.refresh_from_db()
    answer_review(actor=world.reviewer, appeal=appeal, passed=True, at=original_due + dt.timedelta(days=2))
    callback_record(actor=world.callback, appeal=appeal, reached=True, satisfaction="satisfied", resolved=True,
                    at=original_due + dt.timedelta(days=3))
    appeal.refresh_from_db()
    assert original_due < appeal.closed_at <= appeal.due_at
    return appeal


def test_an_approved_extension_moves_the_due_date_for_on_time_completion(world):
    _extended_case(world, breach_first=False)
    report = appeal_metrics(user=world.leader, period=MARCH, now=NOW)
    assert (report.totals.closed_on_time, report.totals.due) == (1, 1)


def test_an_extension_after_a_breach_does_not_make_it_on_time(world):
    appeal = _extended_case(world, breach_first=True)
    assert appeal.breached_at is not None
    report = appeal_metrics(user=world.leader, period=MARCH, now=NOW)
    assert (report.totals.closed_on_time, report.totals.due) == (0, 1)


def test_metrics_take_a_fixed_number_of_queries(world, march, django_assert_max_num_queries):
    # A constant number, whatever the data (on PostgreSQL each cohort query also sets its work_mem).
    with django_assert_max_num_queries(20):
        appeal_metrics(user=world.leader, period=MARCH, now=NOW)
