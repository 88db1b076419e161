"""The progress rule, without the database."""

from decimal import Decimal

import pytest

from minsheng.projects.rollup import IndicatorMeasure, MilestoneMeasure, indicator_share, progress

D = Decimal


def test_no_measures_is_zero_progress():
    assert progress([], []) == 0.0


def test_done_milestones_count_by_weight():
    assert progress([MilestoneMeasure(3, True), MilestoneMeasure(1, False)], []) == 0.75


def test_weights_are_normalised_so_only_ratios_matter():
    small = progress([MilestoneMeasure(1, True), MilestoneMeasure(3, False)], [])
    large = progress([MilestoneMeasure(10, True), MilestoneMeasure(30, False)], [])
    assert small == large == 0.25


def test_indicator_moves_from_baseline_to_target():
    assert indicator_share(D(100), D(300), D(200)) == 0.5


def test_indicator_without_actual_counts_as_no_progress():
    assert indicator_share(D(0), D(10), None) == 0.0
    assert progress([MilestoneMeasure(1, True)], [IndicatorMeasure(1, D(0), D(10), None)]) == 0.5


def test_indicator_beyond_target_is_clipped_to_done():
    assert indicator_share(D(0), D(10), D(15)) == 1.0


def test_indicator_below_baseline_is_clipped_to_nothing():
    assert indicator_share(D(5), D(10), D(2)) == 0.0


def test_reduction_indicator_counts_downwards():
    # black-and-odorous water bodies: 40 to 0, 30 left = a quarter of the way
    assert indicator_share(D(40), D(0), D(30)) == 0.25


def test_indicator_with_target_equal_to_baseline():
    assert indicator_share(D(5), D(5), D(5)) == 1.0
    assert indicator_share(D(5), D(5), D(4)) == 0.0


def test_two_denominators_stay_two_indicators():
    # 113,100 demolished of a 213,400 mu task; 120,000 renovated of 367,000 mu
    result = progress([], [IndicatorMeasure(1, D(0), D(213400), D(113100)),
                           IndicatorMeasure(1, D(0), D(367000), D(120000))])
    expected = (113100 / 213400 + 120000 / 367000) / 2
    assert result == pytest.approx(expected, abs=1e-6)


def test_milestones_and_indicators_share_one_weighted_average():
    result = progress([MilestoneMeasure(2, True)], [IndicatorMeasure(2, D(0), D(100), D(50))])
    assert result == 0.75


def test_deleting_a_measure_changes_the_result():
    before = progress([MilestoneMeasure(1, True), MilestoneMeasure(1, False)], [])
    after = progress([MilestoneMeasure(1, True)], [])
    assert (before, after) == (0.5, 1.0)


def test_non_positive_weight_is_refused():
    with pytest.raises(ValueError):
        progress([MilestoneMeasure(0, True)], [])
