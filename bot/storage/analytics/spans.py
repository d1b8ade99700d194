"""Distinct members and pairs over runs of days without scanning every member day (migration 0150).

A member is counted in days f..t once, on their first active day d there, the day whose
previous active day is before f; "returning" (also active in the f-n..f-1 before) when that
previous day is on or after f-n. ``analytics_gaps`` counts member days and pair days by (day,
previous day) per series, for the complete days the nightly job stored; the days after those
(today, usually) are read from member_days and reply_pairs with each member's (pair's) previous
day looked up through the by-member indexes. Opted-out members' own rows are read by member
and taken out exactly. The result equals the figures summed from member_days (tests compare).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from bot.storage.analytics._sql import AnalyticsTables, in_clause

SERIES = ("active", "talked", "pair", "pair_any", "pair_ab", "pair_ba")
"""active: member days; talked: member days with messages; pair: reply_pairs rows; pair_any,
pair_ab, pair_ba: pair days with a reply either way, member_a to member_b, member_b to member_a."""
MAX_GAP = 2 * 366 + 1
"""A previous day further back than this is stored as none (-1): no report period (at most 366
days, against the 366 before it) can tell the two apart."""
NONE = -1
MAX_RAW_DAYS = 7
"""At most this many days after the stored ones are read raw; further behind, callers compute live."""

_MEMBER_SOURCE = {
    "active": ("member_days", "member_id", ""),
    "talked": ("member_days", "member_id", " AND {t}.messages > 0"),
}
_PAIR_SOURCE = {
    "pair": "",
    "pair_any": " AND ({t}.a_to_b > 0 OR {t}.b_to_a > 0)",
    "pair_ab": " AND {t}.a_to_b > 0",
    "pair_ba": " AND {t}.b_to_a > 0",
}


@dataclass(frozen=True)
class Window:
    """Local days first..last; ``before`` (optional): the first day of the run before it (returning)."""

    first: int
    last: int
    before: int | None = None


@dataclass(frozen=True)
class WindowCounts:
    active: int
    communicators: int
    returning: int  # active in the window and in before..first-1 (0 without ``before``)
    replies: int
    member_replies: int
    pairs: int
    mutual_pairs: int


@dataclass(frozen=True)
class SpanCounts:
    windows: list[WindowCounts]
    daily: dict[int, int]  # distinct active members per day (days without activity absent)


class SpanQueries(AnalyticsTables):
    """Stores the gap rows (nightly) and answers window counts from them."""

    # -- nightly --------------------------------------------------------------------------------
    async def store_spans(self, guild_id: int, first_day: int, last_day: int, now_ms: int) -> None:
        """Recompute the gap rows and day totals of days first_day..last_day from member_days and
        reply_pairs (rows of later days are dropped: they are stored again once complete)."""
        if first_day > last_day:
            return
        days = (guild_id, first_day, last_day)
        async with self._db.transaction():
            for table in ("analytics_gaps", "analytics_day_totals"):
                await self._db.execute(f"DELETE FROM {table} WHERE guild_id = ? AND local_day >= ?", days[:2])
            sources = [("member_days", ("member_id",), s, cond) for s, (_, _, cond) in _MEMBER_SOURCE.items()]
            sources += [("reply_pairs", ("member_a", "member_b"), s, cond) for s, cond in _PAIR_SOURCE.items()]
            for table, keys, series, cond in sources:
                same = " AND ".join(f"p.{k} = d.{k}" for k in keys)
                await self._db.execute(
                    "INSERT INTO analytics_gaps (guild_id, series, local_day, prev_day, n) "
                    "SELECT guild_id, ?, local_day, prev_day, COUNT(*) FROM (SELECT d.guild_id, d.local_day, "
                    f"COALESCE((SELECT MAX(p.local_day) FROM {table} p WHERE p.guild_id = d.guild_id AND {same} "
                    "AND p.local_day < d.local_day AND p.local_day >= d.local_day - ?"
                    + cond.format(t="p")
                    + f"), -1) AS prev_day FROM {table} d WHERE d.guild_id = ? AND d.local_day BETWEEN ? AND ?"
                    + cond.format(t="d")
                    + ") AS g GROUP BY guild_id, local_day, prev_day",
                    (series, MAX_GAP, *days),
                )
            totals = {day: (0, 0, 0, 0, 0) for day in range(first_day, last_day + 1)}
            for r in await self._day_aggregates(guild_id, first_day, last_day):
                totals[r[0]] = tuple(r[1:])
            await self._db.executemany(
                "INSERT INTO analytics_day_totals (guild_id, local_day, members, talkers, pairs, replies, "
                "member_replies, computed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [(guild_id, day, *t, now_ms) for day, t in totals.items()],
            )

    async def _day_aggregates(self, guild_id: int, first_day: int, last_day: int) -> list[tuple[int, ...]]:
        """(day, members, talkers, pairs, replies, member_replies) of the days with rows, from the live tables."""
        rows = await self._db.fetchall(
            "SELECT local_day, COUNT(*), SUM(CASE WHEN messages > 0 THEN 1 ELSE 0 END), SUM(replies), "
            "SUM(member_replies) FROM member_days WHERE guild_id = ? AND local_day BETWEEN ? AND ? GROUP BY local_day",
            (guild_id, first_day, last_day),
        )
        pairs = dict(
            await self._db.fetchall(
                "SELECT local_day, COUNT(*) FROM reply_pairs WHERE guild_id = ? AND local_day BETWEEN ? AND ? "
                "GROUP BY local_day",
                (guild_id, first_day, last_day),
            )
        )
        found = {r[0]: (r[0], int(r[1]), int(r[2] or 0), int(pairs.get(r[0], 0)), int(r[3] or 0), int(r[4] or 0))
                 for r in rows}
        for day, n in pairs.items():
            found.setdefault(day, (day, 0, 0, int(n), 0, 0))
        return [found[d] for d in sorted(found)]

    async def first_stale_span_day(self, guild_id: int, first_day: int, last_day: int) -> int | None:
        """The first stored day whose totals no longer equal member_days/reply_pairs (late rows)."""
        stored = await self._totals(guild_id, first_day, last_day)
        live = {r[0]: r[1:] for r in await self._day_aggregates(guild_id, first_day, last_day)}
        for t in stored:
            if t[1:] != live.get(t[0], (0, 0, 0, 0, 0)):
                return t[0]
        return None

    async def span_coverage(self, guild_id: int) -> tuple[int, int] | None:
        """(first, last) day of the stored gap rows when they cover an unbroken run of days."""
        row = await self._db.fetchone(
            "SELECT MIN(local_day), MAX(local_day), COUNT(*) FROM analytics_day_totals WHERE guild_id = ?",
            (guild_id,),
        )
        if row is None or row[0] is None or row[2] != row[1] - row[0] + 1:
            return None
        return int(row[0]), int(row[1])

    # -- reports --------------------------------------------------------------------------------
    async def span_counts(
        self,
        guild_id: int,
        windows: Sequence[Window],
        daily: tuple[int, int],
        excluded: Collection[int],
        first_recorded: int | None,
        cut: tuple[int, int] | None = None,
    ) -> SpanCounts | None:
        """Counts of each window and the daily distinct members of days daily[0]..daily[1],
        opted-out members left out; None when the stored rows can't answer (callers compute live).

        ``cut`` (since_ms, until_ms): the last day counts only the raw activities in that range
        (a period as of an instant, for like-for-like comparisons)."""
        covered = await self.span_coverage(guild_id)
        if covered is None or first_recorded is None or covered[0] > first_recorded:
            return None
        stored_to = await self._still_true(guild_id, covered)
        end = max(max(w.last for w in windows), daily[1])
        if stored_to is None or end - stored_to > MAX_RAW_DAYS:
            return None
        whole = end if cut is None else end - 1  # the last day read whole from member_days
        stored_to = min(stored_to, whole)
        start = min(min(w.first if w.before is None else w.before for w in windows), daily[0])
        gap = await self._gap_sums(guild_id, windows, stored_to)
        totals = await self._totals(guild_id, start, stored_to)
        members = await self._raw_members(guild_id, stored_to + 1, whole)
        pairs = await self._raw_pairs(guild_id, stored_to + 1, whole)
        gone = await self._excluded_members(guild_id, excluded, start, whole)
        gone_pairs = await self._excluded_pairs(guild_id, excluded, start, whole)
        if cut is not None:
            await self._cut_members(guild_id, members, end, cut, stored_to + 1, gone, excluded)
            await self._cut_pairs(guild_id, pairs, end, cut, stored_to + 1, gone_pairs, excluded)
        counted = []
        for i, w in enumerate(windows):
            def distinct(series: str, tracks: dict, w: Window = w, i: int = i) -> int:
                return gap[series][i][0] + _new_in(tracks, series, w)

            def total(column: int, rows: list[tuple[int, ...]], w: Window = w) -> int:
                return sum(r[column] for r in rows if w.first <= r[0] <= w.last)

            returning = gap["active"][i][1] + _returning_in(members, w) - _returning_set(gone, w)
            either = distinct("pair_any", pairs) - _any_in(gone_pairs, "pair_any", w)
            ab = distinct("pair_ab", pairs) - _any_in(gone_pairs, "pair_ab", w)
            ba = distinct("pair_ba", pairs) - _any_in(gone_pairs, "pair_ba", w)
            stored_days = [t for t in totals if w.first <= t[0] <= w.last]
            raw_rows = [r for track in members.values() for r in track.rows if w.first <= r[0] <= w.last]
            gone_rows = [r for track in gone.values() for r in track.rows]
            counted.append(
                WindowCounts(
                    active=distinct("active", members) - _any_in(gone, "active", w),
                    communicators=distinct("talked", members) - _any_in(gone, "talked", w),
                    returning=returning if w.before is not None else 0,
                    replies=sum(t[4] for t in stored_days) + sum(r[2] for r in raw_rows) - total(2, gone_rows),
                    member_replies=sum(t[5] for t in stored_days) + sum(r[3] for r in raw_rows)
                    - total(3, gone_rows),
                    pairs=distinct("pair", pairs) - _any_in(gone_pairs, "pair", w),
                    mutual_pairs=ab + ba - either,
                )
            )
        per_day: dict[int, int] = defaultdict(int)
        for t in totals:
            per_day[t[0]] += t[1]
        for track in members.values():
            for day in track.days["active"]:
                per_day[day] += 1
        for track in gone.values():
            for day in track.days["active"]:
                per_day[day] -= 1
        return SpanCounts(
            counted, {d: n for d, n in sorted(per_day.items()) if daily[0] <= d <= daily[1] and n > 0}
        )

    async def _still_true(self, guild_id: int, covered: tuple[int, int]) -> int | None:
        """The last stored day whose totals still equal member_days/reply_pairs (rows can arrive
        late for the last day or two): None when neither of the last two does."""
        first, last = max(covered[0], covered[1] - 1), covered[1]
        stored = {
            r[0]: tuple(int(v) for v in r[1:])
            for r in await self._db.fetchall(
                "SELECT local_day, members, talkers, pairs, replies, member_replies FROM analytics_day_totals "
                "WHERE guild_id = ? AND local_day BETWEEN ? AND ?",
                (guild_id, first, last),
            )
        }
        live = {r[0]: tuple(r[1:]) for r in await self._day_aggregates(guild_id, first, last)}
        for day in range(last, first - 1, -1):
            if all(stored.get(d) == live.get(d, (0, 0, 0, 0, 0)) for d in range(first, day + 1)):
                return day
        return None

    async def _gap_sums(self, guild_id: int, windows: Sequence[Window], stored_to: int) -> dict[str, list[list[int]]]:
        """series -> per window [distinct, returning] over the window's stored days."""
        parts: list[str] = []
        params: list[int] = []
        spans = []
        for w in windows:
            last = min(w.last, stored_to)
            before = w.first if w.before is None else w.before
            parts.append("SUM(CASE WHEN local_day BETWEEN ? AND ? AND prev_day < ? THEN n ELSE 0 END)")
            parts.append(
                "SUM(CASE WHEN local_day BETWEEN ? AND ? AND prev_day >= ? AND prev_day < ? THEN n ELSE 0 END)"
            )
            params += [w.first, last, w.first, w.first, last, before, w.first]
            spans.append((w.first, last))
        found = {s: [[0, 0] for _ in windows] for s in SERIES}
        lo = min(f for f, _ in spans)
        hi = max(t for _, t in spans)
        if hi < lo:
            return found
        rows = await self._db.fetchall(
            f"SELECT series, {', '.join(parts)} FROM analytics_gaps WHERE guild_id = ? AND local_day BETWEEN ? AND ? "
            "GROUP BY series",
            (*params, guild_id, lo, hi),
        )
        for r in rows:
            if r[0] in found:
                found[r[0]] = [[int(r[1 + 2 * i] or 0), int(r[2 + 2 * i] or 0)] for i in range(len(windows))]
        return found

    async def _totals(self, guild_id: int, first_day: int, last_day: int) -> list[tuple[int, ...]]:
        if last_day < first_day:
            return []
        rows = await self._db.fetchall(
            "SELECT local_day, members, talkers, pairs, replies, member_replies FROM analytics_day_totals "
            "WHERE guild_id = ? AND local_day BETWEEN ? AND ? ORDER BY local_day",
            (guild_id, first_day, last_day),
        )
        return [tuple(int(v) for v in r) for r in rows]

    async def _raw_members(self, guild_id: int, first_day: int, last_day: int) -> dict[int, _Raw]:
        """The members active in first_day..last_day: their days and their last days before."""
        if last_day < first_day:
            return {}
        rows = await self._db.fetchall(
            "SELECT d.member_id, d.local_day, d.messages, d.replies, d.member_replies, "
            "(SELECT MAX(p.local_day) FROM member_days p WHERE p.guild_id = d.guild_id AND p.member_id = d.member_id "
            "AND p.local_day < ?), "
            "CASE WHEN d.messages > 0 THEN (SELECT MAX(p.local_day) FROM member_days p WHERE p.guild_id = d.guild_id "
            "AND p.member_id = d.member_id AND p.local_day < ? AND p.messages > 0) END "
            "FROM member_days d WHERE d.guild_id = ? AND d.local_day BETWEEN ? AND ?",
            (first_day, first_day, guild_id, first_day, last_day),
        )
        found: dict[int, _Raw] = {}
        for member, day, messages, replies, member_replies, before, talked_before in rows:
            track = found.get(member)
            if track is None:
                track = found[member] = _Raw.empty(("active", "talked"))
                track.before["active"] = _none(before)
            if talked_before is not None:  # looked up on the member's days with messages only
                track.before["talked"] = int(talked_before)
            track.days["active"].add(day)
            if messages:
                track.days["talked"].add(day)
            track.rows.append((day, messages, replies, member_replies))
        return found

    async def _raw_pairs(self, guild_id: int, first_day: int, last_day: int) -> dict[tuple[int, int], _Raw]:
        if last_day < first_day:
            return {}
        inner, outer = _pair_before("d")
        rows = await self._db.fetchall(
            f"SELECT x.member_a, x.member_b, x.local_day, x.a_to_b, x.b_to_a, {outer} FROM (SELECT d.member_a, "
            f"d.member_b, d.local_day, d.a_to_b, d.b_to_a, {inner} FROM reply_pairs d WHERE d.guild_id = ? "
            "AND d.local_day BETWEEN ? AND ?) AS x",
            (*[guild_id, first_day] * len(_PAIR_SOURCE), guild_id, first_day, last_day),
        )
        found: dict[tuple[int, int], _Raw] = {}
        for r in rows:
            track = found.get((r[0], r[1]))
            if track is None:
                track = found[(r[0], r[1])] = _Raw.empty(tuple(_PAIR_SOURCE))
                track.before = {s: _none(v) for s, v in zip(_PAIR_SOURCE, r[5:], strict=True)}
            _add_pair_day(track, r[2], r[3], r[4])
        return found

    async def _cut_members(
        self, guild_id: int, found: dict[int, _Raw], day: int, cut: tuple[int, int], raw_from: int,
        gone: dict[int, _Raw], excluded: Collection[int],
    ) -> None:
        """Add the raw activities in cut (since_ms, until_ms) as the members' day ``day`` (the
        excluded members' to ``gone`` as well); new members get their last days before ``raw_from``."""
        rows = await self._db.fetchall(
            "SELECT c.member_id, c.messages, c.replies, c.member_replies, "
            "(SELECT MAX(p.local_day) FROM member_days p WHERE p.guild_id = ? AND p.member_id = c.member_id "
            "AND p.local_day < ?), "
            "CASE WHEN c.messages > 0 THEN (SELECT MAX(p.local_day) FROM member_days p WHERE p.guild_id = ? "
            "AND p.member_id = c.member_id AND p.local_day < ? AND p.messages > 0) END "
            "FROM (SELECT member_id, SUM(CASE WHEN kind = 'message' THEN 1 ELSE 0 END) AS messages, "
            "SUM(CASE WHEN reply_to_member_id IS NOT NULL OR reply_to_bot = 1 THEN 1 ELSE 0 END) AS replies, "
            "SUM(CASE WHEN reply_to_member_id IS NOT NULL AND reply_to_member_id <> member_id THEN 1 ELSE 0 END) "
            "AS member_replies FROM activities WHERE guild_id = ? AND at >= ? AND at < ? AND counts = 1 "
            "GROUP BY member_id) AS c",
            (guild_id, raw_from, guild_id, raw_from, guild_id, *cut),
        )
        for member, messages, replies, member_replies, before, talked_before in rows:
            for tracks in (found, gone) if member in excluded else (found,):
                track = tracks.get(member)
                if track is None:
                    track = tracks[member] = _Raw.empty(("active", "talked"))
                    track.before["active"] = _none(before)
                if talked_before is not None:  # looked up when the member sent messages
                    track.before["talked"] = int(talked_before)
                track.days["active"].add(day)
                if messages:
                    track.days["talked"].add(day)
                track.rows.append((day, int(messages), int(replies), int(member_replies)))

    async def _cut_pairs(
        self, guild_id: int, found: dict[tuple[int, int], _Raw], day: int, cut: tuple[int, int], raw_from: int,
        gone: dict[tuple[int, int], _Raw], excluded: Collection[int],
    ) -> None:
        """Add the replies in cut (since_ms, until_ms) as the pairs' day ``day`` (pairs with an
        excluded member to ``gone`` as well), with new pairs' last days before ``raw_from``."""
        low = "CASE WHEN member_id < reply_to_member_id THEN member_id ELSE reply_to_member_id END"
        high = "CASE WHEN member_id < reply_to_member_id THEN reply_to_member_id ELSE member_id END"
        inner, outer = _pair_before("c")
        rows = await self._db.fetchall(
            f"SELECT x.member_a, x.member_b, x.ab, x.ba, {outer} FROM (SELECT c.member_a, c.member_b, c.ab, c.ba, "
            f"{inner} FROM (SELECT {low} AS member_a, {high} AS member_b, "
            "SUM(CASE WHEN member_id < reply_to_member_id THEN 1 ELSE 0 END) AS ab, "
            "SUM(CASE WHEN member_id > reply_to_member_id THEN 1 ELSE 0 END) AS ba FROM activities "
            "WHERE guild_id = ? AND at >= ? AND at < ? AND counts = 1 AND reply_to_member_id IS NOT NULL "
            f"AND reply_to_member_id <> 0 AND reply_to_member_id <> member_id GROUP BY {low}, {high}) AS c) AS x",
            (*[guild_id, raw_from] * len(_PAIR_SOURCE), guild_id, *cut),
        )
        for r in rows:
            pair = (r[0], r[1])
            for tracks in (found, gone) if r[0] in excluded or r[1] in excluded else (found,):
                track = tracks.get(pair)
                if track is None:
                    track = tracks[pair] = _Raw.empty(tuple(_PAIR_SOURCE))
                    track.before = {s: _none(v) for s, v in zip(_PAIR_SOURCE, r[4:], strict=True)}
                _add_pair_day(track, day, int(r[2]), int(r[3]))

    async def _excluded_members(
        self, guild_id: int, excluded: Collection[int], first_day: int, last_day: int
    ) -> dict[int, _Raw]:
        """Opted-out members' days in first_day..last_day (through the by-member index)."""
        found: dict[int, _Raw] = {}
        if not excluded:
            return found
        ids = sorted(excluded)
        for start in range(0, len(ids), 500):
            clause, params = in_clause("member_id", ids[start : start + 500])
            rows = await self._db.fetchall(
                "SELECT member_id, local_day, messages, replies, member_replies FROM member_days "
                "WHERE guild_id = ? AND " + clause + " AND local_day BETWEEN ? AND ?",
                (guild_id, *params, first_day, last_day),
            )
            for member, day, messages, replies, member_replies in rows:
                track = found.setdefault(member, _Raw.empty(("active", "talked")))
                track.days["active"].add(day)
                if messages:
                    track.days["talked"].add(day)
                track.rows.append((day, messages, replies, member_replies))
        return found

    async def _excluded_pairs(
        self, guild_id: int, excluded: Collection[int], first_day: int, last_day: int
    ) -> dict[tuple[int, int], _Raw]:
        """Pairs with an opted-out member: their days in first_day..last_day."""
        found: dict[tuple[int, int], _Raw] = {}
        if not excluded:
            return found
        ids = sorted(excluded)
        seen: set[tuple[int, int, int]] = set()
        for column in ("member_a", "member_b"):
            for start in range(0, len(ids), 500):
                clause, params = in_clause(column, ids[start : start + 500])
                # No day range in the SQL: the member's index is then the only one that fits.
                rows = await self._db.fetchall(
                    "SELECT member_a, member_b, local_day, a_to_b, b_to_a FROM reply_pairs WHERE guild_id = ? AND "
                    + clause,
                    (guild_id, *params),
                )
                for a, b, day, ab, ba in rows:
                    if not first_day <= day <= last_day or (a, b, day) in seen:
                        continue
                    seen.add((a, b, day))
                    _add_pair_day(found.setdefault((a, b), _Raw.empty(tuple(_PAIR_SOURCE))), day, ab, ba)
        return found


