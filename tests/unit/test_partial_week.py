"""METRICS v2 "Partial weeks": the week in progress is compared with the previous week up to the
same local weekday and time (and says so), never with a complete week; both backends."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from bot.analytics.export import report_json, weeks_csv
from bot.analytics.period import parse_period, same_time_before
from bot.analytics.report import Report, build_report
from bot.analytics.rollups import RollupJob
from bot.analytics.text import render
from bot.core.clock import to_ms
from bot.storage.analytics import AnalyticsRepository
from tests.unit.analytics_fixtures import GuildBuilder

W2 = datetime(2026, 11, 9, tzinfo=UTC)  # Monday, two weeks before
W1 = W2 + timedelta(weeks=1)
W0 = W1 + timedelta(weeks=1)
NOW = W0 + timedelta(days=1, hours=12)  # Tuesday 12:00 of the week in progress
LATE = (100, 101, 102, 103)  # active on Tuesday evenings only: after the instant compared


@pytest.fixture
async def guild(database_url: str) -> AsyncIterator[GuildBuilder]:
    g = await GuildBuilder.open(database_url)
    for monday in (W2, W1, W0):
        for member in range(14):  # member i on weekday i % 7, at 09:00
            at = monday + timedelta(days=member % 7, hours=9)
            if at < NOW:
                await g.act(member, at)
        if monday < W0:
            for member in LATE:
                await g.act(member, monday + timedelta(days=1, hours=18))
    # Last week's Tuesday: a post answered before and after noon, a reply before and after noon.
    post = await g.post(W1 + timedelta(days=1, hours=10))
    await g.act(1, W1 + timedelta(days=1, hours=10, minutes=30), "reaction", post_id=post)
    await g.act(100, W1 + timedelta(days=1, hours=18, minutes=5), "reaction", post_id=post)
    await g.act(8, W1 + timedelta(days=1, hours=11), reply_to=1)
    await g.act(101, W1 + timedelta(days=1, hours=18, minutes=10), reply_to=100)
    yield g
    await GuildBuilder.close_all()


async def _week(g: GuildBuilder) -> Report:
    return await build_report(g.db, g.guild_id, parse_period("week", NOW.date()), "UTC", now=NOW)


async def test_the_week_in_progress_is_compared_with_last_week_up_to_the_same_time(guild: GuildBuilder) -> None:
    r = await _week(guild)
    assert r.figures.partial
    before = r.previous
    assert before.partial and before.through_day == (W1 + timedelta(days=1)).date().toordinal()
    assert before.compared_through_ms == to_ms(NOW - timedelta(days=7))
    # So far this week: Monday's and Tuesday morning's members (0, 7, 1, 8) of last week's 18.
    assert (r.figures.active, r.figures.returning, r.figures.previously_active) == (4, 4, 18)
    # Last week up to Tuesday 12:00: the same 4 (the Tuesday-evening members came later) of 18.
    assert (before.active, before.returning, before.previously_active) == (4, 4, 18)
    returning = next(h for h in r.headlines if h.spec.key == "returning_share")
    assert returning.change == pytest.approx(0.0)  # against the full week it read 22.2% (−77.8 pts)
    assert returning.compared_with == "the same time last week"
    # Post responders and reply pairs of last week count up to the same instant only.
    assert (before.posts, before.responders) == (1, 1)
    assert (before.pairs, before.mutual_pairs) == (1, 0)
    # Weaker side and next step are placed from complete weeks only.
    assert r.weaker_week is None or r.weaker_week.last_day < r.period.first_day


async def test_a_week_in_progress_says_what_it_is_compared_with_in_text_json_and_csv(guild: GuildBuilder) -> None:
    r = await _week(guild)
    text = render(r, "overview")
    assert "In progress: changes compare it with the same time last week" in text
    assert "2026-11-17 12:00" in text
    assert "vs the same time last week" in text and "vs previous" not in text
    data = report_json(r)
    assert data["period"]["partial"] is True and data["previous"]["partial"] is True
    assert data["compared_with"] == "the same time last week"
    assert data["previous_through"].startswith("2026-11-17T12:00")
    assert {h["compared_with"] for h in data["headlines"]} == {"the same time last week"}
    rows = weeks_csv(r).strip().splitlines()
    header = rows[0].split(",")
    current, compared = (dict(zip(header, row.split(","), strict=True)) for row in rows[-2:])
    assert (current["week_start"], current["partial"], current["compared_through_local"]) == ("2026-11-23", "True", "")
    assert (compared["week_start"], compared["partial"]) == ("2026-11-16", "True")
    assert compared["compared_through_local"].startswith("2026-11-17T12:00")


async def test_a_complete_week_is_compared_with_the_complete_week_before(guild: GuildBuilder) -> None:
    r = await build_report(guild.db, guild.guild_id, parse_period("last week", NOW.date()), "UTC", now=NOW)
    assert not r.figures.partial and not r.previous.partial
    assert r.previous.compared_through_ms is None
    assert "vs previous" in render(r, "overview") and "In progress" not in render(r, "overview")
    assert report_json(r)["previous_through"] is None


async def test_the_cut_previous_week_is_the_same_from_nightly_rollups_as_computed_live(guild: GuildBuilder) -> None:
    """A post answered across the instant: its cut base comes from the final rollup less the later
    responders outside the 28-day base (a newcomer here), and equals the live computation."""
    post = await guild.post(W1 + timedelta(days=1, hours=11))
    for member, minutes in ((2, 10), (9, 20), (3, 30), (500, 120), (101, 400)):  # 500: never active before
        await guild.act(member, W1 + timedelta(days=1, hours=11, minutes=minutes), "reaction", post_id=post)
    live = (await _week(guild)).previous

    async def utc(guild_id: int) -> str:
        return "UTC"

    job = RollupJob(AnalyticsRepository(guild.db), utc, lambda g, ids: set(), lambda: NOW)
    await job.run_guild(guild.guild_id, first_day=W2.date().toordinal())
    assert await guild.db.fetchval("SELECT COUNT(*) FROM analytics_posts WHERE final = 1") == 2
    rolled = (await _week(guild)).previous
    # Two posts on last Tuesday, both with the 18 members of the 28 days before as base; the
    # newcomer (500) answered after the instant, so is in neither the responders nor the base.
    assert (rolled.posts, rolled.responders, rolled.base) == (live.posts, live.responders, live.base) == (2, 4, 36)
    assert rolled.participation_median == live.participation_median


def test_same_time_last_week_is_local_wall_time_across_a_dst_change() -> None:
    # Tuesday 27 Oct 2026 12:00 CET; a week before, Tuesday 20 Oct 12:00 was CEST (UTC+2).
    now = datetime(2026, 10, 27, 11, 0, tzinfo=UTC)
    assert same_time_before(now, "Europe/Berlin", 7) == datetime(2026, 10, 20, 10, 0, tzinfo=UTC)
    assert same_time_before(now, "Asia/Kolkata", 7) == now - timedelta(days=7)
