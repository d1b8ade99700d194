"""Previous days (``bot/storage/analytics/previous.py``), both backends.

- The nightly gap rows over a long range by a window (``LAG``) equal those by a lookup per row,
  and both equal previous days computed in Python, at the edge of the 733-day clip (a day exactly
  ``MAX_GAP`` days before counts, one more does not) and at the first day of the range.
- Today's rows' previous days from the last days the nightly job stored (migration 0270) give
  the same window counts as walking member_days / reply_pairs back, and both equal counts straight
  from member_days and reply_pairs: after the job, with today's rows, another opt-out list, late
  rows on the job's last day (the stored rows are then not used), the job one and several days
  behind, after the job caught up (the stored rows merged), after forget-me and retention's
  pseudonyms; in zones with half-hour and 45-minute offsets. Which members were active in a run
  of days (a post's base), partly from the stored last days, equals member_days throughout.
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import UTC, datetime, timedelta

import pytest

from bot.analytics import sections
from bot.analytics.rollups import RollupJob
from bot.analytics.scope import Scope
from bot.core.localtime import hour_of_week, local_day, zone
from bot.storage.activity import ActivityRepository
from bot.storage.analytics import AnalyticsRepository, Window, WindowCounts, previous
from tests.unit.analytics_fixtures import GuildBuilder

MAX_GAP = previous.MAX_GAP


@pytest.fixture(autouse=True)
async def _close_databases():  # type: ignore[no-untyped-def]
    yield
    await GuildBuilder.close_all()


# -- the nightly gap rows: window and lookup ---------------------------------------------------
async def _gap_rows(db) -> list[tuple]:  # type: ignore[no-untyped-def,type-arg]
    rows = await db.fetchall("SELECT series, local_day, prev_day, n FROM analytics_gaps ORDER BY 1, 2, 3")
    return [tuple(int(v) if i else v for i, v in enumerate(r)) for r in rows]


async def _expected_gaps(db, first: int, last: int) -> list[tuple]:  # type: ignore[no-untyped-def,type-arg]
    """(series, day, previous day, n) in Python from member_days and reply_pairs."""
    series_days: dict[str, dict[tuple, list[int]]] = defaultdict(lambda: defaultdict(list))  # type: ignore[type-arg]
    for member, day, messages in await db.fetchall("SELECT member_id, local_day, messages FROM member_days"):
        series_days["active"][(member,)].append(day)
        if messages:
            series_days["talked"][(member,)].append(day)
    for a, b, day, ab, ba in await db.fetchall("SELECT member_a, member_b, local_day, a_to_b, b_to_a FROM reply_pairs"):
        series_days["pair"][(a, b)].append(day)
        for series, has in (("pair_any", ab or ba), ("pair_ab", ab), ("pair_ba", ba)):
            if has:
                series_days[series][(a, b)].append(day)
    counted: dict[tuple, int] = defaultdict(int)  # type: ignore[type-arg]
    for series, by_key in series_days.items():
        for days in by_key.values():
            for d in days:
                if first <= d <= last:
                    earlier = [x for x in days if d - MAX_GAP <= x < d]
                    counted[(series, d, max(earlier) if earlier else -1)] += 1
    return sorted((*k, n) for k, n in counted.items())


async def test_gap_rows_by_window_equal_the_lookup_at_the_733_day_clip(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    g = await GuildBuilder.open(database_url, tz="UTC", recorded_since=None)
    repo = AnalyticsRepository(g.db)
    base = datetime(2024, 1, 3, tzinfo=UTC)
    b = local_day(base, "UTC")
    first = b + MAX_GAP  # the range's first day: a previous day exactly MAX_GAP before it counts

    def at(day: int, hour: int = 0) -> datetime:
        return base + timedelta(days=day - b, hours=hour)

    acts = [
        (1, b, "message", None), (1, first, "message", None), (1, first + 1, "reaction", None),
        (2, b, "message", None), (2, first + 1, "message", None),  # MAX_GAP + 1 before: none
        (3, b + 10, "message", None), (3, first + 5, "reaction", None), (3, first + 9, "message", None),
        (5, b, "message", 6), (6, first, "message", 5), (5, first + 2, "message", 6),  # a pair both ways
        (7, b + 1, "message", 8), (8, first + 1, "message", 7), (7, first + 2, "reaction", None),
    ]
    rng = random.Random(733)
    for _ in range(250):  # more members on random days around the clip
        day = rng.choice([rng.randint(b, b + 30), rng.randint(first - 30, first + 12)])
        kind = rng.choice(["message", "message", "reaction"])
        acts.append((rng.randint(20, 40), day, kind, rng.randint(20, 40) if kind == "message" else None))
    for member, day, kind, reply in acts:
        await g.act(member, at(day, rng.randint(0, 23)), kind, reply_to=reply)
    last = first + 12
    expected = await _expected_gaps(g.db, first, last)
    edges = {e[:3] for e in expected}  # the edges are there: exactly MAX_GAP back, and one more (none)
    assert {("active", first, b), ("pair", first, b), ("pair_any", first, b), ("talked", first + 9, b + 10)} <= edges
    assert ("talked", first + 1, -1) in edges

    forms = {}
    for name, long_range in (("lookup", 10**6), ("window", 0)):
        monkeypatch.setattr(previous, "LONG_RANGE", long_range)
        await repo.store_spans(1, first, last, 0)
        forms[name] = await _gap_rows(g.db)
    assert forms["window"] == forms["lookup"] == expected
    # A range longer than LONG_RANGE takes the window by default; one or two days the lookup.
    monkeypatch.undo()
    assert "LAG(" in previous.gap_rows("member_days", "active", "", 1, first, last)[0]
    assert "LAG(" not in previous.gap_rows("member_days", "active", "", 1, last - 1, last)[0]


# -- today's rows from the stored last days ----------------------------------------------------
async def _truth(db, windows: list[Window], excluded: set[int]) -> list[WindowCounts]:  # type: ignore[no-untyped-def]
    """Each window's counts straight from member_days and reply_pairs (opted-out members out)."""
    days = [r for r in await db.fetchall(
        "SELECT member_id, local_day, messages, replies, member_replies FROM member_days"
    ) if r[0] not in excluded]
    pairs = [r for r in await db.fetchall(
        "SELECT member_a, member_b, local_day, a_to_b, b_to_a FROM reply_pairs"
    ) if r[0] not in excluded and r[1] not in excluded]
    found = []
    for w in windows:
        def active(lo: int, hi: int, talked: bool = False) -> set[int]:
            return {r[0] for r in days if lo <= r[1] <= hi and (r[2] > 0 or not talked)}

        inside = [p for p in pairs if w.first <= p[2] <= w.last]
        ab = {(p[0], p[1]) for p in inside if p[3] > 0}
        ba = {(p[0], p[1]) for p in inside if p[4] > 0}
        found.append(WindowCounts(
            active=len(active(w.first, w.last)),
            communicators=len(active(w.first, w.last, talked=True)),
            returning=len(active(w.first, w.last) & active(w.before, w.first - 1)) if w.before is not None else 0,
            replies=sum(r[3] for r in days if w.first <= r[1] <= w.last),
            member_replies=sum(r[4] for r in days if w.first <= r[1] <= w.last),
            pairs=len({(p[0], p[1]) for p in inside}),
            mutual_pairs=len(ab & ba),
        ))
    return found


