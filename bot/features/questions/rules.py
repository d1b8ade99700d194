"""Which question to post next, and when the bank is running low: pure rules, no Discord.

The rule (docs/questions.md): never a question used in the last ``no_repeat_days`` days; among
the rest, the least used first, ties broken at random. When every question was used within the
window the bank is *exhausted*: the least recently used one is reused and moderators are told.
A question that assumes the server has a history with Hearth ("Which past event here did you
enjoy the most?") waits until Hearth's first post there is ``HISTORY_DAYS`` old.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

THREAD_NAME_LIMIT = 100
"""Discord's limit for a thread (channel) name."""

THREAD_ARCHIVE_MINUTES = 1440
"""Answer threads auto-archive a day after the last message."""

HISTORY_DAYS = 28
"""A guild's first weeks: questions that ask about the server's past wait this long after Hearth's first post."""


@dataclass(frozen=True)
class Candidate:
    """What the rule needs to know about one question in the bank."""

    id: int
    times_used: int
    last_used_at: datetime | None
    needs_history: bool = False  # asks about the server's past ("Which past event here ...?")


@dataclass(frozen=True)
class Choice:
    """The chosen question and whether the bank was exhausted (a recent one had to be reused)."""

    question_id: int
    exhausted: bool


def is_fresh(candidate: Candidate, now: datetime, no_repeat_days: int) -> bool:
    """True when the question was never used or not within the last ``no_repeat_days`` days."""
    if candidate.last_used_at is None or no_repeat_days <= 0:
        return True
    return candidate.last_used_at <= now - timedelta(days=no_repeat_days)


def has_history(first_post_at: datetime | None, now: datetime) -> bool:
    """Whether the guild is past its first weeks: Hearth first posted there ``HISTORY_DAYS`` ago."""
    return first_post_at is not None and now - first_post_at >= timedelta(days=HISTORY_DAYS)


def choose_next(
    candidates: Sequence[Candidate],
    now: datetime,
    no_repeat_days: int,
    rng: random.Random,
    *,
    history: bool = True,
) -> Choice | None:
    """Pick the next question (see the module docstring); None when there are no candidates.

    Without ``history`` (a guild's first weeks) questions that need one are left out, unless
    nothing else is left: a deck of only such questions still posts.
    """
    if not history:
        candidates = [c for c in candidates if not c.needs_history] or list(candidates)
    if not candidates:
        return None
    fresh = [c for c in candidates if is_fresh(c, now, no_repeat_days)]
    if fresh:
        fewest = min(c.times_used for c in fresh)
        tied = sorted((c for c in fresh if c.times_used == fewest), key=lambda c: c.id)
        return Choice(rng.choice(tied).id, exhausted=False)
    # Every question was used recently: reuse the one used longest ago (then the least used).
    oldest = min(candidates, key=lambda c: (c.last_used_at, c.times_used, c.id))
    return Choice(oldest.id, exhausted=True)


def fresh_count(candidates: Iterable[Candidate], now: datetime, no_repeat_days: int) -> int:
    """How many questions could be posted now without repeating one from the window."""
    return sum(1 for c in candidates if is_fresh(c, now, no_repeat_days))


def low_bank_message(fresh: int, threshold: int, tag: str | None) -> str | None:
    """The moderator warning when fewer than ``threshold`` unused questions remain, else None."""
    if threshold <= 0 or fresh >= threshold:
        return None
    deck = f"tagged `{tag}`" if tag else "in the question bank"
    if fresh == 0:
        return (
            f"No unused questions left {deck}: old ones are being reused. "
            "Add more with `/question add`, `/question import` or `/question starter-pack`."
        )
    noun = "question" if fresh == 1 else "questions"
    return (
        f"Only {fresh} unused {noun} left {deck} (warning below {threshold}). "
        "Add more with `/question add`, `/question import` or `/question starter-pack`."
    )


def thread_name(text: str, limit: int = THREAD_NAME_LIMIT) -> str:
    """A thread name from the question: one line, cut at a word boundary to Discord's limit."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat or "Answers"
    cut = flat[: limit - 1]
    space = cut.rfind(" ")
    if space >= limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:-") + "…"
