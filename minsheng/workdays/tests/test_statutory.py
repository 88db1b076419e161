"""The provisional rule: weekends plus the statutory holidays (2024 revision), checked against the official
schedules the chinesecalendar package carries and against dates worked out by hand."""

import datetime as dt

import chinese_calendar
import pytest

from minsheng.workdays.statutory import (
    MID_AUTUMN,
    NATIONAL_DAY,
    SPRING_FESTIVAL,
    provisional_exceptions,
    provisional_workdays,
    statutory_holidays,
)

D = dt.date


def _days(year: int, name: str) -> list[dt.date]:
    return dict(statutory_holidays(year))[name]


@pytest.mark.parametrize("year", range(2008, 2027))
def test_every_lunar_and_solar_term_holiday_is_a_rest_day_in_the_official_schedules(year):
    """The lunar library's 春节 (初一), 清明, 端午 and 中秋 fall on days the State Council actually gave off:
    every schedule since 2008 includes the festival's own day."""
    holidays = dict(statutory_holidays(year))
    for name, day in [(SPRING_FESTIVAL, holidays[SPRING_FESTIVAL][1]), ("清明节", holidays["清明节"][0]),
                      ("端午节", holidays["端午节"][0]), (MID_AUTUMN, holidays[MID_AUTUMN][0])]:
        assert chinese_calendar.is_holiday(day), (name, day)


@pytest.mark.parametrize("year", [2025, 2026])
def test_under_the_2024_revision_every_statutory_day_is_off_in_the_official_schedule(year):
    for name, days in statutory_holidays(year):
        for day in days:
            assert chinese_calendar.is_holiday(day), (name, day)


def test_2027_by_hand():
    assert _days(2027, SPRING_FESTIVAL) == [D(2027, 2, 5), D(2027, 2, 6), D(2027, 2, 7), D(2027, 2, 8)]
    exceptions = provisional_exceptions(2027)
    # 初一 and 初二 fall on Saturday and Sunday: two days made up after 初三 (article 6 of the law).
    assert exceptions[D(2027, 2, 9)] == (False, "春节补休")
    assert exceptions[D(2027, 2, 10)] == (False, "春节补休")
    assert D(2027, 2, 11) not in exceptions
    # 劳动节: 1 May is a Saturday, 2 May a Sunday: 3 and 4 May are off.
    assert exceptions[D(2027, 5, 3)] == (False, "劳动节补休")
    assert exceptions[D(2027, 5, 4)] == (False, "劳动节补休")
    # 清明 on Monday 5 April, 端午 on Wednesday 9 June, 中秋 on Wednesday 15 September.
    assert exceptions[D(2027, 4, 5)] == (False, "清明节")
    assert exceptions[D(2027, 6, 9)] == (False, "端午节")
    assert exceptions[D(2027, 9, 15)] == (False, MID_AUTUMN)
    assert all(not is_workday for is_workday, _name in exceptions.values())  # no 调休 is guessed


def test_mid_autumn_inside_national_day_is_one_day_off_not_two():
    # 2028: 中秋 falls on 3 October.
    assert _days(2028, MID_AUTUMN) == [D(2028, 10, 3)]
    assert provisional_exceptions(2028)[D(2028, 10, 3)] == (False, f"{MID_AUTUMN}、{NATIONAL_DAY}")


@pytest.mark.parametrize("year", range(2027, 2036))
def test_a_provisional_year_is_whole_and_has_the_statutory_days_off(year):
    days = provisional_workdays(year)
    assert len(days) == (D(year + 1, 1, 1) - D(year, 1, 1)).days
    rest_weekdays = [day for day, work in days if not work and day.weekday() < 5]
    # 13 statutory days; those on weekends come back as 补休, those overlapping (中秋 in 国庆) do not.
    assert 11 <= len(rest_weekdays) <= 13
