"""Choosing the next question and the low-bank warning: the pure rules in bot/features/questions/rules.py."""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from bot.features.questions.rules import (
    HISTORY_DAYS,
    THREAD_NAME_LIMIT,
    Candidate,
    choose_next,
    fresh_count,
    has_history,
    low_bank_message,
    thread_name,
)

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def days_ago(n: float) -> datetime:
    return NOW - timedelta(days=n)


def test_a_guild_has_a_history_four_weeks_after_hearths_first_post() -> None:
    assert not has_history(None, NOW)
    assert not has_history(NOW - timedelta(days=HISTORY_DAYS) + timedelta(seconds=1), NOW)
    assert has_history(NOW - timedelta(days=HISTORY_DAYS), NOW)


def test_questions_needing_a_history_are_left_out_without_one_unless_nothing_else_is_left() -> None:
    past = Candidate(1, 0, None, needs_history=True)
    plain = Candidate(2, 5, days_ago(40))
    for seed in range(20):
        choice = choose_next([past, plain], NOW, 30, random.Random(seed), history=False)
        assert choice is not None and choice.question_id == 2
    assert choose_next([past, plain], NOW, 30, random.Random(0)).question_id == 1  # type: ignore[union-attr]
    assert choose_next([past], NOW, 30, random.Random(0), history=False).question_id == 1  # type: ignore[union-attr]


def test_empty_bank_gives_nothing() -> None:
    assert choose_next([], NOW, 30, random.Random(1)) is None


def test_question_used_within_the_window_is_never_chosen() -> None:
    bank = [Candidate(1, 0, None), Candidate(2, 0, days_ago(3)), Candidate(3, 5, days_ago(29))]
    for seed in range(50):
        choice = choose_next(bank, NOW, 30, random.Random(seed))
        assert choice is not None and choice.question_id == 1 and not choice.exhausted


def test_a_question_becomes_eligible_again_exactly_after_the_window() -> None:
    bank = [Candidate(1, 4, days_ago(30)), Candidate(2, 0, days_ago(29.9))]
    choice = choose_next(bank, NOW, 30, random.Random(0))
    assert choice is not None and choice.question_id == 1 and not choice.exhausted


def test_least_used_first() -> None:
    bank = [Candidate(1, 3, days_ago(60)), Candidate(2, 1, days_ago(90)), Candidate(3, 2, None)]
    choice = choose_next(bank, NOW, 30, random.Random(0))
    assert choice is not None and choice.question_id == 2


def test_ties_are_broken_at_random_but_reproducibly() -> None:
    bank = [Candidate(i, 0, None) for i in range(1, 6)]
    picks = Counter(choose_next(bank, NOW, 30, random.Random(seed)).question_id for seed in range(500))  # type: ignore[union-attr]
    assert set(picks) == {1, 2, 3, 4, 5}
    assert min(picks.values()) > 60  # roughly uniform
    assert choose_next(bank, NOW, 30, random.Random(7)) == choose_next(list(reversed(bank)), NOW, 30, random.Random(7))


def test_exhausted_bank_reuses_the_least_recently_used() -> None:
    bank = [Candidate(1, 1, days_ago(2)), Candidate(2, 9, days_ago(20)), Candidate(3, 1, days_ago(10))]
    choice = choose_next(bank, NOW, 30, random.Random(0))
    assert choice is not None and choice.question_id == 2 and choice.exhausted


def test_zero_day_window_allows_any_question() -> None:
    bank = [Candidate(1, 2, days_ago(0)), Candidate(2, 3, days_ago(0))]
    choice = choose_next(bank, NOW, 0, random.Random(0))
    assert choice is not None and choice.question_id == 1 and not choice.exhausted


@given(
    st.lists(
        st.tuples(st.integers(0, 20), st.one_of(st.none(), st.floats(0, 100, allow_nan=False))),
        min_size=1,
        max_size=30,
    ),
    st.integers(0, 60),
    st.integers(0, 10_000),
)
def test_choice_never_repeats_while_a_fresh_question_exists(
    rows: list[tuple[int, float | None]], window: int, seed: int
) -> None:
    bank = [Candidate(i, used, None if ago is None else days_ago(ago)) for i, (used, ago) in enumerate(rows)]
    choice = choose_next(bank, NOW, window, random.Random(seed))
    assert choice is not None
    chosen = next(c for c in bank if c.id == choice.question_id)
    fresh = fresh_count(bank, NOW, window)
    assert choice.exhausted == (fresh == 0)
    if fresh:
        assert chosen.last_used_at is None or chosen.last_used_at <= NOW - timedelta(days=window)


def test_fresh_count_counts_questions_not_used_within_the_window() -> None:
    bank = [Candidate(1, 0, None), Candidate(2, 1, days_ago(1)), Candidate(3, 1, days_ago(45))]
    assert fresh_count(bank, NOW, 30) == 2


def test_low_bank_warning_below_the_threshold_only() -> None:
    assert low_bank_message(7, 7, None) is None
    six = low_bank_message(6, 7, None)
    assert six is not None and "Only 6 unused questions" in six and "/question add" in six
    assert "tagged `fun`" in (low_bank_message(1, 7, "fun") or "")
    assert "No unused questions left" in (low_bank_message(0, 7, None) or "")
    assert low_bank_message(0, 0, None) is None  # threshold 0 turns the warning off


def test_thread_name_fits_discord_and_cuts_at_a_word() -> None:
    long = "Which " + "very " * 40 + "long question is this?"
    name = thread_name(long)
    assert len(name) <= THREAD_NAME_LIMIT and name.endswith("…") and not name.endswith(" …")
    assert thread_name("  What is\nyour   favourite tea? ") == "What is your favourite tea?"
