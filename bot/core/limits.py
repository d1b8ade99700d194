"""Limits shared by features (giveaways, contests): the error a broken rule raises and bounded durations.

A feature-neutral module so that giveaways and contests use one ``RuleError`` without one feature
importing the other. Parsing is ``bot.core.durations.parse_duration`` (the forms polls accept too:
"30m", "2h", "1d12h", "1w", "2 days"); this module only keeps the wording members already know.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from bot.core import durations

log = logging.getLogger(__name__)


class RuleError(ValueError):
    """Input that breaks a contest or giveaway rule; ``str()`` is the message the member sees."""


def parse_duration(text: str) -> timedelta:
    """Parse "30m", "2h", "1d12h", "1w 2d" into a timedelta (zero allowed, so bounds can name it).

    RuleError names the accepted forms in the words giveaways and contests have always used.
    """
    try:
        return durations.parse_duration(text, allow_zero=True)
    except durations.DurationError as exc:
        raise RuleError(
            f"`{text[:40]}` is not a duration I understand: use numbers with w, d, h or m, e.g. 30m, 2h, 1d12h, 1w."
        ) from exc


def human_duration(delta: timedelta) -> str:
    """Weeks first for messages: 1d 12h, 30m, 8w 4d (unlike ``format_duration``'s 60d, kept for wording)."""
    minutes = int(delta.total_seconds() // 60)
    parts = []
    for label, size in (("w", 7 * 24 * 60), ("d", 24 * 60), ("h", 60), ("m", 1)):
        if minutes >= size:
            parts.append(f"{minutes // size}{label}")
            minutes %= size
    return " ".join(parts) or "0m"


def bounded_duration(text: str, what: str, minimum: timedelta, maximum: timedelta) -> timedelta:
    """Parse ``text`` and check it lies within [minimum, maximum]; the message names ``what``."""
    delta = parse_duration(text)
    if delta < minimum or delta > maximum:
        raise RuleError(
            f"The {what} must be between {human_duration(minimum)} and {human_duration(maximum)} "
            f"(you gave {human_duration(delta)})."
        )
    return delta
