"""The metric formulas and periods, without the database."""

import datetime as dt

import pytest

from .. import metrics
from ..metrics import Counts, Period


def test_rate_over_nothing_is_none_not_zero():
    assert metrics.rate(0, 0) is None


def test_rate_refuses_a_numerator_above_its_denominator():
    with pytest.raises(ValueError):
        metrics.rate(3, 2)


def test_rate_refuses_negative_counts():
    with pytest.raises(ValueError):
        metrics.rate(-1, 2)


@pytest.mark.parametrize(
    ("formula", "kwargs", "expected"),
    [
        (metrics.signing_on_time_rate, {"signed_on_time": 3, "legs_due": 4}, 0.75),
        (metrics.completion_rate, {"closed": 7, "registered": 10}, 0.7),
        (metrics.on_time_completion_rate, {"closed_on_time": 1, "due": 8}, 0.125),
        (metrics.handling_rate, {"answered": 5, "dispatched": 5}, 1.0),
        (metrics.callback_rate, {"called_back": 2, "needing_callback": 3}, 2 / 3),
        (metrics.resolution_rate, {"resolved": 9, "valid_callbacks": 10}, 0.9),
        (metrics.satisfaction_rate, {"satisfied": 190, "basically_satisfied": 7, "valid_callbacks": 200}, 0.985),
        (metrics.first_contact_rate, {"closed_at_intake": 0, "inquiries": 4}, 0.0),
    ],
)
def test_each_formula_against_hand_computed_counts(formula, kwargs, expected):
    assert formula(**kwargs) == pytest.approx(expected)


@pytest.mark.parametrize(
    "formula",
    [metrics.signing_on_time_rate, metrics.completion_rate, metrics.on_time_completion_rate, metrics.handling_rate,
     metrics.callback_rate, metrics.resolution_rate, metrics.satisfaction_rate, metrics.first_contact_rate],
)
def test_each_formula_is_none_on_an_empty_denominator(formula):
    names = formula.__code__.co_varnames[: formula.__code__.co_kwonlyargcount]
    assert formula(**dict.fromkeys(names, 0)) is None


def test_counts_add_up_and_give_every_rate():
    total = Counts(registered=2, cohort=2, closed=1) + Counts(registered=1, cohort=1, closed=1, due=1)
    assert (total.registered, total.closed, total.due) == (3, 2, 1)
    rates = total.rates()
    assert rates["completion"] == pytest.approx(2 / 3)
    assert rates["on_time_completion"] == 0.0
    assert rates["satisfaction"] is None
    assert set(rates) == set(metrics.rate_labels())


def test_month_period_covers_whole_local_days_including_a_leap_day():
    february = Period.month(2028, 2)
    assert (february.first, february.last) == (dt.date(2028, 2, 1), dt.date(2028, 2, 29))
    assert february.start.isoformat() == "2028-02-01T00:00:00+08:00"
    assert february.end.isoformat() == "2028-03-01T00:00:00+08:00"
    assert len(february.days) == 29


def test_december_month_ends_on_new_years_eve():
    assert Period.month(2026, 12).last == dt.date(2026, 12, 31)


def test_quarter_period():
    q4 = Period.quarter(2026, 4)
    assert (q4.first, q4.last) == (dt.date(2026, 10, 1), dt.date(2026, 12, 31))


def test_period_cannot_end_before_it_starts():
    with pytest.raises(ValueError):
        Period(dt.date(2026, 3, 2), dt.date(2026, 3, 1))


def test_each_grouping_set_has_its_own_grouping_number():
    columns = metrics.grouping_columns(metrics.VOLUME_SETS)
    bits = {metrics.grouping_bits(grouped, columns) for grouped in metrics.VOLUME_SETS.values()}
    assert len(bits) == len(metrics.VOLUME_SETS)
    assert metrics.grouping_bits(("day", "kind", "channel"), columns) == 0b000111
    assert metrics.grouping_bits((), columns) == 0b111111
