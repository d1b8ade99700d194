"""Placing headline figures against their own 8-week median and naming the weaker side."""

from __future__ import annotations

import math

import pytest

from bot.analytics.weaker_side import HeadlineFigure, place, relative_fall, weaker_side


def opt(
    name: str, value: float | None, history: list[float], higher_is_better: bool = True
) -> HeadlineFigure:
    return HeadlineFigure(name, "optimization", value, history, higher_is_better)


def eng(name: str, value: float | None, history: list[float]) -> HeadlineFigure:
    return HeadlineFigure(name, "engagement", value, history)


def test_figure_worse_than_its_median_is_below_with_relative_fall() -> None:
    fig = opt("participation rate", 0.06, [0.08, 0.10, 0.12])
    assert place(fig) == "below"
    assert relative_fall(fig) == pytest.approx(0.4)


def test_figure_at_its_median_is_not_below() -> None:
    fig = eng("stickiness", 0.2, [0.1, 0.2, 0.3])
    assert place(fig) == "above"
    assert relative_fall(fig) == 0.0


def test_slower_first_response_is_below_for_a_lower_is_better_figure() -> None:
    slower = opt("time to first response", 30.0, [20.0, 20.0, 20.0], higher_is_better=False)
    faster = opt("time to first response", 10.0, [20.0, 20.0, 20.0], higher_is_better=False)
    assert place(slower) == "below"
    assert relative_fall(slower) == pytest.approx(0.5)
    assert place(faster) == "above"
    assert relative_fall(faster) == pytest.approx(-0.5)


@pytest.mark.parametrize(
    "fig",
    [
        opt("participation rate", None, [0.1, 0.2, 0.3]),
        opt("participation rate", 0.1, [0.2]),
        opt("participation rate", 0.1, []),
    ],
)
def test_figure_without_value_or_two_weeks_of_history_is_unplaced(fig: HeadlineFigure) -> None:
    assert place(fig) == "unplaced"
    assert relative_fall(fig) is None


def test_only_the_last_eight_weeks_count_towards_the_median() -> None:
    # Ten weeks of history: the two oldest (huge) values must not lift the median.
    fig = eng("returning members", 0.5, [100.0, 100.0] + [0.5] * 8)
    assert place(fig) == "above"


def test_zero_median_gives_zero_fall_when_unchanged_and_infinite_otherwise() -> None:
    assert relative_fall(eng("member-to-member share", 0.0, [0.0, 0.0])) == 0.0
    slower = opt("time to first response", 5.0, [0.0, 0.0], higher_is_better=False)
    assert relative_fall(slower) == math.inf
    assert place(slower) == "below"
    better = eng("member-to-member share", 0.1, [0.0, 0.0])
    assert relative_fall(better) == -math.inf
    assert place(better) == "above"


def test_side_with_larger_share_below_is_weaker_and_its_worst_figure_is_named() -> None:
    figures = [
        opt("participation rate", 0.10, [0.08, 0.09, 0.10]),
        opt("posts sent on schedule", 1.0, [1.0, 1.0]),
        eng("returning members", 0.30, [0.40, 0.40, 0.40]),  # 25% worse
        eng("stickiness", 0.10, [0.20, 0.20]),  # 50% worse
        eng("% communicators", 0.50, [0.45, 0.50]),
    ]
    result = weaker_side(figures)
    assert result is not None
    assert result.side == "engagement"
    assert result.optimization_share == 0.0
    assert result.engagement_share == pytest.approx(2 / 3)
    assert result.worst.name == "stickiness"
    assert result.worst_fall == pytest.approx(0.5)
    assert result.reason == (
        "Engagement is the weaker side, with 2 of 3 figures below their 8-week median against 0 of 2 for "
        "optimization; its worst is stickiness, 50% worse than its median."
    )
    assert result.markdown.startswith("**Engagement is the weaker side**, with 2 of 3 figures")


def test_tie_in_share_goes_to_the_side_whose_worst_figure_fell_most() -> None:
    figures = [
        opt("participation rate", 0.05, [0.10, 0.10]),  # 50% worse
        opt("posts sent on schedule", 1.0, [1.0, 1.0]),
        eng("returning members", 0.36, [0.40, 0.40]),  # 10% worse
        eng("stickiness", 0.3, [0.2, 0.2]),
    ]
    result = weaker_side(figures)
    assert result is not None
    assert result.optimization_share == result.engagement_share == 0.5
    assert result.side == "optimization"
    assert result.worst.name == "participation rate"
    assert result.reason == (
        "Optimization is the weaker side: both sides have 1 of 2 figures below their 8-week median, and its "
        "worst fell further: participation rate, 50% worse than its median."
    )


def test_unplaced_figures_do_not_count_in_a_side_share() -> None:
    figures = [
        opt("participation rate", 0.05, [0.10, 0.10]),
        opt("posts sent on schedule", None, [1.0, 1.0]),
        eng("returning members", 0.36, [0.40, 0.40]),
        eng("stickiness", 0.3, [0.2, 0.2]),
        eng("% communicators", 0.3, [0.2]),
    ]
    result = weaker_side(figures)
    assert result is not None
    assert result.side == "optimization"
    assert result.optimization_share == 1.0
    assert result.engagement_share == 0.5


def test_no_weaker_side_without_history() -> None:
    figures = [opt("participation rate", 0.1, []), eng("stickiness", 0.2, [0.3])]
    assert weaker_side(figures) is None
    assert weaker_side([]) is None


def test_no_weaker_side_when_only_one_side_can_be_placed() -> None:
    figures = [opt("participation rate", 0.05, [0.10, 0.10]), eng("stickiness", None, [0.2, 0.2])]
    assert weaker_side(figures) is None
