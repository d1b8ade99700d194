"""Response streaks: consecutive local days on which a member responded to a Hearth post.

Days are local-day ordinals (`date.toordinal()` of the guild-local date), as stored with each
activity. A streak is not broken until a full day is missed, so the current streak counts back
from today if the member has responded today, else from yesterday.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import NamedTuple

log = logging.getLogger(__name__)


class Streak(NamedTuple):
    """One member's streaks, in days."""

    member_id: int
    current: int
    longest: int


def current_and_longest(days: Iterable[int], today: int) -> tuple[int, int]:
    """(current, longest) streak in days; days after `today` are ignored (clock skew)."""
    seen = {d for d in days if d <= today}
    if not seen:
        return (0, 0)
    start = today if today in seen else today - 1
    current = 0
    while start - current in seen:
        current += 1
    longest = 0
    for d in seen:
        if d - 1 in seen:
            continue  # not the first day of a run
        run = 1
        while d + run in seen:
            run += 1
        longest = max(longest, run)
    return (current, longest)


def top_streaks(member_days: Mapping[int, Iterable[int]], today: int, n: int = 5) -> list[Streak]:
    """The `n` longest current streaks (members with no current streak left out).

    Ordered by current streak, then longest streak, both descending, then member id ascending
    so equal streaks always list in the same order.
    """
    streaks = [Streak(member, *current_and_longest(days, today)) for member, days in member_days.items()]
    live = [s for s in streaks if s.current > 0]
    live.sort(key=lambda s: (-s.current, -s.longest, s.member_id))
    return live[: max(n, 0)]
