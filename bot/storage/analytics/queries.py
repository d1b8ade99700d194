"""Report reads of the trigger-kept tables: member_days, reply_pairs, posts, activities, guild_hours.

Every call is guild-keyed and parameterized. ``excluded`` is the set of opted-out member ids
(computed by the privacy service); it is applied in the SQL so opted-out members never reach a
numerator or a base.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from bot.storage.analytics import previous
from bot.storage.analytics._sql import AnalyticsTables
from bot.storage.id_lists import in_clause, not_in, rows_for_ids


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


class ReportQueries(AnalyticsTables):
    """Reads behind a report's figures (and the nightly rollups, which compute the same)."""

    # -- member_days ------------------------------------------------------------------------
    async def member_sums(
        self, guild_id: int, first_day: int, last_day: int, excluded: Collection[int] = ()
    ) -> dict[int, MemberSums]:
        """Per-member sums over local days first_day..last_day (inclusive)."""
        extra, params = not_in("member_id", excluded)
        rows = await self._db.fetchall(
            "SELECT member_id, SUM(activities), SUM(messages), SUM(responses), SUM(replies), SUM(member_replies) "
            "FROM member_days WHERE guild_id = ? AND local_day BETWEEN ? AND ?" + extra + " GROUP BY member_id",
            (guild_id, first_day, last_day, *params),
        )
        return {r[0]: MemberSums(r[1], r[2], r[3], r[4], r[5]) for r in rows}

    async def active_members(
        self, guild_id: int, first_day: int, last_day: int, excluded: Collection[int] = ()
    ) -> set[int]:
        extra, params = not_in("member_id", excluded)
        # ``+member_id``: distinct values of an expression, so SQLite reads the days' range by the
        # primary key instead of walking the whole by-member index for its order.
        rows = await self._db.fetchall(
            "SELECT DISTINCT +member_id FROM member_days WHERE guild_id = ? AND local_day BETWEEN ? AND ?" + extra,
            (guild_id, first_day, last_day, *params),
        )
        return {r[0] for r in rows}

    async def daily_active(
        self, guild_id: int, first_day: int, last_day: int, excluded: Collection[int] = ()
    ) -> dict[int, int]:
        """Distinct active members per local day (days without activity are absent)."""
        extra, params = not_in("member_id", excluded)
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
        extra, params = not_in("member_id", excluded)
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
        extra, params = not_in("member_id", excluded)
        rows = await self._db.fetchall(
            "SELECT member_id FROM member_days WHERE guild_id = ? AND local_day = ? AND responses > 0" + extra,
            (guild_id, day, *params),
        )
        return {r[0] for r in rows}

    async def member_days_of(
        self, guild_id: int, members: Collection[int], days: Sequence[int], *, responses_only: bool = False
    ) -> dict[int, set[int]]:
        """member -> the local days (among ``days``) with a member_days row (or a response).

        Reads each member's days in the range through the by-member index (migration 0150),
        never a scan of the days' rows.
        """
        found: dict[int, set[int]] = defaultdict(set)
        if not members or not days:
            return found
        wanted = set(days)
        extra = " AND responses > 0" if responses_only else ""
        for member, day in await rows_for_ids(
            self._db, "SELECT member_id, local_day FROM member_days WHERE guild_id = ? AND {ids} "
            "AND local_day BETWEEN ? AND ?" + extra,
            members, (guild_id,), (min(wanted), max(wanted)),
        ):
            if day in wanted:
                found[member].add(day)
        return found

    async def save_response_runs(
        self, guild_id: int, day: int, runs: dict[int, int], responders: tuple[int, int], excl_key: str, now_ms: int
    ) -> None:
        """Replace the guild's stored response runs (streaks) by those ending on ``day``;
        ``responders``: that day's and the day before's responders (opted-out members left out)."""
        async with self._db.transaction():
            await self._db.execute("DELETE FROM analytics_response_runs WHERE guild_id = ?", (guild_id,))
            await self._db.execute("DELETE FROM analytics_response_run_days WHERE guild_id = ?", (guild_id,))
            await self._db.executemany(
                "INSERT INTO analytics_response_runs (guild_id, local_day, member_id, run) VALUES (?, ?, ?, ?)",
                [(guild_id, day, member, run) for member, run in sorted(runs.items())],
            )
            await self._db.execute(
                "INSERT INTO analytics_response_run_days (guild_id, local_day, responders, responders_before, "
                "excl_key, computed_at) VALUES (?, ?, ?, ?, ?, ?)",
                (guild_id, day, *responders, excl_key, now_ms),
            )

    async def response_runs(self, guild_id: int, excl_key: str) -> tuple[int, tuple[int, int], dict[int, int]] | None:
        """(day, (responders that day, the day before), member -> run ending that day) as the
        nightly job stored them under this opt-out list; None when there are none."""
        row = await self._db.fetchone(
            "SELECT local_day, responders, responders_before FROM analytics_response_run_days "
            "WHERE guild_id = ? AND excl_key = ?",
            (guild_id, excl_key),
        )
        if row is None:
            return None
        rows = await self._db.fetchall(
            "SELECT member_id, run FROM analytics_response_runs WHERE guild_id = ? AND local_day = ?",
            (guild_id, row[0]),
        )
        return int(row[0]), (int(row[1]), int(row[2])), {int(r[0]): int(r[1]) for r in rows}

    async def responder_count(self, guild_id: int, day: int, excluded: Collection[int] = ()) -> int:
        """How many members responded to a Hearth post on the local day (opted-out members left out)."""
        extra, params = not_in("member_id", excluded)
        return int(
            await self._db.fetchval(
                "SELECT COUNT(*) FROM member_days WHERE guild_id = ? AND local_day = ? AND responses > 0" + extra,
                (guild_id, day, *params),
            )
            or 0
        )

    async def members_active_between(
        self, guild_id: int, members: Collection[int], first_day: int, last_day: int
    ) -> set[int]:
        """Which of ``members`` have a member_days row in first_day..last_day (by-member index,
        one row per member back); those whose stored last day (``previous``) is in the days are
        known to without reading their days."""
        found = await previous.seen_between(self._db, guild_id, members, first_day, last_day)
        rows = await rows_for_ids(
            self._db,
            "SELECT member_id FROM member_days WHERE guild_id = ? AND {ids} AND local_day BETWEEN ? AND ? "
            "GROUP BY member_id",
            set(members) - found, (guild_id,), (first_day, last_day),
        )
        return found | {r[0] for r in rows}

    # -- replies ------------------------------------------------------------------------------
    async def reply_pair_counts(
        self, guild_id: int, first_day: int, last_day: int, excluded: Collection[int] = ()
    ) -> tuple[int, int]:
        """(conversation pairs, mutual pairs) in the days: distinct unordered member pairs with at
        least one reply between them, and those with replies both ways."""
        extra_a, params_a = not_in("member_a", excluded)
        extra_b, params_b = not_in("member_b", excluded)
        row = await self._db.fetchone(
            "SELECT COUNT(*), COALESCE(SUM(CASE WHEN ab > 0 AND ba > 0 THEN 1 ELSE 0 END), 0) FROM ("
            "SELECT member_a, member_b, SUM(a_to_b) AS ab, SUM(b_to_a) AS ba FROM reply_pairs "
            "WHERE guild_id = ? AND local_day BETWEEN ? AND ?" + extra_a + extra_b + " GROUP BY member_a, member_b"
            ") AS pairs",
            (guild_id, first_day, last_day, *params_a, *params_b),
        )
        return (int(row[0] or 0), int(row[1] or 0)) if row is not None else (0, 0)

    # -- a day cut at an instant (a period in progress compared like for like) ----------------
    # Local days first_day..last_day from the rollups plus the raw activities in [since_ms, until_ms)
    # (the part of the next day before the instant). Used only for the comparison of a period in
    # progress (METRICS v2 "Partial weeks"): one day of raw rows, on the activities_by_time index.
    async def member_sums_until(
        self, guild_id: int, first_day: int, last_day: int, since_ms: int, until_ms: int,
        excluded: Collection[int] = (),
    ) -> dict[int, MemberSums]:
        """``member_sums`` of the days plus the raw activities in [since_ms, until_ms)."""
        extra, params = not_in("member_id", excluded)
        rows = await self._db.fetchall(
            "SELECT member_id, SUM(a), SUM(m), SUM(r), SUM(rp), SUM(mr) FROM ("
            "SELECT member_id, activities AS a, messages AS m, responses AS r, replies AS rp, member_replies AS mr "
            "FROM member_days WHERE guild_id = ? AND local_day BETWEEN ? AND ?" + extra + " UNION ALL "
            "SELECT member_id, 1, CASE WHEN kind = 'message' THEN 1 ELSE 0 END, "
            "CASE WHEN post_id IS NOT NULL THEN 1 ELSE 0 END, "
            "CASE WHEN reply_to_member_id IS NOT NULL OR reply_to_bot = 1 THEN 1 ELSE 0 END, "
            "CASE WHEN reply_to_member_id IS NOT NULL AND reply_to_member_id <> member_id THEN 1 ELSE 0 END "
            "FROM activities WHERE guild_id = ? AND at >= ? AND at < ? AND counts = 1" + extra + ") AS cut "
            "GROUP BY member_id",
            (guild_id, first_day, last_day, *params, guild_id, since_ms, until_ms, *params),
        )
        return {r[0]: MemberSums(r[1], r[2], r[3], r[4], r[5]) for r in rows}

    async def distinct_active_until(
        self, guild_id: int, days_from: Sequence[int], last_day: int, since_ms: int, until_ms: int,
        excluded: Collection[int] = (),
    ) -> list[int]:
        """For each day in ``days_from``: distinct members active from that day through ``last_day``
        or in [since_ms, until_ms) (the raw part, whose local day is ``last_day + 1``). One scan."""
        extra, params = not_in("member_id", excluded)
        counts = ", ".join("COUNT(DISTINCT CASE WHEN local_day >= ? THEN member_id END)" for _ in days_from)
        row = await self._db.fetchone(
            f"SELECT {counts} FROM ("
            "SELECT member_id, local_day FROM member_days WHERE guild_id = ? AND local_day BETWEEN ? AND ?" + extra
            + " UNION ALL SELECT member_id, local_day FROM activities WHERE guild_id = ? AND at >= ? AND at < ? "
            "AND counts = 1" + extra + ") AS cut",
            (*days_from, guild_id, min(days_from), last_day, *params, guild_id, since_ms, until_ms, *params),
        )
        return [int(v or 0) for v in row] if row is not None else [0] * len(days_from)

    async def reply_pair_counts_until(
        self, guild_id: int, first_day: int, last_day: int, since_ms: int, until_ms: int,
        excluded: Collection[int] = (),
    ) -> tuple[int, int]:
        """``reply_pair_counts`` of the days with the replies in [since_ms, until_ms) added."""
        extra_a, params_a = not_in("member_a", excluded)
        extra_b, params_b = not_in("member_b", excluded)
        extra_m, params_m = not_in("member_id", excluded)
        extra_r, params_r = not_in("reply_to_member_id", excluded)
        low = "CASE WHEN member_id < reply_to_member_id THEN member_id ELSE reply_to_member_id END"
        high = "CASE WHEN member_id < reply_to_member_id THEN reply_to_member_id ELSE member_id END"
        row = await self._db.fetchone(
            "SELECT COUNT(*), COALESCE(SUM(CASE WHEN ab > 0 AND ba > 0 THEN 1 ELSE 0 END), 0) FROM ("
            "SELECT member_a, member_b, SUM(ab) AS ab, SUM(ba) AS ba FROM ("
            "SELECT member_a, member_b, a_to_b AS ab, b_to_a AS ba FROM reply_pairs "
            "WHERE guild_id = ? AND local_day BETWEEN ? AND ?" + extra_a + extra_b + " UNION ALL "
            f"SELECT {low}, {high}, CASE WHEN member_id < reply_to_member_id THEN 1 ELSE 0 END, "
            "CASE WHEN member_id > reply_to_member_id THEN 1 ELSE 0 END FROM activities "
            "WHERE guild_id = ? AND at >= ? AND at < ? AND counts = 1 AND reply_to_member_id IS NOT NULL "
            "AND reply_to_member_id <> 0 AND reply_to_member_id <> member_id" + extra_m + extra_r
            + ") AS cut GROUP BY member_a, member_b) AS pairs",
            (guild_id, first_day, last_day, *params_a, *params_b, guild_id, since_ms, until_ms, *params_m, *params_r),
        )
        return (int(row[0] or 0), int(row[1] or 0)) if row is not None else (0, 0)

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
        rows = await rows_for_ids(
            self._db, "SELECT id, kind, tag, posted_at, local_day, local_hour_of_week, schedule_id, member_count "
            "FROM posts WHERE guild_id = ? AND {ids}",
            post_ids, (guild_id,), column="id",
        )
        return sorted((PostRow(*tuple(r)) for r in rows), key=lambda p: (p.posted_at, p.id))

    async def responders(
        self, guild_id: int, post_ids: Sequence[int], excluded: Collection[int] = ()
    ) -> dict[int, list[tuple[int, int]]]:
        """(member_id, first_at) of each post's responders (any time; callers apply the window)."""
        return await self._members_per_post(
            "SELECT post_id, member_id, first_at FROM post_responders WHERE guild_id = ? AND {ids}", "",
            guild_id, post_ids, excluded,
        )

    async def sharers(
        self, guild_id: int, post_ids: Sequence[int], excluded: Collection[int] = ()
    ) -> dict[int, list[tuple[int, int]]]:
        """(member_id, first share) of each post's sharers (any time; callers apply the window)."""
        return await self._members_per_post(
            "SELECT post_id, member_id, MIN(at) FROM activities WHERE guild_id = ? AND kind = 'share' AND {ids}",
            " GROUP BY post_id, member_id", guild_id, post_ids, excluded,
        )

    async def _members_per_post(
        self, select: str, tail: str, guild_id: int, post_ids: Sequence[int], excluded: Collection[int]
    ) -> dict[int, list[tuple[int, int]]]:
        """post -> [(member, time)] from ``select`` (``{ids}`` becomes the post id filter, ``tail`` follows
        the excluded members' filter)."""
        found: dict[int, list[tuple[int, int]]] = {p: [] for p in post_ids}
        extra, params = not_in("member_id", excluded)
        for post, member, at in await rows_for_ids(
            self._db, select + extra + tail, post_ids, (guild_id,), params, column="post_id"
        ):
            found[post].append((member, at))
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
        extra, params = not_in("member_id", excluded)
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
        excluded_hours: dict[int, tuple[int, int]] | None = None,
    ) -> tuple[dict[int, int], dict[int, int]]:
        """(all, organic) activities per local hour of week over the days, opted-out members' taken
        out; organic leaves out responses to Hearth posts (METRICS v2 "Peak activity").

        ``excluded_hours`` (hour -> (activities, responses), from the nightly rollup) saves the
        scan of the opted-out members' rows.
        """
        rows = await self._db.fetchall(
            "SELECT local_hour_of_week, SUM(activities), SUM(responses) FROM guild_hours WHERE guild_id = ? "
            "AND local_day BETWEEN ? AND ? GROUP BY local_hour_of_week ORDER BY local_hour_of_week",
            (guild_id, first_day, last_day),
        )
        grid = {r[0]: int(r[1]) for r in rows}
        organic = {r[0]: int(r[1]) - int(r[2]) for r in rows}
        hidden = excluded_hours
        if hidden is None and excluded:
            # No per-member index on activities: scan the days by time (only when someone opted out).
            hidden = {}
            for day, how, n, r in await self.excluded_hour_counts(guild_id, excluded, since_ms, until_ms):
                if first_day <= day <= last_day:
                    was = hidden.get(how, (0, 0))
                    hidden[how] = (was[0] + n, was[1] + r)
        for how, (n, r) in (hidden or {}).items():
            grid[how] = max(0, grid.get(how, 0) - n)
            organic[how] = max(0, organic.get(how, 0) - (n - r))
        return grid, organic

    async def excluded_hour_counts(
        self, guild_id: int, excluded: Collection[int], since_ms: int, until_ms: int
    ) -> list[tuple[int, int, int, int]]:
        """(local_day, hour of week, activities, responses) of the excluded members in the time range (a scan)."""
        if not excluded:
            return []
        clause, params = in_clause("member_id", excluded)
        rows = await self._db.fetchall(
            "SELECT local_day, local_hour_of_week, COUNT(*), SUM(CASE WHEN post_id IS NOT NULL THEN 1 ELSE 0 END) "
            "FROM activities WHERE guild_id = ? AND at >= ? "
            "AND at < ? AND counts = 1 AND " + clause + " GROUP BY local_day, local_hour_of_week",
            (guild_id, since_ms, until_ms, *params),
        )
        return [(r[0], r[1], r[2], int(r[3] or 0)) for r in rows]

    async def guilds_with_activity(self) -> list[int]:
        rows = await self._db.fetchall("SELECT DISTINCT guild_id FROM posts UNION SELECT guild_id FROM guild_settings")
        return sorted(r[0] for r in rows)

    async def first_day(self, guild_id: int) -> int | None:
        return await self._db.fetchval("SELECT MIN(local_day) FROM member_days WHERE guild_id = ?", (guild_id,))
