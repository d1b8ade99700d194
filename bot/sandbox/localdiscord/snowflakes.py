"""Discord snowflakes whose timestamp comes from a controllable clock.

discord.py derives ``created_at`` of every message, user and interaction from its id, so the
local Discord mints ids from its own clock: a test that moves the clock moves those times too.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

DISCORD_EPOCH_MS = 1_420_070_400_000
_LOW_BITS = 22
_LOW_MASK = (1 << _LOW_BITS) - 1
# next() counts in the lower half of the low bits, at() in the upper half: they never collide.
_HALF = 1 << (_LOW_BITS - 1)


def to_ms(moment: datetime) -> int:
    """Epoch milliseconds of an aware datetime."""
    return int(moment.timestamp() * 1000)


def snowflake_time(snowflake: int) -> datetime:
    """The moment encoded in a snowflake."""
    return datetime.fromtimestamp(((snowflake >> _LOW_BITS) + DISCORD_EPOCH_MS) / 1000, UTC)


class SnowflakeGenerator:
    """Mints unique, increasing ids; ``next()`` follows the clock, ``at()`` encodes any moment."""

    def __init__(self, now_ms: Callable[[], int]) -> None:
        self._now_ms = now_ms
        self._last_ms = 0
        self._counter = 0
        self._past_counter = 0

    def next(self) -> int:
        """A fresh id stamped with the clock's now; never smaller than the previous one."""
        ms = max(self._now_ms() - DISCORD_EPOCH_MS, self._last_ms, 0)
        if ms == self._last_ms:
            self._counter += 1
            if self._counter >= _HALF:
                ms += 1
                self._counter = 0
        else:
            self._counter = 0
        self._last_ms = ms
        return (ms << _LOW_BITS) | self._counter

    def at(self, moment: datetime) -> int:
        """A fresh id stamped with ``moment`` (for accounts created in the past)."""
        ms = max(to_ms(moment) - DISCORD_EPOCH_MS, 0)
        self._past_counter = (self._past_counter + 1) % _HALF
        return (ms << _LOW_BITS) | _HALF | self._past_counter
