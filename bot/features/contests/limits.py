"""Shared rules for giveaways and contests: duration parsing and bounds, and the error they raise.

The polls feature writes its own ``durations.py``; this small parser exists so contests don't
depend on that branch. Both accept the same forms ("30m", "2h", "1d12h", "1w").
"""

from __future__ import annotations

import logging
import re
from datetime import timedelta

log = logging.getLogger(__name__)

_PART = re.compile(r"(\d+)\s*([wdhm])")
_UNITS = {"w": timedelta(weeks=1), "d": timedelta(days=1), "h": timedelta(hours=1), "m": timedelta(minutes=1)}


class RuleError(ValueError):
    """Input that breaks a contest or giveaway rule; ``str()`` is the message the member sees."""


def parse_duration(text: str) -> timedelta:
    """Parse "30m", "2h", "1d12h", "1w 2d" into a timedelta; RuleError names the accepted forms."""
    cleaned = text.strip().lower().replace(" ", "")
    if not cleaned or _PART.sub("", cleaned):
        raise RuleError(
            f"`{text[:40]}` is not a duration I understand: use numbers with w, d, h or m, e.g. 30m, 2h, 1d12h, 1w."
        )
    total = timedelta()
    for amount, unit in _PART.findall(cleaned):
        total += int(amount) * _UNITS[unit]
    return total


def human_duration(delta: timedelta) -> str:
    """The inverse of parse_duration for messages: 1d 12h, 30m."""
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
