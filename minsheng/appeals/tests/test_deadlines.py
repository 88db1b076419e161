"""Deadline arithmetic (pure functions over the seeded calendar)."""

import datetime as dt

import pytest

from minsheng.workdays.selectors import calendar_current

from ..choices import Warning
from ..deadlines import DEFAULT_WORKING_DAYS, Clock, Policy, remaining_on_stop, resume, warning_level
from .conftest import TZ, at

POLICY = Policy(working_days=DEFAULT_WORKING_DAYS)


@pytest.fixture
def calendar(db):
    return calendar_current(fresh=True)


def test_complaint_registered_before_national_day_is_due_after_the_holiday(calendar):
    # 2025-10-01..08 are off, Saturday 2025-10-11 is a make-up working day.
    clock = POLICY.handling_clock(kind="complaint", urgent=False, start=at(2025, 9, 30, 16))
    assert clock.due(calendar) == dt.datetime(2025, 10, 28, 23, 59, 59, tzinfo=TZ)


def test_inquiry_is_due_at_the_end_of_the_second_working_day(calendar):
    friday = at(2026, 11, 27, 9)
    assert POLICY.handling_clock(kind="inquiry", urgent=False, start=friday).due(calendar) == \
        dt.datetime(2026, 12, 1, 23, 59, 59, tzinfo=TZ)


def test_request_and_suggestion_get_ten_working_days(calendar):
    start = at(2026, 11, 2, 9)  # Monday
    for kind in ("request", "suggestion"):
        assert POLICY.handling_clock(kind=kind, urgent=False, start=start).due(calendar).date() == dt.date(2026, 11, 16)


def test_urgent_case_runs_on_the_wall_clock_through_a_holiday(calendar):
    start = at(2025, 10, 1, 10)
    due = POLICY.handling_clock(kind="complaint", urgent=True, start=start).due(calendar)
    assert due == start + dt.timedelta(hours=24)
    assert POLICY.sign_clock(urgent=True, start=start).due(calendar) == start + dt.timedelta(hours=2)


def test_sign_clock_is_one_working_day(calendar):
    assert POLICY.sign_clock(urgent=False, start=at(2026, 11, 27, 17)).due(calendar).date() == dt.date(2026, 11, 30)


def test_suspension_keeps_the_remaining_working_days(calendar):
    clock = Clock(at(2026, 11, 2, 9), working_days=10)
    due = clock.due(calendar)  # 2026-11-16
    left = remaining_on_stop(calendar, clock, due, at(2026, 11, 9, 15))  # Monday, 5 working days left
    assert left.working_days == 5
    resumed = resume(calendar, left, at(2026, 11, 23, 10))
    assert resumed.due(calendar).date() == dt.date(2026, 11, 30)


def test_suspension_after_the_deadline_leaves_nothing(calendar):
    clock = Clock(at(2026, 11, 2, 9), working_days=2)
    left = remaining_on_stop(calendar, clock, clock.due(calendar), at(2026, 11, 10, 9))
    assert left.working_days == 0


def test_urgent_suspension_keeps_hours(calendar):
    clock = Clock(at(2026, 11, 2, 9), hours=24)
    left = remaining_on_stop(calendar, clock, clock.due(calendar), at(2026, 11, 2, 19))
    assert left.hours == 14


def test_warning_levels(calendar):
    due = dt.datetime(2026, 11, 30, 23, 59, 59, tzinfo=TZ)  # Monday
    assert warning_level(calendar, due=due, now=at(2026, 11, 24, 9), hours_based=False) == Warning.GREEN
    assert warning_level(calendar, due=due, now=at(2026, 11, 27, 9), hours_based=False) == Warning.YELLOW
    assert warning_level(calendar, due=due, now=at(2026, 12, 1, 9), hours_based=False) == Warning.RED
    urgent_due = at(2026, 11, 27, 12)
    assert warning_level(calendar, due=urgent_due, now=at(2026, 11, 27, 11), hours_based=True) == Warning.YELLOW
    assert warning_level(calendar, due=urgent_due, now=at(2026, 11, 27, 6), hours_based=True) == Warning.GREEN
