"""Response streaks per member, read from the ``member_days`` rollup (METRICS.md "Streaks").

A day counts when the member responded to at least one Hearth post that local day
(``member_days.responses > 0``); the rules themselves are in ``bot.analytics.streaks``.
The weekly summary uses ``top_streaks(guild_id, today)``.
"""

from __future__ import annotations

import logging
from datetime import date

from bot.analytics.streaks import Streak, current_and_longest
from bot.analytics.streaks import top_streaks as rank_streaks
from bot.storage.database import Database
from bot.storage.streaks import StreakRepository

log = logging.getLogger(__name__)


def _ordinal(today: date | int) -> int:
    return today if isinstance(today, int) else today.toordinal()


class StreakService:
    def __init__(self, db: Database) -> None:
        self._repo = StreakRepository(db)

    async def for_member(self, guild_id: int, member_id: int, today: date | int) -> Streak:
        """The member's current and longest streak on local day ``today`` (a date or its ordinal)."""
        days = await self._repo.response_days(guild_id, member_id)
        return Streak(member_id, *current_and_longest(days, _ordinal(today)))

    async def top_streaks(self, guild_id: int, today: date | int, n: int = 5) -> list[Streak]:
        """The ``n`` longest live streaks in the guild on local day ``today``, longest first."""
        day = _ordinal(today)
        return rank_streaks(await self._repo.live_response_days(guild_id, day), day, n)
