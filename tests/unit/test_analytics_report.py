"""The report from a real database: hand-computed weeks, DST, opt-outs, thin data, rollups = live."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from bot.analytics.export import csv_files
from bot.analytics.period import parse_period, week_of
from bot.analytics.report import build_report, weekly_figures
from bot.analytics.rollups import RollupJob
from bot.analytics.text import render
from bot.charts.report import charts_for
from bot.core.localtime import local_day
from bot.storage.analytics import AnalyticsRepository
from tests.unit.analytics_fixtures import GuildBuilder


@pytest.fixture(autouse=True)
async def _close_databases():  # type: ignore[no-untyped-def]
    yield
    await GuildBuilder.close_all()


MON = datetime(2026, 6, 1, tzinfo=UTC)  # a Monday
WEEK = week_of(MON.date())


async def test_hand_computed_week(database_url: str) -> None:
    g = await GuildBuilder.open(database_url)
    # Previous week: members 1, 2, 3 active.
    for member in (1, 2, 3):
        await g.act(member, MON - timedelta(days=3))
    post = await g.post(MON + timedelta(hours=9), member_count=10, schedule_id=1)
    await g.act(1, MON + timedelta(hours=9, minutes=5), "reaction", post_id=post)
    await g.act(1, MON + timedelta(hours=9, minutes=6), "reaction_remove", post_id=post)  # still responded
    await g.act(4, MON + timedelta(hours=10), "message", post_id=post, reply_to_bot=True)  # new member, not in base
    await g.act(2, MON + timedelta(days=1), "message", reply_to=2)  # reply to self: not conversation
    await g.act(2, MON + timedelta(days=1, hours=1), "message", reply_to=3)
    await g.act(3, MON + timedelta(days=2), "message", reply_to=2)  # same pair: still one pair
    await g.act(5, MON + timedelta(days=2), "message", post_id=post)  # after 24 h: not a responder
    await g.occurrence(MON + timedelta(hours=9), "posted", "a")
    await g.occurrence(MON + timedelta(days=1, hours=9), "missed", "b")
    await g.occurrence(MON + timedelta(days=2, hours=9), "skipped", "c")  # skipped is not due
    report = await weekly_figures(g.db, 1, WEEK.start, "UTC", now=MON + timedelta(days=8))
    f = report.figures
    assert (f.posts, f.responders, f.base) == (1, 2, 4)  # base {1,2,3} ∪ responder 4
    assert f.participation_median == 0.5
    assert f.first_response_minutes == 5.0
    assert report.posts[0].reach == 0.2
    assert (f.on_time, f.due, f.on_schedule) == (1, 2, 0.5)
    assert (f.active, f.communicators) == (5, 4)  # 1 only reacted
    assert (f.replies, f.member_replies, f.pairs) == (4, 2, 1)  # reply to bot and to self are not conversation
    assert (f.returning, f.previously_active) == (3, 3)
    assert f.wau == 5 and f.mau == 5
    assert f.stickiness == pytest.approx((3 + 2 + 1 + 2) / 28 / 5)
    text = render(report, "overview")
    assert "Posts on schedule: 50.0%" in text
    assert "Conversation pairs (members who replied to each other, either way): 1" in text


async def test_dst_week_files_late_sunday_activity_in_its_local_week(database_url: str) -> None:
    tz = "Europe/Berlin"  # clocks go forward on Sunday 2026-03-29
    g = await GuildBuilder.open(database_url, tz=tz)
    week = week_of(date(2026, 3, 23))
    await g.act(1, datetime(2026, 3, 29, 21, 30, tzinfo=UTC))  # 23:30 CEST Sunday: this week
    await g.act(2, datetime(2026, 3, 29, 22, 30, tzinfo=UTC))  # 00:30 CEST Monday: next week
    await g.act(3, datetime(2026, 3, 22, 23, 30, tzinfo=UTC))  # 00:30 CET Monday 23rd: this week
    report = await build_report(g.db, 1, week, tz, now=datetime(2026, 4, 20, tzinfo=UTC))
    assert report.figures.active == 2
    assert sorted(report.peak) == [0, 167]  # Monday 00h and Sunday 23h local
    fall = week_of(date(2026, 10, 19))  # back to CET on Sunday 2026-10-25
    await g.act(4, datetime(2026, 10, 25, 22, 59, tzinfo=UTC))  # 23:59 CET Sunday
    report = await build_report(g.db, 1, fall, tz, now=datetime(2026, 11, 20, tzinfo=UTC))
    assert report.figures.active == 1


async def test_opted_out_members_count_nowhere(database_url: str) -> None:
    g = await GuildBuilder.open(database_url)
    for member in (1, 2, 9):
        await g.act(member, MON - timedelta(days=2))
    post = await g.post(MON + timedelta(hours=9))
    await g.act(9, MON + timedelta(hours=10), "reaction", post_id=post)
    await g.act(1, MON + timedelta(hours=11), "reaction", post_id=post)
    await g.act(9, MON + timedelta(hours=12), "message", reply_to=1)
    kept = await weekly_figures(g.db, 1, WEEK.start, "UTC", now=MON + timedelta(days=8))
    gone = await weekly_figures(g.db, 1, WEEK.start, "UTC", now=MON + timedelta(days=8), excluded={9})
    assert (kept.figures.responders, kept.figures.base, kept.figures.pairs) == (2, 3, 1)
    assert (gone.figures.responders, gone.figures.base, gone.figures.pairs) == (1, 2, 0)
    assert (gone.figures.active, gone.figures.replies, gone.figures.previously_active) == (1, 0, 2)
    assert sum(gone.peak.values()) == sum(kept.peak.values()) - 3  # all of 9's activities
    everyone = await weekly_figures(g.db, 1, WEEK.start, "UTC", now=MON + timedelta(days=8), excluded={1, 2, 9})
    assert everyone.figures.participation_median is None and everyone.figures.stickiness is None
    assert "not enough data yet" in render(everyone, "overview")


async def test_new_guild_and_thin_data_never_divide_by_zero(database_url: str) -> None:
    g = await GuildBuilder.open(database_url)
    now = MON + timedelta(days=3)
    for text in ("week", "last week", "28 days", "90 days", "2026-W47"):
        report = await build_report(g.db, 1, parse_period(text, now.date()), "UTC", now=now, member_count=0)
        assert report.figures.participation_median is None and report.weaker is None
        for section in ("overview", "posts", "timing", "content", "members"):
            render(report, section)
            for _, png in charts_for(report, section):
                assert png.startswith(b"\x89PNG")
        assert all(text.count("\n") >= 1 for text in csv_files(report).values())
    await g.post(MON + timedelta(hours=1), member_count=0)  # one post, nobody around, zero members
    report = await build_report(g.db, 1, parse_period("week", now.date()), "UTC", now=now, member_count=0)
    assert report.posts[0].rate.value is None and report.posts[0].reach is None
    assert report.figures.member_count == 0


def test_periods_parse_to_local_days() -> None:
    today = date(2026, 11, 19)  # a Thursday
    assert parse_period("week", today).start == date(2026, 11, 16)
    assert parse_period("last week", today).end == date(2026, 11, 15)
    assert parse_period("28 days", today).days == 28
    assert parse_period("2026-W47", today).start == date(2026, 11, 16)
    with pytest.raises(ValueError, match="not a period"):
        parse_period("fortnight", today)
    with pytest.raises(ValueError, match="ISO weeks"):
        parse_period("2026-W60", today)


async def _random_guild(database_url: str, seed: int = 7) -> tuple[GuildBuilder, list[tuple], list[tuple]]:
    """Ten weeks of random activity; returns the raw activity and post lists for recomputation."""
    rng = random.Random(seed)
    g = await GuildBuilder.open(database_url, tz="America/New_York")
    start = MON - timedelta(weeks=9)
    acts: list[tuple] = []
    posts: list[tuple] = []
    for day in range(70):
        base = start + timedelta(days=day)
        if day % 2 == 0:
            at = base + timedelta(hours=rng.randint(12, 23))
            pid = await g.post(at, kind=rng.choice(["question", "poll", "trivia"]), member_count=40)
            posts.append((pid, at))
        for _ in range(rng.randint(0, 25)):
            member = rng.randint(1, 30)
            at = base + timedelta(minutes=rng.randint(0, 24 * 60 - 1))
            kind = rng.choice(["message", "message", "reaction", "reaction_remove", "poll_vote"])
            target = rng.choice([p for p, t in posts if t <= at] or [None]) if rng.random() < 0.4 else None
            reply = rng.choice([None, None, rng.randint(1, 30)]) if kind == "message" else None
            await g.act(member, at, kind, post_id=target, reply_to=reply)
            acts.append((member, at, kind, target, reply))
        if day % 9 == 0:
            joiner = 100 + day
            await g.act(joiner, base + timedelta(hours=1), "join")
            acts.append((joiner, base + timedelta(hours=1), "join", None, None))
            if day % 18 == 0:
                await g.act(joiner, base + timedelta(days=2), "message")
                acts.append((joiner, base + timedelta(days=2), "message", None, None))
    return g, acts, posts


async def test_report_equals_an_independent_recomputation_from_raw_activities(database_url: str) -> None:
    g, acts, posts = await _random_guild(database_url)
    tz, excluded = g.tz, {5}
    now = MON + timedelta(days=9)
    counting = [a for a in acts if a[2] not in ("reaction_remove", "join") and a[0] not in excluded]

    def day(at: datetime) -> int:
        return local_day(at, tz)

    def active(lo: int, hi: int) -> set[int]:
        return {a[0] for a in counting if lo <= day(a[1]) <= hi}

    report = await weekly_figures(g.db, 1, WEEK.start, tz, now=now, excluded=excluded)
    lo, hi = WEEK.first_day, WEEK.last_day
    f = report.figures
    week_acts = [a for a in counting if lo <= day(a[1]) <= hi]
    assert f.active == len(active(lo, hi))
    assert f.communicators == len({a[0] for a in week_acts if a[2] == "message"})
    assert f.returning == len(active(lo - 7, hi - 7) & active(lo, hi))
    assert f.replies == sum(1 for a in week_acts if a[4] is not None)
    assert f.member_replies == sum(1 for a in week_acts if a[4] is not None and a[4] != a[0] and a[4] not in excluded)
    assert f.mau == len(active(hi - 27, hi))
    week_posts = [(p, t) for p, t in posts if lo <= day(t) <= hi]
    assert f.posts == len(week_posts)
    for (pid, at), figure in zip(week_posts, report.posts, strict=True):
        responders = {
            a[0] for a in acts
            if a[3] == pid and a[2] != "reaction_remove" and a[0] not in excluded and a[1] < at + timedelta(hours=24)
        }
        assert figure.responders == len(responders)
        assert figure.base == len(active(day(at) - 28, day(at) - 1) | responders)
    # The nightly rollups give the very same report.
    job = RollupJob(AnalyticsRepository(g.db), _tz(tz), lambda guild, ids: set(ids) & excluded, lambda: now)
    await g.db.execute("INSERT INTO privacy_optouts (guild_id, member_hash, at) VALUES (1, 'x', 0)")
    await job.rebuild()
    again = await weekly_figures(g.db, 1, WEEK.start, tz, now=now, excluded=excluded)
    assert again.figures == report.figures
    assert [p.base for p in again.posts] == [p.base for p in report.posts]
    assert again.history == report.history
    assert await g.db.fetchval("SELECT COUNT(*) FROM analytics_weeks WHERE final = 1") > 0


def _tz(name: str):  # type: ignore[no-untyped-def]
    async def of(guild_id: int) -> str:
        return name

    return of


async def test_rebuild_reproduces_the_trigger_rollups(database_url: str) -> None:
    g, _, _ = await _random_guild(database_url, seed=3)
    tables = ("member_days", "guild_hours", "post_responders", "reply_pairs")
    before = {t: sorted(map(tuple, await g.db.fetchall(f"SELECT * FROM {t}"))) for t in tables}
    await g.db.execute("DELETE FROM member_days WHERE local_day % 2 = 0")
    await AnalyticsRepository(g.db).rebuild_base_rollups()
    after = {t: sorted(map(tuple, await g.db.fetchall(f"SELECT * FROM {t}"))) for t in tables}
    assert after == before


async def _streak_guild(database_url: str) -> GuildBuilder:
    g = await GuildBuilder.open(database_url)
    for d in range(7):
        pid = await g.post(MON + timedelta(days=d, hours=9))
        await g.act(1, MON + timedelta(days=d, hours=10), "reaction", post_id=pid)
        if d >= 4:
            await g.act(2, MON + timedelta(days=d, hours=10), "poll_vote", post_id=pid)
    return g


async def test_top_streaks_count_consecutive_response_days(database_url: str) -> None:
    g = await _streak_guild(database_url)
    report = await build_report(g.db, 1, WEEK, "UTC", now=MON + timedelta(days=6, hours=20))
    assert [(s.member_id, s.current, s.longest) for s in report.streaks] == [(1, 7, 7), (2, 3, 3)]
    next_week = week_of(MON + timedelta(days=7))
    later = await build_report(g.db, 1, next_week, "UTC", now=MON + timedelta(days=7, hours=20))
    assert [s.current for s in later.streaks] == [7, 3]  # not broken until a whole day is missed
    gone = await build_report(g.db, 1, next_week, "UTC", now=MON + timedelta(days=8, hours=20))
    assert gone.streaks == []
    # A past period's streaks are as of its end (METRICS v2), whenever it is asked for.
    past = await build_report(g.db, 1, WEEK, "UTC", now=MON + timedelta(days=30))
    assert [(s.member_id, s.current) for s in past.streaks] == [(1, 7), (2, 3)]


def test_cli_report_export_and_rebuild(database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import asyncio

    from bot.cli.main import main

    async def build() -> None:
        await _streak_guild(database_url)
        await GuildBuilder.close_all()

    asyncio.run(build())
    db = database_url
    assert main(["report", "--db", db, "--period", "2026-W23", "--section", "posts"]) == 0
    assert "question" in capsys.readouterr().out
    assert main(["export", "--db", db, "--period", "2026-W23", "--out", str(tmp_path / "csv")]) == 0
    assert len(list((tmp_path / "csv").glob("*.csv"))) == 7  # posts, days, weeks, voice, shares, word of mouth, welcome
    assert main(["db", "rebuild-rollups", "--db", db]) == 0
    assert main(["report", "--db", db, "--period", "2026-W23", "--format", "json"]) == 0
    assert '"posts"' in capsys.readouterr().out
    assert main(["report", "--db", db, "--period", "fortnight"]) == 2
