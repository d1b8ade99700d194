"""Games tables: a guild's trivia questions, rounds, answers, seasons, the daily game, streak reads."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from bot.features.trivia.bank import TriviaQuestion, question_key
from bot.storage.database import Database


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


@dataclass(frozen=True)
class DailyGameRow:
    id: int
    guild_id: int
    local_day: int
    target: int
    max_number: int
    max_guesses: int
    channel_id: int
    message_id: int | None
    post_id: int | None
    created_at: int


def _row(cls: type, row: Any) -> Any:
    return cls(**{name: row[name] for name in cls.__dataclass_fields__})


class TriviaRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    # -- a guild's own questions ----------------------------------------------------------------
    async def add_question(self, guild_id: int, q: TriviaQuestion, added_by: int | None, now_ms: int) -> bool:
        """Store one question; False when the guild already has one with the same text."""
        return (
            await self._db.execute_rowcount(
                "INSERT INTO trivia_questions (guild_id, question_key, category, question, correct, incorrect, "
                "difficulty, kind, added_by, added_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (guild_id, question_key) DO NOTHING",
                (
                    guild_id,
                    question_key(q),
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

    async def questions(self, guild_id: int, category: str | None = None) -> list[TriviaQuestion]:
        sql, params = "SELECT * FROM trivia_questions WHERE guild_id = ?", [guild_id]
        if category is not None:
            sql += " AND category = ?"
            params.append(category)
        rows = await self._db.fetchall(sql + " ORDER BY id", params)
        return [
            TriviaQuestion(
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
        return _row(RoundRow, row) if row else None

    async def finish_round(self, guild_id: int, round_id: int, status: str, now_ms: int) -> None:
        await self._db.execute(
            "UPDATE trivia_rounds SET status = ?, ended_at = ? WHERE guild_id = ? AND id = ? AND status = 'running'",
            (status, now_ms, guild_id, round_id),
        )

    async def interrupt_running(self, now_ms: int) -> int:
        """Rounds left running by a stopped process cannot resume; mark them interrupted."""
        return await self._db.execute_rowcount(
            "UPDATE trivia_rounds SET status = 'interrupted', ended_at = ? WHERE status = 'running'", (now_ms,)
        )

    # -- answers and scores -----------------------------------------------------------------------
    async def save_answer(
        self,
        guild_id: int,
        question_post_id: int,
        round_id: int,
        member_id: int,
        *,
        choice: int,
        correct: bool,
        points: int,
        elapsed_ms: int,
        now_ms: int,
    ) -> bool:
        """Store a member's answer; False when they already answered this question."""
        return (
            await self._db.execute_rowcount(
                "INSERT INTO trivia_answers (guild_id, question_post_id, round_id, member_id, choice, correct, points, "
                "elapsed_ms, answered_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (guild_id, question_post_id, member_id) DO NOTHING",
                (guild_id, question_post_id, round_id, member_id, choice, int(correct), points, elapsed_ms, now_ms),
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
        return _row(SeasonRow, row) if row else None

    async def season(self, guild_id: int, season_id: int) -> SeasonRow | None:
        row = await self._db.fetchone(
            "SELECT * FROM trivia_seasons WHERE guild_id = ? AND id = ?", (guild_id, season_id)
        )
        return _row(SeasonRow, row) if row else None

    async def seasons(self, guild_id: int) -> list[SeasonRow]:
        rows = await self._db.fetchall("SELECT * FROM trivia_seasons WHERE guild_id = ? ORDER BY number", (guild_id,))
        return [_row(SeasonRow, r) for r in rows]

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
        return _row(SeasonRow, row)

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


class DailyGameRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def create(
        self,
        guild_id: int,
        local_day: int,
        target: int,
        max_number: int,
        max_guesses: int,
        channel_id: int,
        now_ms: int,
    ) -> DailyGameRow | None:
        """Create the guild's game for a local day; None if that day already has one."""
        created = await self._db.execute_rowcount(
            "INSERT INTO daily_games (guild_id, local_day, target, max_number, max_guesses, channel_id, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (guild_id, local_day) DO NOTHING",
            (guild_id, local_day, target, max_number, max_guesses, channel_id, now_ms),
        )
        return await self.for_day(guild_id, local_day) if created else None

    async def get(self, guild_id: int, game_id: int) -> DailyGameRow | None:
        row = await self._db.fetchone("SELECT * FROM daily_games WHERE guild_id = ? AND id = ?", (guild_id, game_id))
        return _row(DailyGameRow, row) if row else None

    async def for_day(self, guild_id: int, local_day: int) -> DailyGameRow | None:
        row = await self._db.fetchone(
            "SELECT * FROM daily_games WHERE guild_id = ? AND local_day = ?", (guild_id, local_day)
        )
        return _row(DailyGameRow, row) if row else None

    async def set_post(self, guild_id: int, game_id: int, message_id: int, post_id: int) -> None:
        await self._db.execute(
            "UPDATE daily_games SET message_id = ?, post_id = ? WHERE guild_id = ? AND id = ?",
            (message_id, post_id, guild_id, game_id),
        )

    async def delete(self, guild_id: int, game_id: int) -> None:
        """Drop a game whose message never went out, so the day can be tried again."""
        await self._db.execute(
            "DELETE FROM daily_games WHERE guild_id = ? AND id = ? AND message_id IS NULL", (guild_id, game_id)
        )

    async def guesses(self, guild_id: int, game_id: int, member_id: int) -> list[int]:
        rows = await self._db.fetchall(
            "SELECT guess FROM daily_game_guesses WHERE guild_id = ? AND game_id = ? AND member_id = ? "
            "ORDER BY guess_no",
            (guild_id, game_id, member_id),
        )
        return [r["guess"] for r in rows]

    async def add_guess(
        self, guild_id: int, game_id: int, member_id: int, guess_no: int, guess: int, now_ms: int
    ) -> bool:
        """Store a guess; False if that guess number was already taken (a double click)."""
        return (
            await self._db.execute_rowcount(
                "INSERT INTO daily_game_guesses (guild_id, game_id, member_id, guess_no, guess, at) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (guild_id, game_id, member_id, guess_no) DO NOTHING",
                (guild_id, game_id, member_id, guess_no, guess, now_ms),
            )
            == 1
        )

    async def solvers(self, guild_id: int, game_id: int, target: int) -> int:
        return int(
            await self._db.fetchval(
                "SELECT COUNT(DISTINCT member_id) FROM daily_game_guesses WHERE guild_id = ? AND game_id = ? "
                "AND guess = ?",
                (guild_id, game_id, target),
            )
            or 0
        )

    async def players(self, guild_id: int, game_id: int) -> int:
        return int(
            await self._db.fetchval(
                "SELECT COUNT(DISTINCT member_id) FROM daily_game_guesses WHERE guild_id = ? AND game_id = ?",
                (guild_id, game_id),
            )
            or 0
        )

    async def forget_member(self, guild_id: int, member_id: int) -> None:
        await self._db.execute(
            "DELETE FROM daily_game_guesses WHERE guild_id = ? AND member_id = ?", (guild_id, member_id)
        )


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
