"""The feedback box: settings, items, status changes, upvotes (keyed hashes) and blocked senders."""

from __future__ import annotations

from dataclasses import dataclass

from bot.storage.database import Database
from bot.storage.rows import as_row

OPEN_STATUSES = ("open", "review")


@dataclass(frozen=True)
class FeedbackSettingsRow:
    guild_id: int
    review_channel_id: int | None
    public_channel_id: int | None


@dataclass(frozen=True)
class FeedbackItemRow:
    id: int
    guild_id: int
    number: int
    kind: str
    body: str
    anonymous: bool
    author_id: int | None
    author_sealed: str | None
    status: str
    reason: str | None
    created_at: int
    local_day: int
    status_at: int
    first_answer_at: int | None
    review_channel_id: int | None
    review_message_id: int | None
    thread_id: int | None
    public_channel_id: int | None
    public_message_id: int | None
    upvotes: int


@dataclass(frozen=True)
class FeedbackChangeRow:
    item_id: int
    number: int
    kind: str
    body: str
    status: str
    reason: str | None
    changed_at: int


@dataclass(frozen=True)
class FeedbackBlockRow:
    """A block as moderators see it: the item it was made from, never the sender."""

    item_id: int
    number: int
    kind: str
    body: str
    blocked_at: int


class FeedbackRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    @property
    def db(self) -> Database:
        return self._db

    # -- settings ---------------------------------------------------------------------------
    async def settings(self, guild_id: int) -> FeedbackSettingsRow:
        row = await self._db.fetchone(
            "SELECT guild_id, review_channel_id, public_channel_id FROM feedback_settings WHERE guild_id = ?",
            (guild_id,),
        )
        return as_row(FeedbackSettingsRow, row) if row else FeedbackSettingsRow(guild_id, None, None)

    async def save_settings(self, guild_id: int, review: int | None, public: int | None, now: int) -> None:
        await self._db.execute(
            "INSERT INTO feedback_settings (guild_id, review_channel_id, public_channel_id, updated_at) "
            "VALUES (?, ?, ?, ?) ON CONFLICT (guild_id) DO UPDATE SET review_channel_id = excluded.review_channel_id, "
            "public_channel_id = excluded.public_channel_id, updated_at = excluded.updated_at",
            (guild_id, review, public, now),
        )

    # -- items ------------------------------------------------------------------------------
    async def add(
        self,
        guild_id: int,
        kind: str,
        body: str,
        *,
        author_id: int | None,
        author_sealed: str | None,
        created_at: int,
        local_day: int,
    ) -> FeedbackItemRow:
        async with self._db.transaction() as db:
            number = (
                await db.fetchval("SELECT MAX(number) FROM feedback_items WHERE guild_id = ?", (guild_id,)) or 0
            ) + 1
            item_id = await db.execute(
                "INSERT INTO feedback_items (guild_id, number, kind, body, anonymous, author_id, author_sealed, "
                "created_at, local_day, status_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (guild_id, number, kind, body, int(author_id is None), author_id, author_sealed, created_at,
                 local_day, created_at),
            )
        item = await self.get(guild_id, item_id)
        assert item is not None
        return item

    async def get(self, guild_id: int, item_id: int) -> FeedbackItemRow | None:
        row = await self._db.fetchone("SELECT * FROM feedback_items WHERE guild_id = ? AND id = ?", (guild_id, item_id))
        return _item(row) if row else None

    async def by_number(self, guild_id: int, number: int) -> FeedbackItemRow | None:
        row = await self._db.fetchone(
            "SELECT * FROM feedback_items WHERE guild_id = ? AND number = ?", (guild_id, number)
        )
        return _item(row) if row else None

    async def items(self, guild_id: int, statuses: tuple[str, ...] | None = None) -> list[FeedbackItemRow]:
        if statuses:
            marks = ", ".join("?" for _ in statuses)
            rows = await self._db.fetchall(
                f"SELECT * FROM feedback_items WHERE guild_id = ? AND status IN ({marks}) ORDER BY created_at, id",
                (guild_id, *statuses),
            )
        else:
            rows = await self._db.fetchall(
                "SELECT * FROM feedback_items WHERE guild_id = ? ORDER BY created_at, id", (guild_id,)
            )
        return [_item(r) for r in rows]

    async def set_messages(
        self, guild_id: int, item_id: int, *, review: tuple[int, int] | None = None, thread_id: int | None = None,
        public: tuple[int, int] | None = None,
    ) -> None:
        if review is not None:
            await self._db.execute(
                "UPDATE feedback_items SET review_channel_id = ?, review_message_id = ? WHERE guild_id = ? AND id = ?",
                (*review, guild_id, item_id),
            )
        if thread_id is not None:
            await self._db.execute(
                "UPDATE feedback_items SET thread_id = ? WHERE guild_id = ? AND id = ?", (thread_id, guild_id, item_id)
            )
        if public is not None:
            await self._db.execute(
                "UPDATE feedback_items SET public_channel_id = ?, public_message_id = ? WHERE guild_id = ? AND id = ?",
                (*public, guild_id, item_id),
            )

    async def change_status(
        self, guild_id: int, item_id: int, status: str, reason: str | None, moderator_id: int, now: int,
        answers: bool,
    ) -> None:
        async with self._db.transaction() as db:
            await db.execute(
                "UPDATE feedback_items SET status = ?, reason = ?, status_at = ?, "
                "first_answer_at = CASE WHEN first_answer_at IS NULL AND ? = 1 THEN ? ELSE first_answer_at END "
                "WHERE guild_id = ? AND id = ?",
                (status, reason, now, int(answers), now, guild_id, item_id),
            )
            await db.execute(
                "INSERT INTO feedback_changes (guild_id, item_id, status, reason, moderator_id, changed_at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (guild_id, item_id, status, reason, moderator_id, now),
            )

    async def changes_between(self, guild_id: int, start: int, end: int) -> list[FeedbackChangeRow]:
        """Status changes in [start, end), latest per item only, oldest first."""
        rows = await self._db.fetchall(
            "SELECT c.item_id, i.number, i.kind, i.body, c.status, c.reason, c.changed_at FROM feedback_changes c "
            "JOIN feedback_items i ON i.id = c.item_id WHERE c.guild_id = ? AND c.changed_at >= ? AND c.changed_at < ? "
            "AND c.id = (SELECT MAX(c2.id) FROM feedback_changes c2 WHERE c2.item_id = c.item_id "
            "AND c2.changed_at >= ? AND c2.changed_at < ?) ORDER BY c.changed_at, c.id",
            (guild_id, start, end, start, end),
        )
        return [as_row(FeedbackChangeRow, r) for r in rows]

    async def declined_without_reason(self, guild_id: int) -> int:
        return int(
            await self._db.fetchval(
                "SELECT COUNT(*) FROM feedback_changes WHERE guild_id = ? AND status = 'declined' "
                "AND (reason IS NULL OR reason = '')",
                (guild_id,),
            )
            or 0
        )

    # -- upvotes ----------------------------------------------------------------------------
    async def upvote(self, guild_id: int, item_id: int, voter_hash: str) -> tuple[bool, int]:
        """Toggle a member's upvote; returns (voted now, count)."""
        async with self._db.transaction() as db:
            had = await db.fetchval(
                "SELECT 1 FROM feedback_votes WHERE guild_id = ? AND item_id = ? AND voter_hash = ?",
                (guild_id, item_id, voter_hash),
            )
            if had:
                await db.execute(
                    "DELETE FROM feedback_votes WHERE guild_id = ? AND item_id = ? AND voter_hash = ?",
                    (guild_id, item_id, voter_hash),
                )
            else:
                await db.execute(
                    "INSERT INTO feedback_votes (guild_id, item_id, voter_hash) VALUES (?, ?, ?) "
                    "ON CONFLICT (guild_id, item_id, voter_hash) DO NOTHING",
                    (guild_id, item_id, voter_hash),
                )
            count = int(
                await db.fetchval(
                    "SELECT COUNT(*) FROM feedback_votes WHERE guild_id = ? AND item_id = ?", (guild_id, item_id)
                )
                or 0
            )
            await db.execute(
                "UPDATE feedback_items SET upvotes = ? WHERE guild_id = ? AND id = ?", (count, guild_id, item_id)
            )
        return (not had, count)

    # -- blocks -----------------------------------------------------------------------------
    async def block(self, guild_id: int, sender_hash: str, item_id: int, moderator_id: int, now: int) -> bool:
        """Block a sender; False when already blocked."""
        return bool(
            await self._db.execute_rowcount(
                "INSERT INTO feedback_blocks (guild_id, sender_hash, item_id, moderator_id, blocked_at) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (guild_id, sender_hash) DO NOTHING",
                (guild_id, sender_hash, item_id, moderator_id, now),
            )
        )

    async def unblock_from(self, guild_id: int, item_id: int) -> bool:
        """Lift the block made from ``item_id``; False when no block was made from it."""
        return bool(
            await self._db.execute_rowcount(
                "DELETE FROM feedback_blocks WHERE guild_id = ? AND item_id = ?", (guild_id, item_id)
            )
        )

    async def blocks(self, guild_id: int) -> list[FeedbackBlockRow]:
        """Every block, newest first, by the item it was made from (never by sender)."""
        rows = await self._db.fetchall(
            "SELECT i.id AS item_id, i.number, i.kind, i.body, b.blocked_at FROM feedback_blocks b "
            "JOIN feedback_items i ON i.guild_id = b.guild_id AND i.id = b.item_id "
            "WHERE b.guild_id = ? ORDER BY b.blocked_at DESC, i.number DESC",
            (guild_id,),
        )
        return [as_row(FeedbackBlockRow, r) for r in rows]

    async def is_blocked(self, guild_id: int, sender_hash: str) -> bool:
        return bool(
            await self._db.fetchval(
                "SELECT 1 FROM feedback_blocks WHERE guild_id = ? AND sender_hash = ?", (guild_id, sender_hash)
            )
        )

    # -- privacy ----------------------------------------------------------------------------
    async def forget_member(self, guild_id: int, member_id: int) -> None:
        """Forget-me: named items lose their author (the text stays, like an anonymous item)."""
        await self._db.execute(
            "UPDATE feedback_items SET author_id = NULL WHERE guild_id = ? AND author_id = ?", (guild_id, member_id)
        )


def _item(row: object) -> FeedbackItemRow:
    item = as_row(FeedbackItemRow, row)  # type: ignore[arg-type]
    return FeedbackItemRow(**{**item.__dict__, "anonymous": bool(item.anonymous)})