@dataclass
class _Raw:
    """One member's (pair's) days per series in a run of raw days, the last day before the run
    (NONE: none), and the member's day rows (day, messages, replies, member_replies)."""

    days: dict[str, set[int]]
    before: dict[str, int]
    rows: list[tuple[int, int, int, int]]

    @classmethod
    def empty(cls, series: Sequence[str]) -> _Raw:
        return cls({s: set() for s in series}, {s: NONE for s in series}, [])


def _pair_before(inner: str) -> tuple[str, str]:
    """(inner column, outer columns): the pair's last day before a day per pair series, each a
    subquery with two ``?`` (guild, day); around a derived table ``x`` whose ``inner`` source
    has member_a and member_b. The one-way series are looked up only for pairs that had a day
    before at all (most pairs never did)."""

    def lookup(t: str, cond: str) -> str:
        return (
            f"(SELECT MAX(p.local_day) FROM reply_pairs p WHERE p.guild_id = ? AND p.member_a = {t}.member_a "
            f"AND p.member_b = {t}.member_b AND p.local_day < ?" + cond.format(t="p") + ")"
        )

    outer = ["x.prev"] + [
        f"CASE WHEN x.prev IS NULL THEN NULL ELSE {lookup('x', cond)} END"
        for series, cond in _PAIR_SOURCE.items()
        if series != "pair"
    ]
    return f"{lookup(inner, '')} AS prev", ", ".join(outer)


