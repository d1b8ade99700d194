"""Trivia points: correct answers score 500-1000, more for answering faster; ranking with ties.

A correct answer at the very start of the timer scores about 1000, a correct answer in the last
second about 500; wrong or late answers score 0. Speed matters, but being right matters more.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

log = logging.getLogger(__name__)

MIN_CORRECT = 500
MAX_CORRECT = 1000


def score(correct: bool, elapsed_s: float, timer_s: float) -> int:
    """Points for one answer: 0 if wrong or after the timer, else 500 + 500 x time left share.

    An answer exactly at the timer still counts (500); negative elapsed (clock skew) counts as 0 s.
    """
    if timer_s <= 0:
        raise ValueError(f"timer_s must be positive, got {timer_s}")
    if not correct or elapsed_s > timer_s:
        return 0
    elapsed = max(0.0, elapsed_s)
    points = MIN_CORRECT + round(500 * (1 - elapsed / timer_s))
    return max(MIN_CORRECT, min(MAX_CORRECT, points))


def rank(scores: Mapping[int, int]) -> list[tuple[int, list[int], int]]:
    """(place, member ids tied at that place, score), best first, standard competition ranking.

    Two members tied first are both 1st and the next is 3rd ("1224" ranking); tied ids are
    listed ascending.
    """
    by_score: dict[int, list[int]] = {}
    for member, points in scores.items():
        by_score.setdefault(points, []).append(member)
    table: list[tuple[int, list[int], int]] = []
    place = 1
    for points in sorted(by_score, reverse=True):
        members = sorted(by_score[points])
        table.append((place, members, points))
        place += len(members)
    return table
