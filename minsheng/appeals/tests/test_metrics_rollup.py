"""The daily roll-up: the report read from it is the live report, before and after changes to past cases.

A seeded history of March 2026 (cases registered 2 – 20 March, lived through to the end of the month
by the real services) is rolled up as seen on 1 April; every report is then compared, field by field,
with the same report counted live (``rollup=False``).
"""

import datetime as dt
import random

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from minsheng.org.choices import Role
from minsheng.org.tests.factories import person
from minsheng.workdays.services import day_set

from ..metrics import Filters, Period, appeal_metrics, basis_fits, spans_without
from ..models import Appeal, AppealDayCounts, AppealDirtyDays, AppealRolledDay, Category
from ..rollup import metrics_rollup_refresh, runs
from ..services import (
    answer_review,
    appeal_answer,
    appeal_close_at_intake,
    appeal_dispatch,
    appeal_merge,
    appeal_register,
    callback_record,
    deadlines_mark,
    extension_decide,
    extension_request,
    leader_instruct,
    leg_note,
    leg_return,
    leg_sign,
    return_decide,
    suggestion_close,
    supervision_issue,
)
from .conftest import at

MARCH = Period.month(2026, 3)
SEEN = at(2026, 4, 1, 12)  # the roll-up is made, and the reports asked, on 1 April
ROLLED = MARCH.days[1:]  # from the day of the first case (2 March) on
ANSWER = "已到现场处理完毕，情况已答复市民。"


def _lead(appeal):
    return appeal.legs.filter(role="lead").order_by("-id").first()


def _handler(world, unit):
    return {world.cgj.pk: world.handler, world.zumiao_office.pk: world.zumiao_handler,
            world.daliang_office.pk: world.daliang_handler, world.water_co.pk: world.water_handler}[unit.pk]


