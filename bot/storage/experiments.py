"""A/B tests: the experiment rows, their arm plan, and which posts belong to which arm."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass

from bot.storage.database import Database
from bot.storage.rows import as_row

log = logging.getLogger(__name__)


class ExperimentConflict(Exception):
    """The name is taken in this guild, or the schedule already runs a test."""


@dataclass(frozen=True)
class ExperimentRow:
    id: int
    guild_id: int
    name: str
    schedule_id: int
    factor: str
    arm_a: str
    arm_b: str
    posts: int
    seed: str
    status: str
    created_by: int | None
    started_at: int
    ends_at: int
    ended_at: int | None
    outcome: str | None
    applied_at: int | None
    applied_by: int | None


@dataclass(frozen=True)
class PlannedPost:
    position: int
    local_date: str
    arm: str


@dataclass(frozen=True)
class ExperimentPost:
    """One post of a test with what its participation needs: arm, time and local day."""

    post_id: int
    arm: str
    kind: str
    posted_at: int
    local_day: int


class ExperimentRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    @property
    def db(self) -> Database:
        """The connection (the experiment service reads per-post figures through analytics with it)."""
        return self._db

    async def create(
        self,
        guild_id: int,
        *,
        name: str,
        schedule_id: int,
        factor: str,
        arm_a: str,
        arm_b: str,
        seed: str,
        created_by: int | None,
        started_at: int,
        ends_at: int,
        plan: Sequence[tuple[str, str]],
    ) -> ExperimentRow:
        """Store the test and its plan ((local date, arm) in posting order) atomically."""
        try:
            async with self._db.transaction():
                experiment_id = await self._db.execute(
                    "INSERT INTO experiments (guild_id, name, schedule_id, factor, arm_a, arm_b, posts, seed, "
                    "created_by, started_at, ends_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        guild_id,
                        name,
                        schedule_id,
                        factor,
                        arm_a,
                        arm_b,
                        len(plan),
                        seed,
                        created_by,
                        started_at,
                        ends_at,
                    ),
                )
                await self._db.executemany(
                    "INSERT INTO experiment_plan (guild_id, experiment_id, position, local_date, arm) "
                    "VALUES (?, ?, ?, ?, ?)",
                    [(guild_id, experiment_id, i, day, arm) for i, (day, arm) in enumerate(plan)],
                )
        except sqlite3.IntegrityError as exc:
            raise ExperimentConflict(str(exc)) from exc
        found = await self.get(guild_id, experiment_id)
        assert found is not None
        return found

    async def get(self, guild_id: int, experiment_id: int) -> ExperimentRow | None:
        row = await self._db.fetchone(
            "SELECT * FROM experiments WHERE guild_id = ? AND id = ?", (guild_id, experiment_id)
        )
        return as_row(ExperimentRow, row) if row else None

    async def by_name(self, guild_id: int, name: str) -> ExperimentRow | None:
        row = await self._db.fetchone("SELECT * FROM experiments WHERE guild_id = ? AND name = ?", (guild_id, name))
        return as_row(ExperimentRow, row) if row else None

    async def list(self, guild_id: int) -> list[ExperimentRow]:
        """Running tests first, then the rest, newest first."""
        rows = await self._db.fetchall(
            "SELECT * FROM experiments WHERE guild_id = ? "
            "ORDER BY CASE WHEN status = 'running' THEN 0 ELSE 1 END, started_at DESC, id DESC",
            (guild_id,),
        )
        return [as_row(ExperimentRow, r) for r in rows]

    async def running(self, guild_id: int | None = None) -> list[ExperimentRow]:
        sql, params = "SELECT * FROM experiments WHERE status = 'running'", []
        if guild_id is not None:
            sql += " AND guild_id = ?"
            params.append(guild_id)
        return [as_row(ExperimentRow, r) for r in await self._db.fetchall(sql + " ORDER BY id", params)]

    async def running_for_schedule(self, guild_id: int, schedule_id: int) -> ExperimentRow | None:
        row = await self._db.fetchone(
            "SELECT * FROM experiments WHERE guild_id = ? AND schedule_id = ? AND status = 'running'",
            (guild_id, schedule_id),
        )
        return as_row(ExperimentRow, row) if row else None

    async def ended_since(self, guild_id: int, since_ms: int) -> list[ExperimentRow]:
        rows = await self._db.fetchall(
            "SELECT * FROM experiments WHERE guild_id = ? AND status <> 'running' AND ended_at >= ? "
            "ORDER BY ended_at DESC, id DESC",
            (guild_id, since_ms),
        )
        return [as_row(ExperimentRow, r) for r in rows]

    async def plan(self, guild_id: int, experiment_id: int) -> list[PlannedPost]:
        rows = await self._db.fetchall(
            "SELECT position, local_date, arm FROM experiment_plan WHERE guild_id = ? AND experiment_id = ? "
            "ORDER BY position",
            (guild_id, experiment_id),
        )
        return [PlannedPost(r["position"], r["local_date"], r["arm"]) for r in rows]

    async def arm_on(self, guild_id: int, experiment_id: int, local_date: str) -> str | None:
        return await self._db.fetchval(
            "SELECT arm FROM experiment_plan WHERE guild_id = ? AND experiment_id = ? AND local_date = ?",
            (guild_id, experiment_id, local_date),
        )

    async def end(self, guild_id: int, experiment_id: int, status: str, ended_at: int, outcome: str) -> bool:
        """Finish or stop a running test once; False when it had already ended."""
        return (
            await self._db.execute_rowcount(
                "UPDATE experiments SET status = ?, ended_at = ?, outcome = ? "
                "WHERE guild_id = ? AND id = ? AND status = 'running'",
                (status, ended_at, outcome, guild_id, experiment_id),
            )
            > 0
        )

    async def mark_applied(self, guild_id: int, experiment_id: int, at_ms: int, by: int | None) -> bool:
        return (
            await self._db.execute_rowcount(
                "UPDATE experiments SET applied_at = ?, applied_by = ? "
                "WHERE guild_id = ? AND id = ? AND applied_at IS NULL",
                (at_ms, by, guild_id, experiment_id),
            )
            > 0
        )

    # -- figures ----------------------------------------------------------------------------------
    async def posts(self, guild_id: int, experiment_id: int) -> list[ExperimentPost]:
        rows = await self._db.fetchall(
            "SELECT id, arm, kind, posted_at, local_day FROM posts WHERE guild_id = ? AND experiment_id = ? "
            "ORDER BY posted_at, id",
            (guild_id, experiment_id),
        )
        return [ExperimentPost(r["id"], r["arm"], r["kind"], r["posted_at"], r["local_day"]) for r in rows]
