"""Submission contests: their rows, entries and votes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.storage.database import Database
from bot.storage.id_lists import rows_for_ids
from bot.storage.rows import as_row


@dataclass(frozen=True)
class ContestRow:
    id: int
    guild_id: int
    channel_id: int
    message_id: int | None
    thread_id: int | None
    post_id: int | None
    host_id: int
    theme: str
    anonymous: int
    voting_preference: str
    status: str
    created_at: int
    submissions_close_at: int
    vote_duration_ms: int
    voting_ends_at: int | None
    voting_mode: str | None
    voting_message_id: int | None
    results_message_id: int | None


@dataclass(frozen=True)
class EntryRow:
    id: int
    guild_id: int
    contest_id: int
    member_id: int
    text: str | None
    attachment_url: str | None
    attachment_name: str | None
    submitted_at: int
    updated_at: int
    number: int | None
    message_id: int | None
    poll_answer_id: int | None
    removed_reason: str | None
    removed_by: int | None
    removed_at: int | None

    @property
    def removed(self) -> bool:
        return self.removed_at is not None


class ContestRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def create(
        self,
        guild_id: int,
        *,
        channel_id: int,
        host_id: int,
        theme: str,
        anonymous: bool,
        voting_preference: str,
        created_at: int,
        submissions_close_at: int,
        vote_duration_ms: int,
    ) -> int:
        return await self._db.execute(
            "INSERT INTO contests (guild_id, channel_id, host_id, theme, anonymous, voting_preference, created_at, "
            "submissions_close_at, vote_duration_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                guild_id,
                channel_id,
                host_id,
                theme,
                int(anonymous),
                voting_preference,
                created_at,
                submissions_close_at,
                vote_duration_ms,
            ),
        )

    async def delete(self, guild_id: int, contest_id: int) -> None:
        await self._db.execute("DELETE FROM contests WHERE guild_id = ? AND id = ?", (guild_id, contest_id))

    async def update(self, guild_id: int, contest_id: int, **changes: Any) -> None:
        allowed = {
            "message_id",
            "thread_id",
            "post_id",
            "status",
            "voting_ends_at",
            "voting_mode",
            "voting_message_id",
            "results_message_id",
        }
        unknown = set(changes) - allowed
        if unknown:
            raise ValueError(f"unknown contest columns: {unknown}")
        assignments = ", ".join(f"{c} = ?" for c in changes)
        await self._db.execute(
            f"UPDATE contests SET {assignments} WHERE guild_id = ? AND id = ?",
            (*changes.values(), guild_id, contest_id),
        )

    async def get(self, guild_id: int, contest_id: int) -> ContestRow | None:
        row = await self._db.fetchone("SELECT * FROM contests WHERE guild_id = ? AND id = ?", (guild_id, contest_id))
        return as_row(ContestRow, row) if row else None

    async def list(
        self, guild_id: int, *, statuses: tuple[str, ...] = ("submissions", "voting"), limit: int = 25
    ) -> list[ContestRow]:
        marks = ", ".join("?" for _ in statuses)
        rows = await self._db.fetchall(
            f"SELECT * FROM contests WHERE guild_id = ? AND status IN ({marks}) ORDER BY id DESC LIMIT ?",
            (guild_id, *statuses, limit),
        )
        return [as_row(ContestRow, r) for r in rows]

    async def by_thread(self, guild_id: int, thread_id: int) -> ContestRow | None:
        row = await self._db.fetchone(
            "SELECT * FROM contests WHERE guild_id = ? AND thread_id = ?", (guild_id, thread_id)
        )
        return as_row(ContestRow, row) if row else None

    async def voting_poll_messages(self) -> set[tuple[int, int]]:
        """(guild, message) of every contest whose vote is a native poll still open."""
        rows = await self._db.fetchall(
            "SELECT guild_id, voting_message_id FROM contests "
            "WHERE status = 'voting' AND voting_mode = 'poll' AND voting_message_id IS NOT NULL"
        )
        return {(r["guild_id"], r["voting_message_id"]) for r in rows}

    async def by_voting_message(self, guild_id: int, message_id: int) -> ContestRow | None:
        row = await self._db.fetchone(
            "SELECT * FROM contests WHERE guild_id = ? AND voting_message_id = ?", (guild_id, message_id)
        )
        return as_row(ContestRow, row) if row else None

    # -- entries ------------------------------------------------------------------------------
    async def add_entry(
        self,
        guild_id: int,
        contest_id: int,
        member_id: int,
        text: str | None,
        attachment_url: str | None,
        attachment_name: str | None,
        at: int,
    ) -> bool:
        """False when the member already has an entry (one each)."""
        return (
            await self._db.execute_rowcount(
                "INSERT INTO contest_entries (guild_id, contest_id, member_id, text, attachment_url, attachment_name, "
                "submitted_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (guild_id, contest_id, member_id) DO NOTHING",
                (guild_id, contest_id, member_id, text, attachment_url, attachment_name, at, at),
            )
            == 1
        )

    async def edit_entry(
        self,
        guild_id: int,
        contest_id: int,
        member_id: int,
        text: str | None,
        attachment_url: str | None,
        attachment_name: str | None,
        at: int,
    ) -> None:
        await self._db.execute(
            "UPDATE contest_entries SET text = ?, attachment_url = ?, attachment_name = ?, updated_at = ? "
            "WHERE guild_id = ? AND contest_id = ? AND member_id = ?",
            (text, attachment_url, attachment_name, at, guild_id, contest_id, member_id),
        )

    async def entry_of(self, guild_id: int, contest_id: int, member_id: int) -> EntryRow | None:
        row = await self._db.fetchone(
            "SELECT * FROM contest_entries WHERE guild_id = ? AND contest_id = ? AND member_id = ?",
            (guild_id, contest_id, member_id),
        )
        return as_row(EntryRow, row) if row else None

    async def entry(self, guild_id: int, entry_id: int) -> EntryRow | None:
        row = await self._db.fetchone(
            "SELECT * FROM contest_entries WHERE guild_id = ? AND id = ?", (guild_id, entry_id)
        )
        return as_row(EntryRow, row) if row else None

    async def entries(self, guild_id: int, contest_id: int) -> list[EntryRow]:
        rows = await self._db.fetchall(
            "SELECT * FROM contest_entries WHERE guild_id = ? AND contest_id = ? "
            "ORDER BY COALESCE(number, 1000000), submitted_at, id",
            (guild_id, contest_id),
        )
        return [as_row(EntryRow, r) for r in rows]

    async def entry_counts(self, guild_id: int, contest_ids: list[int]) -> dict[int, int]:
        rows = await rows_for_ids(
            self._db, "SELECT contest_id, COUNT(*) FROM contest_entries WHERE guild_id = ? AND {ids} "
            "AND removed_at IS NULL GROUP BY contest_id",
            contest_ids, (guild_id,), column="contest_id",
        )
        return {r[0]: r[1] for r in rows}

    async def number_entry(self, guild_id: int, entry_id: int, number: int) -> None:
        await self._db.execute(
            "UPDATE contest_entries SET number = ? WHERE guild_id = ? AND id = ?", (number, guild_id, entry_id)
        )

    async def set_entry_post(
        self, guild_id: int, entry_id: int, message_id: int | None, poll_answer_id: int | None = None
    ) -> None:
        await self._db.execute(
            "UPDATE contest_entries SET message_id = COALESCE(?, message_id), "
            "poll_answer_id = COALESCE(?, poll_answer_id) WHERE guild_id = ? AND id = ?",
            (message_id, poll_answer_id, guild_id, entry_id),
        )

    async def remove_entry(self, guild_id: int, entry_id: int, reason: str, by: int, at: int) -> None:
        async with self._db.transaction():
            await self._db.execute(
                "UPDATE contest_entries SET removed_reason = ?, removed_by = ?, removed_at = ? "
                "WHERE guild_id = ? AND id = ?",
                (reason, by, at, guild_id, entry_id),
            )
            await self._db.execute(
                "DELETE FROM contest_votes WHERE guild_id = ? AND entry_id = ?", (guild_id, entry_id)
            )

    # -- votes --------------------------------------------------------------------------------
    async def vote(self, guild_id: int, contest_id: int, voter_id: int, entry_id: int, at: int) -> None:
        """One vote per member per contest; voting again moves it."""
        await self._db.execute(
            "INSERT INTO contest_votes (guild_id, contest_id, voter_id, entry_id, voted_at) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (guild_id, contest_id, voter_id) DO UPDATE SET entry_id = excluded.entry_id, "
            "voted_at = excluded.voted_at",
            (guild_id, contest_id, voter_id, entry_id, at),
        )

    async def unvote(self, guild_id: int, contest_id: int, voter_id: int, entry_id: int) -> None:
        await self._db.execute(
            "DELETE FROM contest_votes WHERE guild_id = ? AND contest_id = ? AND voter_id = ? AND entry_id = ?",
            (guild_id, contest_id, voter_id, entry_id),
        )

    async def votes(self, guild_id: int, contest_id: int) -> dict[int, int]:
        rows = await self._db.fetchall(
            "SELECT voter_id, entry_id FROM contest_votes WHERE guild_id = ? AND contest_id = ?",
            (guild_id, contest_id),
        )
        return {r[0]: r[1] for r in rows}

    async def forget_member(self, guild_id: int, member_id: int) -> None:
        async with self._db.transaction():
            await self._db.execute(
                "DELETE FROM contest_votes WHERE guild_id = ? AND (voter_id = ? OR entry_id IN "
                "(SELECT id FROM contest_entries WHERE guild_id = ? AND member_id = ?))",
                (guild_id, member_id, guild_id, member_id),
            )
            await self._db.execute(
                "DELETE FROM contest_entries WHERE guild_id = ? AND member_id = ?", (guild_id, member_id)
            )
