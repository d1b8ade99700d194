"""The cut day of a like-for-like comparison from the nightly rows (migration 0260) equals raw.

A period in progress (week, 28 days, 90 days) is compared with its previous period up to the same
local time; that period's last day is read from the rows the nightly job stored for it (first
activity, first message, first reply each way, previous days, replies per hour) instead of that
morning's raw activities. Through the real pipeline (rows stored as the recorder stores them, the
nightly job, ``build_report``), in half-hour time zones, on both backends, each report's previous
period must equal the figures computed in Python from the raw activities and the report computed
with the stored rows switched off; and the stored rows must be used exactly when they are still
true: late rows on the cut day, another opt-out list, forget-me, the nightly job one and several
days behind, a cut at the very start and the very end of a day, an instant on an activity.
"""

from __future__ import annotations

import dataclasses
import random
from datetime import UTC, date, datetime, time, timedelta

import pytest

from bot.analytics.period import parse_period, same_time_before
from bot.analytics.report import build_report
from bot.analytics.rollups import RollupJob
from bot.core.localtime import local_day, zone
from bot.storage.activity import ActivityRepository
from bot.storage.analytics import AnalyticsRepository, spans
from bot.storage.analytics.cut_day import CUT_KEEP_DAYS, CUT_TABLES, CutDayQueries
from tests.unit.analytics_fixtures import GuildBuilder
from tests.unit.test_analytics_spans import raw

START = date(2026, 3, 2)  # a Monday; North American DST begins on the 8th
DAYS = 100
IN_PROGRESS = ("week", "28 days", "90 days")
OPTED_OUT = 7
FORGOTTEN = 41  # active on the cut days
RECEIVER = 90  # only replied to on the cut days


@pytest.fixture(autouse=True)
async def _close_databases():  # type: ignore[no-untyped-def]
    yield
    await GuildBuilder.close_all()


class Guild:
    """Rows as the recorder stores them, and the same rows kept for the Python recomputation."""

    def __init__(self, g: GuildBuilder, tz: str) -> None:
        self.g = g
        self.tz = tz
        self.acts: list[tuple[int, int, str, int | None, datetime]] = []  # (member, local day, kind, reply_to, at)

    async def add(self, acts: list[tuple[int, datetime, str, int | None]]) -> None:
        await ActivityRepository(self.g.db).insert_batch(
            [self.g._row(member, at, kind, reply_to=reply) for member, at, kind, reply in acts]
        )
        self.acts += [(member, local_day(at, self.tz), kind, reply, at) for member, at, kind, reply in acts]

    def midnight(self, day: date) -> datetime:
        return datetime.combine(day, time(0), tzinfo=zone(self.tz)).astimezone(UTC)

    async def days(self, rng: random.Random, first: date, count: int) -> None:
        for k in range(count):
            base = self.midnight(first + timedelta(days=k))
            acts = []
            for _ in range(rng.randint(10, 40)):
                member = rng.randint(1, 30)
                at = base + timedelta(minutes=rng.randint(0, 23 * 60 - 1), seconds=rng.randint(0, 59))
                kind = rng.choice(["message", "message", "message", "reaction", "reaction_remove"])
                reply = rng.choice([None, rng.randint(1, 30), rng.randint(1, 8)]) if kind == "message" else None
                acts.append((member, at, kind, reply))
            await self.add(acts)

    async def around(self, until: datetime, forgotten: int = FORGOTTEN, receiver: int = RECEIVER) -> None:
        """Rows right at the instant: before it (counted), on it and after it (not)."""
        ms = timedelta(milliseconds=1)
        await self.add([
            (40, until - ms, "reaction", None),
            (forgotten, until, "message", 42),
            (42, until - ms, "message", forgotten),
            (forgotten, until - timedelta(minutes=50), "message", receiver),
            (43, until - timedelta(hours=3), "reaction", None),
            (43, until - ms, "message", 44),
            (44, until + ms, "message", 43),
            (OPTED_OUT, until - timedelta(hours=2), "message", 8),
            (OPTED_OUT, until + timedelta(hours=2), "message", 8),
            (OPTED_OUT, until - timedelta(seconds=1), "message", 9),  # in the instant's hour
            (8, until - timedelta(minutes=1), "message", OPTED_OUT),
        ])


