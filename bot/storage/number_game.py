"""Daily number game tables: one game per guild and local day, and every member's guesses."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.storage.database import Database
from bot.storage.rows import as_row


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


def _daily_game(row: Any) -> DailyGameRow:
    return as_row(DailyGameRow, row)


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
        return _daily_game(row) if row else None

    async def for_day(self, guild_id: int, local_day: int) -> DailyGameRow | None:
        row = await self._db.fetchone(
            "SELECT * FROM daily_games WHERE guild_id = ? AND local_day = ?", (guild_id, local_day)
        )
        return _daily_game(row) if row else None

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
