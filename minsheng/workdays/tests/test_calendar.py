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
    due = due_after_working_days(cal, registered, 15, tz=SHANGHAI)
    # Oct 9, 10, 11 (make-up), 13–17, 20–24, 27, 28 → the 15th working day is 28 October.
    assert due == dt.datetime(2025, 10, 28, 23, 59, 59, tzinfo=SHANGHAI)


def test_due_date_uses_the_local_date_of_a_utc_instant(cal):
    # 2025-09-30 17:00 UTC is already 1 October in Shanghai, a holiday: counting starts after it.
    registered = dt.datetime(2025, 9, 30, 17, 0, tzinfo=dt.UTC).astimezone(SHANGHAI)
    assert due_after_working_days(cal, registered, 1, tz=SHANGHAI).date() == D(2025, 10, 9)


def test_a_utc_instant_is_counted_from_the_citys_date_and_due_at_the_citys_midnight(cal):
    """The demo's case: registered 2026-12-02 12:31 Beijing time (04:31 UTC), 10 working days."""
    registered = dt.datetime(2026, 12, 2, 4, 31, tzinfo=dt.UTC)
    due = due_after_working_days(cal, registered, 10, tz=SHANGHAI)
    assert due == dt.datetime(2026, 12, 16, 23, 59, 59, tzinfo=SHANGHAI)
    assert due.astimezone(dt.UTC) == dt.datetime(2026, 12, 16, 15, 59, 59, tzinfo=dt.UTC)


@pytest.mark.parametrize(("utc", "first_counted"), [
    # 23:30 UTC on the 1st is 07:30 on the 2nd in the city: the 2nd is the start, the 3rd is day one.
    (dt.datetime(2026, 12, 1, 23, 30, tzinfo=dt.UTC), D(2026, 12, 3)),
    # 15:59 UTC on the 2nd is 23:59 on the 2nd; one minute later it is the 3rd.
    (dt.datetime(2026, 12, 2, 15, 59, tzinfo=dt.UTC), D(2026, 12, 3)),
    (dt.datetime(2026, 12, 2, 16, 0, tzinfo=dt.UTC), D(2026, 12, 4)),
])
def test_utc_inputs_near_local_midnight(cal, utc, first_counted):
    assert due_after_working_days(cal, utc, 1, tz=SHANGHAI) == dt.datetime.combine(
        first_counted, dt.time(23, 59, 59), tzinfo=SHANGHAI)


def test_a_naive_instant_is_refused(cal):
    with pytest.raises(ValueError):
        due_after_working_days(cal, dt.datetime(2026, 12, 2, 12, 0), 1, tz=SHANGHAI)


def test_urgent_cases_run_on_the_wall_clock_through_holidays():
    start = dt.datetime(2025, 10, 1, 9, 0, tzinfo=SHANGHAI)
    assert due_after_hours(start, 4) == dt.datetime(2025, 10, 1, 13, 0, tzinfo=SHANGHAI)
    with pytest.raises(ValueError):
        due_after_hours(start, 0)


def test_working_days_between_instants(cal):
    start = dt.datetime(2025, 9, 30, 10, 0, tzinfo=SHANGHAI)
    end = dt.datetime(2025, 10, 14, 9, 0, tzinfo=SHANGHAI)
    assert working_days_between_instants(cal, start, end, tz=SHANGHAI) == 5
    # The same instants written in UTC count the same city dates.
    assert working_days_between_instants(cal, start.astimezone(dt.UTC), end.astimezone(dt.UTC), tz=SHANGHAI) == 5


def test_end_of_day_is_the_last_second():
    assert end_of_day(D(2026, 1, 5), SHANGHAI).time() == dt.time(23, 59, 59)


def test_a_date_before_the_calendar_raises_a_clear_error(cal):
    with translation.override("en"), pytest.raises(CalendarOutOfRange) as excinfo:
        cal.is_workday(D(2019, 12, 31))
    assert "2019-12-31" in str(excinfo.value) and "2020-01-01" in str(excinfo.value)


def test_a_deadline_past_the_stored_calendar_is_counted_on_the_provisional_rule():
    official = {D(2026, 1, 1) + dt.timedelta(days=i): (D(2026, 1, 1) + dt.timedelta(days=i)).weekday() < 5
                for i in range(365)}
    cal = WorkCalendar.from_days(official)
    # From Christmas 2026, 15 working days: 2027-01-01 (元旦) is a provisional holiday.
    due = cal.add_working_days(D(2026, 12, 25), 15)
    assert due == D(2027, 1, 18)
    assert not cal.is_workday(D(2027, 1, 1))
    assert cal.is_provisional(D(2027, 1, 4)) and not cal.is_provisional(D(2026, 12, 31))
    assert cal.counts_provisional(D(2026, 12, 25), due)
    assert not cal.counts_provisional(D(2026, 12, 1), D(2026, 12, 31))
    # Far years too: the calendar never stops.
    assert cal.add_working_days(D(2029, 12, 28), 15) > D(2030, 1, 1)
    assert cal.working_days_between(D(2026, 12, 31), D(2027, 1, 4)) == 1


def test_a_year_missing_between_stored_years_is_provisional_not_rest():
    days = {}
    for year in (2026, 2028):
        first = D(year, 1, 1)
        for i in range((D(year + 1, 1, 1) - first).days):
            day = first + dt.timedelta(days=i)
            days[day] = day.weekday() < 5
    cal = WorkCalendar.from_days(days)
    assert cal.is_workday(D(2027, 3, 1))  # a Monday of the missing year works
    assert not cal.is_workday(D(2027, 10, 1))  # 国庆节 by the provisional rule
    assert cal.is_provisional(D(2027, 3, 1)) and not cal.is_provisional(D(2028, 3, 1))


def test_the_seeded_calendar_reaches_years_ahead_and_marks_them(cal):
    assert cal.is_provisional(D(2027, 6, 1))
    assert not cal.is_provisional(D(2026, 6, 1))


def test_an_absurd_count_of_working_days_is_refused(cal):
    with pytest.raises(ValueError):
        cal.add_working_days(D(2026, 1, 5), 10**9)


def test_empty_calendar_refuses_everything():
    empty = WorkCalendar.from_days({})
    with translation.override("en"), pytest.raises(CalendarOutOfRange, match="empty"):
        empty.add_working_days(D(2026, 1, 5), 1)


def test_pure_calendar_from_a_mapping():
    days = {D(2030, 1, 1) + dt.timedelta(days=i): i % 2 == 0 for i in range(10)}
    cal = WorkCalendar.from_days(days)
    assert cal.add_working_days(D(2030, 1, 1), 2) == D(2030, 1, 5)
    assert cal.working_days_between(D(2030, 1, 1), D(2030, 1, 10)) == 4
