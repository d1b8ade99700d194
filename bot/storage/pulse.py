"""Pulse surveys: the schedule, each survey and its answers (keyed hashes, dropped at close)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.storage.database import Database
from bot.storage.rows import as_row


@dataclass(frozen=True)
class PulseScheduleRow:
    guild_id: int
    channel_id: int
    every: str
    open_days: int
    next_at: int


@dataclass(frozen=True)
class SurveyRow:
    id: int
    guild_id: int
    channel_id: int
    message_id: int | None
    post_id: int | None
    opened_at: int
    closes_at: int
    status: str
    closed_at: int | None
    closed_day: int | None
    promoters: int | None
    passives: int | None
    detractors: int | None


class PulseRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    # -- schedule ---------------------------------------------------------------------------
    async def save_schedule(
        self, guild_id: int, channel_id: int, every: str, open_days: int, next_at: int, by: int, now: int
    ) -> None:
        await self._db.execute(
            "INSERT INTO pulse_schedules (guild_id, channel_id, every, open_days, next_at, created_by, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (guild_id) DO UPDATE SET channel_id = excluded.channel_id, "
            "every = excluded.every, open_days = excluded.open_days, next_at = excluded.next_at, "
            "created_by = excluded.created_by",
            (guild_id, channel_id, every, open_days, next_at, by, now),
        )

    async def schedule(self, guild_id: int) -> PulseScheduleRow | None:
        row = await self._db.fetchone(
            "SELECT guild_id, channel_id, every, open_days, next_at FROM pulse_schedules WHERE guild_id = ?",
            (guild_id,),
        )
        return as_row(PulseScheduleRow, row) if row else None

    async def set_next(self, guild_id: int, next_at: int) -> None:
        await self._db.execute("UPDATE pulse_schedules SET next_at = ? WHERE guild_id = ?", (next_at, guild_id))

    async def remove_schedule(self, guild_id: int) -> bool:
        return bool(await self._db.execute_rowcount("DELETE FROM pulse_schedules WHERE guild_id = ?", (guild_id,)))

    # -- surveys ----------------------------------------------------------------------------
    async def open_survey(self, guild_id: int, channel_id: int, opened_at: int, closes_at: int) -> SurveyRow | None:
        """A new survey row; None when one was already opened at that time (a double fire)."""
        rowcount = await self._db.execute_rowcount(
            "INSERT INTO pulse_surveys (guild_id, channel_id, opened_at, closes_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (guild_id, opened_at) DO NOTHING",
            (guild_id, channel_id, opened_at, closes_at),
        )
        if not rowcount:
            return None
        row = await self._db.fetchone(
            "SELECT * FROM pulse_surveys WHERE guild_id = ? AND opened_at = ?", (guild_id, opened_at)
        )
        return as_row(SurveyRow, row) if row else None

    async def set_message(self, guild_id: int, survey_id: int, message_id: int, post_id: int | None) -> None:
        await self._db.execute(
            "UPDATE pulse_surveys SET message_id = ?, post_id = ? WHERE guild_id = ? AND id = ?",
            (message_id, post_id, guild_id, survey_id),
        )

    async def delete_survey(self, guild_id: int, survey_id: int) -> None:
        await self._db.execute("DELETE FROM pulse_surveys WHERE guild_id = ? AND id = ?", (guild_id, survey_id))

    async def survey(self, guild_id: int, survey_id: int) -> SurveyRow | None:
        row = await self._db.fetchone(
            "SELECT * FROM pulse_surveys WHERE guild_id = ? AND id = ?", (guild_id, survey_id)
        )
        return as_row(SurveyRow, row) if row else None

    async def closed_surveys(self, guild_id: int) -> list[SurveyRow]:
        rows = await self._db.fetchall(
            "SELECT * FROM pulse_surveys WHERE guild_id = ? AND status = 'closed' ORDER BY closed_at, id", (guild_id,)
        )
        return [as_row(SurveyRow, r) for r in rows]

    async def open_survey_ids(self, guild_id: int) -> list[int]:
        rows = await self._db.fetchall(
            "SELECT id FROM pulse_surveys WHERE guild_id = ? AND status = 'open' ORDER BY id", (guild_id,)
        )
        return [int(r["id"]) for r in rows]

    async def delete_answer(self, guild_id: int, survey_id: int, answer_hash: str) -> bool:
        return bool(
            await self._db.execute_rowcount(
                "DELETE FROM pulse_answers WHERE guild_id = ? AND survey_id = ? AND answer_hash = ?",
                (guild_id, survey_id, answer_hash),
            )
        )

    async def answer(self, guild_id: int, survey_id: int, answer_hash: str, score: int) -> bool:
        """Set a member's score (the latest counts); True when it replaced an earlier one."""
        async with self._db.transaction() as db:
            had = await db.fetchval(
                "SELECT score FROM pulse_answers WHERE survey_id = ? AND answer_hash = ?", (survey_id, answer_hash)
            )
            await db.execute(
                "INSERT INTO pulse_answers (guild_id, survey_id, answer_hash, score) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (survey_id, answer_hash) DO UPDATE SET score = excluded.score",
                (guild_id, survey_id, answer_hash, score),
            )
        return had is not None

    async def comment(self, guild_id: int, survey_id: int, answer_hash: str, text: str) -> bool:
        return bool(
            await self._db.execute_rowcount(
                "UPDATE pulse_answers SET comment = ? WHERE guild_id = ? AND survey_id = ? AND answer_hash = ?",
                (text, guild_id, survey_id, answer_hash),
            )
        )

    async def my_score(self, survey_id: int, answer_hash: str) -> int | None:
        value = await self._db.fetchval(
            "SELECT score FROM pulse_answers WHERE survey_id = ? AND answer_hash = ?", (survey_id, answer_hash)
        )
        return None if value is None else int(value)

    async def scores(self, guild_id: int, survey_id: int) -> list[int]:
        rows = await self._db.fetchall(
            "SELECT score FROM pulse_answers WHERE guild_id = ? AND survey_id = ? ORDER BY score", (guild_id, survey_id)
        )
        return [int(r["score"]) for r in rows]

    async def comments(self, guild_id: int, survey_id: int) -> list[str]:
        """Comments in a fixed order that says nothing about who or when (by text)."""
        rows = await self._db.fetchall(
            "SELECT comment FROM pulse_answers WHERE guild_id = ? AND survey_id = ? AND comment IS NOT NULL "
            "ORDER BY comment",
            (guild_id, survey_id),
        )
        return [str(r["comment"]) for r in rows]

    async def close(
        self, guild_id: int, survey_id: int, now: int, local_day: int, counts: tuple[int, int, int]
    ) -> bool:
        """Close once (False if already closed); drops the answer hashes so nothing links to anyone."""
        async with self._db.transaction() as db:
            changed = await db.execute_rowcount(
                "UPDATE pulse_surveys SET status = 'closed', closed_at = ?, closed_day = ?, promoters = ?, "
                "passives = ?, detractors = ? WHERE guild_id = ? AND id = ? AND status = 'open'",
                (now, local_day, *counts, guild_id, survey_id),
            )
            if changed:
                await db.execute(
                    "UPDATE pulse_answers SET answer_hash = NULL WHERE guild_id = ? AND survey_id = ?",
                    (guild_id, survey_id),
                )
        return bool(changed)
