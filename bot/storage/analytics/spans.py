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

from bot.storage.analytics import previous
from bot.storage.analytics._sql import AnalyticsTables
from bot.storage.id_lists import in_clause, rows_for_ids

SERIES = ("active", "talked", "pair", "pair_any", "pair_ab", "pair_ba")
"""active: member days; talked: member days with messages; pair: reply_pairs rows; pair_any,
pair_ab, pair_ba: pair days with a reply either way, member_a to member_b, member_b to member_a."""
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
            sources = [("member_days", s, cond) for s, (_, _, cond) in _MEMBER_SOURCE.items()]
            sources += [("reply_pairs", s, cond) for s, cond in _PAIR_SOURCE.items()]
            for table, series, cond in sources:
                await self._db.execute(*previous.gap_rows(table, series, cond, *days))
            totals = {day: (0, 0, 0, 0, 0) for day in range(first_day, last_day + 1)}
            for r in await self._day_aggregates(guild_id, first_day, last_day):
                totals[r[0]] = tuple(r[1:])
            await self._db.executemany(
                "INSERT INTO analytics_day_totals (guild_id, local_day, members, talkers, pairs, replies, "
                "member_replies, computed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [(guild_id, day, *t, now_ms) for day, t in totals.items()],
            )
            await previous.store_last_days(self._db, guild_id, first_day, last_day, now_ms)

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
        live = _LiveDays()
        known = await previous.stored_through(self._db, guild_id) == stored_to  # today's previous days stored
        await self._raw_members(guild_id, stored_to + 1, whole, live, known)
        await self._raw_pairs(guild_id, stored_to + 1, whole, live, known)
        gone = await self._excluded_members(guild_id, excluded, start, whole)
        gone_pairs = await self._excluded_pairs(guild_id, excluded, start, whole)
        if cut is not None and not await self._stored_cut(guild_id, live, end, cut, gone, gone_pairs, excluded):
            await self._cut_members(guild_id, live, end, cut, gone, excluded)
            await self._cut_pairs(guild_id, live, end, cut, gone_pairs, excluded)
        gone_rows = [r for track in gone.values() for r in track.rows]
        counted = []
        for i, w in enumerate(windows):
            def distinct(series: str, w: Window = w, i: int = i) -> int:
                return gap[series][i][0] + live.new_in(series, w)

            def total(column: int, w: Window = w) -> int:
                stored = sum(t[column + 2] for t in totals if w.first <= t[0] <= w.last)
                raw = sum(v[column] for d, v in live.sums.items() if w.first <= d <= w.last)
                return stored + raw - sum(r[column] for r in gone_rows if w.first <= r[0] <= w.last)

            returning = gap["active"][i][1] + live.returning_in(w) - _returning_set(gone, w)
            either = distinct("pair_any") - _any_in(gone_pairs, "pair_any", w)
            ab = distinct("pair_ab") - _any_in(gone_pairs, "pair_ab", w)
            ba = distinct("pair_ba") - _any_in(gone_pairs, "pair_ba", w)
            counted.append(
                WindowCounts(
                    active=distinct("active") - _any_in(gone, "active", w),
                    communicators=distinct("talked") - _any_in(gone, "talked", w),
                    returning=returning if w.before is not None else 0,
                    replies=total(2),
                    member_replies=total(3),
                    pairs=distinct("pair") - _any_in(gone_pairs, "pair", w),
                    mutual_pairs=ab + ba - either,
                )
            )
        per_day: dict[int, int] = defaultdict(int)
        for t in totals:
            per_day[t[0]] += t[1]
        for day, v in live.sums.items():
            per_day[day] += v[0]
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

    async def _stored_cut(
        self, guild_id: int, live: _LiveDays, day: int, cut: tuple[int, int],
        gone: dict[int, _Raw], gone_pairs: dict[tuple[int, int], _Raw], excluded: Collection[int],
    ) -> bool:
        """The cut day from rows the nightly job stored (``cut_day.CutDayQueries``); False: read it raw."""
        return False

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

    async def _raw_members(
        self, guild_id: int, first_day: int, last_day: int, live: _LiveDays, stored: bool = False
    ) -> None:
        """The member days of first_day..last_day as gap rows (each with the member's previous
        day, and previous day with messages), counted by (day, previous days) in the database;
        ``stored``: from the last days the nightly job stored as of first_day - 1."""
        if last_day < first_day:
            return
        rows = await self._db.fetchall(
            previous.stored_member_rows(first_day, last_day) if stored else
            "SELECT local_day, prev, talked_prev, COUNT(*), SUM(replies), SUM(member_replies) FROM (SELECT "
            "d.local_day, d.replies, d.member_replies, "
            + _member_before("d", "d.local_day") + " FROM member_days d WHERE d.guild_id = ? "
            "AND d.local_day BETWEEN ? AND ?) AS r GROUP BY local_day, prev, talked_prev",
            (guild_id, first_day, last_day),
        )
        for day, before, talked_before, n, replies, member_replies in rows:
            live.member(day, before, talked_before, int(n), int(replies or 0), int(member_replies or 0))

    async def _raw_pairs(
        self, guild_id: int, first_day: int, last_day: int, live: _LiveDays, stored: bool = False
    ) -> None:
        """The pair days of first_day..last_day as gap rows, each with the pair's previous day per
        series (``stored``: as for ``_raw_members``)."""
        if last_day < first_day:
            return
        inner, outer = _pair_before("{t}.local_day")
        rows = await self._db.fetchall(
            previous.stored_pair_rows(first_day, last_day) if stored else
            f"SELECT local_day, ab, ba, prev, prev_any, prev_ab, prev_ba, COUNT(*) FROM (SELECT x.local_day, "
            f"CASE WHEN x.ab > 0 THEN 1 ELSE 0 END AS ab, CASE WHEN x.ba > 0 THEN 1 ELSE 0 END AS ba, {outer} FROM "
            f"(SELECT i.guild_id, i.member_a, i.member_b, i.local_day, i.a_to_b AS ab, i.b_to_a AS ba, {inner} "
            "FROM reply_pairs i WHERE i.guild_id = ? AND i.local_day BETWEEN ? AND ?) AS x) AS r "
            "GROUP BY local_day, ab, ba, prev, prev_any, prev_ab, prev_ba",
            (guild_id, first_day, last_day),
        )
        for day, ab, ba, *before, n in rows:
            live.pair(day, ab, ba, before, int(n))

    async def _cut_members(
        self, guild_id: int, live: _LiveDays, day: int, cut: tuple[int, int],
        gone: dict[int, _Raw], excluded: Collection[int],
    ) -> None:
        """Add the raw activities in cut (since_ms, until_ms) as the member days of ``day``, each
        with the member's previous days (the excluded members' to ``gone`` as well)."""
        own, own_params = _own("c.member_id", excluded)
        rows = await self._db.fetchall(
            "SELECT own, prev, talked_prev, COUNT(*), SUM(replies), SUM(member_replies) FROM (SELECT "
            f"{own} AS own, c.replies, c.member_replies, " + _member_before("c", "?")
            + " FROM (SELECT guild_id, member_id, SUM(CASE WHEN kind = 'message' THEN 1 ELSE 0 END) AS messages, "
            "SUM(CASE WHEN reply_to_member_id IS NOT NULL OR reply_to_bot = 1 THEN 1 ELSE 0 END) AS replies, "
            "SUM(CASE WHEN reply_to_member_id IS NOT NULL AND reply_to_member_id <> member_id THEN 1 ELSE 0 END) "
            "AS member_replies FROM activities WHERE guild_id = ? AND at >= ? AND at < ? AND counts = 1 "
            "GROUP BY guild_id, member_id) AS c) AS r GROUP BY own, prev, talked_prev",
            (*own_params, day, day, guild_id, *cut),
        )
        for member, before, talked_before, n, replies, member_replies in rows:
            live.member(day, before, talked_before, int(n), int(replies), int(member_replies))
            if member is not None and member in excluded:
                track = gone.setdefault(member, _Raw.empty(("active", "talked")))
                track.days["active"].add(day)
                if talked_before is not None:
                    track.days["talked"].add(day)
                track.rows.append((day, int(talked_before is not None), int(replies), int(member_replies)))

    async def _cut_pairs(
        self, guild_id: int, live: _LiveDays, day: int, cut: tuple[int, int],
        gone: dict[tuple[int, int], _Raw], excluded: Collection[int],
    ) -> None:
        """Add the replies in cut (since_ms, until_ms) as the pair days of ``day``, each with the
        pair's previous days (pairs with an excluded member to ``gone`` as well)."""
        low = "CASE WHEN member_id < reply_to_member_id THEN member_id ELSE reply_to_member_id END"
        high = "CASE WHEN member_id < reply_to_member_id THEN reply_to_member_id ELSE member_id END"
        inner, outer = _pair_before("?")
        own_a, params_a = _own("x.member_a", excluded)
        own_b, params_b = _own("x.member_b", excluded)
        rows = await self._db.fetchall(
            "SELECT own_a, own_b, ab, ba, prev, prev_any, prev_ab, prev_ba, COUNT(*) FROM (SELECT "
            f"CASE WHEN {own_a} IS NULL AND {own_b} IS NULL THEN NULL ELSE x.member_a END AS own_a, "
            f"CASE WHEN {own_a} IS NULL AND {own_b} IS NULL THEN NULL ELSE x.member_b END AS own_b, "
            f"CASE WHEN x.ab > 0 THEN 1 ELSE 0 END AS ab, CASE WHEN x.ba > 0 THEN 1 ELSE 0 END AS ba, {outer} "
            "FROM (SELECT i.guild_id, i.member_a, i.member_b, "
            f"i.ab, i.ba, {inner} FROM (SELECT guild_id, {low} AS member_a, {high} AS member_b, "
            "SUM(CASE WHEN member_id < reply_to_member_id THEN 1 ELSE 0 END) AS ab, "
            "SUM(CASE WHEN member_id > reply_to_member_id THEN 1 ELSE 0 END) AS ba FROM activities "
            "WHERE guild_id = ? AND at >= ? AND at < ? AND counts = 1 AND reply_to_member_id IS NOT NULL "
            f"AND reply_to_member_id <> 0 AND reply_to_member_id <> member_id GROUP BY guild_id, {low}, {high}) AS i) "
            "AS x) AS r GROUP BY own_a, own_b, ab, ba, prev, prev_any, prev_ab, prev_ba",
            (*params_a, *params_b, *params_a, *params_b, *[day] * (len(_PAIR_SOURCE) - 1), day, guild_id, *cut),
        )
        for a, b, ab, ba, *before, n in rows:
            live.pair(day, ab, ba, before, int(n))
            if a is not None and (a in excluded or b in excluded):
                _add_pair_day(gone.setdefault((a, b), _Raw.empty(tuple(_PAIR_SOURCE))), day, ab, ba)

    async def _excluded_members(
        self, guild_id: int, excluded: Collection[int], first_day: int, last_day: int
    ) -> dict[int, _Raw]:
        """Opted-out members' days in first_day..last_day (through the by-member index)."""
        found: dict[int, _Raw] = {}
        if not excluded:
            return found
        for member, day, messages, replies, member_replies in await rows_for_ids(
            self._db, "SELECT member_id, local_day, messages, replies, member_replies FROM member_days "
            "WHERE guild_id = ? AND {ids} AND local_day BETWEEN ? AND ?",
            excluded, (guild_id,), (first_day, last_day),
        ):
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
        seen: set[tuple[int, int, int]] = set()
        for column in ("member_a", "member_b"):
            # No day range in the SQL: the member's index is then the only one that fits.
            for a, b, day, ab, ba in await rows_for_ids(
                self._db, "SELECT member_a, member_b, local_day, a_to_b, b_to_a FROM reply_pairs "
                "WHERE guild_id = ? AND {ids}",
                excluded, (guild_id,), column=column,
            ):
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


