"""Who a report is computed for: the guild, its time zone, now, and the opted-out members left out."""

from __future__ import annotations

import hashlib
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, time

from bot.core.localtime import occurrence_at, zone


class Excluded(frozenset[int]):
    """Opted-out member ids, with the fingerprint of the guild's opt-out list they came from."""

    key: str | None = None

    @classmethod
    def of(cls, ids: Collection[int], key: str) -> Excluded:
        found = cls(ids)
        found.key = key
        return found


def exclusion_key(excluded: Collection[int]) -> str:
    """A short fingerprint of the opted-out set a rollup row was computed without.

    For an ``Excluded`` it is the fingerprint of the guild's opt-out list (stable whatever
    window the candidate ids came from); for a plain set, of the ids themselves.
    """
    key = getattr(excluded, "key", None)
    if key is not None:
        return key
    if not excluded:
        return "none"
    digest = hashlib.sha256(",".join(map(str, sorted(excluded))).encode()).hexdigest()
    return digest[:24]


@dataclass(frozen=True)
class Scope:
    guild_id: int
    tz: str
    now: datetime
    excluded: frozenset[int] = frozenset()
    member_count: int | None = None  # the live member count, used for periods that include today
    excl_key: str = ""

    def __post_init__(self) -> None:
        if not self.excl_key:
            object.__setattr__(self, "excl_key", exclusion_key(self.excluded))

    @property
    def today(self) -> date:
        return self.now.astimezone(zone(self.tz)).date()

    @property
    def now_ms(self) -> int:
        return int(self.now.timestamp() * 1000)

    def midnight_ms(self, day: date) -> int:
        """UTC ms of local midnight starting ``day`` (DST-correct)."""
        return int(occurrence_at(day, time(0), self.tz).timestamp() * 1000)
