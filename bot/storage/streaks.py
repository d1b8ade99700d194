"""Streak reads: the days each member responded, from the ``member_days`` rollup."""

from __future__ import annotations

from bot.storage.database import Database


class StreakRepository:
    """Reads the member_days rollup (kept exact by triggers) for response streaks."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def response_days(self, guild_id: int, member_id: int) -> list[int]:
        rows = await self._db.fetchall(
            "SELECT local_day FROM member_days WHERE guild_id = ? AND member_id = ? AND responses > 0 "
            "ORDER BY local_day",
            (guild_id, member_id),
        )
        return [r["local_day"] for r in rows]

    async def live_response_days(self, guild_id: int, today: int) -> dict[int, list[int]]:
        """Response days of every member who responded today or yesterday (the only live streaks)."""
        rows = await self._db.fetchall(
            "SELECT member_id, local_day FROM member_days WHERE guild_id = ? AND responses > 0 AND local_day <= ? "
            "AND member_id IN (SELECT member_id FROM member_days WHERE guild_id = ? AND responses > 0 "
            "AND local_day >= ? AND local_day <= ? AND member_id > 0) ORDER BY member_id, local_day",
            (guild_id, today, guild_id, today - 1, today),
        )
        found: dict[int, list[int]] = {}
        for r in rows:
            found.setdefault(r["member_id"], []).append(r["local_day"])
        return found
