"""The question bank and members' suggestions: every SQL statement the questions feature runs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.storage.database import Database
from bot.storage.rows import as_row


@dataclass(frozen=True)
class QuestionRow:
    id: int
    guild_id: int
    text: str
    key: str
    tag: str | None
    times_used: int
    last_used_at: int | None
    added_by: int | None
    suggested_by: int | None
    source: str
    status: str
    created_at: int


@dataclass(frozen=True)
class SuggestionRow:
    id: int
    guild_id: int
    text: str
    key: str
    tag: str | None
    suggested_by: int | None
    status: str
    created_at: int
    reviewed_by: int | None
    reviewed_at: int | None
    question_id: int | None


def _question(row: Any) -> QuestionRow:
    return as_row(QuestionRow, row)


def _suggestion(row: Any) -> SuggestionRow:
    return as_row(SuggestionRow, row)


@dataclass(frozen=True)
class NewQuestion:
    text: str
    key: str
    tag: str | None
    added_by: int | None = None
    suggested_by: int | None = None
    source: str = "manual"


class QuestionRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    # -- the bank ------------------------------------------------------------------------------
    async def add(self, guild_id: int, question: NewQuestion, now_ms: int) -> QuestionRow | None:
        """Add one question; None when an active question with the same key exists (a duplicate).

        A removed question with the same key comes back to life with the new tag and credit.
        """
        async with self._db.transaction():
            return await self._add(guild_id, question, now_ms)

    async def add_many(self, guild_id: int, questions: list[NewQuestion], now_ms: int) -> list[QuestionRow | None]:
        """Add several in one transaction; one entry per input, None for each duplicate."""
        async with self._db.transaction():
            return [await self._add(guild_id, q, now_ms) for q in questions]

    async def _add(self, guild_id: int, q: NewQuestion, now_ms: int) -> QuestionRow | None:
        changed = await self._db.execute_rowcount(
            "INSERT INTO questions (guild_id, text, key, tag, added_by, suggested_by, source, status, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, 'active', ?) ON CONFLICT (guild_id, key) DO UPDATE SET "
            "text = excluded.text, tag = excluded.tag, added_by = excluded.added_by, "
            "suggested_by = excluded.suggested_by, source = excluded.source, status = 'active' "
            "WHERE questions.status = 'removed'",
            (guild_id, q.text, q.key, q.tag, q.added_by, q.suggested_by, q.source, now_ms),
        )
        if not changed:
            return None
        return await self.by_key(guild_id, q.key)

    async def get(self, guild_id: int, question_id: int) -> QuestionRow | None:
        row = await self._db.fetchone("SELECT * FROM questions WHERE guild_id = ? AND id = ?", (guild_id, question_id))
        return _question(row) if row else None

    async def by_key(self, guild_id: int, key: str) -> QuestionRow | None:
        row = await self._db.fetchone("SELECT * FROM questions WHERE guild_id = ? AND key = ?", (guild_id, key))
        return _question(row) if row else None

    async def active(self, guild_id: int, tag: str | None = None) -> list[QuestionRow]:
        """Every active question of the guild (of one tag when given), oldest first."""
        sql, params = "SELECT * FROM questions WHERE guild_id = ? AND status = 'active'", [guild_id]
        if tag is not None:
            sql += " AND tag = ?"
            params.append(tag)
        return [_question(r) for r in await self._db.fetchall(sql + " ORDER BY id", params)]

    async def page(self, guild_id: int, offset: int, limit: int, tag: str | None = None) -> list[QuestionRow]:
        sql, params = "SELECT * FROM questions WHERE guild_id = ? AND status = 'active'", [guild_id]
        if tag is not None:
            sql += " AND tag = ?"
            params.append(tag)
        sql += " ORDER BY id LIMIT ? OFFSET ?"
        params += [limit, offset]
        return [_question(r) for r in await self._db.fetchall(sql, params)]

    async def count(self, guild_id: int, tag: str | None = None) -> int:
        sql, params = "SELECT COUNT(*) FROM questions WHERE guild_id = ? AND status = 'active'", [guild_id]
        if tag is not None:
            sql += " AND tag = ?"
            params.append(tag)
        return int(await self._db.fetchval(sql, params) or 0)

    async def tags(self, guild_id: int) -> list[tuple[str | None, int]]:
        rows = await self._db.fetchall(
            "SELECT tag, COUNT(*) AS n FROM questions WHERE guild_id = ? AND status = 'active' "
            "GROUP BY tag ORDER BY tag IS NOT NULL, tag",  # untagged first on both backends
            (guild_id,),
        )
        return [(r["tag"], r["n"]) for r in rows]

    async def search(self, guild_id: int, needle: str, limit: int = 25) -> list[QuestionRow]:
        """Active questions whose text contains ``needle`` (case-insensitive), for autocomplete."""
        rows = await self._db.fetchall(
            "SELECT * FROM questions WHERE guild_id = ? AND status = 'active' AND key LIKE ? ESCAPE '\\' "
            "ORDER BY id DESC LIMIT ?",
            (guild_id, "%" + _escape_like(needle.casefold()) + "%", limit),
        )
        return [_question(r) for r in rows]

    async def remove(self, guild_id: int, question_id: int) -> bool:
        return (
            await self._db.execute_rowcount(
                "UPDATE questions SET status = 'removed' WHERE guild_id = ? AND id = ? AND status = 'active'",
                (guild_id, question_id),
            )
            == 1
        )

    async def mark_used(self, guild_id: int, question_id: int, at_ms: int) -> None:
        await self._db.execute(
            "UPDATE questions SET times_used = times_used + 1, last_used_at = ? WHERE guild_id = ? AND id = ?",
            (at_ms, guild_id, question_id),
        )

    # -- suggestions ---------------------------------------------------------------------------
    async def add_suggestion(
        self, guild_id: int, text: str, key: str, tag: str | None, member_id: int, now_ms: int
    ) -> SuggestionRow:
        suggestion_id = await self._db.execute(
            "INSERT INTO question_suggestions (guild_id, text, key, tag, suggested_by, status, created_at) "
            "VALUES (?, ?, ?, ?, ?, 'pending', ?)",
            (guild_id, text, key, tag, member_id, now_ms),
        )
        found = await self.suggestion(guild_id, suggestion_id)
        assert found is not None
        return found

    async def suggestion(self, guild_id: int, suggestion_id: int) -> SuggestionRow | None:
        row = await self._db.fetchone(
            "SELECT * FROM question_suggestions WHERE guild_id = ? AND id = ?", (guild_id, suggestion_id)
        )
        return _suggestion(row) if row else None

    async def pending_suggestion_with_key(self, guild_id: int, key: str) -> SuggestionRow | None:
        row = await self._db.fetchone(
            "SELECT * FROM question_suggestions WHERE guild_id = ? AND key = ? AND status = 'pending'",
            (guild_id, key),
        )
        return _suggestion(row) if row else None

    async def pending_suggestions(self, guild_id: int, limit: int = 25) -> list[SuggestionRow]:
        rows = await self._db.fetchall(
            "SELECT * FROM question_suggestions WHERE guild_id = ? AND status = 'pending' ORDER BY id LIMIT ?",
            (guild_id, limit),
        )
        return [_suggestion(r) for r in rows]

    async def count_pending(self, guild_id: int) -> int:
        return int(
            await self._db.fetchval(
                "SELECT COUNT(*) FROM question_suggestions WHERE guild_id = ? AND status = 'pending'", (guild_id,)
            )
            or 0
        )

    async def count_pending_by(self, guild_id: int, member_id: int) -> int:
        return int(
            await self._db.fetchval(
                "SELECT COUNT(*) FROM question_suggestions WHERE guild_id = ? AND suggested_by = ? "
                "AND status = 'pending'",
                (guild_id, member_id),
            )
            or 0
        )

    async def review_suggestion(
        self,
        guild_id: int,
        suggestion_id: int,
        status: str,
        moderator_id: int,
        now_ms: int,
        question_id: int | None = None,
    ) -> bool:
        """Move a pending suggestion to approved/rejected; False when someone already reviewed it."""
        return (
            await self._db.execute_rowcount(
                "UPDATE question_suggestions SET status = ?, reviewed_by = ?, reviewed_at = ?, question_id = ? "
                "WHERE guild_id = ? AND id = ? AND status = 'pending'",
                (status, moderator_id, now_ms, question_id, guild_id, suggestion_id),
            )
            == 1
        )

    # -- privacy -------------------------------------------------------------------------------
    async def forget_member(self, guild_id: int, member_id: int) -> None:
        """Drop a member's credit and pending suggestions (``/privacy forget-me``)."""
        async with self._db.transaction():
            await self._db.execute(
                "UPDATE questions SET suggested_by = NULL WHERE guild_id = ? AND suggested_by = ?",
                (guild_id, member_id),
            )
            await self._db.execute(
                "UPDATE questions SET added_by = NULL WHERE guild_id = ? AND added_by = ?", (guild_id, member_id)
            )
            await self._db.execute(
                "DELETE FROM question_suggestions WHERE guild_id = ? AND suggested_by = ? AND status = 'pending'",
                (guild_id, member_id),
            )
            await self._db.execute(
                "UPDATE question_suggestions SET suggested_by = NULL WHERE guild_id = ? AND suggested_by = ?",
                (guild_id, member_id),
            )


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
