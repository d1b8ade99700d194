"""A tiny guild builder for analytics tests: rows stored exactly as the recorder stores them."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from pathlib import Path

from bot.core.clock import to_ms
from bot.core.localtime import hour_of_week, local_day, utc_hour
from bot.platform.recorder import COUNTING_KINDS
from bot.storage import Database
from bot.storage.activity import ActivityRepository, PostRepository

_keys = itertools.count(1)
LONG_AGO = datetime(2020, 1, 6, 12, tzinfo=UTC)
SILENT_MEMBER = 424_242  # active once, LONG_AGO: marks the recording start


class GuildBuilder:
    opened: list[Database] = []  # closed by close_all() so a failing test never hangs the run

    @classmethod
    async def close_all(cls) -> None:
        while cls.opened:
            await cls.opened.pop().close()

    def __init__(self, db: Database, guild_id: int = 1, tz: str = "UTC") -> None:
        self.db = db
        self.guild_id = guild_id
        self.tz = tz
        self._posts = PostRepository(db)
        self._activities = ActivityRepository(db)
        self._message_ids = itertools.count(10_000)

    @classmethod
    async def open(
        cls, database_url: str | Path, tz: str = "UTC", guild_id: int = 1, *, recorded_since: datetime | None = LONG_AGO
    ) -> GuildBuilder:
        """A guild whose recording started ``recorded_since`` (one activity of an otherwise silent
        member then, so the tests' posts are established); None: recording starts with the test's rows.

        ``database_url`` is the shared fixture's database (SQLite or PostgreSQL), or a folder for ``a.db``.
        """
        if isinstance(database_url, Path) and database_url.suffix != ".db":  # a folder (tmp_path)
            database_url = database_url / "a.db"
        db = await Database.open(database_url)
        cls.opened.append(db)
        await db.migrate()
        await db.execute(
            "INSERT INTO guild_settings (guild_id, timezone, created_at, updated_at) VALUES (?, ?, 0, 0)",
            (guild_id, tz),
        )
        g = cls(db, guild_id, tz)
        if recorded_since is not None:
            await g.act(SILENT_MEMBER, recorded_since)
        return g

    async def post(
        self, at: datetime, kind: str = "question", tag: str | None = None, *, schedule_id: int | None = None,
        member_count: int | None = None,
    ) -> int:
        return await self._posts.add(
            {
                "guild_id": self.guild_id,
                "kind": kind,
                "tag": tag,
                "channel_id": 5,
                "message_id": next(self._message_ids),
                "posted_at": to_ms(at),
                "local_day": local_day(at, self.tz),
                "local_hour_of_week": hour_of_week(at, self.tz),
                "schedule_id": schedule_id,
                "member_count": member_count,
            }
        )

    async def act(
        self, member: int, at: datetime, kind: str = "message", *, post_id: int | None = None,
        reply_to: int | None = None, reply_to_bot: bool = False, key: int | None = None,
    ) -> None:
        await self._activities.insert_batch([self._row(member, at, kind, post_id, reply_to, reply_to_bot, key)])

    async def act_many(self, acts: list[tuple[int, datetime, str, int | None]]) -> None:
        """(member, at, kind, post id) activities in one batch, as the recorder flushes them."""
        await self._activities.insert_batch([self._row(*a) for a in acts])

    def _row(
        self, member: int, at: datetime, kind: str, post_id: int | None = None, reply_to: int | None = None,
        reply_to_bot: bool = False, key: int | None = None,
    ) -> tuple:  # type: ignore[type-arg]
        return (
            self.guild_id, key if key is not None else next(_keys), kind, member, 5, None, None, post_id, reply_to,
            int(reply_to_bot), to_ms(at), local_day(at, self.tz), utc_hour(at), hour_of_week(at, self.tz),
            int(kind in COUNTING_KINDS),
        )

    async def occurrence(self, due: datetime, status: str, key: str) -> None:
        await self.db.execute(
            "INSERT INTO occurrences (guild_id, schedule_id, occurrence_key, due_at, claimed_at, status) "
            "VALUES (?, 1, ?, ?, ?, ?)",
            (self.guild_id, key, to_ms(due), to_ms(due), status),
        )
