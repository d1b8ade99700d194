"""Wilson and Newcombe intervals, pooling, medians and the posts-needed estimate."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.analytics.stats import (
    Rate,
    difference_interval,
    intervals_overlap,
    median,
    pooled_rate,
    posts_needed,
    wilson_interval,
)


def test_wilson_five_of_ten_matches_hand_computation() -> None:
    low, high = wilson_interval(5, 10)
    assert low == pytest.approx(0.2366, abs=1e-4)
    assert high == pytest.approx(0.7634, abs=1e-4)


def test_wilson_zero_of_twenty_starts_at_zero_and_is_not_degenerate() -> None:
    low, high = wilson_interval(0, 20)
    assert low == 0.0
    assert high == pytest.approx(0.1611, abs=1e-4)


def test_wilson_with_no_trials_is_the_whole_unit_interval() -> None:
    assert wilson_interval(0, 0) == (0.0, 1.0)


def test_rate_with_zero_denominator_has_no_value() -> None:
    rate = Rate(0, 0)
    assert rate.value is None
    assert rate.interval == (0.0, 1.0)


@pytest.mark.parametrize(("num", "den"), [(-1, 5), (3, -1), (6, 5)])
def test_impossible_counts_are_refused(num: int, den: int) -> None:
    with pytest.raises(ValueError):
        Rate(num, den)


def test_pooled_rate_weighs_big_posts_more_than_a_mean_of_rates() -> None:
    rate = pooled_rate([(1, 10), (10, 200)])
    assert rate == Rate(11, 210)
    assert rate.value == pytest.approx(11 / 210)


def test_pooled_rate_of_nothing_is_empty() -> None:
    assert pooled_rate([]) == Rate(0, 0)


def test_median_of_even_count_averages_the_middle_pair() -> None:
    assert median([4, 1, 3, 2]) == 2.5
    assert median([7]) == 7.0


def test_median_of_nothing_is_none() -> None:
    assert median([]) is None


def test_newcombe_literature_example_56_of_70_vs_48_of_80() -> None:
    # Newcombe (1998), Table II example (a): 56/70 - 48/80 = 0.2, method 10 gives 0.0524 to 0.3339.
    d, low, high = difference_interval(Rate(48, 80), Rate(56, 70))
    assert d == pytest.approx(0.2)
    assert low == pytest.approx(0.0524, abs=1e-4)
    assert high == pytest.approx(0.3339, abs=1e-4)


def test_difference_is_b_minus_a_and_swapping_mirrors_the_interval() -> None:
    d, low, high = difference_interval(Rate(56, 70), Rate(48, 80))
    assert d == pytest.approx(-0.2)
    assert (low, high) == pytest.approx((-0.3339, -0.0524), abs=1e-4)


def test_difference_needs_both_denominators() -> None:
    with pytest.raises(ValueError):
        difference_interval(Rate(0, 0), Rate(1, 2))


def test_difference_at_the_extremes_stays_within_minus_one_and_one() -> None:
    d, low, high = difference_interval(Rate(0, 3), Rate(3, 3))
    assert d == 1.0
    assert -1.0 <= low < 1.0
    assert high == 1.0


def test_touching_intervals_count_as_overlapping() -> None:
    assert intervals_overlap((0.1, 0.3), (0.3, 0.5))
    assert intervals_overlap((0.2, 0.4), (0.1, 0.5))
    assert not intervals_overlap((0.1, 0.29), (0.3, 0.5))
    assert not intervals_overlap((0.3, 0.5), (0.1, 0.29))


def test_posts_needed_is_none_when_the_rates_are_equal() -> None:
    assert posts_needed(Rate(10, 100), Rate(10, 100), 5, 5) is None


def test_posts_needed_is_zero_once_the_interval_excludes_zero() -> None:
    assert posts_needed(Rate(30, 300), Rate(90, 300), 10, 10) == 0


def test_posts_needed_estimate_is_enough_if_the_rates_hold() -> None:
    # 10% vs 14% over 5 posts of 20 members each: far from decided.
    extra = posts_needed(Rate(10, 100), Rate(14, 100), 5, 5)
    assert extra is not None and extra > 5
    scale = (5 + extra) / 5
    _, low, _ = difference_interval(
        Rate(round(10 * scale), round(100 * scale)), Rate(round(14 * scale), round(100 * scale))
    )
    assert low > 0


def test_posts_needed_without_posts_is_unknown() -> None:
    assert posts_needed(Rate(1, 10), Rate(2, 10), 0, 3) is None


counts = st.integers(min_value=0, max_value=5000).flatmap(
    lambda den: st.tuples(st.integers(min_value=0, max_value=den), st.just(den))
)


@given(st.lists(counts, max_size=20))
def test_pooled_rate_lies_in_unit_interval_and_inside_its_wilson_interval(
    pairs: list[tuple[int, int]],
) -> None:
    rate = pooled_rate(pairs)
    low, high = rate.interval
    assert 0.0 <= low <= high <= 1.0
    if rate.value is not None:
        assert 0.0 <= rate.value <= 1.0
        assert low <= rate.value <= high


nonempty_counts = st.integers(min_value=1, max_value=5000).flatmap(
    lambda den: st.tuples(st.integers(min_value=0, max_value=den), st.just(den))
)


@given(nonempty_counts, nonempty_counts)
def test_difference_interval_is_within_bounds_and_contains_the_difference(
    a: tuple[int, int], b: tuple[int, int]
) -> None:
    ra, rb = Rate(*a), Rate(*b)
    d, low, high = difference_interval(ra, rb)
    assert -1.0 <= low <= d <= high <= 1.0
    assert d == pytest.approx(rb.value - ra.value)
