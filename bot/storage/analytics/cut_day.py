"""The cut day of a like-for-like comparison from rows the nightly job stores (migration 0260).

A period in progress is compared with its previous period cut at the same local time; that
period's last day (7, 28 or 90 days back: always complete, and older than the nightly job's
day) counts only the activities recorded before the instant. ``spans`` can read it raw (that
morning's activities grouped by member and by pair, each with its previous days looked up);
here the nightly job stores per member day the first activity and first message times and the
member's previous days, per pair day the first reply each way and the pair's previous days, and
the day's replies per whole hour from local midnight. A report then filters one day's stored
rows by time; only the part of one hour before the instant (and, for an opted-out member with
replies on both sides of it, their replies) is read from activities.

The stored rows are used only while they are still true: the same local midnights (time zone),
and the day's counting activities in guild_hours (kept by the recorder's triggers) still what
they were when stored (late rows, forget-me, a rebuild). Otherwise the report reads the day raw
and the next nightly run stores it again. Opted-out members' rows are stored and taken out at
report time, exactly as the raw path takes them out, so another opt-out list needs nothing new.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

from bot.storage.analytics.spans import (
    _PAIR_SOURCE,
    SpanQueries,
    _add_pair_day,
    _LiveDays,
    _pair_before,
    _Raw,
)
from bot.storage.id_lists import in_clause, rows_for_ids

CUT_KEEP_DAYS = 100
"""Days back from the nightly job's last day whose cut rows are kept: the 90-day period's cut
day, with the job a few days behind."""
CHECKED_DAYS = 8
"""A stored day is checked against guild_hours with the 7 days before it: a late row there can
change a member's previous day."""
HOUR_MS = 3_600_000

_REPLY = "CASE WHEN reply_to_member_id IS NOT NULL OR reply_to_bot = 1 THEN 1 ELSE 0 END"
_MEMBER_REPLY = "CASE WHEN reply_to_member_id IS NOT NULL AND reply_to_member_id <> member_id THEN 1 ELSE 0 END"
_LOW = "CASE WHEN member_id < reply_to_member_id THEN member_id ELSE reply_to_member_id END"
_HIGH = "CASE WHEN member_id < reply_to_member_id THEN reply_to_member_id ELSE member_id END"
CUT_TABLES = ("analytics_cut_days", "analytics_cut_members", "analytics_cut_pairs", "analytics_cut_hours")


