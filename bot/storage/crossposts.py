"""Crossposts: a guild's choice for Hearth posts in announcement channels, and each such post's fate."""

from __future__ import annotations

from dataclasses import dataclass

from bot.storage.database import Database
from bot.storage.id_lists import rows_for_ids
from bot.storage.rows import as_row


@dataclass(frozen=True)
class CrosspostSettings:
    guild_id: int
    mode: str  # ask, auto, off
    offer_channel_id: int | None


@dataclass(frozen=True)
class CrosspostRow:
    guild_id: int
    post_id: int
    channel_id: int
    message_id: int
    status: str  # unoffered, offered, published, failed
    offered_at: int
    offer_channel_id: int | None
    offer_message_id: int | None
    published_at: int | None
    published_by: int | None


class CrosspostRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def settings(self, guild_id: int) -> CrosspostSettings | None:
        row = await self._db.fetchone("SELECT * FROM crosspost_settings WHERE guild_id = ?", (guild_id,))
        return as_row(CrosspostSettings, row) if row else None

    async def save_settings(self, guild_id: int, mode: str, offer_channel_id: int | None, now_ms: int) -> None:
        await self._db.execute(
            "INSERT INTO crosspost_settings (guild_id, mode, offer_channel_id, updated_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (guild_id) DO UPDATE SET mode = excluded.mode, "
            "offer_channel_id = excluded.offer_channel_id, updated_at = excluded.updated_at",
            (guild_id, mode, offer_channel_id, now_ms),
        )

    async def add(self, guild_id: int, post_id: int, channel_id: int, message_id: int, status: str, at_ms: int) -> None:
        await self._db.execute(
            "INSERT INTO crossposts (guild_id, post_id, channel_id, message_id, status, offered_at) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (guild_id, post_id) DO NOTHING",
            (guild_id, post_id, channel_id, message_id, status, at_ms),
        )

    async def get(self, guild_id: int, post_id: int) -> CrosspostRow | None:
        row = await self._db.fetchone(
            "SELECT * FROM crossposts WHERE guild_id = ? AND post_id = ?", (guild_id, post_id)
        )
        return as_row(CrosspostRow, row) if row else None

    async def set_offer(self, guild_id: int, post_id: int, offer_channel_id: int, offer_message_id: int) -> None:
        await self._db.execute(
            "UPDATE crossposts SET status = 'offered', offer_channel_id = ?, offer_message_id = ? "
            "WHERE guild_id = ? AND post_id = ?",
            (offer_channel_id, offer_message_id, guild_id, post_id),
        )

    async def set_status(self, guild_id: int, post_id: int, status: str) -> None:
        await self._db.execute(
            "UPDATE crossposts SET status = ? WHERE guild_id = ? AND post_id = ? AND status <> 'published'",
            (status, guild_id, post_id),
        )

    async def mark_published(self, guild_id: int, post_id: int, by: int | None, at_ms: int) -> bool:
        """True when this call published it (False: it was marked published before)."""
        changed = await self._db.execute_rowcount(
            "UPDATE crossposts SET status = 'published', published_at = ?, published_by = ? "
            "WHERE guild_id = ? AND post_id = ? AND status <> 'published'",
            (at_ms, by, guild_id, post_id),
        )
        return changed > 0

    async def published_since(self, guild_id: int, channel_id: int, since_ms: int) -> list[int]:
        """When Hearth published in this channel since ``since_ms`` (Discord allows 10 an hour)."""
        rows = await self._db.fetchall(
            "SELECT published_at FROM crossposts WHERE guild_id = ? AND channel_id = ? AND published_at >= ? "
            "ORDER BY published_at",
            (guild_id, channel_id, since_ms),
        )
        return [r[0] for r in rows]

    async def unoffered_count(self, guild_id: int, since_ms: int) -> int:
        return await self._db.fetchval(
            "SELECT COUNT(*) FROM crossposts WHERE guild_id = ? AND status = 'unoffered' AND offered_at >= ?",
            (guild_id, since_ms),
        )

    async def published_posts(self, guild_id: int, post_ids: list[int]) -> set[int]:
        rows = await rows_for_ids(
            self._db, "SELECT post_id FROM crossposts WHERE guild_id = ? AND status = 'published' AND {ids}",
            post_ids, (guild_id,), column="post_id",
        )
        return {r[0] for r in rows}

    async def forget_member(self, guild_id: int, member_id: int) -> None:
        await self._db.execute(
            "UPDATE crossposts SET published_by = NULL WHERE guild_id = ? AND published_by = ?", (guild_id, member_id)
        )