class _LiveDays:
    """The raw days after the stored ones (and a cut day) as gap rows: series -> [(day, previous
    day in the series, members or pairs)], plus each day's (members, replies, member_replies)."""

    def __init__(self) -> None:
        self.gaps: dict[str, dict[tuple[int, int], int]] = {s: defaultdict(int) for s in SERIES}
        self.sums: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0, 0])

    def member(self, day: int, before: int | None, talked_before: int | None, n: int, replies: int,
               member_replies: int) -> None:
        """``n`` member days of ``day``; ``talked_before`` is NULL for days without messages and -1
        (NONE) for a first day with messages."""
        self.gaps["active"][(day, _none(before))] += n
        if talked_before is not None:
            self.gaps["talked"][(day, int(talked_before))] += n
        v = self.sums[day]
        v[0] += n
        v[2] += replies
        v[3] += member_replies

    def pair(self, day: int, ab: int, ba: int, before: Sequence[int | None], n: int = 1) -> None:
        """``n`` pair days; ``before``: the pairs' previous day per series of _PAIR_SOURCE (NULL: none)."""
        prev = dict(zip(_PAIR_SOURCE, before, strict=True))
        self.gaps["pair"][(day, _none(prev["pair"]))] += n
        for series, has in (("pair_any", ab > 0 or ba > 0), ("pair_ab", ab > 0), ("pair_ba", ba > 0)):
            if has:
                self.gaps[series][(day, _none(prev[series]))] += n

    def new_in(self, series: str, w: Window) -> int:
        """Members (pairs) counted on their first day in the window: the day whose previous day is before it."""
        return sum(n for (day, before), n in self.gaps[series].items() if w.first <= day <= w.last and before < w.first)

    def returning_in(self, w: Window) -> int:
        """Of them, those whose previous day is in before..first-1."""
        if w.before is None:
            return 0
        return sum(
            n for (day, before), n in self.gaps["active"].items()
            if w.first <= day <= w.last and w.before <= before < w.first
        )


