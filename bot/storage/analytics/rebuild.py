"""Rebuild of the trigger-kept tables (member_days, guild_hours, post_responders, reply_pairs) from raw rows."""

from __future__ import annotations

from collections.abc import Callable

from bot.storage.activity import fold_queued
from bot.storage.analytics._sql import AnalyticsTables

StepDone = Callable[[str], None]


class BaseRollupRebuild(AnalyticsTables):
    """``rebuild_base_rollups``: one transaction over every guild with raw activities."""

    BASE_REBUILD_STEPS = 4
    """Statements per guild that ``on_step`` reports (member days, hours, post responders, reply pairs)."""

    async def rebuild_base_rollups(self, on_step: StepDone | None = None) -> dict[int, int]:
        """Recompute member_days, guild_hours, post_responders and reply_pairs from raw activities.

        One transaction. Where retention has already dropped raw rows of a guild, days before
        the first full raw day are kept as they are (they cannot be rebuilt). Returns the first
        rebuilt local day per guild. ``on_step(what)`` is called after each of a guild's
        ``BASE_REBUILD_STEPS`` statements (for a progress bar).
        """
        rebuilt: dict[int, int] = {}
        async with self._db.transaction():
            # Queued activities are in activities: fold (and so empty) the queue first, or they
            # would be counted again by the next fold.
            await fold_queued(self._db)
            guilds = await self._db.fetchall(
                "SELECT guild_id, MIN(local_day) FROM activities GROUP BY guild_id "
                "UNION SELECT guild_id, NULL FROM member_days WHERE guild_id NOT IN (SELECT guild_id FROM activities)"
            )
            for guild_id, first_raw in guilds:
                older = None
                if first_raw is not None:
                    older = await self._db.fetchval(
                        "SELECT 1 FROM member_days WHERE guild_id = ? AND local_day < ? LIMIT 1", (guild_id, first_raw)
                    )
                # Without raw rows, or once retention ran, the first raw day may be partial: keep it.
                if first_raw is None:
                    continue
                cutoff = first_raw + 1 if older else -(2**62)
                rebuilt[guild_id] = cutoff
                await self._rebuild_guild(guild_id, cutoff, on_step or (lambda what: None))
        return rebuilt

    async def _rebuild_guild(self, guild_id: int, cutoff: int, on_step: StepDone) -> None:
        params = (guild_id, cutoff)
        for table in ("member_days", "guild_hours", "reply_pairs"):
            await self._db.execute(f"DELETE FROM {table} WHERE guild_id = ? AND local_day >= ?", params)
        await self._db.execute(
            "DELETE FROM post_responders WHERE guild_id = ? AND post_id IN "
            "(SELECT id FROM posts WHERE guild_id = ? AND local_day >= ?)",
            (guild_id, guild_id, cutoff),
        )
        await self._db.execute(
            """
            INSERT INTO member_days (guild_id, local_day, member_id, activities, messages, responses, replies,
                                     member_replies)
            SELECT guild_id, local_day, member_id, COUNT(*),
                   SUM(CASE WHEN kind = 'message' THEN 1 ELSE 0 END),
                   SUM(CASE WHEN post_id IS NOT NULL THEN 1 ELSE 0 END),
                   SUM(CASE WHEN reply_to_member_id IS NOT NULL OR reply_to_bot = 1 THEN 1 ELSE 0 END),
                   SUM(CASE WHEN reply_to_member_id IS NOT NULL AND reply_to_member_id <> member_id
                            THEN 1 ELSE 0 END)
            FROM activities WHERE guild_id = ? AND local_day >= ? AND counts = 1
            GROUP BY guild_id, local_day, member_id
            """,
            params,
        )
        on_step(f"guild {guild_id}: member days")
        await self._db.execute(
            """
            INSERT INTO guild_hours (guild_id, local_day, local_hour_of_week, activities, responses)
            SELECT guild_id, local_day, local_hour_of_week, COUNT(*),
                   SUM(CASE WHEN post_id IS NOT NULL THEN 1 ELSE 0 END)
            FROM activities WHERE guild_id = ? AND local_day >= ? AND counts = 1
            GROUP BY guild_id, local_day, local_hour_of_week
            """,
            params,
        )
        on_step(f"guild {guild_id}: hours")
        await self._db.execute(
            """
            INSERT INTO post_responders (guild_id, post_id, member_id, first_at)
            SELECT a.guild_id, a.post_id, a.member_id, MIN(a.at)
            FROM activities a JOIN posts p ON p.id = a.post_id AND p.guild_id = a.guild_id
            WHERE a.guild_id = ? AND p.local_day >= ? AND a.counts = 1 AND a.post_id IS NOT NULL
            GROUP BY a.guild_id, a.post_id, a.member_id
            """,
            params,
        )
        on_step(f"guild {guild_id}: post responders")
        await self._db.execute(
            """
            INSERT INTO reply_pairs (guild_id, local_day, member_a, member_b, replies, a_to_b, b_to_a)
            SELECT guild_id, local_day,
                   CASE WHEN member_id < reply_to_member_id THEN member_id ELSE reply_to_member_id END,
                   CASE WHEN member_id < reply_to_member_id THEN reply_to_member_id ELSE member_id END,
                   COUNT(*),
                   SUM(CASE WHEN member_id < reply_to_member_id THEN 1 ELSE 0 END),
                   SUM(CASE WHEN member_id > reply_to_member_id THEN 1 ELSE 0 END)
            FROM activities
            WHERE guild_id = ? AND local_day >= ? AND counts = 1
              AND reply_to_member_id IS NOT NULL AND reply_to_member_id <> 0 AND reply_to_member_id <> member_id
            GROUP BY guild_id, local_day,
                     CASE WHEN member_id < reply_to_member_id THEN member_id ELSE reply_to_member_id END,
                     CASE WHEN member_id < reply_to_member_id THEN reply_to_member_id ELSE member_id END
            """,
            params,
        )
        on_step(f"guild {guild_id}: reply pairs")