class History:
    """Random-ish cases through the real services, each with its own clock moving forward."""

    def __init__(self, world, seed: int):
        self.world, self.rng = world, random.Random(seed)
        self.cases = []

    def later(self, moment, low=1, high=60):
        return moment + dt.timedelta(hours=self.rng.uniform(low, high))

    def register(self, when, kind):
        w = self.world
        region = self.rng.choice([w.regions["community"], w.regions["grid"], w.regions["daliang"], w.regions["city"]])
        return appeal_register(actor=w.agent, kind=kind, channel=self.rng.choice(["hotline_12345", "web", "wechat"]),
                               category=self.rng.choice([w.stalls, w.noise, w.water]), region=region,
                               content="路口有人占道摆卖，影响通行。", caller_mobile="13800138000", at=when,
                               auto_dispatch=False)

    def case(self, when):
        w, rng = self.world, self.rng
        kind = rng.choice(["inquiry", "complaint", "request", "report", "suggestion", "complaint"])
        appeal = self.register(when, kind)
        self.cases.append(appeal)
        if kind == "inquiry":
            if rng.random() < 0.7:
                appeal_close_at_intake(actor=w.agent, appeal=appeal, answer="可在市民服务中心办理。",
                                       at=when + dt.timedelta(minutes=5))
            return
        if rng.random() < 0.1:
            return  # never dispatched
        unit = rng.choice([w.cgj, w.zumiao_office, w.daliang_office, w.water_co])
        moment = self.later(when, 0.1, 2)
        appeal = appeal_dispatch(actor=w.dispatcher, appeal=appeal, lead_unit=unit, at=moment,
                                 assist_units=[w.water_co] if unit != w.water_co and rng.random() < 0.3 else [])
        if rng.random() < 0.15:
            return  # never signed
        moment = self.later(moment, 0.5, 40)
        leg_sign(actor=_handler(w, unit), leg=_lead(appeal), at=moment)
        if rng.random() < 0.15:
            return  # still handling
        moment = self.later(moment, 2, 200)
        appeal_answer(actor=_handler(w, unit), leg=_lead(appeal), text=ANSWER, at=moment)
        appeal.refresh_from_db()
        if kind == "suggestion":
            suggestion_close(actor=w.reviewer, appeal=appeal, outcome=rng.choice(["adopted", "reference"]),
                             at=self.later(moment))
            return
        answer_review(actor=w.reviewer, appeal=appeal, passed=True, at=moment)
        if rng.random() < 0.15:
            return  # waiting for its callback
        appeal.refresh_from_db()
        moment = self.later(moment, 1, 30)
        if rng.random() < 0.1:
            for minute in (0, 10, 20):
                callback_record(actor=w.callback, appeal=appeal, reached=False,
                                at=moment + dt.timedelta(minutes=minute))
                appeal.refresh_from_db()
            return
        callback_record(actor=w.callback, appeal=appeal, reached=True, resolved=rng.random() < 0.8, at=moment,
                        satisfaction=rng.choice(["satisfied", "satisfied", "basically_satisfied", "dissatisfied"]),
                        dissatisfied_reason="other")

    def build(self, count: int):
        for n in range(count):
            day = dt.date(2026, 3, 2) + dt.timedelta(days=n * 19 // count)
            start = dt.datetime.combine(day, dt.time(8), tzinfo=SEEN.tzinfo)
            self.case(start + dt.timedelta(hours=self.rng.uniform(0, 12)))
        for appeal in self.cases:
            appeal.refresh_from_db()
        return self


@pytest.fixture
def history(world):
    history = History(world, seed=20260301).build(36)
    metrics_rollup_refresh(now=SEEN)
    return history


def same(user, period=MARCH, now=SEEN, **filters):
    """The report with the roll-up, checked equal to the live one; returned for further checks."""
    rolled = appeal_metrics(user=user, period=period, filters=Filters(**filters), now=now)
    live = appeal_metrics(user=user, period=period, filters=Filters(**filters), now=now, rollup=False)
    assert rolled.as_dict() == live.as_dict()
    assert live.rolled_days == []
    return rolled


# --- pure helpers ----------------------------------------------------------------------------------
def test_runs_groups_consecutive_days():
    d = dt.date(2026, 3, 1)
    assert runs([d, d + dt.timedelta(days=1), d + dt.timedelta(days=3), d]) == [
        (d, d + dt.timedelta(days=1)), (d + dt.timedelta(days=3), d + dt.timedelta(days=3))]
    assert runs([]) == []


def test_spans_without_leaves_the_days_to_count_live():
    rolled = {dt.date(2026, 3, n) for n in range(1, 32) if n not in (5, 6, 20)}
    assert spans_without(MARCH, rolled) == [Period(dt.date(2026, 3, 5), dt.date(2026, 3, 6)),
                                            Period(dt.date(2026, 3, 20), dt.date(2026, 3, 20))]
    assert spans_without(MARCH, set()) == [MARCH]
    assert spans_without(MARCH, set(MARCH.days)) == []


def test_a_basis_still_fits_when_the_trees_only_grew():
    stored = {"regions": {"1": 1, "2": 1}, "categories": {"5": 5}, "rules": [["satisfied"], False]}
    assert basis_fits(stored, {**stored, "regions": {"1": 1, "2": 1, "3": 1}})
    assert not basis_fits(stored, {**stored, "regions": {"1": 1, "2": 9}})  # a region moved to another district
    assert not basis_fits(stored, {**stored, "categories": {}})
    assert not basis_fits(stored, {**stored, "rules": [["satisfied"], True]})


# --- the report equals the live one ----------------------------------------------------------------
def test_a_past_month_comes_from_the_roll_up_and_equals_the_live_count(world, history):
    report = same(world.leader)
    assert report.rolled_days == ROLLED
    assert report.totals.registered == len(history.cases)
    assert report.totals.closed and report.totals.due and report.totals.legs_due_for_signing
    assert report.totals.valid_callbacks and report.totals.legs_dispatched and report.by_category


def test_the_rolled_month_reads_no_case_or_leg_row(world, history):
    period = Period(ROLLED[0], ROLLED[-1])
    with CaptureQueriesContext(connection) as queries:
        report = appeal_metrics(user=world.leader, period=period, now=SEEN)
    assert report.rolled_days == ROLLED
    tables = " ".join(q["sql"] for q in queries.captured_queries)
    assert "appeals_appealdaycounts" in tables
    assert '"appeals_appeal"' not in tables and "appeals_dispatchleg" not in tables
    # grants, rolled days, two trees, bases, dirty days, the sums, unit names (+ work_mem on PostgreSQL)
    assert len(queries) <= 12


@pytest.mark.parametrize("name", ["chancheng", "shunde", "city"])
def test_a_district_filter_equals_the_live_count(world, history, name):
    assert same(world.leader, region=world.regions[name]).rolled_days == ROLLED


def test_a_district_supervisor_equals_the_live_count(world, history):
    assert same(person(Role.SUPERVISOR, region=world.regions["chancheng"])).rolled_days == ROLLED


def test_a_unit_head_equals_the_live_count(world, history):
    report = same(world.head)
    assert report.rolled_days == ROLLED
    assert {s.key for s in report.by_unit} == {world.cgj.pk}


@pytest.mark.parametrize("unit", ["cgj", "water_co", "zumiao_office"])
def test_a_unit_filter_equals_the_live_count(world, history, unit):
    assert same(world.leader, unit=getattr(world, unit)).rolled_days == ROLLED


def test_a_top_level_category_comes_from_the_roll_up(world, history):
    assert same(world.leader, category=world.stalls.parent.parent).rolled_days == ROLLED


def test_filters_finer_than_the_grain_are_counted_live_and_equal(world, history):
    assert same(world.leader, category=world.middle).rolled_days == []
    assert same(world.leader, category=world.water).rolled_days == []
    assert same(world.leader, kind="complaint").rolled_days == []
    assert same(world.leader, channel="web").rolled_days == []
    assert same(world.leader, region=world.regions["zumiao"]).rolled_days == []
    assert same(person(Role.SUPERVISOR, region=world.regions["daliang"])).rolled_days == []


def test_a_period_partly_rolled_counts_the_rest_live(world, history):
    report = same(world.leader, period=Period(dt.date(2026, 3, 20), dt.date(2026, 4, 10)))
    assert report.rolled_days == [dt.date(2026, 3, n) for n in range(20, 32)]  # 1 April is today: live


def test_days_never_rolled_are_counted_live(world, history):
    AppealRolledDay.objects.filter(day__gte=dt.date(2026, 3, 10)).delete()
    report = same(world.leader)
    assert report.rolled_days == [dt.date(2026, 3, n) for n in range(2, 10)]
    metrics_rollup_refresh(days=[dt.date(2026, 3, 12)], now=SEEN)
    assert same(world.leader).rolled_days == [*(dt.date(2026, 3, n) for n in range(2, 10)), dt.date(2026, 3, 12)]


def test_today_is_never_read_from_the_roll_up(world, history):
    assert same(world.leader, now=at(2026, 3, 15, 12)).rolled_days == [dt.date(2026, 3, n) for n in range(2, 15)]


# --- changes to past cases ------------------------------------------------------------------------
def _open_signed(history):
    return next(a for a in history.cases if a.state == "handling")


def test_an_extension_in_the_past_is_live_at_once_and_rolled_after_refresh(world, history):
    appeal = _open_signed(history)
    leg = _lead(appeal)
    request = extension_request(actor=_handler(world, leg.unit), leg=leg, days=3, reason="需协调多个部门现场核查。",
                                at=at(2026, 3, 24))
    extension_decide(actor=world.dispatcher, request=request, approve=True, at=at(2026, 3, 24, 11))
    assert AppealDirtyDays.objects.exists()
    assert at(2026, 3, 24).date() not in same(world.leader).rolled_days
    metrics_rollup_refresh(now=SEEN)
    assert not AppealDirtyDays.objects.filter(first__lt=SEEN.date()).exists()  # later days are not over on 1 April
    assert same(world.leader).rolled_days == ROLLED


def test_a_redo_in_the_past_stays_equal(world, history):
    appeal = next(a for a in history.cases if a.state == "callback")
    callback_record(actor=world.callback, appeal=appeal, reached=True, satisfaction="dissatisfied", resolved=False,
                    dissatisfied_reason="unit", at=at(2026, 3, 25))
    appeal.refresh_from_db()
    assert appeal.state == "handling"
    same(world.leader)
    same(world.head)
    metrics_rollup_refresh(now=SEEN)
    assert same(world.leader).rolled_days == ROLLED


def test_a_callback_closing_a_case_in_the_past_stays_equal(world, history):
    appeal = next(a for a in history.cases if a.state == "callback")
    callback_record(actor=world.callback, appeal=appeal, reached=True, satisfaction="satisfied", resolved=True,
                    at=at(2026, 3, 26))
    same(world.leader, region=world.regions["chancheng"])
    metrics_rollup_refresh(now=SEEN)
    same(world.leader, region=world.regions["chancheng"])


def test_a_return_in_the_past_stays_equal(world, history):
    appeal = next(a for a in history.cases if a.state == "dispatched")
    leg = _lead(appeal)
    leg_return(actor=_handler(world, leg.unit), leg=leg, reason="不属于本单位职责。", legal_basis="《职责规定》第三条",
               at=at(2026, 3, 27))
    appeal.refresh_from_db()
    other = world.water_co if leg.unit_id != world.water_co.pk else world.cgj
    return_decide(actor=world.dispatcher, appeal=appeal, accept=True, lead_unit=other, reason="改派",
                  at=at(2026, 3, 27, 15))
    same(world.leader)
    same(world.leader, unit=other)
    metrics_rollup_refresh(now=SEEN)
    assert same(world.leader, unit=other).rolled_days == ROLLED


def test_a_merge_in_the_past_stays_equal(world, history):
    parent = next(a for a in history.cases if a.state == "closed" and a.kind != "suggestion")
    duplicate = next(a for a in history.cases if a.state in ("dispatched", "handling"))
    appeal_merge(actor=world.dispatcher, appeal=duplicate, parent=parent, at=at(2026, 3, 28))
    same(world.leader)
    metrics_rollup_refresh(now=SEEN)
    assert same(world.leader).rolled_days == ROLLED


def test_a_change_dated_today_leaves_the_past_rolled(world, history):
    appeal = next(a for a in history.cases if a.state == "callback")
    callback_record(actor=world.callback, appeal=appeal, reached=True, satisfaction="satisfied", resolved=True)
    # Closed today: the closed cohort moves to today; the days it was counted on before are dirty.
    report = same(world.leader)
    assert set(report.rolled_days) >= set(ROLLED) - {appeal.registered_at.date(), appeal.due_at.date()} - {
        (leg.dispatched_at.date()) for leg in appeal.legs.all()} - {leg.sign_due_at.date() for leg in appeal.legs.all()}


def test_actions_that_change_no_count_leave_the_roll_up_clean(world, history):
    appeal = _open_signed(history)
    leg = _lead(appeal)
    leg_note(actor=_handler(world, leg.unit), leg=leg, text="已安排工作人员现场核查。", at=at(2026, 3, 25))
    supervision_issue(actor=world.supervisor, appeal=appeal, kind="urge", instructions="请加快办理。",
                      at=at(2026, 3, 26))
    leader_instruct(actor=world.leader, appeal=appeal, text="请尽快解决。", at=at(2026, 3, 27))
    deadlines_mark(now=SEEN)
    assert not AppealDirtyDays.objects.exists()
    assert same(world.leader).rolled_days == ROLLED


def test_an_intake_as_it_happens_marks_nothing(world, history):
    appeal_register(actor=world.agent, kind="complaint", channel="web", category=world.stalls,
                    region=world.regions["community"], content="路口有人占道摆卖，影响通行。",
                    caller_mobile="13800138000", auto_dispatch=True)
    appeal_register(actor=world.agent, kind="inquiry", channel="web", category=world.stalls,
                    region=world.regions["community"], content="请问办理居住证需要什么材料？",
                    caller_mobile="13800138000", answer_at_intake="带身份证到派出所办理。")
    assert not AppealDirtyDays.objects.exists()


def test_a_calendar_change_moves_deadlines_and_rolls_their_days_up_again(world, history,
                                                                         django_capture_on_commit_callbacks):
    open_due = {a.pk: a.due_at for a in history.cases if a.state in ("dispatched", "handling")}
    with django_capture_on_commit_callbacks(execute=True):  # the signal is sent on commit
        day_set(actor=None, date=dt.date(2026, 3, 12), is_workday=False, name="测试调休")
    moved = [a for a in Appeal.objects.filter(pk__in=open_due) if a.due_at != open_due[a.pk]]
    assert moved
    assert same(world.leader).rolled_days == ROLLED  # the receiver rolled the moved days up again
    assert not AppealDirtyDays.objects.filter(first__lte=MARCH.last).exists()


# --- what the roll-up was counted with ------------------------------------------------------------
def test_a_changed_setting_makes_the_roll_up_count_live_until_refreshed(world, history, settings):
    settings.APPEALS_METRICS_SATISFIED = ("satisfied",)
    assert same(world.leader).rolled_days == []
    metrics_rollup_refresh(now=SEEN)
    assert same(world.leader).rolled_days == ROLLED


def test_a_category_moved_under_another_top_level_category_counts_live(world, history):
    Category.objects.filter(pk=world.noise.pk).update(parent=world.water.parent)  # re-parented
    assert same(world.leader).rolled_days == []
    metrics_rollup_refresh(now=SEEN)
    assert same(world.leader).rolled_days == ROLLED


def test_a_new_category_leaves_the_roll_up_usable(world, history):
    from ..services import category_create

    category_create(code="010103", name="违规广告", parent=world.middle)
    assert same(world.leader).rolled_days == ROLLED


def test_refreshing_twice_changes_nothing(world, history):
    rows = AppealDayCounts.objects.count()
    assert metrics_rollup_refresh(now=SEEN)["days"] == 0
    assert AppealDayCounts.objects.count() == rows
    assert AppealRolledDay.objects.filter(day__in=MARCH.days).count() == len(ROLLED)


def test_the_refresh_leaves_days_within_the_grace_period(world, history):
    metrics_rollup_refresh(now=at(2026, 4, 2, 0, 5))  # 1 April ended five minutes ago
    assert not AppealRolledDay.objects.filter(day=dt.date(2026, 4, 1)).exists()
    metrics_rollup_refresh(now=at(2026, 4, 2, 0, 15))
    assert AppealRolledDay.objects.filter(day=dt.date(2026, 4, 1)).exists()
