"""Polls, their anonymous votes (keyed hashes only) and the figures a poll result needs."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from bot.storage.database import Database


@dataclass(frozen=True)
class PollRow:
    id: int
    guild_id: int
    channel_id: int
    message_id: int | None
    post_id: int | None
    question: str
    options: tuple[str, ...]
    multi: bool
    anonymous: bool
    created_by: int | None
    created_at: int
    closes_at: int
    status: str
    closed_at: int | None
    closed_by: str | None
    result_counts: tuple[int, ...] | None
    result_voters: int | None
    result_message_id: int | None

    @property
    def is_open(self) -> bool:
        return self.status == "open"


def _poll(row: Any) -> PollRow:
    counts = row["result_counts"]
    return PollRow(
        id=row["id"],
        guild_id=row["guild_id"],
        channel_id=row["channel_id"],
        message_id=row["message_id"],
        post_id=row["post_id"],
        question=row["question"],
        options=tuple(json.loads(row["options"])),
        multi=bool(row["multi"]),
        anonymous=bool(row["anonymous"]),
        created_by=row["created_by"],
        created_at=row["created_at"],
        closes_at=row["closes_at"],
        status=row["status"],
        closed_at=row["closed_at"],
        closed_by=row["closed_by"],
        result_counts=tuple(json.loads(counts)) if counts else None,
        result_voters=row["result_voters"],
        result_message_id=row["result_message_id"],
    )


class PollRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    # -- polls ------------------------------------------------------------------------------------
    async def create(
        self,
        guild_id: int,
        channel_id: int,
        question: str,
        options: Sequence[str],
        *,
        multi: bool,
        anonymous: bool,
        created_by: int | None,
        created_at: int,
        closes_at: int,
    ) -> PollRow:
        poll_id = await self._db.execute(
            "INSERT INTO polls (guild_id, channel_id, question, options, multi, anonymous, created_by, created_at, "
            "closes_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                guild_id,
                channel_id,
                question,
                json.dumps(list(options)),
                int(multi),
                int(anonymous),
                created_by,
                created_at,
                closes_at,
            ),
        )
        found = await self.get(guild_id, poll_id)
        assert found is not None
        return found

    async def set_posted(self, guild_id: int, poll_id: int, message_id: int, post_id: int) -> None:
        await self._db.execute(
            "UPDATE polls SET message_id = ?, post_id = ? WHERE guild_id = ? AND id = ?",
            (message_id, post_id, guild_id, poll_id),
        )

    async def delete(self, guild_id: int, poll_id: int) -> None:
        """Drop a poll that never made it to Discord."""
        await self._db.execute("DELETE FROM polls WHERE guild_id = ? AND id = ?", (guild_id, poll_id))

    async def get(self, guild_id: int, poll_id: int) -> PollRow | None:
        row = await self._db.fetchone("SELECT * FROM polls WHERE guild_id = ? AND id = ?", (guild_id, poll_id))
        return _poll(row) if row else None

    async def open_polls(self, guild_id: int | None = None) -> list[PollRow]:
        sql = "SELECT * FROM polls WHERE status = 'open' AND message_id IS NOT NULL"
        params: list[Any] = []
        if guild_id is not None:
            sql += " AND guild_id = ?"
            params.append(guild_id)
        return [_poll(r) for r in await self._db.fetchall(sql + " ORDER BY closes_at", params)]

    async def recent(self, guild_id: int, *, limit: int = 25) -> list[PollRow]:
        """Open polls first (closing soonest first), then the latest closed ones."""
        rows = await self._db.fetchall(
            "SELECT * FROM polls WHERE guild_id = ? AND message_id IS NOT NULL "
            "ORDER BY CASE WHEN status = 'open' THEN 0 ELSE 1 END, "
            "CASE WHEN status = 'open' THEN closes_at ELSE -created_at END LIMIT ?",
            (guild_id, limit),
        )
        return [_poll(r) for r in rows]

    async def anonymous_poll_ids(self, guild_id: int) -> list[int]:
        rows = await self._db.fetchall("SELECT id FROM polls WHERE guild_id = ? AND anonymous = 1", (guild_id,))
        return [r["id"] for r in rows]

    async def mark_closed(
        self, guild_id: int, poll_id: int, *, closed_at: int, closed_by: str, counts: Sequence[int], voters: int
    ) -> bool:
        """Close an open poll with its final result; False when it was already closed (idempotence)."""
        changed = await self._db.execute_rowcount(
            "UPDATE polls SET status = 'closed', closed_at = ?, closed_by = ?, result_counts = ?, result_voters = ? "
            "WHERE guild_id = ? AND id = ? AND status = 'open'",
            (closed_at, closed_by, json.dumps(list(counts)), voters, guild_id, poll_id),
        )
        return changed == 1

    async def set_result_message(self, guild_id: int, poll_id: int, message_id: int) -> None:
        await self._db.execute(
            "UPDATE polls SET result_message_id = ? WHERE guild_id = ? AND id = ?", (message_id, guild_id, poll_id)
        )

    # -- anonymous votes --------------------------------------------------------------------------
    async def votes_of(self, guild_id: int, poll_id: int, voter_hash: str) -> frozenset[int]:
        rows = await self._db.fetchall(
            "SELECT option_index FROM poll_votes WHERE guild_id = ? AND poll_id = ? AND voter_hash = ?",
            (guild_id, poll_id, voter_hash),
        )
        return frozenset(r["option_index"] for r in rows)

    async def replace_votes(self, guild_id: int, poll_id: int, voter_hash: str, options: Iterable[int]) -> None:
        """Set one voter's choices (empty = withdraw) in one transaction."""
        async with self._db.transaction():
            await self._db.execute(
                "DELETE FROM poll_votes WHERE guild_id = ? AND poll_id = ? AND voter_hash = ?",
                (guild_id, poll_id, voter_hash),
            )
            await self._db.executemany(
                "INSERT INTO poll_votes (guild_id, poll_id, voter_hash, option_index) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (guild_id, poll_id, voter_hash, option_index) DO NOTHING",
                [(guild_id, poll_id, voter_hash, option) for option in sorted(set(options))],
            )

    async def counts(self, guild_id: int, poll_id: int, n_options: int) -> tuple[list[int], int]:
        """Votes per option and distinct voters: aggregates only, never who."""
        rows = await self._db.fetchall(
            "SELECT option_index, COUNT(*) AS n FROM poll_votes WHERE guild_id = ? AND poll_id = ? "
            "GROUP BY option_index",
            (guild_id, poll_id),
        )
        counts = [0] * n_options
        for row in rows:
            if 0 <= row["option_index"] < n_options:
                counts[row["option_index"]] = row["n"]
        voters = await self._db.fetchval(
            "SELECT COUNT(DISTINCT voter_hash) FROM poll_votes WHERE guild_id = ? AND poll_id = ?", (guild_id, poll_id)
        )
        return counts, int(voters or 0)

    async def delete_votes_by_hash(self, guild_id: int, pairs: Sequence[tuple[int, str]]) -> int:
        """Forget-me: delete the votes of (poll id, voter hash) pairs; returns rows removed."""
        removed = 0
        async with self._db.transaction():
            for poll_id, voter_hash in pairs:
                removed += await self._db.execute_rowcount(
                    "DELETE FROM poll_votes WHERE guild_id = ? AND poll_id = ? AND voter_hash = ?",
                    (guild_id, poll_id, voter_hash),
                )
        return removed

    # -- figures for the result post --------------------------------------------------------------
    async def native_vote_events(self, guild_id: int, message_id: int) -> list[tuple[str, int, int]]:
        """(kind, member, event key hash) of recorded native poll votes on a message, oldest first."""
        rows = await self._db.fetchall(
            "SELECT kind, member_id, event_key FROM activities WHERE guild_id = ? AND message_id = ? "
            "AND kind IN ('poll_vote', 'poll_unvote') ORDER BY at, id",
            (guild_id, message_id),
        )
        return [(r["kind"], r["member_id"], r["event_key"]) for r in rows]
