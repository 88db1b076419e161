"""Quiet hours and back-off: pure functions."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from minsheng.notifications.timing import quiet_hours_end, retry_delay

FOSHAN = ZoneInfo("Asia/Shanghai")


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 6, day, hour, minute, tzinfo=FOSHAN)


@pytest.mark.parametrize(("moment", "end"), [
    (at(15, 22, 0), at(16, 8)),  # the first minute of the quiet hours
    (at(15, 23, 30), at(16, 8)),
    (at(16, 0, 5), at(16, 8)),  # after midnight: the same morning
    (at(16, 7, 59), at(16, 8)),
])
def test_inside_the_quiet_hours_a_message_waits_until_they_end(moment, end):
    assert quiet_hours_end(moment, start_hour=22, end_hour=8) == end


@pytest.mark.parametrize("moment", [at(16, 8, 0), at(16, 12), at(15, 21, 59)])
def test_outside_the_quiet_hours_nothing_waits(moment):
    assert quiet_hours_end(moment, start_hour=22, end_hour=8) is None


def test_quiet_hours_that_do_not_cross_midnight():
    assert quiet_hours_end(at(16, 1), start_hour=0, end_hour=7) == at(16, 7)
    assert quiet_hours_end(at(16, 23), start_hour=0, end_hour=7) is None


def test_equal_hours_mean_no_quiet_hours():
    assert quiet_hours_end(at(16, 3), start_hour=8, end_hour=8) is None


def test_the_end_keeps_the_city_zone():
    end = quiet_hours_end(at(15, 23), start_hour=22, end_hour=8)
    assert end.tzinfo == FOSHAN and end.utcoffset() == dt.timedelta(hours=8)


def test_back_off_doubles_from_the_base_and_stops_at_the_cap():
    delays = [retry_delay(n, base_seconds=60, max_seconds=600).total_seconds() for n in range(1, 7)]
    assert delays == [60, 120, 240, 480, 600, 600]


def test_attempts_are_counted_from_one():
    with pytest.raises(ValueError):
        retry_delay(0, base_seconds=60, max_seconds=600)
