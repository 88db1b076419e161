import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from minsheng.insight.periods import percent, period_parse, rate, recent_periods
from minsheng.insight.reporting import yuan


def test_month_period_runs_to_the_first_of_the_next_month():
    period = period_parse("2026-12")
    assert (period.first, period.after) == (dt.date(2026, 12, 1), dt.date(2027, 1, 1))


def test_quarter_period_covers_three_months():
    period = period_parse("2026q4")
    assert (period.code, period.first, period.after) == ("2026Q4", dt.date(2026, 10, 1), dt.date(2027, 1, 1))


@pytest.mark.parametrize("code", ["", "2026", "2026-13", "2026Q5", "26-11", "next month"])
def test_unknown_period_is_refused_with_a_message(code):
    with pytest.raises(ValidationError):
        period_parse(code)


def test_rate_with_nothing_to_divide_is_none_not_a_hundred_percent():
    assert rate(0, 0) is None
    assert percent(None) == "—"
    assert percent(rate(197, 200)) == "98.5%"


def test_recent_periods_start_with_this_month():
    assert recent_periods(dt.date(2026, 11, 28))[0].code == "2026-11"


def test_yuan_formats_fen():
    assert yuan(123456789) == "1,234,567.89"
    assert yuan(5) == "0.05"