class CutDayQueries(SpanQueries):
    """Stores the cut-day rows (nightly) and answers a cut day from them (``span_counts``)."""

    # -- nightly --------------------------------------------------------------------------------
    async def cut_days_due(self, guild_id: int, bounds: Mapping[int, tuple[int, int]]) -> list[int]:
        """The days of ``bounds`` (day -> local midnight, next midnight) whose stored rows are
        missing or no longer true, and every day after the first of them (its rows can change a
        later day's previous days)."""
        if not bounds:
            return []
        lo, hi = min(bounds), max(bounds)
        stored = {
            int(r[0]): (int(r[1]), int(r[2]), int(r[3]))
            for r in await self._db.fetchall(
                "SELECT local_day, start_ms, end_ms, activities FROM analytics_cut_days "
                "WHERE guild_id = ? AND local_day BETWEEN ? AND ?",
                (guild_id, lo, hi),
            )
        }
        counts = await self._day_activities(guild_id, lo - CHECKED_DAYS + 1, hi)
        stale = [d for d in sorted(bounds) if stored.get(d) != (*bounds[d], _checksum(counts, d))]
        return [d for d in sorted(bounds) if stale and d >= stale[0]]

    async def store_cut_days(
        self, guild_id: int, bounds: Mapping[int, tuple[int, int]], keep_from: int, excluded: Collection[int],
        now_ms: int,
    ) -> None:
        """Store the cut rows of the days in ``bounds`` (day -> local midnight, next midnight) and
        drop those of days before ``keep_from``; ``excluded``: the members opted out now (their
        replies per hour are kept too)."""
        async with self._db.transaction():
            for table in CUT_TABLES:
                await self._db.execute(
                    f"DELETE FROM {table} WHERE guild_id = ? AND local_day < ?", (guild_id, keep_from)
                )
        for day, (start_ms, end_ms) in sorted(bounds.items()):
            async with self._db.transaction():
                await self._store_cut_day(guild_id, day, start_ms, end_ms, excluded, now_ms)

    async def _store_cut_day(
        self, guild_id: int, day: int, start_ms: int, end_ms: int, excluded: Collection[int], now_ms: int
    ) -> None:
        # The activity count first: a row arriving while the rest is computed makes the stored
        # count differ from guild_hours, so the day is read raw and stored again.
        count = await self._checked_activities(guild_id, day)
        for table in CUT_TABLES:
            await self._db.execute(f"DELETE FROM {table} WHERE guild_id = ? AND local_day = ?", (guild_id, day))
        span = (guild_id, start_ms, end_ms)
        same = "p.guild_id = c.guild_id AND p.member_id = c.member_id AND p.local_day < ?"
        await self._db.execute(
            "INSERT INTO analytics_cut_members (guild_id, local_day, prev_day, talked_prev, member_id, first_at, "
            "first_message_at, own_hours) SELECT c.guild_id, CAST(? AS INTEGER), "
            f"COALESCE((SELECT MAX(p.local_day) FROM member_days p WHERE {same}), -1), "
            f"COALESCE((SELECT p.local_day FROM member_days p WHERE {same} AND p.messages > 0 "
            "ORDER BY p.local_day DESC LIMIT 1), -1), c.member_id, c.first_at, c.first_message_at, 0 "
            "FROM (SELECT guild_id, member_id, MIN(at) AS first_at, "
            "MIN(CASE WHEN kind = 'message' THEN at END) AS first_message_at FROM activities "
            "WHERE guild_id = ? AND at >= ? AND at < ? AND counts = 1 GROUP BY guild_id, member_id) AS c",
            (day, day, day, *span),
        )
        inner, _ = _pair_before("?")
        walk = {series: _pair_walk(cond) for series, cond in _PAIR_SOURCE.items() if series != "pair"}
        await self._db.execute(
            "INSERT INTO analytics_cut_pairs (guild_id, local_day, prev_day, prev_any, prev_ab, prev_ba, member_a, "
            "member_b, first_ab_at, first_ba_at) SELECT x.guild_id, CAST(? AS INTEGER), COALESCE(x.prev, -1), "
            + ", ".join(f"CASE WHEN x.prev IS NULL THEN -1 ELSE COALESCE({w}, -1) END" for w in walk.values())
            + ", x.member_a, x.member_b, x.first_ab, x.first_ba FROM (SELECT i.guild_id, i.member_a, i.member_b, "
            f"i.first_ab, i.first_ba, {inner} FROM (SELECT guild_id, {_LOW} AS member_a, {_HIGH} AS member_b, "
            "MIN(CASE WHEN member_id < reply_to_member_id THEN at END) AS first_ab, "
            "MIN(CASE WHEN member_id > reply_to_member_id THEN at END) AS first_ba FROM activities "
            "WHERE guild_id = ? AND at >= ? AND at < ? AND counts = 1 AND reply_to_member_id IS NOT NULL "
            f"AND reply_to_member_id <> 0 AND reply_to_member_id <> member_id GROUP BY guild_id, {_LOW}, {_HIGH}) "
            "AS i) AS x",
            (day, day, day, day, day, *span),
        )
        hours = (
            "INSERT INTO analytics_cut_hours (guild_id, local_day, member_id, hour, replies, member_replies) "
            "SELECT guild_id, CAST(? AS INTEGER), {member}, hour, SUM(reply), SUM(member_reply) FROM (SELECT "
            f"guild_id, member_id, (at - ?) / {HOUR_MS} AS hour, {_REPLY} AS reply, {_MEMBER_REPLY} AS member_reply "
            "FROM activities WHERE guild_id = ? AND at >= ? AND at < ? AND counts = 1 "
            "AND (reply_to_member_id IS NOT NULL OR reply_to_bot = 1){only}) AS h GROUP BY guild_id{by}, hour"
        )
        await self._db.execute(hours.format(member="0", only="", by=""), (day, start_ms, *span))
        ids = sorted(excluded)
        for first in range(0, len(ids), 500):
            clause, params = in_clause("member_id", ids[first : first + 500])
            await self._db.execute(
                f"UPDATE analytics_cut_members SET own_hours = 1 WHERE guild_id = ? AND local_day = ? AND {clause}",
                (guild_id, day, *params),
            )
            await self._db.execute(
                hours.format(member="member_id", only=f" AND {clause}", by=", member_id"),
                (day, start_ms, *span, *params),
            )
        await self._db.execute(
            "INSERT INTO analytics_cut_days (guild_id, local_day, start_ms, end_ms, activities, computed_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (guild_id, day, start_ms, end_ms, count, now_ms),
        )

    async def _checked_activities(self, guild_id: int, day: int) -> int:
        """Counting activities of the day and the CHECKED_DAYS - 1 before it, from guild_hours."""
        return int(
            await self._db.fetchval(
                "SELECT SUM(activities) FROM guild_hours WHERE guild_id = ? AND local_day BETWEEN ? AND ?",
                (guild_id, day - CHECKED_DAYS + 1, day),
            )
            or 0
        )

    async def _day_activities(self, guild_id: int, first_day: int, last_day: int) -> dict[int, int]:
        """Counting activities per local day, from guild_hours (a few rows a day, kept by trigger)."""
        return {
            int(r[0]): int(r[1] or 0)
            for r in await self._db.fetchall(
                "SELECT local_day, SUM(activities) FROM guild_hours WHERE guild_id = ? AND local_day BETWEEN ? AND ? "
                "GROUP BY local_day",
                (guild_id, first_day, last_day),
            )
        }

    # -- reports --------------------------------------------------------------------------------
    async def _stored_cut(
        self, guild_id: int, live: _LiveDays, day: int, cut: tuple[int, int],
        gone: dict[int, _Raw], gone_pairs: dict[tuple[int, int], _Raw], excluded: Collection[int],
    ) -> bool:
        """Add the cut day from its stored rows, as ``_cut_members`` and ``_cut_pairs`` would from
        the raw activities; False (nothing added) when they are missing or no longer true."""
        since, until = cut
        row = await self._db.fetchone(
            "SELECT start_ms, end_ms, activities FROM analytics_cut_days WHERE guild_id = ? AND local_day = ?",
            (guild_id, day),
        )
        if row is None or int(row[0]) != since or not since <= until <= int(row[1]):
            return False
        if await self._checked_activities(guild_id, day) != int(row[2]):
            return False
        await self._stored_members(guild_id, live, day, since, until, gone, excluded)
        await self._stored_pairs(guild_id, live, day, until, gone_pairs, excluded)
        return True

    async def _stored_members(
        self, guild_id: int, live: _LiveDays, day: int, since: int, until: int,
        gone: dict[int, _Raw], excluded: Collection[int],
    ) -> None:
        # In (previous days) order: counted in one pass, no sort.
        rows = await self._db.fetchall(
            "SELECT prev_day, talked_prev, COUNT(*), SUM(CASE WHEN first_message_at < ? THEN 1 ELSE 0 END) "
            "FROM analytics_cut_members WHERE guild_id = ? AND local_day = ? AND first_at < ? "
            "GROUP BY prev_day, talked_prev",
            (until, guild_id, day, until),
        )
        for before, talked_before, n, talked in rows:
            if talked:
                live.member(day, before, talked_before, int(talked), 0, 0)
            if n - talked:
                live.member(day, before, None, int(n - talked), 0, 0)
        hours = (until - since) // HOUR_MS
        total = await self._db.fetchone(
            "SELECT SUM(replies), SUM(member_replies) FROM analytics_cut_hours "
            "WHERE guild_id = ? AND local_day = ? AND member_id = 0 AND hour < ?",
            (guild_id, day, hours),
        )
        rest = {
            int(r[0]): (int(r[1]), int(r[2]))
            for r in await self._db.fetchall(
                f"SELECT member_id, SUM({_REPLY}), SUM({_MEMBER_REPLY}) FROM activities "
                "WHERE guild_id = ? AND at >= ? AND at < ? AND counts = 1 "
                "AND (reply_to_member_id IS NOT NULL OR reply_to_bot = 1) GROUP BY member_id",
                (guild_id, since + hours * HOUR_MS, until),
            )
        }
        sums = live.sums[day]
        sums[2] += int(total[0] or 0 if total else 0) + sum(v[0] for v in rest.values())
        sums[3] += int(total[1] or 0 if total else 0) + sum(v[1] for v in rest.values())
        if not excluded:
            return
        mine = {  # opted-out member -> (talked before the instant, own hours)
            int(member): (bool(talked), bool(own_hours))
            for member, talked, own_hours in await rows_for_ids(
                self._db,
                "SELECT member_id, CASE WHEN first_message_at < ? THEN 1 ELSE 0 END, own_hours "
                "FROM analytics_cut_members WHERE guild_id = ? AND local_day = ? AND first_at < ? AND {ids}",
                excluded, (until, guild_id, day, until),
            )
        }
        replied = {m: rest.get(m, (0, 0)) for m, (_, own) in mine.items() if own}
        await self._own_replies(guild_id, day, hours, replied)
        await self._replies_of(guild_id, since, until, [m for m, (_, own) in mine.items() if not own], replied)
        for member, (talked, _) in mine.items():
            track = gone.setdefault(member, _Raw.empty(("active", "talked")))
            track.days["active"].add(day)
            if talked:
                track.days["talked"].add(day)
            track.rows.append((day, int(talked), *replied.get(member, (0, 0))))

    async def _own_replies(self, guild_id: int, day: int, hours: int, replied: dict[int, tuple[int, int]]) -> None:
        """Add the whole hours before the instant's of members whose replies per hour are stored."""
        for member, replies, member_replies in await rows_for_ids(
            self._db,
            "SELECT member_id, SUM(replies), SUM(member_replies) FROM analytics_cut_hours "
            "WHERE guild_id = ? AND local_day = ? AND {ids} AND hour < ? GROUP BY member_id",
            replied, (guild_id, day), (hours,),
        ):
            had = replied[int(member)]
            replied[int(member)] = (had[0] + int(replies or 0), had[1] + int(member_replies or 0))

    async def _replies_of(
        self, guild_id: int, since: int, until: int, members: list[int], replied: dict[int, tuple[int, int]]
    ) -> None:
        """Members opted out since the day was stored: their replies before the instant, from the
        day's raw activities."""
        for member, replies, member_replies in await rows_for_ids(
            self._db,
            f"SELECT member_id, SUM({_REPLY}), SUM({_MEMBER_REPLY}) FROM activities WHERE guild_id = ? "
            "AND at >= ? AND at < ? AND counts = 1 AND {ids} GROUP BY member_id",
            members, (guild_id, since, until),
        ):
            replied[int(member)] = (int(replies or 0), int(member_replies or 0))

    async def _stored_pairs(
        self, guild_id: int, live: _LiveDays, day: int, until: int,
        gone: dict[tuple[int, int], _Raw], excluded: Collection[int],
    ) -> None:
        ab, ba = "CASE WHEN first_ab_at < ? THEN 1 ELSE 0 END", "CASE WHEN first_ba_at < ? THEN 1 ELSE 0 END"
        rows = await self._db.fetchall(
            f"SELECT prev_day, prev_any, prev_ab, prev_ba, SUM({ab} * {ba}), SUM({ab} * (1 - {ba})), "
            f"SUM({ba} * (1 - {ab})) FROM analytics_cut_pairs "
            "WHERE guild_id = ? AND local_day = ? AND (first_ab_at < ? OR first_ba_at < ?) "
            "GROUP BY prev_day, prev_any, prev_ab, prev_ba",
            (*[until] * 6, guild_id, day, until, until),
        )
        for *before, n_both, n_ab, n_ba in rows:
            for one_way, other_way, n in ((1, 1, n_both), (1, 0, n_ab), (0, 1, n_ba)):
                if n:
                    live.pair(day, one_way, other_way, before, int(n))
        ids = sorted(excluded)
        for first in range(0, len(ids), 500):
            chunk = ids[first : first + 500]
            a_in, params_a = in_clause("member_a", chunk)
            b_in, params_b = in_clause("member_b", chunk)
            for a, b, ab, ba in await self._db.fetchall(
                "SELECT member_a, member_b, CASE WHEN first_ab_at < ? THEN 1 ELSE 0 END, "
                "CASE WHEN first_ba_at < ? THEN 1 ELSE 0 END FROM analytics_cut_pairs WHERE guild_id = ? "
                f"AND local_day = ? AND (first_ab_at < ? OR first_ba_at < ?) AND ({a_in} OR {b_in})",
                (until, until, guild_id, day, until, until, *params_a, *params_b),
            ):
                _add_pair_day(gone.setdefault((a, b), _Raw.empty(tuple(_PAIR_SOURCE))), day, ab, ba)


def _pair_walk(cond: str) -> str:
    """The pair's last day in the series before ``?`` (the day), over derived table ``x``."""
    return (
        "(SELECT p.local_day FROM reply_pairs p WHERE p.guild_id = x.guild_id AND p.member_a = x.member_a "
        "AND p.member_b = x.member_b AND p.local_day < ?" + cond.format(t="p") + " ORDER BY p.local_day DESC LIMIT 1)"
    )


def _checksum(counts: Mapping[int, int], day: int) -> int:
    return sum(counts.get(d, 0) for d in range(day - CHECKED_DAYS + 1, day + 1))
