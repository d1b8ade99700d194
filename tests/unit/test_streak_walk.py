"""The report's streak walk (``sections.current_streaks``) equals the streaks computed from
every response day of every member, whichever way the walk reads (by day while many members are
still running, by member a few days or a week at a time, the older days of the leaders at the
end), as of today and as of an earlier period end, with an opted-out member left out; and
continued from the runs the nightly job stored. Both backends."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from bot.analytics import sections
from bot.analytics.rollups import RollupJob
from bot.analytics.scope import Scope
from bot.analytics.streaks import top_streaks
from bot.core.localtime import local_day
from bot.storage.activity import ActivityRepository
from bot.storage.analytics import AnalyticsRepository
from tests.unit.analytics_fixtures import GuildBuilder

START = datetime(2026, 5, 4, 8, tzinfo=UTC)
DAYS = 150  # longer than the 120-day lookback
OPTED_OUT = 3


@pytest.fixture(autouse=True)
async def _close_databases():  # type: ignore[no-untyped-def]
    yield
    await GuildBuilder.close_all()


async def _responding_guild(
    database_url: str, always: bool = False
) -> tuple[GuildBuilder, dict[int, set[int]], list[int]]:
    """Members 1-40 respond on and off (member m misses a day with chance 1/4 + 1/(m+1)); member
    OPTED_OUT has the longest streak of all but is left out; members 50 and 51 lead with the
    same current streak, and 51 had a longer run before it (which only the older days show).
    ``always``: member 60 also responds every day (a run longer than the lookback)."""
    rng = random.Random(19)
    g = await GuildBuilder.open(database_url)
    responded: dict[int, set[int]] = {}
    posts = []
    rows = []
    for d in range(DAYS):
        at = START + timedelta(days=d)
        pid = await g.post(at)
        posts.append(pid)
        runs = {50: d >= DAYS - 30, 51: d >= DAYS - 30 or DAYS - 80 <= d < DAYS - 34, 60: always}
        for member in [*range(1, 41), 50, 51, *([60] if always else [])]:
            chance = 0.25 + 1 / (member + 1)
            responds = runs[member] if member in runs else member == OPTED_OUT or rng.random() > chance
            if responds:
                rows.append((member, at + timedelta(hours=1), "reaction", pid))
                responded.setdefault(member, set()).add(local_day(at, "UTC"))
            elif rng.random() < 0.5:
                rows.append((member, at + timedelta(hours=2), "message", None))  # active, no response
    await g.act_many(rows)
    return g, responded, posts


def _expected(responded: dict[int, set[int]], today: int, left_out: set[int]) -> list:  # type: ignore[type-arg]
    lookback = range(today - sections.STREAK_LOOKBACK_DAYS + 1, today + 1)
    days = {k: {d for d in v if d in lookback} for k, v in responded.items() if k not in left_out}
    return top_streaks(days, today, 5)


@pytest.mark.parametrize("rows_per_read", [1, 6, 40, sections.STREAK_ROWS_PER_READ])
async def test_the_streak_walk_equals_streaks_from_every_response_day(
    database_url: str, rows_per_read: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sections, "STREAK_ROWS_PER_READ", rows_per_read)
    g, responded, _ = await _responding_guild(database_url)
    repo = AnalyticsRepository(g.db)
    last = local_day(START + timedelta(days=DAYS - 1), "UTC")
    for now_day, as_of in ((DAYS - 1, None), (DAYS, None), (DAYS - 1, last - 9)):
        now = START + timedelta(days=now_day, hours=12)
        scope = Scope(1, "UTC", now, frozenset({OPTED_OUT}))
        today = local_day(now, "UTC") if as_of is None else as_of
        expected = _expected(responded, today, {OPTED_OUT})
        got = await sections.current_streaks(repo, scope, as_of=as_of)
        assert got == expected
        assert all(s.member_id != OPTED_OUT for s in got)
    assert [(s.member_id, s.longest) for s in got[:2]] == [(51, 46), (50, 21)]


@pytest.mark.parametrize("rows_per_read", [1, sections.STREAK_ROWS_PER_READ])
async def test_the_walk_continued_from_the_nightly_runs_equals_every_response_day(
    database_url: str, rows_per_read: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The runs the nightly job stores (each responder's run ending its last day) continue the
    walk: the same streaks with the job a day or days behind, a run longer than the lookback,
    after late rows on the stored day or the day before (then the runs are not used), under
    another opt-out list, as of an earlier day, and after a member is forgotten."""
    monkeypatch.setattr(sections, "STREAK_ROWS_PER_READ", rows_per_read)
    g, responded, posts = await _responding_guild(database_url, always=True)
    repo = AnalyticsRepository(g.db)
    last = local_day(START + timedelta(days=DAYS - 1), "UTC")
    now = START + timedelta(days=DAYS - 1, hours=12)  # today: the last day with rows
    scope = Scope(1, "UTC", now, frozenset({OPTED_OUT}))

    async def store(day: int, s: Scope = scope) -> None:
        runs, responders = await sections.response_runs(repo, s, day)
        assert OPTED_OUT not in runs or OPTED_OUT not in s.excluded
        await repo.save_response_runs(1, day, runs, responders, s.excl_key, 0)

    async def check(s: Scope, left_out: set[int], used: bool, as_of: int | None = None) -> None:
        today = last if as_of is None else as_of
        assert (await sections._stored_runs(repo, s, today, {}) is not None) is used
        assert await sections.current_streaks(repo, s, as_of=as_of) == _expected(responded, today, left_out)

    for behind in (1, 2, 5):  # the job's last day: yesterday, or days behind
        await store(last - behind)
        await check(scope, {OPTED_OUT}, used=True)
    got = await sections.current_streaks(repo, scope)
    assert (got[0].member_id, got[0].current, got[0].longest) == (60, 120, 120)  # clipped to the lookback
    await store(last - 1)
    await check(scope, {OPTED_OUT}, used=True)
    await check(Scope(1, "UTC", now, frozenset()), set(), used=False)  # another opt-out list
    await check(scope, {OPTED_OUT}, used=False, as_of=last - 9)  # an earlier period's end
    # The nightly job run: it stores yesterday's runs.
    job = RollupJob(repo, _tz("UTC"), lambda guild_id, ids: set(), lambda: now)
    await job.run_guild(1)
    assert (await repo.response_runs(1, Scope(1, "UTC", now).excl_key) or (0,))[0] == last - 1
    await store(last - 1)
    # Late responses on the stored day and on the day before it, by members who missed those
    # days: their runs change, the stored ones no longer count, and the walk reads raw days.
    for back in (1, 2):
        day = last - back
        member = next(k for k in range(1, 41) if k != OPTED_OUT and day not in responded.get(k, set()))
        at = START + timedelta(days=DAYS - 1 - back, hours=3)
        await g.act(member, at, "reaction", post_id=posts[DAYS - 1 - back])
        responded.setdefault(member, set()).add(day)
        await check(scope, {OPTED_OUT}, used=False)
        await store(last - 1)
        await check(scope, {OPTED_OUT}, used=True)
    # Forget-me takes the member's stored run too.
    await ActivityRepository(g.db).forget_member(1, 60)
    del responded[60]
    assert await g.db.fetchval("SELECT COUNT(*) FROM analytics_response_runs WHERE member_id = 60") == 0
    await check(scope, {OPTED_OUT}, used=False)


def _tz(name: str):  # type: ignore[no-untyped-def]
    async def of(guild_id: int) -> str:
        return name

    return of
