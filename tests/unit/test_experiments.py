"""A/B arm assignment (balanced, reproducible) and the verdict on the difference."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.features.experiments.rules import ArmResult, assign_arms, verdict


def test_every_block_of_two_has_one_of_each_arm() -> None:
    arms = assign_arms(20, seed=42)
    for i in range(0, 20, 2):
        assert sorted(arms[i : i + 2]) == ["A", "B"]


def test_every_block_of_four_has_two_of_each_arm() -> None:
    arms = assign_arms(16, seed="exp-7", block_size=4)
    for i in range(0, 16, 4):
        assert sorted(arms[i : i + 4]) == ["A", "A", "B", "B"]


def test_same_seed_gives_same_order_and_other_seeds_differ() -> None:
    assert assign_arms(30, seed="exp-1") == assign_arms(30, seed="exp-1")
    orders = {tuple(assign_arms(30, seed=s)) for s in range(5)}
    assert len(orders) > 1


def test_order_is_not_simple_alternation() -> None:
    arms = assign_arms(40, seed=3)
    assert arms != ["A", "B"] * 20 and arms != ["B", "A"] * 20


def test_odd_total_gets_one_extra_post_in_a_random_arm() -> None:
    arms = assign_arms(7, seed=1)
    assert len(arms) == 7
    assert abs(arms.count("A") - arms.count("B")) == 1
    extras = {assign_arms(7, seed=s)[-1] for s in range(20)}
    assert extras == {"A", "B"}


@pytest.mark.parametrize("block_size", [1, 3, 6])
def test_only_blocks_of_two_or_four_are_allowed(block_size: int) -> None:
    with pytest.raises(ValueError):
        assign_arms(10, seed=0, block_size=block_size)


@given(
    posts=st.integers(min_value=0, max_value=200),
    seed=st.integers() | st.text(max_size=10),
    block_size=st.sampled_from([2, 4]),
)
def test_assignment_never_lets_the_arms_drift_more_than_one_apart(
    posts: int, seed: int | str, block_size: int
) -> None:
    arms = assign_arms(posts, seed, block_size)
    assert len(arms) == posts
    assert abs(arms.count("A") - arms.count("B")) <= 1
    for i in range(0, posts - posts % block_size, block_size):
        assert arms[i : i + block_size].count("A") == block_size // 2


def test_clear_difference_is_a_win_for_b() -> None:
    result = verdict(
        ArmResult(posts=10, responders=30, base=300), ArmResult(posts=10, responders=90, base=300)
    )
    assert result.outcome == "B wins"
    assert result.difference == pytest.approx(0.2)
    assert result.difference_interval is not None and result.difference_interval[0] > 0
    assert result.a.value == pytest.approx(0.1)
    assert result.a_interval[0] < 0.1 < result.a_interval[1]
    assert result.more_posts_needed == 0


def test_clear_difference_the_other_way_is_a_win_for_a() -> None:
    result = verdict(ArmResult(10, 90, 300), ArmResult(10, 30, 300))
    assert result.outcome == "A wins"


def test_equal_rates_are_inconclusive_with_no_estimate() -> None:
    result = verdict(ArmResult(8, 40, 400), ArmResult(8, 40, 400))
    assert result.outcome == "inconclusive"
    assert result.difference == 0.0
    assert result.more_posts_needed is None


def test_tiny_samples_are_inconclusive_even_with_a_big_gap() -> None:
    # The interval already excludes 0, but two posts per arm are too few to call it.
    result = verdict(ArmResult(2, 3, 40), ArmResult(2, 20, 40))
    assert result.difference_interval is not None and result.difference_interval[0] > 0
    assert result.outcome == "inconclusive"
    assert result.more_posts_needed == 1


def test_small_gap_is_inconclusive_and_says_how_many_more_posts() -> None:
    result = verdict(ArmResult(5, 10, 100), ArmResult(5, 14, 100))
    assert result.outcome == "inconclusive"
    assert result.more_posts_needed is not None and result.more_posts_needed > 5


def test_arm_without_any_base_is_inconclusive() -> None:
    result = verdict(ArmResult(0, 0, 0), ArmResult(3, 10, 100))
    assert result.outcome == "inconclusive"
    assert result.difference is None and result.difference_interval is None
    assert result.more_posts_needed is None
