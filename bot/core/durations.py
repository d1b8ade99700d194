"""Human durations such as "30m", "2h", "1d12h" or "1w": parsed once here for polls, giveaways and contests."""

from __future__ import annotations

import re
from datetime import timedelta

UNITS = {"w": 7 * 24 * 3600, "d": 24 * 3600, "h": 3600, "m": 60}
UNIT_WORDS = {
    "w": "w", "week": "w", "weeks": "w", "wk": "w", "wks": "w",
    "d": "d", "day": "d", "days": "d",
    "h": "h", "hr": "h", "hrs": "h", "hour": "h", "hours": "h",
    "m": "m", "min": "m", "mins": "m", "minute": "m", "minutes": "m",
}  # fmt: skip
_PART = re.compile(r"(\d+)\s*([a-z]+)")


class DurationError(ValueError):
    """The text is not a duration; ``str()`` says how to write one."""


def parse_duration(text: str, *, allow_zero: bool = False) -> timedelta:
    """'30m', '2h', '1d', '1w', '1d12h', '1h 30m', '2 days' -> timedelta; DurationError otherwise.

    ``allow_zero`` lets a caller with its own bounds (bot.core.limits) name "0m" in its message.
    """
    cleaned = text.strip().lower().replace(",", " ")
    if not cleaned:
        raise DurationError("the duration is empty: write it like 30m, 2h, 1d, 1w or 1d12h")
    seconds = 0
    position = 0
    seen: set[str] = set()
    for match in _PART.finditer(cleaned):
        if cleaned[position : match.start()].strip():
            break
        unit = UNIT_WORDS.get(match.group(2))
        if unit is None or unit in seen:
            break
        seen.add(unit)
        seconds += int(match.group(1)) * UNITS[unit]
        position = match.end()
    else:
        if seen and not cleaned[position:].strip():
            if seconds <= 0 and not allow_zero:
                raise DurationError(f"{text.strip()!r} is zero: a duration must be longer than that")
            return timedelta(seconds=seconds)
    raise DurationError(
        f"{text.strip()[:40]!r} is not a duration: write it like 30m, 2h, 1d, 1w or 1d12h "
        "(m = minutes, h = hours, d = days, w = weeks)"
    )


def format_duration(duration: timedelta) -> str:
    """A short exact form: 90 min -> '1h 30m', 36 h -> '1d 12h', 7 days -> '1w', 32 days -> '32d'."""
    seconds = int(duration.total_seconds())
    if seconds <= 0:
        return "0m"
    parts = []
    units = UNITS if seconds % UNITS["w"] == 0 else {k: v for k, v in UNITS.items() if k != "w"}
    for unit, size in units.items():
        amount, seconds = divmod(seconds, size)
        if amount:
            parts.append(f"{amount}{unit}")
    if seconds:
        parts.append(f"{seconds}s")
    return " ".join(parts)