def _figures(f) -> dict[str, object]:  # type: ignore[no-untyped-def]
    return {
        "active": f.active, "communicators": f.communicators, "returning": f.returning,
        "previously_active": f.previously_active, "replies": f.replies, "member_replies": f.member_replies,
        "pairs": f.pairs, "mutual_pairs": f.mutual_pairs, "mau": f.mau, "wau": f.wau,
    }


async def _check(
    guild: Guild, repo: AnalyticsRepository, now: datetime, excluded: set[int], monkeypatch: pytest.MonkeyPatch,
    stored: dict[str, bool] | bool = True, ignored: frozenset[int] = frozenset(), against_raw: bool = True,
) -> None:
    """Each period in progress: its previous period (cut at the same local time) equals raw, both
    from the stored cut rows and with them switched off; ``stored``: whether they answered.
    ``ignored``: reply targets the raw pairs leave out (0: a forgotten member); ``against_raw``
    False: only against the report without the stored cut rows."""
    today = now.astimezone(zone(guild.tz)).date()
    original = CutDayQueries._stored_cut
    used: list[bool] = []

    async def spy(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        used.append(await original(self, *args, **kwargs))
        return used[-1]

    for text in IN_PROGRESS:
        period = parse_period(text, today)
        used.clear()
        monkeypatch.setattr(CutDayQueries, "_stored_cut", spy)
        report = await build_report(repo, 1, period, guild.tz, now=now, excluded=excluded, with_streaks=False)
        monkeypatch.setattr(CutDayQueries, "_stored_cut", _never)
        unstored = await build_report(repo, 1, period, guild.tz, now=now, excluded=excluded, with_streaks=False)
        monkeypatch.setattr(CutDayQueries, "_stored_cut", original)
        before = period.previous()
        until = same_time_before(now, guild.tz, period.days)
        f = report.previous
        assert f.through_day == local_day(until, guild.tz)
        expected = raw(guild, before.first_day, f.through_day, before.previous().first_day, excluded | ignored, until)
        expected.pop("daily")
        assert _figures(f) == expected or not against_raw, (text, now)
        assert dataclasses.asdict(f) == dataclasses.asdict(unstored.previous), (text, now)
        want = stored if isinstance(stored, bool) else stored[text]
        assert used == [want], (text, now, used)


async def _never(self, *args, **kwargs) -> bool:  # type: ignore[no-untyped-def]
    return False


def _at(day: date, tz: str, hour: int, minute: int, second: int, ms: int) -> datetime:
    return datetime.combine(day, time(hour, minute, second, ms * 1000), tzinfo=zone(tz)).astimezone(UTC)


def _cut_days(now: datetime, tz: str) -> dict[str, datetime]:
    today = now.astimezone(zone(tz)).date()
    return {text: same_time_before(now, tz, parse_period(text, today).days) for text in IN_PROGRESS}


@pytest.mark.parametrize("tz", ["Asia/Kolkata", "America/St_Johns"])
async def test_cut_day_from_stored_rows_equals_raw(
    database_url: str, monkeypatch: pytest.MonkeyPatch, tz: str
) -> None:
    rng = random.Random(260)
    g = await GuildBuilder.open(database_url, tz=tz, recorded_since=None)
    guild = Guild(g, tz)
    repo = AnalyticsRepository(g.db)
    await guild.days(rng, START, DAYS)
    day = START + timedelta(days=DAYS)
    now = _at(day, tz, 10, 17, 23, 456)  # a cut inside an hour
    later = now + timedelta(days=5)
    start_of_day = _at(day + timedelta(days=6), tz, 0, 0, 0, 0)
    end_of_day = _at(day + timedelta(days=6), tz, 23, 59, 59, 999)
    for instant in (now, later, start_of_day, end_of_day):
        for until in _cut_days(instant, tz).values():
            # The members forgotten below only around the first instant: later ones' days are the
            # last stored days, which a forget makes spans read live (not the cut rows' concern).
            await guild.around(until) if instant is now else await guild.around(until, 47, 48)
    clock = [now]
    opted_out = {OPTED_OUT}
    # The guild's opt-out list (keyed hashes): the nightly job then looks the opted-out members up.
    await g.db.execute("INSERT INTO privacy_optouts (guild_id, member_hash, at) VALUES (1, 'member 7', 0)")
    job = RollupJob(repo, lambda _: _tz(tz), lambda guild_id, ids: set(ids) & opted_out, lambda: clock[0])
    await job.rebuild()
    kept = await g.db.fetchval("SELECT COUNT(*) FROM analytics_cut_days")
    assert kept == min(DAYS, CUT_KEEP_DAYS)
    assert await g.db.fetchval("SELECT COUNT(*) FROM analytics_cut_members WHERE own_hours = 1") == await g.db.fetchval(
        "SELECT COUNT(*) FROM analytics_cut_members WHERE member_id = ?", (OPTED_OUT,)
    ) > 0
    await _check(guild, repo, now, opted_out, monkeypatch)
    # Another opt-out list (an opted-out member with replies on both sides of the instant), also
    # with every row keeping its ids: the same stored rows answer.
    await _check(guild, repo, now, set(), monkeypatch)
    await _check(guild, repo, now, opted_out | {3, 43}, monkeypatch)
    monkeypatch.setattr(spans, "OWN_IDS", 1)
    await _check(guild, repo, now, opted_out | {3, 43}, monkeypatch)
    monkeypatch.undo()

    # Reported in another time zone (the local midnights differ): read raw.
    elsewhere = Guild(g, "Asia/Kathmandu" if tz == "Asia/Kolkata" else "America/Halifax")
    await _check(elsewhere, repo, now, opted_out, monkeypatch, stored=False, against_raw=False)

    # A late row on the week's cut day (earlier than the member's first stored activity): that
    # day is read raw until the next nightly run stores it again.
    week_cut = _cut_days(now, tz)["week"]
    await guild.add([(45, week_cut - timedelta(hours=1), "reaction", None), (45, week_cut - timedelta(hours=6),
                                                                             "message", 46)])
    await _check(guild, repo, now, opted_out, monkeypatch, stored={"week": False, "28 days": True, "90 days": True})
    await job.run_guild(1)
    await _check(guild, repo, now, opted_out, monkeypatch)
    # A late row on a day before it (the previous day of a member active on the cut day changes):
    # read raw, then stored again. (The whole day's gap rows are stale until the nightly run:
    # spans' own rule, so this one compares with the report that reads the cut day raw.)
    await guild.add([(43, week_cut - timedelta(days=2, hours=1), "reaction", None)])
    await _check(guild, repo, now, opted_out, monkeypatch, stored={"week": False, "28 days": True, "90 days": True},
                 against_raw=False)
    await job.run_guild(1)
    await _check(guild, repo, now, opted_out, monkeypatch)

    # Forget-me: the member's stored rows go at once (privacy); the days they were active on are
    # read raw until stored again; a member only replied to on the cut day leaves its pairs.
    members = ActivityRepository(g.db)
    await members.forget_member(1, RECEIVER)
    assert await g.db.fetchval(
        "SELECT COUNT(*) FROM analytics_cut_pairs WHERE member_a = ? OR member_b = ?", (RECEIVER, RECEIVER)
    ) == 0
    guild.acts = [a if a[3] != RECEIVER else (*a[:3], 0, a[4]) for a in guild.acts if a[0] != RECEIVER]
    await _check(guild, repo, now, opted_out, monkeypatch, ignored=frozenset({0}))
    await members.forget_member(1, FORGOTTEN)
    for table, column in (("analytics_cut_members", "member_id"), ("analytics_cut_pairs", "member_a"),
                          ("analytics_cut_pairs", "member_b")):
        assert await g.db.fetchval(f"SELECT COUNT(*) FROM {table} WHERE {column} = ?", (FORGOTTEN,)) == 0
    guild.acts = [a if a[3] != FORGOTTEN else (*a[:3], 0, a[4]) for a in guild.acts if a[0] != FORGOTTEN]
    # (The whole days' gap rows still count the forgotten member until the nightly run: spans'
    # own behaviour, so this one compares with the report that reads the cut day raw.)
    await _check(guild, repo, now, opted_out, monkeypatch, stored=False, against_raw=False)
    await job.run_guild(1)
    await _check(guild, repo, now, opted_out, monkeypatch, ignored=frozenset({0}))

    # The nightly job one day, then five days behind (today's rows raw): the cut days are older.
    await guild.days(rng, day, 5)
    clock[0] = now + timedelta(days=1)
    await _check(guild, repo, clock[0], opted_out, monkeypatch, ignored=frozenset({0}))
    clock[0] = later
    await _check(guild, repo, later, opted_out, monkeypatch, ignored=frozenset({0}))
    # Catching up stores every kept day it missed (not only the last NIGHTLY_DAYS).
    await job.run_guild(1)
    last = later.astimezone(zone(tz)).date().toordinal() - 1
    assert await g.db.fetchval(
        "SELECT COUNT(*) FROM analytics_cut_days WHERE local_day > ?", (last - CUT_KEEP_DAYS,)
    ) == CUT_KEEP_DAYS
    await _check(guild, repo, later, opted_out, monkeypatch, ignored=frozenset({0}))

    # A cut at the very start of the day (nothing of it yet) and at its very end.
    await guild.days(rng, day + timedelta(days=5), 1)
    for instant in (start_of_day, end_of_day):
        clock[0] = instant
        await job.run_guild(1)
        await _check(guild, repo, instant, opted_out, monkeypatch, ignored=frozenset({0}))

    # rebuild-rollups clears and refills them; the guild's analytics cleared: none stored.
    await repo.clear_analytics(1)
    for table in CUT_TABLES:
        assert await g.db.fetchval(f"SELECT COUNT(*) FROM {table}") == 0
    await job.rebuild()
    assert await g.db.fetchval("SELECT COUNT(*) FROM analytics_cut_days") == CUT_KEEP_DAYS
    await _check(guild, repo, end_of_day, opted_out, monkeypatch, ignored=frozenset({0}))


async def _tz(name: str) -> str:
    return name


async def test_retention_drops_the_cut_days_of_dropped_activities(database_url: str) -> None:
    """Raw activities older than the retention go, and so do the cut rows stored from them; a
    previous day whose member_days row now carries a pseudonym is none."""
    tz = "Asia/Kathmandu"
    g = await GuildBuilder.open(database_url, tz=tz, recorded_since=None)
    guild = Guild(g, tz)
    repo = AnalyticsRepository(g.db)
    await guild.days(random.Random(5), START, 20)
    now = _at(START + timedelta(days=20), tz, 9, 45, 0, 0)
    job = RollupJob(repo, lambda _: _tz(tz), lambda guild_id, ids: set(), lambda: now)
    await job.run_guild(1, first_day=START.toordinal())
    assert await g.db.fetchval("SELECT COUNT(*) FROM analytics_cut_days") == 20
    cutoff = guild.midnight(START + timedelta(days=8)) + timedelta(hours=3)
    await ActivityRepository(g.db).drop_older_than(int(cutoff.timestamp() * 1000))
    days = [r[0] for r in await g.db.fetchall("SELECT local_day FROM analytics_cut_days ORDER BY local_day")]
    assert days == list(range(START.toordinal() + 9, START.toordinal() + 20))
    for table in CUT_TABLES[1:]:
        assert await g.db.fetchval(f"SELECT MIN(local_day) FROM {table}") >= START.toordinal() + 9
    activities = ActivityRepository(g.db)
    cutoff_day = START.toordinal() + 12
    aliases = {(g_id, m): -m for g_id, m in await activities.members_in_rollups_before(cutoff_day)}
    assert await g.db.fetchval("SELECT COUNT(*) FROM analytics_cut_members WHERE prev_day BETWEEN 0 AND ?",
                               (cutoff_day - 1,)) > 0
    await activities.pseudonymise_rollups_before(cutoff_day, aliases)
    for column in ("prev_day", "talked_prev"):
        assert await g.db.fetchval(
            f"SELECT COUNT(*) FROM analytics_cut_members WHERE {column} BETWEEN 0 AND ?", (cutoff_day - 1,)
        ) == 0
    assert await g.db.fetchval("SELECT COUNT(*) FROM analytics_cut_members WHERE prev_day = -1") > 0
