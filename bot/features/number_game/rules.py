"""The daily number game: guess today's number with buttons, a hint after each guess.

Each guild gets one game per local day: a number from 1 to ``MAX_NUMBER`` and ``MAX_GUESSES``
tries per member. Every guess is answered privately with "higher", "lower" or "got it", so it
needs no message content and nobody spoils it for the others. Binary search always wins within
five guesses on 1..25, so the game rewards thinking over luck.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass
from enum import Enum

log = logging.getLogger(__name__)

MAX_NUMBER = 25  # 5 rows x 5 buttons: the most components one message can hold
MAX_GUESSES = 5


class Hint(Enum):
    HIGHER = "higher"
    LOWER = "lower"
    CORRECT = "correct"


@dataclass(frozen=True)
class GuessOutcome:
    """What one guess did: the hint, which guess it was, and whether the member is done."""

    hint: Hint | None
    guess_no: int
    guesses_left: int
    refused: str | None = None  # why the guess was not taken (already solved, out of guesses, ...)

    @property
    def solved(self) -> bool:
        return self.hint is Hint.CORRECT


def pick_target(rng: random.Random, max_number: int = MAX_NUMBER) -> int:
    return rng.randint(1, max_number)


def hint(guess: int, target: int) -> Hint:
    if guess == target:
        return Hint.CORRECT
    return Hint.HIGHER if target > guess else Hint.LOWER


def judge(
    previous: list[int], guess: int, target: int, max_guesses: int = MAX_GUESSES, max_number: int = MAX_NUMBER
) -> GuessOutcome:
    """The outcome of ``guess`` for a member who already guessed ``previous`` (in order)."""
    used = len(previous)
    if target in previous:
        return GuessOutcome(None, used, max_guesses - used, refused="You already found today's number. 🎉")
    if used >= max_guesses:
        return GuessOutcome(None, used, 0, refused=f"You used all {max_guesses} guesses today; try again tomorrow.")
    if not 1 <= guess <= max_number:
        return GuessOutcome(None, used, max_guesses - used, refused=f"Pick a number from 1 to {max_number}.")
    return GuessOutcome(hint(guess, target), used + 1, max_guesses - used - 1)


def possible_range(previous: list[int], target: int, max_number: int = MAX_NUMBER) -> tuple[int, int]:
    """The range still possible after the hints ``previous`` earned (a kindness to the player)."""
    low, high = 1, max_number
    for guess in previous:
        if guess < target:
            low = max(low, guess + 1)
        elif guess > target:
            high = min(high, guess - 1)
    return low, high
