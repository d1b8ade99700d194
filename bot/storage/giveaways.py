"""Giveaways: their rows, entries and winners (every draw round)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.storage.database import Database
from bot.storage.id_lists import rows_for_ids
from bot.storage.rows import as_row


@dataclass(frozen=True)
class GiveawayRow:
    id: int
    guild_id: int
    channel_id: int
    message_id: int | None
    post_id: int | None
    host_id: int
    prize: str
    winner_count: int
    required_role_id: int | None
    min_days_in_server: int | None
    min_account_age_days: int | None
    seed: str
    commitment: str
    status: str
    created_at: int
    ends_at: int
    ended_at: int | None
    results_message_id: int | None


@dataclass(frozen=True)
class WinnerRow:
    member_id: int
    draw_round: int
    position: int
    is_current: bool


class GiveawayRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def create(
        self,
        guild_id: int,
        *,
        channel_id: int,
        host_id: int,
        prize: str,
        winner_count: int,
        required_role_id: int | None,
        min_days_in_server: int | None,
        min_account_age_days: int | None,
        seed: str,
        commitment: str,
        created_at: int,
        ends_at: int,
    ) -> int:
        return await self._db.execute(
            "INSERT INTO giveaways (guild_id, channel_id, host_id, prize, winner_count, required_role_id, "
            "min_days_in_server, min_account_age_days, seed, commitment, created_at, ends_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                guild_id,
                channel_id,
                host_id,
                prize,
                winner_count,
                required_role_id,
                min_days_in_server,
                min_account_age_days,
                seed,
                commitment,
                created_at,
                ends_at,
            ),
        )

    async def delete(self, guild_id: int, giveaway_id: int) -> None:
        """Drop a giveaway whose post never went out."""
        await self._db.execute("DELETE FROM giveaways WHERE guild_id = ? AND id = ?", (guild_id, giveaway_id))

    async def set_post(self, guild_id: int, giveaway_id: int, message_id: int, post_id: int) -> None:
        await self._db.execute(
            "UPDATE giveaways SET message_id = ?, post_id = ? WHERE guild_id = ? AND id = ?",
            (message_id, post_id, guild_id, giveaway_id),
        )

    async def get(self, guild_id: int, giveaway_id: int) -> GiveawayRow | None:
        row = await self._db.fetchone("SELECT * FROM giveaways WHERE guild_id = ? AND id = ?", (guild_id, giveaway_id))
        return as_row(GiveawayRow, row) if row else None

    async def list(self, guild_id: int, *, statuses: tuple[str, ...] = ("open",), limit: int = 25) -> list[GiveawayRow]:
        marks = ", ".join("?" for _ in statuses)
        rows = await self._db.fetchall(
            f"SELECT * FROM giveaways WHERE guild_id = ? AND status IN ({marks}) ORDER BY id DESC LIMIT ?",
            (guild_id, *statuses, limit),
        )
        return [as_row(GiveawayRow, r) for r in rows]

    async def open_with_role(self) -> list[GiveawayRow]:
        rows = await self._db.fetchall("SELECT * FROM giveaways WHERE status = 'open' AND required_role_id IS NOT NULL")
        return [as_row(GiveawayRow, r) for r in rows]

    async def set_status(self, guild_id: int, giveaway_id: int, status: str, ended_at: int | None) -> None:
        await self._db.execute(
            "UPDATE giveaways SET status = ?, ended_at = ? WHERE guild_id = ? AND id = ?",
            (status, ended_at, guild_id, giveaway_id),
        )

    async def set_results_message(self, guild_id: int, giveaway_id: int, message_id: int) -> None:
        await self._db.execute(
            "UPDATE giveaways SET results_message_id = ? WHERE guild_id = ? AND id = ?",
            (message_id, guild_id, giveaway_id),
        )

    # -- entries ------------------------------------------------------------------------------
    async def enter(self, guild_id: int, giveaway_id: int, member_id: int, at: int) -> bool:
        """True when the member is newly entered; entering twice changes nothing."""
        return (
            await self._db.execute_rowcount(
                "INSERT INTO giveaway_entries (guild_id, giveaway_id, member_id, entered_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (guild_id, giveaway_id, member_id) DO NOTHING",
                (guild_id, giveaway_id, member_id, at),
            )
            == 1
        )

    async def leave(self, guild_id: int, giveaway_id: int, member_id: int) -> bool:
        return (
            await self._db.execute_rowcount(
                "DELETE FROM giveaway_entries WHERE guild_id = ? AND giveaway_id = ? AND member_id = ?",
                (guild_id, giveaway_id, member_id),
            )
            == 1
        )

    async def has_entered(self, guild_id: int, giveaway_id: int, member_id: int) -> bool:
        return (
            await self._db.fetchval(
                "SELECT 1 FROM giveaway_entries WHERE guild_id = ? AND giveaway_id = ? AND member_id = ?",
                (guild_id, giveaway_id, member_id),
            )
            is not None
        )

    async def entrants(self, guild_id: int, giveaway_id: int) -> list[int]:
        rows = await self._db.fetchall(
            "SELECT member_id FROM giveaway_entries WHERE guild_id = ? AND giveaway_id = ? ORDER BY member_id",
            (guild_id, giveaway_id),
        )
        return [r[0] for r in rows]

    async def entry_counts(self, guild_id: int, giveaway_ids: list[int]) -> dict[int, int]:
        rows = await rows_for_ids(
            self._db, "SELECT giveaway_id, COUNT(*) FROM giveaway_entries WHERE guild_id = ? AND {ids} "
            "GROUP BY giveaway_id",
            giveaway_ids, (guild_id,), column="giveaway_id",
        )
        return {r[0]: r[1] for r in rows}

    async def open_entries_of(self, guild_id: int, member_id: int) -> list[int]:
        rows = await self._db.fetchall(
            "SELECT g.id FROM giveaways g JOIN giveaway_entries e ON e.guild_id = g.guild_id AND e.giveaway_id = g.id "
            "WHERE g.guild_id = ? AND g.status = 'open' AND e.member_id = ? ORDER BY g.id",
            (guild_id, member_id),
        )
        return [r[0] for r in rows]

    # -- winners ------------------------------------------------------------------------------
    async def finish_draw(self, guild_id: int, giveaway_id: int, winners: list[int], at: int) -> None:
        """Store the draw and mark the giveaway ended, in one transaction (a crash redoes both)."""
        async with self._db.transaction():
            await self._db.executemany(
                "INSERT INTO giveaway_winners (guild_id, giveaway_id, member_id, draw_round, position, is_current, "
                "drawn_at) VALUES (?, ?, ?, 0, ?, 1, ?) ON CONFLICT (guild_id, giveaway_id, member_id) DO NOTHING",
                [(guild_id, giveaway_id, w, i, at) for i, w in enumerate(winners)],
            )
            await self._db.execute(
                "UPDATE giveaways SET status = 'ended', ended_at = ? WHERE guild_id = ? AND id = ? AND status = 'open'",
                (at, guild_id, giveaway_id),
            )

    async def winners(self, guild_id: int, giveaway_id: int) -> list[WinnerRow]:
        rows = await self._db.fetchall(
            "SELECT member_id, draw_round, position, is_current FROM giveaway_winners "
            "WHERE guild_id = ? AND giveaway_id = ? ORDER BY draw_round, position",
            (guild_id, giveaway_id),
        )
        return [WinnerRow(r[0], r[1], r[2], bool(r[3])) for r in rows]

    async def record_reroll(
        self, guild_id: int, giveaway_id: int, replaced: list[int], drawn: list[int], at: int
    ) -> int:
        """Mark ``replaced`` as past winners and add ``drawn`` as a new round; returns the round."""
        async with self._db.transaction():
            last = await self._db.fetchval(
                "SELECT MAX(draw_round) FROM giveaway_winners WHERE guild_id = ? AND giveaway_id = ?",
                (guild_id, giveaway_id),
            )
            round_no = (last or 0) + 1
            await self._db.executemany(
                "UPDATE giveaway_winners SET is_current = 0 WHERE guild_id = ? AND giveaway_id = ? AND member_id = ?",
                [(guild_id, giveaway_id, m) for m in replaced],
            )
            await self._db.executemany(
                "INSERT INTO giveaway_winners (guild_id, giveaway_id, member_id, draw_round, position, is_current, "
                "drawn_at) VALUES (?, ?, ?, ?, ?, 1, ?)",
                [(guild_id, giveaway_id, m, round_no, i, at) for i, m in enumerate(drawn)],
            )
        return round_no

    async def forget_member(self, guild_id: int, member_id: int) -> None:
        await self._db.execute(
            "DELETE FROM giveaway_entries WHERE guild_id = ? AND member_id = ?", (guild_id, member_id)
        )
        await self._db.execute(
            "DELETE FROM giveaway_winners WHERE guild_id = ? AND member_id = ?", (guild_id, member_id)
        )
