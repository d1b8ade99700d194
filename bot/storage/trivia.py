"""Trivia tables: a guild's own questions, what was asked when, rounds, answers and seasons."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

from bot.storage.database import Database
from bot.storage.rows import as_row
from bot.storage.shards import Shards, shard_filter


@dataclass(frozen=True)
class TriviaQuestionRow:
    """One question as stored; ``key`` is the duplicate-detection key the trivia feature computes."""

    key: str
    category: str
    question: str
    correct: str
    incorrect: tuple[str, ...]
    difficulty: str
    kind: str


@dataclass(frozen=True)
class RoundRow:
    id: int
    guild_id: int
    channel_id: int
    category: str | None
    questions: int
    timer_s: int
    started_by: int | None
    schedule_id: int | None
    started_at: int
    ended_at: int | None
    status: str


@dataclass(frozen=True)
class SeasonRow:
    id: int
    guild_id: int
    number: int
    length: str
    channel_id: int
    started_at: int
    ends_at: int
    status: str



class TriviaRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    # -- a guild's own questions ----------------------------------------------------------------
    async def add_question(self, guild_id: int, q: TriviaQuestionRow, added_by: int | None, now_ms: int) -> bool:
        """Store one question; False when the guild already has one with the same text."""
        return (
            await self._db.execute_rowcount(
                "INSERT INTO trivia_questions (guild_id, question_key, category, question, correct, incorrect, "
                "difficulty, kind, added_by, added_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (guild_id, question_key) DO NOTHING",
                (
                    guild_id,
                    q.key,
                    q.category,
                    q.question,
                    q.correct,
                    json.dumps(list(q.incorrect)),
                    q.difficulty,
                    q.kind,
                    added_by,
                    now_ms,
                ),
            )
            == 1
        )

    async def questions(self, guild_id: int, category: str | None = None) -> list[TriviaQuestionRow]:
        sql, params = "SELECT * FROM trivia_questions WHERE guild_id = ?", [guild_id]
        if category is not None:
            sql += " AND category = ?"
            params.append(category)
        rows = await self._db.fetchall(sql + " ORDER BY id", params)
        return [
            TriviaQuestionRow(
                r["question_key"],
                r["category"],
                r["question"],
                r["correct"],
                tuple(json.loads(r["incorrect"])),
                r["difficulty"],
                r["kind"],
            )
            for r in rows
        ]

    async def categories(self, guild_id: int) -> list[str]:
        rows = await self._db.fetchall(
            "SELECT DISTINCT category FROM trivia_questions WHERE guild_id = ? ORDER BY category", (guild_id,)
        )
        return [r["category"] for r in rows]

    async def asked(self, guild_id: int) -> dict[str, int]:
        rows = await self._db.fetchall(
            "SELECT question_key, asked_at FROM trivia_asked WHERE guild_id = ?", (guild_id,)
        )
        return {r["question_key"]: r["asked_at"] for r in rows}

    async def mark_asked(self, guild_id: int, keys: Iterable[str], now_ms: int) -> None:
        await self._db.executemany(
            "INSERT INTO trivia_asked (guild_id, question_key, asked_at) VALUES (?, ?, ?) "
            "ON CONFLICT (guild_id, question_key) DO UPDATE SET asked_at = excluded.asked_at",
            [(guild_id, key, now_ms) for key in keys],
        )

    # -- rounds -----------------------------------------------------------------------------------
    async def start_round(
        self,
        guild_id: int,
        channel_id: int,
        category: str | None,
        questions: int,
        timer_s: int,
        *,
        started_by: int | None,
        schedule_id: int | None,
        now_ms: int,
    ) -> RoundRow:
        round_id = await self._db.execute(
            "INSERT INTO trivia_rounds (guild_id, channel_id, category, questions, timer_s, started_by, schedule_id, "
            "started_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (guild_id, channel_id, category, questions, timer_s, started_by, schedule_id, now_ms),
        )
        found = await self.round(guild_id, round_id)
        assert found is not None
        return found

    async def round(self, guild_id: int, round_id: int) -> RoundRow | None:
        row = await self._db.fetchone("SELECT * FROM trivia_rounds WHERE guild_id = ? AND id = ?", (guild_id, round_id))
        return as_row(RoundRow, row) if row else None

    async def finish_round(self, guild_id: int, round_id: int, status: str, now_ms: int) -> None:
        await self._db.execute(
            "UPDATE trivia_rounds SET status = ?, ended_at = ? WHERE guild_id = ? AND id = ? AND status = 'running'",
            (status, now_ms, guild_id, round_id),
        )

    async def interrupt_running(self, now_ms: int, shards: Shards = None) -> int:
        """Rounds left running by a stopped process cannot resume; mark them interrupted (these shards' guilds)."""
        where, params = shard_filter(shards)
        return await self._db.execute_rowcount(
            f"UPDATE trivia_rounds SET status = 'interrupted', ended_at = ? WHERE status = 'running'{where}",
            [now_ms, *params],
        )

    # -- answers and scores -----------------------------------------------------------------------
    async def save_answer(
        self,
        guild_id: int,
        post_id: int,
        round_id: int,
        question: int,
        member_id: int,
        *,
        choice: int,
        correct: bool,
        points: int,
        elapsed_ms: int,
        now_ms: int,
    ) -> bool:
        """Store a member's answer to question ``question`` (0-based) of the round whose Hearth post
        is ``post_id``; False when they already answered that question."""
        return (
            await self._db.execute_rowcount(
                "INSERT INTO trivia_answers (guild_id, round_id, question, post_id, member_id, choice, correct, "
                "points, elapsed_ms, answered_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (guild_id, round_id, question, member_id) DO NOTHING",
                (guild_id, round_id, question, post_id, member_id, choice, int(correct), points, elapsed_ms, now_ms),
            )
            == 1
        )

    async def scores_between(self, guild_id: int, since_ms: int, until_ms: int) -> dict[int, int]:
        """Points per member for answers in [since, until); members who only answered wrong score 0."""
        rows = await self._db.fetchall(
            "SELECT member_id, SUM(points) AS points FROM trivia_answers "
            "WHERE guild_id = ? AND answered_at >= ? AND answered_at < ? GROUP BY member_id",
            (guild_id, since_ms, until_ms),
        )
        return {r["member_id"]: int(r["points"]) for r in rows}

    async def round_scores(self, guild_id: int, round_id: int) -> dict[int, int]:
        rows = await self._db.fetchall(
            "SELECT member_id, SUM(points) AS points FROM trivia_answers WHERE guild_id = ? AND round_id = ? "
            "GROUP BY member_id",
            (guild_id, round_id),
        )
        return {r["member_id"]: int(r["points"]) for r in rows}

    # -- seasons ------------------------------------------------------------------------------------
    async def active_season(self, guild_id: int) -> SeasonRow | None:
        row = await self._db.fetchone(
            "SELECT * FROM trivia_seasons WHERE guild_id = ? AND status = 'active' ORDER BY number DESC", (guild_id,)
        )
        return as_row(SeasonRow, row) if row else None

    async def season(self, guild_id: int, season_id: int) -> SeasonRow | None:
        row = await self._db.fetchone(
            "SELECT * FROM trivia_seasons WHERE guild_id = ? AND id = ?", (guild_id, season_id)
        )
        return as_row(SeasonRow, row) if row else None

    async def seasons(self, guild_id: int) -> list[SeasonRow]:
        rows = await self._db.fetchall("SELECT * FROM trivia_seasons WHERE guild_id = ? ORDER BY number", (guild_id,))
        return [as_row(SeasonRow, r) for r in rows]

    async def add_season(
        self, guild_id: int, length: str, channel_id: int, started_at: int, ends_at: int
    ) -> SeasonRow | None:
        """Open the guild's next season (numbered after the last); None if that number already exists."""
        async with self._db.transaction():
            number = (
                int(
                    await self._db.fetchval("SELECT MAX(number) FROM trivia_seasons WHERE guild_id = ?", (guild_id,))
                    or 0
                )
                + 1
            )
            created = await self._db.execute_rowcount(
                "INSERT INTO trivia_seasons (guild_id, number, length, channel_id, started_at, ends_at) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (guild_id, number) DO NOTHING",
                (guild_id, number, length, channel_id, started_at, ends_at),
            )
            if not created:
                return None
            row = await self._db.fetchone(
                "SELECT * FROM trivia_seasons WHERE guild_id = ? AND number = ?", (guild_id, number)
            )
        return as_row(SeasonRow, row)

    async def update_season(self, guild_id: int, season_id: int, *, length: str, channel_id: int, ends_at: int) -> None:
        await self._db.execute(
            "UPDATE trivia_seasons SET length = ?, channel_id = ?, ends_at = ? WHERE guild_id = ? AND id = ?",
            (length, channel_id, ends_at, guild_id, season_id),
        )

    async def end_season(self, guild_id: int, season_id: int) -> bool:
        """Mark a season ended; False if it already was (the season-end timer runs once)."""
        return (
            await self._db.execute_rowcount(
                "UPDATE trivia_seasons SET status = 'ended' WHERE guild_id = ? AND id = ? AND status = 'active'",
                (guild_id, season_id),
            )
            == 1
        )

    # -- privacy --------------------------------------------------------------------------------------
    async def forget_member(self, guild_id: int, member_id: int) -> None:
        async with self._db.transaction():
            await self._db.execute(
                "DELETE FROM trivia_answers WHERE guild_id = ? AND member_id = ?", (guild_id, member_id)
            )
            await self._db.execute(
                "UPDATE trivia_questions SET added_by = NULL WHERE guild_id = ? AND added_by = ?", (guild_id, member_id)
            )
            await self._db.execute(
                "UPDATE trivia_rounds SET started_by = NULL WHERE guild_id = ? AND started_by = ?",
                (guild_id, member_id),
            )