OWN_IDS = 500
"""Up to this many excluded members are named in a grouped query; with more, every row keeps its id."""


def _own(column: str, excluded: Collection[int]) -> tuple[str, list[int]]:
    """An SQL expression: ``column`` when it may be an excluded member, else NULL (so the other
    rows group together); with many excluded members every row keeps its id."""
    if not excluded:
        return "NULL", []
    if len(excluded) > OWN_IDS:
        return column, []
    clause, params = in_clause(column, excluded)
    return f"CASE WHEN {clause} THEN {column} END", params


def _member_before(t: str, day: str) -> str:
    """Two columns, prev and talked_prev, of source ``t`` (guild_id, member_id, messages): the
    member's last day before ``day`` (NULL: none) and, for a row with messages, the last day with
    messages before it (-1: none; NULL without messages). The latter walks the member's days back
    from ``day`` and stops at the first with messages (a MAX with that condition reads them all)."""
    same = f"p.guild_id = {t}.guild_id AND p.member_id = {t}.member_id AND p.local_day < {day}"
    return (
        f"(SELECT MAX(p.local_day) FROM member_days p WHERE {same}) AS prev, "
        f"CASE WHEN {t}.messages > 0 THEN COALESCE((SELECT p.local_day FROM member_days p WHERE {same} "
        "AND p.messages > 0 ORDER BY p.local_day DESC LIMIT 1), -1) END AS talked_prev"
    )