class Stored:
    """Counts how often a report reads today's rows through the stored last days."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.used = 0
        self._monkeypatch = monkeypatch
        real = previous.stored_member_rows

        def counting(first_day: int, last_day: int) -> str:
            self.used += 1
            return real(first_day, last_day)

        monkeypatch.setattr(previous, "stored_member_rows", counting)

    async def compare(
        self, repo: AnalyticsRepository, today: int, excluded: set[int], *, stored: bool | None, truth: bool = True
    ) -> None:
        """Counts with the stored last days (``stored``: whether they are usable; None: either) ==
        by the walk == (``truth``) from member_days alone."""
        windows = [
            Window(today - 6, today, today - 13), Window(today - 27, today, today - 55), Window(today, today),
            Window(today - 1, today, today - 2), Window(today - 89, today, today - 179),
        ]
        start = await repo.first_day(1)
        before = self.used
        fast = await repo.span_counts(1, windows, (today - 27, today), excluded, start)
        assert fast is not None
        assert stored is None or (self.used > before) == stored
        with pytest.MonkeyPatch.context() as m:
            async def none(db: object, guild_id: int) -> None:
                return None

            m.setattr(previous, "stored_through", none)
            walked = await repo.span_counts(1, windows, (today - 27, today), excluded, start)
        assert walked == fast
        if truth:
            assert fast.windows == await _truth(repo.db, windows, excluded)
        # Which members were active in some days (a post's base): the stored last days answer
        # for those they place there, member_days for the rest.
        days = await repo.db.fetchall("SELECT member_id, local_day FROM member_days")
        everyone = {int(r[0]) for r in days} | {500}
        for first, last in ((today - 28, today - 1), (today - 6, today), (today - 40, today - 20), (today, today)):
            want = {int(r[0]) for r in days if first <= r[1] <= last}
            assert await repo.members_active_between(1, everyone, first, last) == want, (first - today, last - today)


async def _stored_last_days_equal_member_days(db, through: int, real: bool = False) -> None:  # type: ignore[no-untyped-def]
    """The stored last days == those of member_days and reply_pairs up to ``through`` (``real``:
    members with real ids only; retention's pseudonyms are never anyone's raw days)."""
    want_members: dict[int, list[int]] = {}
    for member, day, messages in await db.fetchall(
        "SELECT member_id, local_day, messages FROM member_days WHERE local_day <= ? AND member_id > ?",
        (through, 0 if real else -(2**62)),
    ):
        last = want_members.setdefault(member, [-1, -1])
        last[0] = max(last[0], day)
        if messages:
            last[1] = max(last[1], day)
    got = {r[0]: [int(r[1]), int(r[2])] for r in await db.fetchall(
        "SELECT member_id, last_day, last_talked FROM analytics_last_days"
    )}
    assert got == want_members
    want_pairs: dict[tuple[int, int], list[int]] = {}
    for a, b, day, ab, ba in await db.fetchall(
        "SELECT member_a, member_b, local_day, a_to_b, b_to_a FROM reply_pairs WHERE local_day <= ?", (through,)
    ):
        last = want_pairs.setdefault((a, b), [-1, -1, -1, -1])
        for i, has in enumerate((True, ab or ba, ab, ba)):
            if has:
                last[i] = max(last[i], day)
    got_pairs = {(r[0], r[1]): [int(v) for v in r[2:]] for r in await db.fetchall(
        "SELECT member_a, member_b, last_day, last_any, last_ab, last_ba FROM analytics_pair_last_days"
    )}
    assert got_pairs == want_pairs
    assert await previous.stored_through(db, 1) == through


@pytest.mark.parametrize("tz", ["Asia/Kolkata", "Asia/Kathmandu", "America/St_Johns"])
async def test_todays_rows_from_stored_last_days_equal_the_walk(
    database_url: str, tz: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = random.Random(270)
    g = await GuildBuilder.open(database_url, tz=tz, recorded_since=None)
    repo = AnalyticsRepository(g.db)
    stored = Stored(monkeypatch)
    # Midnight local time in these zones is not on a UTC hour: rows near it land on either day.
    start = datetime(2026, 6, 1, tzinfo=zone(tz)).astimezone(UTC)

    async def days(first: int, count: int) -> None:
        for d in range(first, first + count):
            for _ in range(rng.randint(5, 25)):
                at = start + timedelta(days=d, minutes=rng.randint(0, 24 * 60 - 1))
                kind = rng.choice(["message", "message", "reaction"])
                member = rng.randint(1, 30)
                await g.act(member, at, kind, reply_to=rng.randint(1, 12) if kind == "message" else None)

    def job(now: datetime) -> RollupJob:
        return RollupJob(repo, _tz(tz), lambda guild_id, ids: set(ids) & excluded, lambda: now)

    def today_of(now: datetime) -> int:
        return now.astimezone(zone(tz)).date().toordinal()

    excluded = {9}
    await days(0, 40)
    # Members last seen long before (retention below takes their old rows' ids).
    await g.act(77, start + timedelta(days=5, hours=3), "message", reply_to=78)
    await g.act(78, start + timedelta(days=5, hours=4), "message", reply_to=77)
    await g.act(78, start + timedelta(days=30, hours=4), "reaction")
    now = start + timedelta(days=40, hours=3)
    await job(now).rebuild()
    await _stored_last_days_equal_member_days(g.db, today_of(now) - 1)
    await stored.compare(repo, today_of(now), excluded, stored=True)
    # Today's rows after the job (one rows just past local midnight).
    await days(40, 1)
    await g.act(4, start + timedelta(days=40, minutes=1), "message", reply_to=5)
    now = start + timedelta(days=40, hours=23)
    await stored.compare(repo, today_of(now), excluded, stored=True)
    # Another opt-out list: the stored rows do not depend on it.
    await stored.compare(repo, today_of(now), {2, 3, 9}, stored=True)
    await stored.compare(repo, today_of(now), set(), stored=True)
    # A late row on the job's last day: that day is read raw, so the stored rows are not used.
    await g.act(11, start + timedelta(days=39, hours=22), "message", reply_to=27)
    await stored.compare(repo, today_of(now), excluded, stored=False)
    # The job catches up, then falls one day behind, then several: later raw days take their
    # previous days from the raw days before them, then from the stored rows.
    now = start + timedelta(days=41, hours=1)
    await job(now).run_guild(1)
    await _stored_last_days_equal_member_days(g.db, today_of(now) - 1)
    await days(41, 2)
    now = start + timedelta(days=42, hours=20)
    await stored.compare(repo, today_of(now), excluded, stored=True)
    await days(43, 3)
    now = start + timedelta(days=45, hours=20)
    await stored.compare(repo, today_of(now), excluded, stored=True)
    # The job's next run merges the new days into the stored rows (not recomputed from scratch).
    now = start + timedelta(days=46, hours=1)
    await job(now).run_guild(1)
    await _stored_last_days_equal_member_days(g.db, today_of(now) - 1)
    await days(46, 1)
    await stored.compare(repo, today_of(now), excluded, stored=True)
    # Forget-me deletes the member's stored rows (their days and pairs go with member_days).
    await ActivityRepository(g.db).forget_member(1, 4)
    for table, column in (("analytics_last_days", "member_id"), ("analytics_pair_last_days", "member_a"),
                          ("analytics_pair_last_days", "member_b")):
        assert await g.db.fetchval(f"SELECT COUNT(*) FROM {table} WHERE {column} = 4") == 0
    # (The stored gap rows still count the forgotten member's days until the next rebuild.)
    await stored.compare(repo, today_of(now), excluded, stored=None, truth=False)
    now = start + timedelta(days=47, hours=1)
    await job(now).rebuild()
    await _stored_last_days_equal_member_days(g.db, today_of(now) - 1)
    await g.act(4, start + timedelta(days=47, hours=2), "message", reply_to=5)
    await stored.compare(repo, today_of(now), excluded, stored=True)
    # Retention gives old member_days rows pseudonyms: a member's last day (with messages) before
    # the cutoff is no longer theirs, in the stored rows as in a walk.
    activities = ActivityRepository(g.db)
    cutoff = today_of(start) + 20
    aliases = {key: -1000 - key[1] for key in await activities.members_in_rollups_before(cutoff)}
    assert (1, 77) in aliases and (1, 78) in aliases
    await activities.pseudonymise_rollups_before(cutoff, aliases)
    await _stored_last_days_equal_member_days(g.db, today_of(now) - 1, real=True)
    await g.act(77, start + timedelta(days=47, hours=5), "message", reply_to=78)
    await g.act(78, start + timedelta(days=47, hours=6), "message", reply_to=77)
    await stored.compare(repo, today_of(now), excluded, stored=True, truth=False)
    # rebuild-rollups and a forget's clear drop them with the other rollups.
    await repo.clear_analytics(1)
    assert await previous.stored_through(g.db, 1) is None
    assert await g.db.fetchval("SELECT COUNT(*) FROM analytics_last_days") == 0


def _tz(name: str):  # type: ignore[no-untyped-def]
    async def of(guild_id: int) -> str:
        return name

    return of


async def test_peak_grid_takes_out_opted_out_members_hours_of_the_raw_days(database_url: str) -> None:
    """The hour-of-week grid's raw days (after the nightly job) leave out the activities of opted-out
    members with days there (only those are scanned for), and nobody else's."""
    tz = "Asia/Kolkata"
    rng = random.Random(28)
    g = await GuildBuilder.open(database_url, tz=tz, recorded_since=None)
    repo = AnalyticsRepository(g.db)
    start = datetime(2026, 6, 1, tzinfo=zone(tz)).astimezone(UTC)
    acts: list[tuple[int, datetime]] = []
    for d in range(30):
        for _ in range(rng.randint(5, 20)):
            acts.append((rng.randint(1, 20), start + timedelta(days=d, minutes=rng.randint(0, 24 * 60 - 1))))
    now = start + timedelta(days=29, hours=20)
    for member, at in acts:
        await g.act(member, at)
    await RollupJob(repo, _tz(tz), lambda guild_id, ids: set(), lambda: now).rebuild()
    # Today's rows: members 41 and 42 opt out later today (only today's rows are theirs).
    today = [(41, now - timedelta(hours=5)), (41, now - timedelta(hours=1)), (42, now - timedelta(hours=3)),
             (3, now - timedelta(hours=2))]
    for member, at in today:
        await g.act(member, at)
    through = local_day(now, tz)
    # The job's rolled days were stored under "none" (nobody had opted out then).
    scope = Scope(1, tz, now, frozenset({41, 42, 99}), excl_key="none")
    grid, organic = await sections.peak(repo, scope, through)
    want: dict[int, int] = defaultdict(int)
    for member, at in acts + today:
        if member not in (41, 42) and through - sections.PEAK_DAYS < local_day(at, tz) <= through:
            want[hour_of_week(at, tz)] += 1
    assert {h: n for h, n in grid.items() if n} == dict(want)
    assert organic == grid
