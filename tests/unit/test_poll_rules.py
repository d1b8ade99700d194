"""Poll input rules, vote changes and tallies (no Discord)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.features.polls.rules import (
    Participation,
    PollInputError,
    apply_vote,
    build_spec,
    describe_vote,
    parse_options,
    percent,
    tally,
    winner_line,
)


def test_options_split_on_commas_or_on_lines_when_there_are_lines() -> None:
    assert parse_options("Tea, Coffee ,  ,Water") == ["Tea", "Coffee", "Water"]
    assert parse_options("Tea, with milk\nCoffee\n\n  Water  ") == ["Tea, with milk", "Coffee", "Water"]


def test_a_good_poll_becomes_a_spec_with_whole_native_hours() -> None:
    spec = build_spec("  What   now? ", "a, b, c", "90m", multi=True, anonymous=False)
    assert spec.question == "What now?"
    assert spec.options == ("a", "b", "c")
    assert spec.duration == timedelta(minutes=90)
    assert spec.native_hours == 2
    assert build_spec("Q", "a,b", None, multi=False, anonymous=True).duration == timedelta(days=1)


@pytest.mark.parametrize(
    ("question", "options", "duration", "anonymous", "says"),
    [
        ("Q", "only one", "1h", False, "at least 2 options"),
        ("Q", ",".join(f"o{i}" for i in range(11)), "1h", False, "at most 10 options"),
        ("Q", "Tea, tea", "1h", False, "Options 1 and 2 are the same"),
        ("Q", "ok, " + "x" * 56, "1h", False, "Option 2 .* 56 characters; options allow at most 55"),
        ("x" * 301, "a, b", "1h", False, "question is 301 characters; polls allow at most 300"),
        ("   ", "a, b", "1h", False, "question is empty"),
        ("Q", "a, b", "30m", False, "Native Discord polls run from 1h to 32d"),
        ("Q", "a, b", "33d", False, "Native Discord polls run from 1h to 32d"),
        ("Q", "a, b", "33d", True, "Anonymous polls run from 1m to 32d"),
        ("Q", "a, b", "soon", False, "not a duration"),
    ],
)
def test_bad_input_says_which_rule(question: str, options: str, duration: str, anonymous: bool, says: str) -> None:
    with pytest.raises(PollInputError, match=says):
        build_spec(question, options, duration, multi=False, anonymous=anonymous)


def test_limits_are_inclusive() -> None:
    spec = build_spec(
        "q" * 300, ",".join(f"{i:02d}" + "o" * 53 for i in range(10)), "32d", multi=False, anonymous=False
    )
    assert len(spec.options) == 10 and spec.native_hours == 32 * 24
    assert build_spec("Q", "a,b", "1h", multi=False, anonymous=False).native_hours == 1


def test_single_choice_moves_and_the_same_click_withdraws() -> None:
    first = apply_vote([], 1, multi=False)
    assert first.after == {1}
    moved = apply_vote(first.after, 2, multi=False)
    assert moved.after == {2}
    again = apply_vote(moved.after, 2, multi=False)
    assert again.after == set() and again.withdrawn


def test_multi_choice_toggles_and_withdraw_clears_everything() -> None:
    votes = apply_vote([], 0, multi=True).after
    votes = apply_vote(votes, 2, multi=True).after
    assert votes == {0, 2}
    assert apply_vote(votes, 0, multi=True).after == {2}
    cleared = apply_vote(votes, None, multi=True)
    assert cleared.after == set() and cleared.withdrawn


def test_vote_confirmation_names_only_the_voters_choice() -> None:
    options = ["Tea", "Coffee", "Water"]
    assert describe_vote(apply_vote([], 1, multi=False), options).startswith("Your vote: **Coffee**.")
    assert "Your votes: **Tea**, **Water**" in describe_vote(apply_vote([0], 2, multi=True), options)
    assert describe_vote(apply_vote([1], None, multi=False), options) == "Your vote is withdrawn."
    assert describe_vote(apply_vote([], None, multi=False), options) == "You have no vote on this poll."


def test_tally_percentages_winner_and_ties() -> None:
    result = tally(["a", "b", "c"], [2, 1, 1])
    assert result.voters == 4 and result.percentages == (50.0, 25.0, 25.0)
    assert result.winners == (0,) and not result.tie
    assert winner_line(result) == "Winner: **a** (2 votes)."
    tie = tally(["a", "b", "c"], [3, 3, 0])
    assert tie.tie and tie.winners == (0, 1)
    assert winner_line(tie) == "Tie between **a**, **b** (3 votes each)."
    empty = tally(["a", "b"], [0, 0])
    assert empty.winners == () and winner_line(empty) == "No votes were cast." and empty.percentages == (0.0, 0.0)


def test_multi_select_percentages_are_shares_of_voters() -> None:
    result = tally(["a", "b"], [3, 2], voters=4)
    assert result.total_votes == 5 and result.percentages == (75.0, 50.0)
    assert tally(["a", "b"], [3, 2], voters=1).voters == 3  # nobody can out-count the voters


def test_participation_rates_and_their_formatting() -> None:
    figures = Participation(responders=3, active_base=40, member_count=200)
    assert figures.rate == 0.075 and figures.reach == 0.015
    assert percent(figures.rate) == "7.5%" and percent(figures.reach) == "1.5%" and percent(0.5) == "50%"
    nobody = Participation(0, 0, None)
    assert nobody.rate is None and percent(nobody.reach) == "n/a"
