"""What the weekly summary reads besides the analytics report: guilds to schedule, winners."""

from __future__ import annotations

from dataclasses import dataclass

from bot.storage.database import Database


@dataclass(frozen=True)
class EndedContest:
    id: int
    theme: str
    ended_at: int


class SummaryRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def guilds_without_schedule(self) -> list[tuple[int, int]]:
        """(guild, summary channel) of guilds with a summary channel but no summary schedule yet."""
        rows = await self._db.fetchall(
            "SELECT guild_id, summary_channel_id FROM guild_settings WHERE summary_channel_id IS NOT NULL "
            "AND guild_id NOT IN (SELECT guild_id FROM schedules WHERE kind = 'summary') ORDER BY guild_id"
        )
        return [(r[0], r[1]) for r in rows]

    async def summary_post_for_week(self, guild_id: int, week_ordinal: int) -> int | None:
        """The summary post already made for the week starting on that local day, if any."""
        return await self._db.fetchval(
            "SELECT id FROM posts WHERE guild_id = ? AND kind = 'summary' AND ref_id = ? ORDER BY id LIMIT 1",
            (guild_id, week_ordinal),
        )

    async def contests_ended_between(self, guild_id: int, since_ms: int, until_ms: int) -> list[EndedContest]:
        """Contests whose vote ended in [since, until), in the order they ended."""
        rows = await self._db.fetchall(
            "SELECT id, theme, voting_ends_at FROM contests WHERE guild_id = ? AND status = 'ended' "
            "AND voting_ends_at >= ? AND voting_ends_at < ? ORDER BY voting_ends_at, id",
            (guild_id, since_ms, until_ms),
        )
        return [EndedContest(r[0], r[1], r[2]) for r in rows]
