"""Word of mouth: joins with their source, Hearth's personal invites, the leaderboard switch."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot.storage.database import Database
from bot.storage.id_lists import rows_for_ids
from bot.storage.rows import as_row


@dataclass(frozen=True)
class JoinRow:
    guild_id: int
    member_id: int
    joined_at: int
    local_day: int
    source: str
    method: str
    invite_code: str | None
    inviter_id: int | None
    credited: int
    rejoin: int


@dataclass(frozen=True)
class HearthInviteRow:
    guild_id: int
    code: str
    member_id: int
    channel_id: int
    created_at: int
    expires_at: int | None


_EARLIER = "EXISTS (SELECT 1 FROM member_joins e WHERE e.guild_id = ? AND e.member_id = ? AND e.joined_at < ?)"
JOIN_INSERT = (
    "INSERT INTO member_joins (guild_id, member_id, joined_at, local_day, source, method, invite_code, "
    f"inviter_id, credited, rejoin) VALUES (?, ?, ?, ?, ?, ?, ?, ?, CASE WHEN {_EARLIER} THEN 0 ELSE ? END, "
    f"CASE WHEN {_EARLIER} THEN 1 ELSE ? END) ON CONFLICT (guild_id, member_id, joined_at) DO NOTHING"
)


def _join_params(r: JoinRow) -> tuple[Any, ...]:
    earlier = (r.guild_id, r.member_id, r.joined_at)
    head = (r.guild_id, r.member_id, r.joined_at, r.local_day, r.source, r.method, r.invite_code, r.inviter_id)
    return (*head, *earlier, r.credited, *earlier, r.rejoin)


class InviteRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    # -- joins ------------------------------------------------------------------------------
    async def record_join(self, row: JoinRow) -> None:
        await self.record_joins([row])

    async def record_joins(self, rows: Sequence[JoinRow]) -> None:
        """Store joins in order, in one batch. A member with an earlier stored join (this batch's
        included) is rejoining: ``rejoin`` is set and ``credited`` cleared by the insert itself,
        so no lookup per join is needed (a rejoin earns no credit)."""
        if not rows:
            return
        await self._db.executemany(JOIN_INSERT, [_join_params(r) for r in rows])

    async def joined_before(self, guild_id: int, member_id: int, before_ms: int) -> bool:
        """A member with an earlier stored join is rejoining (primary key lookup: a join costs no scan)."""
        found = await self._db.fetchval(
            "SELECT 1 FROM member_joins WHERE guild_id = ? AND member_id = ? AND joined_at < ? LIMIT 1",
            (guild_id, member_id, before_ms),
        )
        return bool(found)

    async def joins_between(self, guild_id: int, first_day: int, last_day: int) -> list[JoinRow]:
        rows = await self._db.fetchall(
            "SELECT * FROM member_joins WHERE guild_id = ? AND local_day BETWEEN ? AND ? ORDER BY joined_at",
            (guild_id, first_day, last_day),
        )
        return [as_row(JoinRow, r) for r in rows]

    async def joins_through(self, guild_id: int, inviter_id: int) -> list[JoinRow]:
        rows = await self._db.fetchall(
            "SELECT * FROM member_joins WHERE guild_id = ? AND inviter_id = ? AND credited = 1 ORDER BY joined_at",
            (guild_id, inviter_id),
        )
        return [as_row(JoinRow, r) for r in rows]

    async def credited_since(self, guild_id: int, since_ms: int, until_ms: int) -> list[JoinRow]:
        rows = await self._db.fetchall(
            "SELECT * FROM member_joins WHERE guild_id = ? AND credited = 1 AND joined_at >= ? AND joined_at < ? "
            "ORDER BY joined_at",
            (guild_id, since_ms, until_ms),
        )
        return [as_row(JoinRow, r) for r in rows]

    async def leaves_of(self, guild_id: int, member_ids: Sequence[int]) -> dict[int, list[int]]:
        """member -> times they left (from recorded leave activities)."""
        found: dict[int, list[int]] = {m: [] for m in member_ids}
        for member, at in await rows_for_ids(
            self._db, "SELECT member_id, at FROM activities WHERE guild_id = ? AND kind = 'leave' AND {ids}",
            member_ids, (guild_id,),
        ):
            found[member].append(at)
        return found

    async def active_days(
        self, guild_id: int, member_ids: Sequence[int], first_day: int, last_day: int
    ) -> dict[int, dict[int, int]]:
        """member -> {local day: responses to Hearth posts} for days with any activity."""
        found: dict[int, dict[int, int]] = {m: {} for m in member_ids}
        for member, day, responses in await rows_for_ids(
            self._db,
            "SELECT member_id, local_day, responses FROM member_days WHERE guild_id = ? AND local_day BETWEEN ? AND ? "
            "AND {ids}",
            member_ids, (guild_id, first_day, last_day),
        ):
            found[member][day] = responses
        return found

    # -- Hearth's invites -----------------------------------------------------------------------
    async def add_hearth_invite(self, row: HearthInviteRow) -> None:
        await self._db.execute(
            "INSERT INTO hearth_invites (guild_id, code, member_id, channel_id, created_at, expires_at) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (guild_id, code) DO NOTHING",
            (row.guild_id, row.code, row.member_id, row.channel_id, row.created_at, row.expires_at),
        )

    async def hearth_invite(self, guild_id: int, code: str) -> HearthInviteRow | None:
        row = await self._db.fetchone("SELECT * FROM hearth_invites WHERE guild_id = ? AND code = ?", (guild_id, code))
        return as_row(HearthInviteRow, row) if row else None

    async def hearth_invites_of(self, guild_id: int, member_id: int) -> list[HearthInviteRow]:
        rows = await self._db.fetchall(
            "SELECT * FROM hearth_invites WHERE guild_id = ? AND member_id = ? ORDER BY created_at",
            (guild_id, member_id),
        )
        return [as_row(HearthInviteRow, r) for r in rows]

    # -- settings -------------------------------------------------------------------------------
    async def leaderboard_enabled(self, guild_id: int) -> bool:
        value = await self._db.fetchval("SELECT leaderboard FROM invite_settings WHERE guild_id = ?", (guild_id,))
        return value is None or bool(value)

    async def set_leaderboard(self, guild_id: int, enabled: bool) -> None:
        await self._db.execute(
            "INSERT INTO invite_settings (guild_id, leaderboard) VALUES (?, ?) "
            "ON CONFLICT (guild_id) DO UPDATE SET leaderboard = excluded.leaderboard",
            (guild_id, int(enabled)),
        )

    # -- privacy --------------------------------------------------------------------------------
    async def forget_member(self, guild_id: int, member_id: int) -> None:
        """Their joins go; as an inviter their id leaves other members' joins (which stay, uncredited)."""
        async with self._db.transaction():
            await self._db.execute(
                "DELETE FROM member_joins WHERE guild_id = ? AND member_id = ?", (guild_id, member_id)
            )
            await self._db.execute(
                "UPDATE member_joins SET inviter_id = NULL, credited = 0 WHERE guild_id = ? AND inviter_id = ?",
                (guild_id, member_id),
            )
            await self._db.execute(
                "DELETE FROM hearth_invites WHERE guild_id = ? AND member_id = ?", (guild_id, member_id)
            )
