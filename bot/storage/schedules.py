"""Schedules, their occurrences and one-shot timers: the scheduler's source of truth."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import time
from typing import Any

from bot.storage.database import Database
from bot.storage.rows import as_row
from bot.storage.shards import Shards, shard_filter


@dataclass(frozen=True)
class ScheduleRow:
    id: int
    guild_id: int
    kind: str
    channel_id: int | None
    local_time: time
    weekdays: frozenset[int]
    tag: str | None = None
    options: dict[str, Any] = field(default_factory=dict)
    paused: bool = False
    created_by: int | None = None
    created_at: int = 0


@dataclass(frozen=True)
class OccurrenceRow:
    id: int
    guild_id: int
    schedule_id: int
    occurrence_key: str
    due_at: int
    claimed_at: int
    status: str
    detail: str | None
    post_id: int | None


@dataclass(frozen=True)
class TimerRow:
    id: int
    guild_id: int
    kind: str
    ref_id: int
    due_at: int
    status: str


def _schedule(row: Any) -> ScheduleRow:
    hour, minute = (int(x) for x in row["local_time"].split(":"))
    return ScheduleRow(
        id=row["id"],
        guild_id=row["guild_id"],
        kind=row["kind"],
        channel_id=row["channel_id"],
        local_time=time(hour, minute),
        weekdays=frozenset(int(d) for d in row["weekdays"].split(",") if d != ""),
        tag=row["tag"],
        options=json.loads(row["options"] or "{}"),
        paused=bool(row["paused"]),
        created_by=row["created_by"],
        created_at=row["created_at"],
    )


def _occurrence(row: Any) -> OccurrenceRow:
    return as_row(OccurrenceRow, row)


class ScheduleRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    # -- schedules ----------------------------------------------------------------------------
    async def add(
        self,
        guild_id: int,
        kind: str,
        channel_id: int | None,
        local_time: time,
        weekdays: frozenset[int],
        *,
        tag: str | None = None,
        options: dict[str, Any] | None = None,
        created_by: int | None = None,
        now_ms: int,
    ) -> ScheduleRow:
        schedule_id = await self._db.execute(
            "INSERT INTO schedules (guild_id, kind, channel_id, local_time, weekdays, tag, options, created_by, "
            "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                guild_id,
                kind,
                channel_id,
                local_time.strftime("%H:%M"),
                ",".join(str(d) for d in sorted(weekdays)),
                tag,
                json.dumps(options or {}),
                created_by,
                now_ms,
            ),
        )
        found = await self.get(guild_id, schedule_id)
        assert found is not None
        return found

    async def get(self, guild_id: int, schedule_id: int) -> ScheduleRow | None:
        row = await self._db.fetchone("SELECT * FROM schedules WHERE guild_id = ? AND id = ?", (guild_id, schedule_id))
        return _schedule(row) if row else None

    async def list(self, guild_id: int | None = None, kind: str | None = None) -> list[ScheduleRow]:
        sql, params = "SELECT * FROM schedules WHERE 1 = 1", []
        if guild_id is not None:
            sql += " AND guild_id = ?"
            params.append(guild_id)
        if kind is not None:
            sql += " AND kind = ?"
            params.append(kind)
        return [_schedule(r) for r in await self._db.fetchall(sql + " ORDER BY id", params)]

    async def batches(self, size: int = 500) -> AsyncIterator[list[ScheduleRow]]:
        """Every schedule, ``size`` at a time in id order: with thousands of schedules no single
        read and conversion holds the event loop for long (start-up and the minute sweep)."""
        last = 0
        while True:
            rows = await self._db.fetchall("SELECT * FROM schedules WHERE id > ? ORDER BY id LIMIT ?", (last, size))
            if not rows:
                return
            yield [_schedule(r) for r in rows]
            last = rows[-1]["id"]

    async def update(self, guild_id: int, schedule_id: int, **changes: Any) -> ScheduleRow | None:
        columns = {"channel_id", "local_time", "weekdays", "tag", "options", "paused"}
        unknown = set(changes) - columns
        if unknown:
            raise ValueError(f"unknown schedule columns: {unknown}")
        values = dict(changes)
        if "local_time" in values:
            values["local_time"] = values["local_time"].strftime("%H:%M")
        if "weekdays" in values:
            values["weekdays"] = ",".join(str(d) for d in sorted(values["weekdays"]))
        if "options" in values:
            values["options"] = json.dumps(values["options"])
        if "paused" in values:
            values["paused"] = int(bool(values["paused"]))
        if values:
            assignments = ", ".join(f"{column} = ?" for column in values)
            await self._db.execute(
                f"UPDATE schedules SET {assignments} WHERE guild_id = ? AND id = ?",
                (*values.values(), guild_id, schedule_id),
            )
        return await self.get(guild_id, schedule_id)

    async def delete(self, guild_id: int, schedule_id: int) -> bool:
        return (
            await self._db.execute_rowcount(
                "DELETE FROM schedules WHERE guild_id = ? AND id = ?", (guild_id, schedule_id)
            )
            > 0
        )

    # -- occurrences --------------------------------------------------------------------------
    async def claim_occurrence(
        self, guild_id: int, schedule_id: int, key: str, due_ms: int, now_ms: int, status: str = "pending"
    ) -> int | None:
        """Insert the occurrence before anything is posted; None if it was already claimed."""
        async with self._db.transaction():
            changed = await self._db.execute_rowcount(
                "INSERT INTO occurrences (guild_id, schedule_id, occurrence_key, due_at, claimed_at, status) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (guild_id, schedule_id, occurrence_key) DO NOTHING",
                (guild_id, schedule_id, key, due_ms, now_ms, status),
            )
            if not changed:
                return None
            return await self._db.fetchval(
                "SELECT id FROM occurrences WHERE guild_id = ? AND schedule_id = ? AND occurrence_key = ?",
                (guild_id, schedule_id, key),
            )

    async def finish_occurrence(
        self, occurrence_id: int, status: str, *, detail: str | None = None, post_id: int | None = None
    ) -> None:
        await self._db.execute(
            "UPDATE occurrences SET status = ?, detail = ?, post_id = ? WHERE id = ?",
            (status, detail, post_id, occurrence_id),
        )

    async def finish_posted(self, occurrence_id: int, post_id: int, due_ms: int, late_after_ms: int, late: bool) -> str:
        """Record a posted occurrence as 'late' or 'posted' by when its post went out (the post's
        ``posted_at``, not when it was claimed: a herd's posts wait their turn under Discord's
        global limit), and make the post's ``on_time`` say the same; ``late`` when the post has no
        time. Returns the status."""
        async with self._db.transaction():
            await self._db.execute(
                "UPDATE posts SET on_time = CASE WHEN posted_at - ? > ? THEN 0 ELSE 1 END "
                "WHERE id = ? AND on_time IS NOT NULL",
                (due_ms, late_after_ms, post_id),
            )
            await self._db.execute(
                "UPDATE occurrences SET post_id = ?, detail = NULL, status = COALESCE("
                "(SELECT CASE WHEN p.posted_at - ? > ? THEN 'late' ELSE 'posted' END FROM posts p WHERE p.id = ?), ?"
                ") WHERE id = ?",
                (post_id, due_ms, late_after_ms, post_id, "late" if late else "posted", occurrence_id),
            )
            status = await self._db.fetchval("SELECT status FROM occurrences WHERE id = ?", (occurrence_id,))
        return str(status)

    async def occurrence(self, guild_id: int, schedule_id: int, key: str) -> OccurrenceRow | None:
        row = await self._db.fetchone(
            "SELECT * FROM occurrences WHERE guild_id = ? AND schedule_id = ? AND occurrence_key = ?",
            (guild_id, schedule_id, key),
        )
        return _occurrence(row) if row else None

    async def occurrences(self, guild_id: int, since_ms: int = 0, until_ms: int | None = None) -> list[OccurrenceRow]:
        rows = await self._db.fetchall(
            "SELECT * FROM occurrences WHERE guild_id = ? AND due_at >= ? AND due_at <= ? ORDER BY due_at, id",
            (guild_id, since_ms, until_ms if until_ms is not None else 2**62),
        )
        return [_occurrence(r) for r in rows]

    async def occurrences_after(self, since_ms: int) -> list[OccurrenceRow]:
        """Occurrences of every guild due after ``since_ms`` (skipped ahead of time)."""
        rows = await self._db.fetchall("SELECT * FROM occurrences WHERE due_at > ?", (since_ms,))
        return [_occurrence(r) for r in rows]

    async def interrupted_occurrences(self, shards: Shards = None) -> list[OccurrenceRow]:
        """Occurrences claimed but never finished (the process died while posting), of these shards' guilds."""
        where, params = shard_filter(shards)
        rows = await self._db.fetchall(f"SELECT * FROM occurrences WHERE status = 'pending'{where}", params)
        return [_occurrence(r) for r in rows]

    async def last_housekeeping(self, job_id: str) -> int | None:
        """When ``job_id`` (retention, nightly rollups) last ran in any process, epoch ms."""
        value = await self._db.fetchval("SELECT value FROM meta WHERE key = ?", (f"housekeeping:{job_id}",))
        return int(value) if value is not None else None

    async def set_last_housekeeping(self, job_id: str, at_ms: int) -> None:
        await self._db.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (f"housekeeping:{job_id}", str(at_ms)),
        )

    def exclusive(self, name: str) -> Any:
        """``async with repo.exclusive(name) as mine``: True in the one process holding ``name``."""
        return self._db.exclusive(name)

    # -- timers -------------------------------------------------------------------------------
    async def set_timer(self, guild_id: int, kind: str, ref_id: int, due_ms: int) -> None:
        await self._db.execute(
            "INSERT INTO timers (guild_id, kind, ref_id, due_at, status) VALUES (?, ?, ?, ?, 'pending') "
            "ON CONFLICT (guild_id, kind, ref_id) DO UPDATE SET due_at = excluded.due_at, status = 'pending', "
            "done_at = NULL, detail = NULL",
            (guild_id, kind, ref_id, due_ms),
        )

    async def cancel_timer(self, guild_id: int, kind: str, ref_id: int) -> None:
        await self._db.execute(
            "UPDATE timers SET status = 'cancelled' "
            "WHERE guild_id = ? AND kind = ? AND ref_id = ? AND status = 'pending'",
            (guild_id, kind, ref_id),
        )

    async def due_timers(self, now_ms: int) -> list[TimerRow]:
        rows = await self._db.fetchall(
            "SELECT id, guild_id, kind, ref_id, due_at, status FROM timers WHERE status = 'pending' AND due_at <= ? "
            "ORDER BY due_at, id",
            (now_ms,),
        )
        return [TimerRow(*tuple(r)) for r in rows]

    async def pending_timers(self) -> list[TimerRow]:
        rows = await self._db.fetchall(
            "SELECT id, guild_id, kind, ref_id, due_at, status FROM timers WHERE status = 'pending' ORDER BY due_at"
        )
        return [TimerRow(*tuple(r)) for r in rows]

    async def reset_running_timers(self, shards: Shards = None) -> None:
        """A timer left 'running' by a crash runs again at start-up (handlers are idempotent).

        With shards, only this process's guilds: another process may be running its own timers.
        """
        where, params = shard_filter(shards)
        await self._db.execute(f"UPDATE timers SET status = 'pending' WHERE status = 'running'{where}", params)

    async def take_timer(self, timer_id: int) -> bool:
        """Move a pending timer to running; False if someone else took it (runs it once)."""
        return (
            await self._db.execute_rowcount(
                "UPDATE timers SET status = 'running' WHERE id = ? AND status = 'pending'", (timer_id,)
            )
            == 1
        )

    async def finish_timer(self, timer_id: int, status: str, now_ms: int, detail: str | None = None) -> None:
        await self._db.execute(
            "UPDATE timers SET status = ?, done_at = ?, detail = ? WHERE id = ?", (status, now_ms, detail, timer_id)
        )

    async def timer_status(self, guild_id: int, kind: str, ref_id: int) -> str | None:
        return await self._db.fetchval(
            "SELECT status FROM timers WHERE guild_id = ? AND kind = ? AND ref_id = ?", (guild_id, kind, ref_id)
        )
