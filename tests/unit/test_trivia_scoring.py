"""Trivia points for speed and correctness, and tie-aware ranking."""

from __future__ import annotations

import pytest

from bot.features.trivia.scoring import rank, score


def test_instant_correct_answer_scores_1000() -> None:
    assert score(True, 0.0, 20.0) == 1000


def test_last_second_correct_answer_scores_500() -> None:
    assert score(True, 20.0, 20.0) == 500
    assert score(True, 19.0, 20.0) == 525


def test_halfway_correct_answer_scores_750() -> None:
    assert score(True, 10.0, 20.0) == 750


def test_wrong_or_late_answers_score_nothing() -> None:
    assert score(False, 1.0, 20.0) == 0
    assert score(True, 20.01, 20.0) == 0


def test_negative_elapsed_from_clock_skew_is_capped_at_1000() -> None:
    assert score(True, -2.0, 20.0) == 1000


def test_timer_must_be_positive() -> None:
    with pytest.raises(ValueError):
        score(True, 1.0, 0.0)


def test_ties_share_a_place_and_the_next_place_is_skipped() -> None:
    table = rank({7: 900, 3: 900, 5: 750, 9: 0})
    assert table == [(1, [3, 7], 900), (3, [5], 750), (4, [9], 0)]


def test_ranking_nobody_gives_an_empty_table() -> None:
    assert rank({}) == []
