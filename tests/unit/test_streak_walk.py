"""The report's streak walk (``sections.current_streaks``) equals the streaks computed from
every response day of every member, whichever way the walk reads (by day while many members are
still running, by member a few days or a week at a time, the older days of the leaders at the
end), as of today and as of an earlier period end, with an opted-out member left out. Both
backends."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from bot.analytics import sections
from bot.analytics.scope import Scope
from bot.analytics.streaks import top_streaks
from bot.core.localtime import local_day
from bot.storage.analytics import AnalyticsRepository
from tests.unit.analytics_fixtures import GuildBuilder

START = datetime(2026, 5, 4, 8, tzinfo=UTC)
DAYS = 150  # longer than the 120-day lookback
OPTED_OUT = 3


@pytest.fixture(autouse=True)
async def _close_databases():  # type: ignore[no-untyped-def]
    yield
    await GuildBuilder.close_all()


@pytest.mark.parametrize("rows_per_read", [1, 6, 40, sections.STREAK_ROWS_PER_READ])
async def test_the_streak_walk_equals_streaks_from_every_response_day(
    database_url: str, rows_per_read: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sections, "STREAK_ROWS_PER_READ", rows_per_read)
    rng = random.Random(19)
    g = await GuildBuilder.open(database_url)
    responded: dict[int, set[int]] = {}
    rows = []
    # Members 1-40 respond on and off (member m misses a day with chance 1/4 + 1/(m+1)); member
    # OPTED_OUT has the longest streak of all but is left out; members 50 and 51 lead with the
    # same current streak, and 51 had a longer run before it (which only the older days show).
    for d in range(DAYS):
        at = START + timedelta(days=d)
        pid = await g.post(at)
        runs = {50: d >= DAYS - 30, 51: d >= DAYS - 30 or DAYS - 80 <= d < DAYS - 34}
        for member in [*range(1, 41), 50, 51]:
            chance = 0.25 + 1 / (member + 1)
            responds = runs[member] if member in runs else member == OPTED_OUT or rng.random() > chance
            if responds:
                rows.append((member, at + timedelta(hours=1), "reaction", pid))
                responded.setdefault(member, set()).add(local_day(at, "UTC"))
            elif rng.random() < 0.5:
                rows.append((member, at + timedelta(hours=2), "message", None))  # active, no response
    await g.act_many(rows)
    repo = AnalyticsRepository(g.db)
    last = local_day(START + timedelta(days=DAYS - 1), "UTC")
    for now_day, as_of in ((DAYS - 1, None), (DAYS, None), (DAYS - 1, last - 9)):
        now = START + timedelta(days=now_day, hours=12)
        scope = Scope(1, "UTC", now, frozenset({OPTED_OUT}))
        today = local_day(now, "UTC") if as_of is None else as_of
        lookback = range(today - sections.STREAK_LOOKBACK_DAYS + 1, today + 1)
        expected = top_streaks(
            {k: {d for d in v if d in lookback} for k, v in responded.items() if k != OPTED_OUT}, today, 5
        )
        got = await sections.current_streaks(repo, scope, as_of=as_of)
        assert got == expected
        assert all(s.member_id != OPTED_OUT for s in got)
    assert [(s.member_id, s.longest) for s in got[:2]] == [(51, 46), (50, 21)]
