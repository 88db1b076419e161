"""Red / yellow / green from plan versus reality, around working days and holidays (no database)."""

import datetime as dt

import pytest

from minsheng.projects.choices import ProjectStatus, WarningLevel
from minsheng.projects.warnings import (
    PlannedMilestone,
    assess,
    next_lagging_month,
    planned_share,
    was_lagging,
)
from minsheng.workdays.calendar import WorkCalendar

D = dt.date


def _calendar_2026() -> WorkCalendar:
    """Weekends off; National Day golden week 1–8 Oct 2026 off; make-up Sunday 27 Sep and Saturday 10 Oct on."""
    days = {}
    day = D(2026, 1, 1)
    while day <= D(2026, 12, 31):
        days[day] = day.weekday() < 5
        day += dt.timedelta(days=1)
    for number in range(1, 9):
        days[D(2026, 10, number)] = False
    days[D(2026, 9, 27)] = True
    days[D(2026, 10, 10)] = True
    return WorkCalendar.from_days(days)


CAL = _calendar_2026()
START, END = D(2026, 1, 1), D(2026, 12, 31)
PLAN = [PlannedMilestone(D(2026, 4, 1), 1, False), PlannedMilestone(D(2026, 8, 1), 1, False),
        PlannedMilestone(D(2026, 12, 1), 2, False)]


def _assess(milestones=PLAN, progress=0.0, today=None, status=ProjectStatus.IN_PROGRESS, end=END):
    return assess(status=status, start=START, end=end, milestones=milestones, progress=progress,
                  today=today or D(2026, 2, 1), calendar=CAL)


def test_plan_rises_linearly_between_milestones():
    assert planned_share(START, PLAN, D(2026, 1, 1)) == 0.0
    assert planned_share(START, PLAN, D(2026, 4, 1)) == 0.25
    assert planned_share(START, PLAN, D(2026, 12, 1)) == 1.0
    assert 0.25 < planned_share(START, PLAN, D(2026, 6, 1)) < 0.5


def test_indicators_are_planned_linearly_from_start_to_end():
    assert planned_share(START, [], D(2026, 7, 2), END, indicator_weight=1) == pytest.approx(182 / 364)
    assert planned_share(START, PLAN, D(2026, 4, 1), END, indicator_weight=4) == pytest.approx(
        (4 * 0.25 + 4 * 90 / 364) / 8)


def test_plan_without_milestones_expects_nothing():
    assert planned_share(START, [], D(2026, 6, 1)) == 0.0


def test_on_plan_is_green():
    assert _assess(progress=0.1, today=D(2026, 2, 1)).warning == WarningLevel.GREEN


def test_slightly_behind_plan_is_yellow():
    today = D(2026, 3, 15)
    planned = planned_share(START, PLAN, today)
    assert _assess(progress=planned - 0.1, today=today).warning == WarningLevel.YELLOW


def test_far_behind_plan_is_red():
    milestones = [PlannedMilestone(D(2026, 4, 1), 1, True), *PLAN[1:]]
    assert _assess(milestones=milestones, progress=0.0, today=D(2026, 7, 1)).warning == WarningLevel.RED


def test_milestone_overdue_the_day_after_its_due_date_is_red():
    on_the_day = _assess(progress=0.25, today=D(2026, 4, 1))
    next_day = _assess(progress=0.25, today=D(2026, 4, 2))
    assert on_the_day.warning != WarningLevel.RED
    assert next_day.warning == WarningLevel.RED


def test_done_milestone_is_not_overdue():
    milestones = [PlannedMilestone(D(2026, 4, 1), 1, True), *PLAN[1:]]
    assert _assess(milestones=milestones, progress=0.3, today=D(2026, 4, 10)).warning == WarningLevel.GREEN


