"""Welcome: the guild's welcome settings, one row per welcomed member, welcome A/B tests."""

from __future__ import annotations

from dataclasses import dataclass

from bot.storage.database import Database
from bot.storage.id_lists import rows_for_ids
from bot.storage.rows import as_row


@dataclass(frozen=True)
class WelcomeSettings:
    guild_id: int
    channel_id: int
    message: str
    enabled: int


@dataclass(frozen=True)
class WelcomeRow:
    guild_id: int
    member_id: int
    joined_at: int
    position: int
    status: str
    message_id: int | None
    post_id: int | None
    sent_at: int | None
    experiment_id: int | None
    arm: str | None


@dataclass(frozen=True)
class WelcomeExperimentRow:
    id: int
    guild_id: int
    name: str
    text_a: str
    text_b: str
    joiners: int
    seed: str
    status: str
    started_at: int
    ended_at: int | None
    outcome: str | None


class WelcomeRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    # -- settings ---------------------------------------------------------------------------------
    async def settings(self, guild_id: int) -> WelcomeSettings | None:
        row = await self._db.fetchone("SELECT * FROM welcome_settings WHERE guild_id = ?", (guild_id,))
        return as_row(WelcomeSettings, row) if row else None

    async def save_settings(
        self, guild_id: int, channel_id: int, message: str, enabled: bool = True, *, at_ms: int
    ) -> None:
        async with self._db.transaction():
            await self._db.execute(
                "INSERT INTO welcome_settings (guild_id, channel_id, message, enabled) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (guild_id) DO UPDATE SET channel_id = excluded.channel_id, message = excluded.message, "
                "enabled = excluded.enabled",
                (guild_id, channel_id, message, int(enabled)),
            )
            await self._mark_period(guild_id, enabled, at_ms)

    async def set_enabled(self, guild_id: int, enabled: bool, *, at_ms: int) -> None:
        async with self._db.transaction():
            await self._db.execute(
                "UPDATE welcome_settings SET enabled = ? WHERE guild_id = ?", (int(enabled), guild_id)
            )
            await self._mark_period(guild_id, enabled, at_ms)

    async def _mark_period(self, guild_id: int, enabled: bool, at_ms: int) -> None:
        """The history of on and off (welcomed vs not-welcomed periods): open one when turned on,
        close the open one when turned off."""
        if enabled:
            if not await self._db.fetchval(
                "SELECT 1 FROM welcome_periods WHERE guild_id = ? AND ended_at IS NULL", (guild_id,)
            ):
                await self._db.execute(
                    "INSERT INTO welcome_periods (guild_id, started_at) VALUES (?, ?) "
                    "ON CONFLICT (guild_id, started_at) DO NOTHING",
                    (guild_id, at_ms),
                )
        else:
            await self._db.execute(
                "UPDATE welcome_periods SET ended_at = ? WHERE guild_id = ? AND ended_at IS NULL", (at_ms, guild_id)
            )

    async def periods(self, guild_id: int) -> list[tuple[int, int | None]]:
        """When the welcome was on: (started_at, ended_at or None while it is on), oldest first."""
        rows = await self._db.fetchall(
            "SELECT started_at, ended_at FROM welcome_periods WHERE guild_id = ? ORDER BY started_at", (guild_id,)
        )
        return [(r[0], r[1]) for r in rows]

    # -- welcomes -----------------------------------------------------------------------------------
    async def enqueue(
        self, guild_id: int, member_id: int, joined_at: int, experiment_id: int | None, arm: str | None
    ) -> bool:
        """A pending welcome for a member never welcomed here before; False when they were."""
        async with self._db.transaction():
            if await self._db.fetchval(
                "SELECT 1 FROM welcomes WHERE guild_id = ? AND member_id = ?", (guild_id, member_id)
            ):
                return False
            position = await self._db.fetchval("SELECT COUNT(*) FROM welcomes WHERE guild_id = ?", (guild_id,))
            await self._db.execute(
                "INSERT INTO welcomes (guild_id, member_id, joined_at, position, status, experiment_id, arm) "
                "VALUES (?, ?, ?, ?, 'pending', ?, ?)",
                (guild_id, member_id, joined_at, int(position or 0), experiment_id, arm),
            )
        return True

    async def welcomed_count(self, guild_id: int, experiment_id: int | None = None) -> int:
        if experiment_id is None:
            return int(await self._db.fetchval("SELECT COUNT(*) FROM welcomes WHERE guild_id = ?", (guild_id,)) or 0)
        return int(
            await self._db.fetchval(
                "SELECT COUNT(*) FROM welcomes WHERE guild_id = ? AND experiment_id = ?", (guild_id, experiment_id)
            )
            or 0
        )

    async def claim_pending(self, guild_id: int, limit: int) -> list[WelcomeRow]:
        """Take up to ``limit`` pending welcomes (oldest first) for one message: at most once each."""
        async with self._db.transaction():
            rows = await self._db.fetchall(
                "SELECT * FROM welcomes WHERE guild_id = ? AND status = 'pending' ORDER BY position LIMIT ?",
                (guild_id, limit),
            )
            claimed = [as_row(WelcomeRow, r) for r in rows]
            await self._db.executemany(
                "UPDATE welcomes SET status = 'posting' WHERE guild_id = ? AND member_id = ?",
                [(guild_id, r.member_id) for r in claimed],
            )
        return claimed

    async def pending_count(self, guild_id: int) -> int:
        return int(
            await self._db.fetchval(
                "SELECT COUNT(*) FROM welcomes WHERE guild_id = ? AND status = 'pending'", (guild_id,)
            )
            or 0
        )

    async def mark(self, guild_id: int, member_ids: list[int], status: str, **fields: int | None) -> None:
        await self._db.executemany(
            "UPDATE welcomes SET status = ?, message_id = ?, post_id = ?, sent_at = ? "
            "WHERE guild_id = ? AND member_id = ?",
            [
                (status, fields.get("message_id"), fields.get("post_id"), fields.get("sent_at"), guild_id, m)
                for m in member_ids
            ],
        )

    async def last_sent_at(self, guild_id: int) -> int | None:
        return await self._db.fetchval("SELECT MAX(sent_at) FROM welcomes WHERE guild_id = ?", (guild_id,))

    async def welcomed(self, guild_id: int, experiment_id: int | None = None) -> list[WelcomeRow]:
        if experiment_id is None:
            rows = await self._db.fetchall(
                "SELECT * FROM welcomes WHERE guild_id = ? AND status = 'sent' ORDER BY position", (guild_id,)
            )
        else:
            rows = await self._db.fetchall(
                "SELECT * FROM welcomes WHERE guild_id = ? AND status = 'sent' AND experiment_id = ? ORDER BY position",
                (guild_id, experiment_id),
            )
        return [as_row(WelcomeRow, r) for r in rows]

    async def current_question(self, guild_id: int, since_ms: int) -> tuple[int, int] | None:
        """(channel, message) of the latest question of the day posted since ``since_ms``."""
        row = await self._db.fetchone(
            "SELECT channel_id, message_id FROM posts WHERE guild_id = ? AND kind = 'question' AND posted_at >= ? "
            "ORDER BY posted_at DESC LIMIT 1",
            (guild_id, since_ms),
        )
        return (row[0], row[1]) if row else None

    async def active_days(self, guild_id: int, member_ids: list[int]) -> dict[int, set[int]]:
        """member -> local days with any counted activity."""
        found: dict[int, set[int]] = {m: set() for m in member_ids}
        days = "SELECT member_id, local_day FROM member_days WHERE guild_id = ? AND {ids}"
        for member, day in await rows_for_ids(self._db, days, member_ids, (guild_id,)):
            found[member].add(day)
        return found

    async def forget_member(self, guild_id: int, member_id: int) -> None:
        await self._db.execute("DELETE FROM welcomes WHERE guild_id = ? AND member_id = ?", (guild_id, member_id))

    # -- A/B tests ----------------------------------------------------------------------------------
    async def start_experiment(
        self, guild_id: int, name: str, text_a: str, text_b: str, joiners: int, seed: str, now_ms: int
    ) -> int:
        return await self._db.execute(
            "INSERT INTO welcome_experiments (guild_id, name, text_a, text_b, joiners, seed, started_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (guild_id, name, text_a, text_b, joiners, seed, now_ms),
        )

    async def running_experiment(self, guild_id: int) -> WelcomeExperimentRow | None:
        row = await self._db.fetchone(
            "SELECT * FROM welcome_experiments WHERE guild_id = ? AND status = 'running'", (guild_id,)
        )
        return as_row(WelcomeExperimentRow, row) if row else None

    async def experiment_named(self, guild_id: int, name: str) -> WelcomeExperimentRow | None:
        row = await self._db.fetchone(
            "SELECT * FROM welcome_experiments WHERE guild_id = ? AND name = ?", (guild_id, name)
        )
        return as_row(WelcomeExperimentRow, row) if row else None

    async def end_experiment(self, guild_id: int, experiment_id: int, outcome: str, now_ms: int) -> None:
        await self._db.execute(
            "UPDATE welcome_experiments SET status = 'finished', outcome = ?, ended_at = ? "
            "WHERE guild_id = ? AND id = ?",
            (outcome, now_ms, guild_id, experiment_id),
        )
