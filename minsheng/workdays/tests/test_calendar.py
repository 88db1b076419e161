"""Working-day arithmetic on the real calendar (seeded from chinesecalendar), around holidays and 调休."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from minsheng.workdays.calendar import (
    CalendarOutOfRange,
    WorkCalendar,
    due_after_hours,
    due_after_working_days,
    end_of_day,
    working_days_between_instants,
)
from minsheng.workdays.selectors import calendar_current

SHANGHAI = ZoneInfo("Asia/Shanghai")
D = dt.date


@pytest.fixture
def cal(db) -> WorkCalendar:
    return calendar_current()


def test_five_working_days_after_national_day_eve_counts_the_make_up_saturday(cal):
    assert cal.add_working_days(D(2025, 9, 30), 5) == D(2025, 10, 14)
    assert cal.is_workday(D(2025, 10, 11))  # Saturday, 调休上班


def test_spring_festival_make_up_saturday_2026_is_a_working_day(cal):
    assert D(2026, 2, 14).weekday() == 5
    assert cal.is_workday(D(2026, 2, 14))


def test_national_day_holiday_is_not_a_working_day(cal):
    assert not any(cal.is_workday(D(2025, 10, day)) for day in range(1, 9))


def test_ordinary_weekend_is_rest_and_weekday_is_work(cal):
    assert not cal.is_workday(D(2026, 11, 28))  # Saturday
    assert cal.is_workday(D(2026, 11, 27))  # Friday


def test_adding_from_a_rest_day_starts_on_the_next_working_day(cal):
    assert cal.add_working_days(D(2026, 11, 28), 1) == D(2026, 11, 30)


def test_zero_working_days_is_the_same_day(cal):
    assert cal.add_working_days(D(2026, 3, 3), 0) == D(2026, 3, 3)


def test_working_days_between_counts_the_end_and_not_the_start(cal):
    assert cal.working_days_between(D(2025, 9, 30), D(2025, 10, 14)) == 5
    assert cal.working_days_between(D(2025, 10, 14), D(2025, 9, 30)) == -5
    assert cal.working_days_between(D(2025, 10, 1), D(2025, 10, 8)) == 0


def test_complaint_registered_before_national_day_is_due_at_end_of_day(cal):
    registered = dt.datetime(2025, 9, 30, 16, 45, tzinfo=SHANGHAI)
    due = due_after_working_days(cal, registered, 15)
    # Oct 9, 10, 11 (make-up), 13–17, 20–24, 27, 28 → the 15th working day is 28 October.
    assert due == dt.datetime(2025, 10, 28, 23, 59, 59, tzinfo=SHANGHAI)


def test_due_date_uses_the_local_date_of_a_utc_instant(cal):
    # 2025-09-30 17:00 UTC is already 1 October in Shanghai, a holiday: counting starts after it.
    registered = dt.datetime(2025, 9, 30, 17, 0, tzinfo=dt.UTC).astimezone(SHANGHAI)
    assert due_after_working_days(cal, registered, 1).date() == D(2025, 10, 9)


def test_urgent_cases_run_on_the_wall_clock_through_holidays():
    start = dt.datetime(2025, 10, 1, 9, 0, tzinfo=SHANGHAI)
    assert due_after_hours(start, 4) == dt.datetime(2025, 10, 1, 13, 0, tzinfo=SHANGHAI)
    with pytest.raises(ValueError):
        due_after_hours(start, 0)


def test_working_days_between_instants(cal):
    start = dt.datetime(2025, 9, 30, 10, 0, tzinfo=SHANGHAI)
    end = dt.datetime(2025, 10, 14, 9, 0, tzinfo=SHANGHAI)
    assert working_days_between_instants(cal, start, end) == 5


def test_end_of_day_is_the_last_second():
    assert end_of_day(D(2026, 1, 5), SHANGHAI).time() == dt.time(23, 59, 59)


def test_a_date_outside_the_calendar_raises_a_clear_error(cal):
    with pytest.raises(CalendarOutOfRange) as excinfo:
        cal.add_working_days(D(2027, 1, 4), 1)
    assert "2027-01-04" in str(excinfo.value)
    with pytest.raises(CalendarOutOfRange):
        cal.is_workday(D(2019, 12, 31))


def test_a_deadline_that_reaches_past_the_calendar_raises(cal):
    with pytest.raises(CalendarOutOfRange):
        cal.add_working_days(D(2026, 12, 25), 15)


def test_empty_calendar_refuses_everything():
    empty = WorkCalendar.from_days({})
    with translation.override("en"), pytest.raises(CalendarOutOfRange, match="empty"):
        empty.add_working_days(D(2026, 1, 5), 1)


def test_pure_calendar_from_a_mapping():
    days = {D(2030, 1, 1) + dt.timedelta(days=i): i % 2 == 0 for i in range(10)}
    cal = WorkCalendar.from_days(days)
    assert cal.add_working_days(D(2030, 1, 1), 2) == D(2030, 1, 5)
    assert cal.working_days_between(D(2030, 1, 1), D(2030, 1, 10)) == 4