def _none(day: int | None) -> int:
    return NONE if day is None else int(day)


def _add_pair_day(track: _Raw, day: int, ab: int, ba: int) -> None:
    track.days["pair"].add(day)
    if ab > 0 or ba > 0:
        track.days["pair_any"].add(day)
    if ab > 0:
        track.days["pair_ab"].add(day)
    if ba > 0:
        track.days["pair_ba"].add(day)


def _new_in(tracks: dict, series: str, w: Window) -> int:
    """Members (pairs) of the raw days active in the window with no day of it among the stored days."""
    return sum(
        1
        for t in tracks.values()
        if t.before[series] < w.first and any(w.first <= d <= w.last for d in t.days[series])
    )


def _returning_in(tracks: dict[int, _Raw], w: Window) -> int:
    """Raw-day members new to the window (see ``_new_in``) who were active in before..first-1."""
    if w.before is None:
        return 0
    found = 0
    for t in tracks.values():
        days = t.days["active"]
        if t.before["active"] >= w.first or not any(w.first <= d <= w.last for d in days):
            continue
        if w.before <= t.before["active"] or any(w.before <= d < w.first for d in days):
            found += 1
    return found


def _any_in(tracks: dict, series: str, w: Window) -> int:
    return sum(1 for t in tracks.values() if any(w.first <= d <= w.last for d in t.days[series]))


def _returning_set(tracks: dict[int, _Raw], w: Window) -> int:
    if w.before is None:
        return 0
    before = w.before
    return sum(
        1
        for t in tracks.values()
        if any(w.first <= d <= w.last for d in t.days["active"])
        and any(before <= d < w.first for d in t.days["active"])
    )
