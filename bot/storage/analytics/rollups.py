"""The analytics rollup tables: per-day windows, per-post figures, weekly figures, opted-out hours.

The nightly job stores them (keyed by the opt-out fingerprint ``excl_key``); a report reads them
when fresh and computes the same figures live otherwise.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from bot.storage.analytics._sql import AnalyticsTables
from bot.storage.analytics.previous import LAST_DAY_TABLES
from bot.storage.id_lists import in_clause, rows_for_ids


@dataclass(frozen=True)
class DayRollup:
    local_day: int
    dau: int
    wau: int
    mau: int
    base_before: int
    communicators: int


@dataclass(frozen=True)
class PostRollup:
    post_id: int
    responders: int
    base: int
    first_response_ms: int | None
    final: bool


DAY_FIELDS = tuple(DayRollup.__dataclass_fields__)


class RollupStore(AnalyticsTables):
    """Reads and writes of analytics_days, analytics_posts, analytics_weeks, analytics_excluded_hours."""

    async def stored_excluded_hours(
        self, guild_id: int, first_day: int, last_day: int, excl_key: str
    ) -> dict[int, tuple[int, int]]:
        """hour of week -> (activities, responses) of the opted-out members, as stored nightly."""
        rows = await self._db.fetchall(
            "SELECT local_hour_of_week, SUM(activities), SUM(responses) FROM analytics_excluded_hours "
            "WHERE guild_id = ? AND local_day BETWEEN ? AND ? AND excl_key = ? GROUP BY local_hour_of_week",
            (guild_id, first_day, last_day, excl_key),
        )
        return {r[0]: (int(r[1]), int(r[2])) for r in rows}

    async def save_excluded_hours(
        self, guild_id: int, first_day: int, last_day: int, rows: Iterable[tuple[int, int, int, int]], excl_key: str
    ) -> None:
        await self._db.execute(
            "DELETE FROM analytics_excluded_hours WHERE guild_id = ? AND local_day BETWEEN ? AND ?",
            (guild_id, first_day, last_day),
        )
        await self._db.executemany(
            "INSERT INTO analytics_excluded_hours (guild_id, local_day, local_hour_of_week, excl_key, activities, "
            "responses) VALUES (?, ?, ?, ?, ?, ?)",
            [(guild_id, d, h, excl_key, n, r) for d, h, n, r in rows if first_day <= d <= last_day],
        )

    # -- analytics rollup tables ----------------------------------------------------------------
    async def day_rollups(self, guild_id: int, first_day: int, last_day: int, excl_key: str) -> dict[int, DayRollup]:
        rows = await self._db.fetchall(
            f"SELECT {', '.join(DAY_FIELDS)} FROM analytics_days WHERE guild_id = ? AND local_day BETWEEN ? AND ? "
            "AND excl_key = ?",
            (guild_id, first_day, last_day, excl_key),
        )
        return {r[0]: DayRollup(*tuple(r)) for r in rows}

    async def save_day_rollups(self, guild_id: int, rows: Iterable[DayRollup], excl_key: str, now_ms: int) -> None:
        columns = ("guild_id", *DAY_FIELDS, "excl_key", "computed_at")
        updates = ", ".join(f"{c} = excluded.{c}" for c in (*DAY_FIELDS[1:], "excl_key", "computed_at"))
        await self._db.executemany(
            f"INSERT INTO analytics_days ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)}) "
            f"ON CONFLICT (guild_id, local_day) DO UPDATE SET {updates}",
            [(guild_id, *(getattr(r, f) for f in DAY_FIELDS), excl_key, now_ms) for r in rows],
        )

    async def post_rollups(self, guild_id: int, post_ids: Sequence[int], excl_key: str) -> dict[int, PostRollup]:
        rows = await rows_for_ids(
            self._db, "SELECT post_id, responders, base, first_response_ms, final FROM analytics_posts "
            "WHERE guild_id = ? AND excl_key = ? AND {ids}",
            post_ids, (guild_id, excl_key), column="post_id",
        )
        return {r[0]: PostRollup(r[0], r[1], r[2], r[3], bool(r[4])) for r in rows}

    async def save_post_rollups(self, guild_id: int, rows: Iterable[PostRollup], excl_key: str, now_ms: int) -> None:
        await self._db.executemany(
            "INSERT INTO analytics_posts (guild_id, post_id, excl_key, responders, base, first_response_ms, final, "
            "computed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (guild_id, post_id) DO UPDATE SET "
            "excl_key = excluded.excl_key, responders = excluded.responders, base = excluded.base, "
            "first_response_ms = excluded.first_response_ms, final = excluded.final, "
            "computed_at = excluded.computed_at",
            [
                (guild_id, r.post_id, excl_key, r.responders, r.base, r.first_response_ms, int(r.final), now_ms)
                for r in rows
            ],
        )

    async def week_rollups(self, guild_id: int, week_starts: Sequence[int], excl_key: str) -> dict[int, dict[str, Any]]:
        """Final weekly figures (as stored JSON) for the weeks that have them."""
        if not week_starts:
            return {}
        clause, ids = in_clause("week_start", week_starts)
        rows = await self._db.fetchall(
            "SELECT week_start, figures FROM analytics_weeks WHERE guild_id = ? AND excl_key = ? AND final = 1 AND "
            + clause,
            (guild_id, excl_key, *ids),
        )
        return {r[0]: json.loads(r[1]) for r in rows}

    async def settled_week_rollups(
        self, guild_id: int, week_starts: Sequence[int], excl_key: str
    ) -> dict[int, tuple[bool, dict[str, Any]]]:
        """Stored weekly figures, final or not: week_start -> (final, figures)."""
        if not week_starts:
            return {}
        clause, ids = in_clause("week_start", week_starts)
        rows = await self._db.fetchall(
            "SELECT week_start, final, figures FROM analytics_weeks WHERE guild_id = ? AND excl_key = ? AND " + clause,
            (guild_id, excl_key, *ids),
        )
        return {r[0]: (bool(r[1]), json.loads(r[2])) for r in rows}

    async def save_week_rollup(
        self, guild_id: int, week_start: int, figures: dict[str, Any], final: bool, excl_key: str, now_ms: int
    ) -> None:
        await self._db.execute(
            "INSERT INTO analytics_weeks (guild_id, week_start, excl_key, final, figures, computed_at) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (guild_id, week_start) DO UPDATE SET "
            "excl_key = excluded.excl_key, final = excluded.final, figures = excluded.figures, "
            "computed_at = excluded.computed_at",
            (guild_id, week_start, excl_key, int(final), json.dumps(figures, sort_keys=True), now_ms),
        )

    async def clear_analytics(self, guild_id: int) -> None:
        """Drop a guild's analytics rollups (after a forget): they are recomputed, never stale."""
        for table in (
            "analytics_days", "analytics_posts", "analytics_weeks", "analytics_excluded_hours", "analytics_gaps",
            "analytics_day_totals", "analytics_response_runs", "analytics_response_run_days", *LAST_DAY_TABLES,
            "analytics_cut_days", "analytics_cut_members", "analytics_cut_pairs", "analytics_cut_hours",
        ):
            await self._db.execute(f"DELETE FROM {table} WHERE guild_id = ?", (guild_id,))