def test_deadline_within_ten_working_days_is_yellow():
    milestones = [PlannedMilestone(D(2026, 6, 15), 1, False)]
    # 1 June (Mon) to 15 June (Mon): 10 working days → yellow; 29 May (Fri) is 11 away → green.
    assert _assess(milestones=milestones, progress=0.99, today=D(2026, 6, 1)).warning == WarningLevel.YELLOW
    assert _assess(milestones=milestones, progress=0.99, today=D(2026, 5, 29)).warning == WarningLevel.GREEN


def test_golden_week_holidays_do_not_count_as_working_days():
    milestones = [PlannedMilestone(D(2026, 10, 20), 1, False)]
    # From 29 Sep: working days are 30 Sep, 9, 10 (make-up Sat), 12–16, 19, 20 Oct = 10 → yellow,
    # although 21 calendar days remain.
    result = _assess(milestones=milestones, progress=0.99, today=D(2026, 9, 29))
    assert result.warning == WarningLevel.YELLOW
    assert CAL.working_days_between(D(2026, 9, 29), D(2026, 10, 20)) == 10


def test_same_distance_without_holiday_is_green():
    milestones = [PlannedMilestone(D(2026, 7, 21), 1, False)]
    assert _assess(milestones=milestones, progress=0.99, today=D(2026, 6, 30)).warning == WarningLevel.GREEN


def test_end_date_passed_is_red():
    assert _assess(milestones=[], progress=0.9, today=D(2026, 6, 2), end=D(2026, 6, 1)).warning == WarningLevel.RED


def test_end_date_near_is_yellow_without_milestones():
    assert _assess(milestones=[], progress=0.9, today=D(2026, 5, 28), end=D(2026, 6, 1)).warning == WarningLevel.YELLOW


def test_far_end_date_beyond_the_calendar_is_not_asked_about():
    result = _assess(milestones=[], progress=0.0, today=D(2026, 6, 1), end=D(2028, 6, 1))
    assert result.warning == WarningLevel.GREEN


def test_completed_is_green_and_suspended_is_not_watched():
    assert _assess(status=ProjectStatus.COMPLETED, today=D(2026, 12, 30)).warning == WarningLevel.GREEN
    assert _assess(status=ProjectStatus.SUSPENDED, today=D(2026, 12, 30)).warning == WarningLevel.NONE


@pytest.mark.parametrize("warning", [WarningLevel.RED, WarningLevel.YELLOW])
def test_lagging_marks_the_month(warning):
    assert next_lagging_month(warning, None, D(2026, 5, 17)) == D(2026, 5, 1)


def test_green_keeps_the_last_lagging_month():
    assert next_lagging_month(WarningLevel.GREEN, D(2026, 4, 1), D(2026, 5, 17)) == D(2026, 4, 1)


def test_caught_up_in_the_same_month_was_lagging():
    assert was_lagging(WarningLevel.GREEN, D(2026, 5, 1), D(2026, 5, 20))


def test_caught_up_last_month_is_not_marked_this_month():
    assert not was_lagging(WarningLevel.GREEN, D(2026, 4, 1), D(2026, 5, 20))
    assert not was_lagging(WarningLevel.RED, D(2026, 5, 1), D(2026, 5, 20))


def test_a_milestone_early_next_year_is_counted_on_the_provisional_calendar_and_says_so():
    """On 2026-12-30 a milestone due 2027-01-05 asked the calendar about 2027 and aborted the city's
    recompute (issue 9). Now: 31 Dec, (1 Jan 元旦), 4 and 5 Jan — 3 working days, yellow, provisional."""
    from django.utils import translation

    milestones = [PlannedMilestone(D(2026, 6, 1), 1, True), PlannedMilestone(D(2027, 1, 5), 1, False)]
    with translation.override("en"):
        result = assess(status=ProjectStatus.IN_PROGRESS, start=START, end=D(2027, 3, 31), milestones=milestones,
                        progress=0.99, today=D(2026, 12, 30), calendar=CAL)
    assert result.warning == WarningLevel.YELLOW
    assert "provisional" in result.reason
