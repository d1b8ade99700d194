"""Analytics queries: reads of the rollups, the analytics rollup tables and their rebuild.

Every call is guild-keyed and parameterized. ``excluded`` is the set of opted-out member ids
(computed by the privacy service); it is applied in the SQL so opted-out members never reach a
numerator or a base.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from bot.storage.database import Database

log = logging.getLogger(__name__)


def _not_in(column: str, excluded: Collection[int]) -> tuple[str, list[int]]:
    """`` AND column NOT IN (?, ...)`` for the excluded ids (empty when there are none)."""
    if not excluded:
        return "", []
    ids = sorted(excluded)
    return f" AND {column} NOT IN ({', '.join('?' for _ in ids)})", ids


def _in(column: str, ids: Collection[int]) -> tuple[str, list[int]]:
    values = sorted(ids)
    return f"{column} IN ({', '.join('?' for _ in values)})", values


@dataclass(frozen=True)
class MemberSums:
    """One member's sums over a range of local days (from member_days)."""

    activities: int
    messages: int
    responses: int
    replies: int
    member_replies: int


@dataclass(frozen=True)
class PostRow:
    id: int
    kind: str
    tag: str | None
    posted_at: int
    local_day: int
    local_hour_of_week: int
    schedule_id: int | None
    member_count: int | None


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


class AnalyticsRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    def transaction(self):  # type: ignore[no-untyped-def]
        return self._db.transaction()

    # -- member_days ------------------------------------------------------------------------
    async def member_sums(
        self, guild_id: int, first_day: int, last_day: int, excluded: Collection[int] = ()
    ) -> dict[int, MemberSums]:
        """Per-member sums over local days first_day..last_day (inclusive)."""
        extra, params = _not_in("member_id", excluded)
        rows = await self._db.fetchall(
            "SELECT member_id, SUM(activities), SUM(messages), SUM(responses), SUM(replies), SUM(member_replies) "
            "FROM member_days WHERE guild_id = ? AND local_day BETWEEN ? AND ?" + extra + " GROUP BY member_id",
            (guild_id, first_day, last_day, *params),
        )
        return {r[0]: MemberSums(r[1], r[2], r[3], r[4], r[5]) for r in rows}

    async def active_members(
        self, guild_id: int, first_day: int, last_day: int, excluded: Collection[int] = ()
    ) -> set[int]:
        extra, params = _not_in("member_id", excluded)
        rows = await self._db.fetchall(
            "SELECT DISTINCT member_id FROM member_days WHERE guild_id = ? AND local_day BETWEEN ? AND ?" + extra,
            (guild_id, first_day, last_day, *params),
        )
        return {r[0] for r in rows}

    async def daily_active(
        self, guild_id: int, first_day: int, last_day: int, excluded: Collection[int] = ()
    ) -> dict[int, int]:
        """Distinct active members per local day (days without activity are absent)."""
        extra, params = _not_in("member_id", excluded)
        rows = await self._db.fetchall(
            "SELECT local_day, COUNT(*) FROM member_days WHERE guild_id = ? AND local_day BETWEEN ? AND ?"
            + extra
            + " GROUP BY local_day",
            (guild_id, first_day, last_day, *params),
        )
        return {r[0]: r[1] for r in rows}

    async def distinct_active(
        self, guild_id: int, first_day: int, last_day: int, excluded: Collection[int] = ()
    ) -> int:
        extra, params = _not_in("member_id", excluded)
        return int(
            await self._db.fetchval(
                "SELECT COUNT(DISTINCT member_id) FROM member_days WHERE guild_id = ? AND local_day BETWEEN ? AND ?"
                + extra,
                (guild_id, first_day, last_day, *params),
            )
            or 0
        )

    async def member_day_rows(self, guild_id: int, first_day: int, last_day: int) -> list[tuple[int, int, int]]:
        """(local_day, member_id, messages) for the days, ordered by day: the nightly job's input."""
        rows = await self._db.fetchall(
            "SELECT local_day, member_id, messages FROM member_days "
            "WHERE guild_id = ? AND local_day BETWEEN ? AND ? ORDER BY local_day",
            (guild_id, first_day, last_day),
        )
        return [(r[0], r[1], r[2]) for r in rows]

    async def known_members(self, guild_id: int, first_day: int) -> set[int]:
        """Members with any rollup row since first_day: the candidates for the opt-out check."""
        rows = await self._db.fetchall(
            "SELECT DISTINCT member_id FROM member_days WHERE guild_id = ? AND local_day >= ?", (guild_id, first_day)
        )
        return {r[0] for r in rows}

    async def optout_key(self, guild_id: int) -> str:
        """Fingerprint of the guild's opt-out list ("none" when empty): changes on every opt-out/in."""
        rows = await self._db.fetchall(
            "SELECT member_hash FROM privacy_optouts WHERE guild_id = ? ORDER BY member_hash", (guild_id,)
        )
        if not rows:
            return "none"
        return hashlib.sha256(",".join(r[0] for r in rows).encode()).hexdigest()[:24]

    async def response_members_on(self, guild_id: int, day: int, excluded: Collection[int] = ()) -> set[int]:
        """Members who responded to a Hearth post on the local day (streaks)."""
        extra, params = _not_in("member_id", excluded)
        rows = await self._db.fetchall(
            "SELECT member_id FROM member_days WHERE guild_id = ? AND local_day = ? AND responses > 0" + extra,
            (guild_id, day, *params),
        )
        return {r[0] for r in rows}

    async def member_days_of(
        self, guild_id: int, members: Collection[int], days: Sequence[int], *, responses_only: bool = False
    ) -> dict[int, set[int]]:
        """member -> the local days (among ``days``) with a member_days row (or a response).

        Equality on both key columns (``local_day IN`` × ``member_id IN``) makes these primary-key
        lookups, never a scan of the days' rows.
        """
        found: dict[int, set[int]] = defaultdict(set)
        if not members or not days:
            return found
        ids = sorted(members)
        extra = " AND responses > 0" if responses_only else ""
        for start in range(0, len(ids), 400):
            for dstart in range(0, len(days), 200):
                day_clause, day_params = _in("local_day", days[dstart : dstart + 200])
                clause, params = _in("member_id", ids[start : start + 400])
                rows = await self._db.fetchall(
                    "SELECT member_id, local_day FROM member_days WHERE guild_id = ? AND "
                    + day_clause + " AND " + clause + extra,
                    (guild_id, *day_params, *params),
                )
                for r in rows:
                    found[r[0]].add(r[1])
        return found

    # -- replies ------------------------------------------------------------------------------
    async def reply_pair_count(
        self, guild_id: int, first_day: int, last_day: int, excluded: Collection[int] = ()
    ) -> int:
        """Distinct member pairs with at least one reply between them in the days."""
        extra_a, params_a = _not_in("member_a", excluded)
        extra_b, params_b = _not_in("member_b", excluded)
        return int(
            await self._db.fetchval(
                "SELECT COUNT(*) FROM (SELECT DISTINCT member_a, member_b FROM reply_pairs "
                "WHERE guild_id = ? AND local_day BETWEEN ? AND ?" + extra_a + extra_b + ") AS pairs",
                (guild_id, first_day, last_day, *params_a, *params_b),
            )
            or 0
        )

    # -- posts --------------------------------------------------------------------------------
    async def posts_between(self, guild_id: int, since_ms: int, until_ms: int) -> list[PostRow]:
        rows = await self._db.fetchall(
            "SELECT id, kind, tag, posted_at, local_day, local_hour_of_week, schedule_id, member_count "
            "FROM posts WHERE guild_id = ? AND posted_at >= ? AND posted_at < ? AND kind <> 'summary' "
            "ORDER BY posted_at, id",
            (guild_id, since_ms, until_ms),
        )
        return [PostRow(*tuple(r)) for r in rows]

    async def posts_by_id(self, guild_id: int, post_ids: Sequence[int]) -> list[PostRow]:
        """The given posts of the guild in posting order (ids of another guild are ignored)."""
        found: list[PostRow] = []
        for start in range(0, len(post_ids), 500):
            clause, ids = _in("id", post_ids[start : start + 500])
            rows = await self._db.fetchall(
                "SELECT id, kind, tag, posted_at, local_day, local_hour_of_week, schedule_id, member_count "
                "FROM posts WHERE guild_id = ? AND " + clause,
                (guild_id, *ids),
            )
            found += [PostRow(*tuple(r)) for r in rows]
        return sorted(found, key=lambda p: (p.posted_at, p.id))

    async def responders(
        self, guild_id: int, post_ids: Sequence[int], excluded: Collection[int] = ()
    ) -> dict[int, list[tuple[int, int]]]:
        """(member_id, first_at) of each post's responders (any time; callers apply the window)."""
        found: dict[int, list[tuple[int, int]]] = {p: [] for p in post_ids}
        extra, params = _not_in("member_id", excluded)
        for start in range(0, len(post_ids), 500):
            clause, ids = _in("post_id", post_ids[start : start + 500])
            rows = await self._db.fetchall(
                "SELECT post_id, member_id, first_at FROM post_responders WHERE guild_id = ? AND " + clause + extra,
                (guild_id, *ids, *params),
            )
            for r in rows:
                found[r[0]].append((r[1], r[2]))
        return found

    async def latest_member_count(self, guild_id: int, until_ms: int) -> int | None:
        return await self._db.fetchval(
            "SELECT member_count FROM posts WHERE guild_id = ? AND posted_at < ? AND member_count IS NOT NULL "
            "ORDER BY posted_at DESC LIMIT 1",
            (guild_id, until_ms),
        )

    async def occurrence_statuses(self, guild_id: int, since_ms: int, until_ms: int) -> dict[str, int]:
        rows = await self._db.fetchall(
            "SELECT status, COUNT(*) FROM occurrences WHERE guild_id = ? AND due_at >= ? AND due_at < ? "
            "GROUP BY status",
            (guild_id, since_ms, until_ms),
        )
        return {r[0]: r[1] for r in rows}

    async def scheduled_slots(self, guild_id: int) -> list[tuple[str, str, str]]:
        """(kind, local HH:MM, weekdays) of the guild's active schedules (the current posting slots)."""
        rows = await self._db.fetchall(
            "SELECT kind, local_time, weekdays FROM schedules WHERE guild_id = ? AND paused = 0 ORDER BY id",
            (guild_id,),
        )
        return [(r[0], r[1], r[2]) for r in rows]

    # -- joins, leaves, activation -------------------------------------------------------------
    async def membership_events(
        self, guild_id: int, kind: str, since_ms: int, until_ms: int, excluded: Collection[int] = ()
    ) -> list[tuple[int, int]]:
        """(member_id, local_day) of 'join' or 'leave' activities in the time range."""
        extra, params = _not_in("member_id", excluded)
        rows = await self._db.fetchall(
            "SELECT member_id, local_day FROM activities WHERE guild_id = ? AND kind = ? AND counts = 0 "
            "AND at >= ? AND at < ?" + extra + " ORDER BY at",
            (guild_id, kind, since_ms, until_ms, *params),
        )
        return [(r[0], r[1]) for r in rows]

    # -- peak grid ----------------------------------------------------------------------------
    async def hour_of_week_counts(
        self,
        guild_id: int,
        first_day: int,
        last_day: int,
        excluded: Collection[int] = (),
        since_ms: int = 0,
        until_ms: int = 2**62,
        excluded_hours: dict[int, int] | None = None,
    ) -> dict[int, int]:
        """Activities per local hour of week over the days, opted-out members' activities taken out.

        ``excluded_hours`` (from the nightly rollup) saves the scan of the opted-out members' rows.
        """
        rows = await self._db.fetchall(
            "SELECT local_hour_of_week, SUM(activities) FROM guild_hours WHERE guild_id = ? "
            "AND local_day BETWEEN ? AND ? GROUP BY local_hour_of_week",
            (guild_id, first_day, last_day),
        )
        grid = {r[0]: int(r[1]) for r in rows}
        if excluded_hours is not None:
            for how, n in excluded_hours.items():
                grid[how] = max(0, grid.get(how, 0) - n)
        elif excluded:
            # No per-member index on activities: scan the days by time (only when someone opted out).
            clause, params = _in("member_id", excluded)
            rows = await self._db.fetchall(
                "SELECT local_hour_of_week, COUNT(*) FROM activities WHERE guild_id = ? AND at >= ? AND at < ? AND "
                + clause
                + " AND counts = 1 AND local_day BETWEEN ? AND ? GROUP BY local_hour_of_week",
                (guild_id, since_ms, until_ms, *params, first_day, last_day),
            )
            for how, n in rows:
                grid[how] = max(0, grid.get(how, 0) - n)
        return grid

    async def excluded_hour_counts(
        self, guild_id: int, excluded: Collection[int], since_ms: int, until_ms: int
    ) -> list[tuple[int, int, int]]:
        """(local_day, hour of week, activities) of the excluded members in the time range (a scan)."""
        if not excluded:
            return []
        clause, params = _in("member_id", excluded)
        rows = await self._db.fetchall(
            "SELECT local_day, local_hour_of_week, COUNT(*) FROM activities WHERE guild_id = ? AND at >= ? "
            "AND at < ? AND counts = 1 AND " + clause + " GROUP BY local_day, local_hour_of_week",
            (guild_id, since_ms, until_ms, *params),
        )
        return [(r[0], r[1], r[2]) for r in rows]

    async def stored_excluded_hours(
        self, guild_id: int, first_day: int, last_day: int, excl_key: str
    ) -> dict[int, int]:
        rows = await self._db.fetchall(
            "SELECT local_hour_of_week, SUM(activities) FROM analytics_excluded_hours WHERE guild_id = ? "
            "AND local_day BETWEEN ? AND ? AND excl_key = ? GROUP BY local_hour_of_week",
            (guild_id, first_day, last_day, excl_key),
        )
        return {r[0]: int(r[1]) for r in rows}

    async def save_excluded_hours(
        self, guild_id: int, first_day: int, last_day: int, rows: Iterable[tuple[int, int, int]], excl_key: str
    ) -> None:
        await self._db.execute(
            "DELETE FROM analytics_excluded_hours WHERE guild_id = ? AND local_day BETWEEN ? AND ?",
            (guild_id, first_day, last_day),
        )
        await self._db.executemany(
            "INSERT INTO analytics_excluded_hours (guild_id, local_day, local_hour_of_week, excl_key, activities) "
            "VALUES (?, ?, ?, ?, ?)",
            [(guild_id, d, h, excl_key, n) for d, h, n in rows if first_day <= d <= last_day],
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
        found: dict[int, PostRollup] = {}
        for start in range(0, len(post_ids), 500):
            clause, ids = _in("post_id", post_ids[start : start + 500])
            rows = await self._db.fetchall(
                "SELECT post_id, responders, base, first_response_ms, final FROM analytics_posts "
                "WHERE guild_id = ? AND excl_key = ? AND " + clause,
                (guild_id, excl_key, *ids),
            )
            for r in rows:
                found[r[0]] = PostRollup(r[0], r[1], r[2], r[3], bool(r[4]))
        return found

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
        clause, ids = _in("week_start", week_starts)
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
        clause, ids = _in("week_start", week_starts)
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
        for table in ("analytics_days", "analytics_posts", "analytics_weeks", "analytics_excluded_hours"):
            await self._db.execute(f"DELETE FROM {table} WHERE guild_id = ?", (guild_id,))

    async def guilds_with_activity(self) -> list[int]:
        rows = await self._db.fetchall("SELECT DISTINCT guild_id FROM posts UNION SELECT guild_id FROM guild_settings")
        return sorted(r[0] for r in rows)

    async def first_day(self, guild_id: int) -> int | None:
        return await self._db.fetchval("SELECT MIN(local_day) FROM member_days WHERE guild_id = ?", (guild_id,))

    # -- rebuild of the trigger-kept rollups ----------------------------------------------------
    async def rebuild_base_rollups(self) -> dict[int, int]:
        """Recompute member_days, guild_hours, post_responders and reply_pairs from raw activities.

        One transaction. Where retention has already dropped raw rows of a guild, days before
        the first full raw day are kept as they are (they cannot be rebuilt). Returns the first
        rebuilt local day per guild.
        """
        rebuilt: dict[int, int] = {}
        async with self._db.transaction():
            guilds = await self._db.fetchall(
                "SELECT guild_id, MIN(local_day) FROM activities GROUP BY guild_id "
                "UNION SELECT guild_id, NULL FROM member_days WHERE guild_id NOT IN (SELECT guild_id FROM activities)"
            )
            for guild_id, first_raw in guilds:
                older = None
                if first_raw is not None:
                    older = await self._db.fetchval(
                        "SELECT 1 FROM member_days WHERE guild_id = ? AND local_day < ? LIMIT 1", (guild_id, first_raw)
                    )
                # Without raw rows, or once retention ran, the first raw day may be partial: keep it.
                if first_raw is None:
                    continue
                cutoff = first_raw + 1 if older else -(2**62)
                rebuilt[guild_id] = cutoff
                await self._rebuild_guild(guild_id, cutoff)
        return rebuilt

    async def _rebuild_guild(self, guild_id: int, cutoff: int) -> None:
        params = (guild_id, cutoff)
        for table in ("member_days", "guild_hours", "reply_pairs"):
            await self._db.execute(f"DELETE FROM {table} WHERE guild_id = ? AND local_day >= ?", params)
        await self._db.execute(
            "DELETE FROM post_responders WHERE guild_id = ? AND post_id IN "
            "(SELECT id FROM posts WHERE guild_id = ? AND local_day >= ?)",
            (guild_id, guild_id, cutoff),
        )
        await self._db.execute(
            """
            INSERT INTO member_days (guild_id, local_day, member_id, activities, messages, responses, replies,
                                     member_replies)
            SELECT guild_id, local_day, member_id, COUNT(*),
                   SUM(CASE WHEN kind = 'message' THEN 1 ELSE 0 END),
                   SUM(CASE WHEN post_id IS NOT NULL THEN 1 ELSE 0 END),
                   SUM(CASE WHEN reply_to_member_id IS NOT NULL OR reply_to_bot = 1 THEN 1 ELSE 0 END),
                   SUM(CASE WHEN reply_to_member_id IS NOT NULL AND reply_to_member_id <> member_id
                            THEN 1 ELSE 0 END)
            FROM activities WHERE guild_id = ? AND local_day >= ? AND counts = 1
            GROUP BY guild_id, local_day, member_id
            """,
            params,
        )
        await self._db.execute(
            """
            INSERT INTO guild_hours (guild_id, utc_hour, local_day, local_hour_of_week, activities)
            SELECT guild_id, utc_hour, MIN(local_day), MIN(local_hour_of_week), COUNT(*)
            FROM activities WHERE guild_id = ? AND local_day >= ? AND counts = 1
            GROUP BY guild_id, utc_hour
            """,
            params,
        )
        await self._db.execute(
            """
            INSERT INTO post_responders (guild_id, post_id, member_id, first_at)
            SELECT a.guild_id, a.post_id, a.member_id, MIN(a.at)
            FROM activities a JOIN posts p ON p.id = a.post_id AND p.guild_id = a.guild_id
            WHERE a.guild_id = ? AND p.local_day >= ? AND a.counts = 1 AND a.post_id IS NOT NULL
            GROUP BY a.guild_id, a.post_id, a.member_id
            """,
            params,
        )
        await self._db.execute(
            """
            INSERT INTO reply_pairs (guild_id, local_day, member_a, member_b, replies)
            SELECT guild_id, local_day,
                   CASE WHEN member_id < reply_to_member_id THEN member_id ELSE reply_to_member_id END,
                   CASE WHEN member_id < reply_to_member_id THEN reply_to_member_id ELSE member_id END,
                   COUNT(*)
            FROM activities
            WHERE guild_id = ? AND local_day >= ? AND counts = 1
              AND reply_to_member_id IS NOT NULL AND reply_to_member_id <> member_id
            GROUP BY guild_id, local_day,
                     CASE WHEN member_id < reply_to_member_id THEN member_id ELSE reply_to_member_id END,
                     CASE WHEN member_id < reply_to_member_id THEN reply_to_member_id ELSE member_id END
            """,
            params,
        )