def _pair_before(day: str) -> tuple[str, str]:
    """(inner column, outer columns): a pair's last day before ``day`` per series of _PAIR_SOURCE
    (NULL: none), as ``prev`` of an inner source ``i`` (guild_id, member_a, member_b), then the
    one-way series around it as derived table ``x`` (with ab and ba) as prev_any, prev_ab and
    prev_ba: looked up only for a row in the series whose pair had a day before at all (most
    pairs never did), each walking back to the first day in the series. ``day``: an SQL
    expression over ``i`` / ``x`` (``{t}``)."""

    def lookup(t: str, cond: str) -> str:
        return (
            f"(SELECT p.local_day FROM reply_pairs p WHERE p.guild_id = {t}.guild_id AND p.member_a = {t}.member_a "
            f"AND p.member_b = {t}.member_b AND p.local_day < {day.format(t=t)}" + cond.format(t="p")
            + " ORDER BY p.local_day DESC LIMIT 1)"
        )

    own = {"pair_any": "(x.ab > 0 OR x.ba > 0)", "pair_ab": "x.ab > 0", "pair_ba": "x.ba > 0"}
    outer = ["x.prev AS prev"] + [
        f"CASE WHEN x.prev IS NULL OR NOT {own[series]} THEN NULL ELSE {lookup('x', cond)} END AS prev_{series[5:]}"
        for series, cond in _PAIR_SOURCE.items()
        if series != "pair"
    ]
    return f"{lookup('i', '')} AS prev", ", ".join(outer)


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
