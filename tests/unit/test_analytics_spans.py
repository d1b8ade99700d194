"""Distinct members and pairs from the nightly gap rows (migration 0150) equal raw scans.

Every period /report offers, ISO weeks and odd day counts, as of several moments: right after
the nightly job, with today's rows after it, with the job days behind, with late rows on the
last stored day and with an opted-out member. Each is computed three ways: from the gap rows
plus the raw days after them, from member_days alone (the gap rows deleted) and straight from
the raw activities in Python; all three must agree. Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import dataclasses
import random
from datetime import UTC, date, datetime, timedelta

import pytest

from bot.analytics.builder import ReportBuilder
from bot.analytics.period import PERIOD_CHOICES, parse_period, week_of
from bot.analytics.rollups import RollupJob
from bot.analytics.scope import Scope
from bot.core.localtime import local_day, zone
from bot.storage.analytics import AnalyticsRepository, Window, spans
from tests.unit.analytics_fixtures import GuildBuilder

TZ = "America/New_York"
START = datetime(2026, 3, 2, 12, tzinfo=UTC)  # a Monday, ~12 weeks of data (DST in between)
EXCLUDED = 7


@pytest.fixture(autouse=True)
async def _close_databases():  # type: ignore[no-untyped-def]
    yield
    await GuildBuilder.close_all()


class Guild:
    """A guild with random activity and the raw rows kept for the Python recomputation."""

    def __init__(self, g: GuildBuilder) -> None:
        self.g = g
        self.acts: list[tuple[int, int, str, int | None, datetime]] = []  # (member, local day, kind, reply_to, at)

    async def act(self, member: int, at: datetime, kind: str = "message", reply_to: int | None = None) -> None:
        await self.g.act(member, at, kind, reply_to=reply_to)
        self.acts.append((member, local_day(at, TZ), kind, reply_to, at))

    async def days(self, rng: random.Random, first: datetime, count: int) -> None:
        for day in range(count):
            base = first + timedelta(days=day)
            for _ in range(rng.randint(0, 30)):
                member = rng.randint(1, 25)
                at = base + timedelta(minutes=rng.randint(0, 24 * 60 - 1))
                kind = rng.choice(["message", "message", "message", "reaction", "reaction_remove"])
                reply = rng.choice([None, rng.randint(1, 25), rng.randint(1, 6)]) if kind == "message" else None
                await self.act(member, at, kind, reply)
            if day % 11 == 0:
                await self.act(200 + day, base, "join")


def raw(
    guild: Guild, period_first: int, through: int, before: int, excluded: set[int], cut: datetime | None = None
) -> dict[str, object]:
    """The figures straight from the raw activities (``cut``: recorded before that instant only)."""
    counting = [
        a for a in guild.acts
        if a[2] not in ("reaction_remove", "join") and a[0] not in excluded and (cut is None or a[4] < cut)
    ]

    def active(lo: int, hi: int) -> set[int]:
        return {a[0] for a in counting if lo <= a[1] <= hi}

    now = [a for a in counting if period_first <= a[1] <= through]
    directed = {
        (a[0], a[3]) for a in now if a[3] is not None and a[3] != a[0] and a[3] not in excluded
    }
    pairs = {frozenset(p) for p in directed}
    previously = active(before, period_first - 1)
    daily = {d: len(active(d, d)) for d in range(through - 27, through + 1)}
    return {
        "active": len(active(period_first, through)),
        "communicators": len({a[0] for a in now if a[2] == "message"}),
        "returning": len(previously & active(period_first, through)),
        "previously_active": len(previously),
        "replies": sum(1 for a in now if a[3] is not None),
        "member_replies": sum(1 for a in now if a[3] is not None and a[3] != a[0]),
        "pairs": len(pairs),
        "mutual_pairs": sum(1 for p in pairs if all((x, y) in directed for x in p for y in p if x != y)),
        "mau": len(active(through - 27, through)),
        "wau": len(active(through - 6, through)),
        "daily": {d: n for d, n in daily.items() if n},
    }


def _periods(today: date) -> list:  # type: ignore[type-arg]
    chosen = [parse_period(text, today) for text in PERIOD_CHOICES]
    chosen += [week_of(today - timedelta(weeks=k)) for k in (2, 3)]
    chosen += [parse_period(text, today) for text in ("1 day", "7 days", "45 days")]
    return chosen


async def _compare(guild: Guild, repo: AnalyticsRepository, now: datetime, excluded: set[int]) -> set[str]:
    """Gap rows + raw days == member_days alone == raw activities, for every period; returns the
    periods answered from the gap rows."""
    today = now.astimezone(zone(TZ)).date()
    scope = Scope(1, TZ, now, frozenset(excluded))
    fast_used: set[str] = set()
    fast: list = []  # type: ignore[type-arg]
    for period in _periods(today):
        b = ReportBuilder(repo, scope)
        through = min(period.last_day, today.toordinal())
        start = await b.recording_start()
        counts = await b._counts(period, through, start, None, 0)
        if await repo.span_counts(1, [Window(through, through)], (through, through), excluded, start) is not None:
            fast_used.add(period.label)
        figures, _ = await b.period(period)
        fast.append((period, counts, figures))
        expected = raw(guild, period.first_day, through, period.previous().first_day, excluded)
        got = {
            "active": figures.active, "communicators": figures.communicators, "returning": figures.returning,
            "previously_active": figures.previously_active, "replies": figures.replies,
            "member_replies": figures.member_replies, "pairs": figures.pairs, "mutual_pairs": figures.mutual_pairs,
            "mau": figures.mau, "wau": figures.wau, "daily": counts.daily,
        }
        assert got == expected, period
    # As of an instant (the previous period of a period in progress, compared like for like).
    for period in _periods(today):
        if period.last_day < today.toordinal():
            continue
        until = now - timedelta(days=period.days)
        past = ReportBuilder(repo, dataclasses.replace(scope, now=until), as_of=True)
        before = period.previous()
        through = min(before.last_day, until.astimezone(zone(TZ)).date().toordinal())
        figures, _ = await past.period(before)
        counts = await past._counts(
            before, through, await past.recording_start(), past.scope.now_ms,
            past.scope.midnight_ms(date.fromordinal(through)),
        )
        day_ms = past.scope.midnight_ms(date.fromordinal(through))
        if await repo.span_counts(
            1, [Window(through, through)], (through, through), excluded, await past.recording_start(),
            (day_ms, past.scope.now_ms),
        ) is not None:
            fast_used.add(f"as of {period.label}")
        expected = raw(guild, before.first_day, through, before.previous().first_day, excluded, cut=until)
        got = {
            "active": figures.active, "communicators": figures.communicators, "returning": figures.returning,
            "previously_active": figures.previously_active, "replies": figures.replies,
            "member_replies": figures.member_replies, "pairs": figures.pairs, "mutual_pairs": figures.mutual_pairs,
            "mau": figures.mau, "wau": figures.wau, "daily": counts.daily,
        }
        assert got == expected, ("as of", period)
        fast.append((before, until, figures))
    # The same periods from member_days alone (no gap rows): identical figures.
    saved = {t: await repo.db.fetchall(f"SELECT * FROM {t}") for t in ("analytics_gaps", "analytics_day_totals")}
    await repo.db.execute("DELETE FROM analytics_gaps")
    await repo.db.execute("DELETE FROM analytics_day_totals")
    for period, until, figures in fast:
        if isinstance(until, datetime):
            b = ReportBuilder(repo, dataclasses.replace(scope, now=until), as_of=True)
        else:
            b = ReportBuilder(repo, scope)
        live, _ = await b.period(period)
        assert dataclasses.asdict(live) == dataclasses.asdict(figures), period
    for table, rows in saved.items():
        if rows:
            marks = ", ".join("?" for _ in rows[0])
            await repo.db.executemany(f"INSERT INTO {table} VALUES ({marks})", [tuple(r) for r in rows])
    return fast_used


ALL = {"this week", "last week", "last 28 days", "last 90 days", "last 7 days", "as of this week", "as of last 90 days"}


def _tz(name: str):  # type: ignore[no-untyped-def]
    async def of(guild_id: int) -> str:
        return name

    return of


async def test_gap_rows_equal_raw_scans_for_every_period(database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(19)
    g = await GuildBuilder.open(database_url, tz=TZ, recorded_since=None)
    guild = Guild(g)
    repo = AnalyticsRepository(g.db)
    await guild.days(rng, START, 80)
    excluded = {EXCLUDED}
    now = START + timedelta(days=80, hours=1)  # 09:00 local on day 80 (a Thursday)
    job = RollupJob(repo, _tz(TZ), lambda guild_id, ids: set(ids) & excluded, lambda: now)
    await job.rebuild()
    assert await repo.span_coverage(1) is not None
    assert await _compare(guild, repo, now, excluded) >= ALL
    # Today's rows after the nightly run: read raw, on top of the stored days.
    await guild.days(rng, START + timedelta(days=80), 1)
    now += timedelta(hours=22)
    assert await _compare(guild, repo, now, excluded) >= ALL
    # A late row on the last stored day: that day is read raw too (its totals no longer match).
    await guild.act(3, START + timedelta(days=79, hours=2), "message", reply_to=24)
    await guild.act(24, START + timedelta(days=79, hours=3), "message", reply_to=3)
    assert await _compare(guild, repo, now, excluded) >= ALL
    # The nightly job three days behind (and a Monday in between): three raw days.
    await guild.days(rng, START + timedelta(days=81), 3)
    now += timedelta(days=3)
    assert await _compare(guild, repo, now, excluded) >= ALL
    assert await _compare(guild, repo, now, set()) >= ALL
    # Two opted-out members, also with more than a grouped query of the raw days names (each
    # raw row then keeps its member ids): the same figures.
    assert await _compare(guild, repo, now, excluded | {3}) >= ALL
    monkeypatch.setattr(spans, "OWN_IDS", 1)
    assert await _compare(guild, repo, now, excluded | {3}) >= ALL
    monkeypatch.undo()
    # The nightly run catches up from where the gap rows end; a week behind, reports compute live.
    job = RollupJob(repo, _tz(TZ), lambda guild_id, ids: set(ids) & excluded, lambda: now)
    await job.run_guild(1)
    assert await _compare(guild, repo, now, excluded) >= ALL
    await guild.days(rng, START + timedelta(days=84), 9)
    now += timedelta(days=9)
    assert "this week" not in await _compare(guild, repo, now, excluded)


async def test_nightly_run_fills_the_gap_rows_from_the_first_day(database_url: str) -> None:
    """After the migration the table is empty: the first nightly run fills it from the guild's
    first day (nothing is lost: it is derived from member_days and reply_pairs, which stay)."""
    rng = random.Random(3)
    g = await GuildBuilder.open(database_url, tz=TZ, recorded_since=None)
    guild = Guild(g)
    repo = AnalyticsRepository(g.db)
    await guild.days(rng, START, 40)
    now = START + timedelta(days=40, hours=5)
    assert await repo.span_coverage(1) is None
    await RollupJob(repo, _tz(TZ), lambda guild_id, ids: set(), lambda: now).run_guild(1)
    first = await repo.first_day(1)
    assert await repo.span_coverage(1) == (first, now.astimezone(zone(TZ)).date().toordinal() - 1)
    stored = await g.db.fetchval("SELECT SUM(n) FROM analytics_gaps WHERE series = 'active'")
    assert stored == await g.db.fetchval("SELECT COUNT(*) FROM member_days WHERE local_day < ?", (first + 40,))
    assert await _compare(guild, repo, now, set()) >= ALL
    # Forgetting a member drops the gap rows with the other rollups: live until the next run.
    await repo.clear_analytics(1)
    assert await repo.span_coverage(1) is None
