"""The daily number game service and response streaks read from the member_days rollup."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta

import pytest

from bot.features.number_game.rules import MAX_GUESSES, Hint, judge, possible_range
from bot.features.number_game.service import GuessReply
from bot.features.streaks.service import StreakService
from bot.platform.recorder import Activity
from tests.unit.games_env import GUILD, GamesEnv, games_env

TZ = "America/New_York"
# 2026-03-08 02:00 New York springs forward to daylight time.
SAT_2330 = datetime(2026, 3, 8, 4, 30, tzinfo=UTC)  # Saturday March 7, 23:30 EST
ALICE, BOB = 31, 32


@pytest.fixture
async def env(database_url: str) -> AsyncIterator[GamesEnv]:
    env = await games_env(database_url, SAT_2330, timezone=TZ)
    yield env
    await env.recorder.close()
    await env.db.close()


def test_judge_gives_hints_and_stops_after_the_last_guess() -> None:
    assert judge([], 10, 17).hint is Hint.HIGHER
    assert judge([10], 20, 17).hint is Hint.LOWER
    assert judge([10, 20], 17, 17).solved
    assert judge([10, 17], 5, 17).refused is not None
    used = [1, 2, 3, 4, 5]
    assert judge(used, 6, 17).refused == f"You used all {MAX_GUESSES} guesses today; try again tomorrow."
    assert possible_range([10, 20], 17) == (11, 19)


async def test_daily_game_once_a_day_with_private_hints_and_recorded_plays(env: GamesEnv) -> None:
    game = await env.daily.new_game(GUILD, 70)
    assert game is not None
    assert await env.daily.new_game(GUILD, 70) is None  # one game per local day
    post_id = await env.daily.posted(game, message_id=5000)
    low = await env.daily.guess(GUILD, game.id, ALICE, 1)
    assert isinstance(low, GuessReply)
    assert low.outcome.hint is (Hint.CORRECT if game.target == 1 else Hint.HIGHER)
    win = await env.daily.guess(GUILD, game.id, ALICE, game.target)
    if game.target != 1:
        assert isinstance(win, GuessReply) and win.outcome.solved and win.outcome.guess_no == 2
    again = await env.daily.guess(GUILD, game.id, ALICE, 3)
    assert again == "You already found today's number. 🎉"
    await env.recorder.flush()
    plays = await env.rows("SELECT kind, post_id FROM activities WHERE member_id = ?", ALICE)
    assert plays and all(row == ("game_play", post_id) for row in plays)
    assert await env.rows("SELECT kind, tag FROM posts") == [("game", "number")]

    env.clock.advance(days=1)
    assert await env.daily.guess(GUILD, game.id, BOB, 3) == "That was an earlier day's game; look for today's!"


def respond(env: GamesEnv, member: int, at: datetime, n: int, post_id: int | None = 1) -> None:
    env.recorder.record(Activity(GUILD, "reaction", member, at, f"s:{member}:{n}", channel_id=1, post_id=post_id))


async def test_streak_counts_local_days_across_a_dst_change_and_breaks_on_a_missed_day(env: GamesEnv) -> None:
    streaks = StreakService(env.db)
    respond(env, ALICE, SAT_2330, 1)  # Sat 7th, 23:30 EST
    respond(env, ALICE, datetime(2026, 3, 9, 3, 30, tzinfo=UTC), 2)  # Sun 8th, 23:30 EDT
    respond(env, ALICE, datetime(2026, 3, 9, 12, 0, tzinfo=UTC), 3)  # Mon 9th
    respond(env, BOB, datetime(2026, 3, 9, 12, 0, tzinfo=UTC), 4)
    respond(env, BOB, datetime(2026, 3, 8, 12, 0, tzinfo=UTC), 5, post_id=None)  # a plain message: no response
    await env.recorder.flush()
    monday = date(2026, 3, 9)
    assert await streaks.for_member(GUILD, ALICE, monday) == (ALICE, 3, 3)
    assert await streaks.for_member(GUILD, BOB, monday) == (BOB, 1, 1)
    # Tuesday without a response yet: the streak is still alive until the day is over.
    assert (await streaks.for_member(GUILD, ALICE, monday + timedelta(days=1))).current == 3
    respond(env, ALICE, datetime(2026, 3, 11, 15, 0, tzinfo=UTC), 6)  # Wednesday: Tuesday was missed
    await env.recorder.flush()
    wednesday = date(2026, 3, 11)
    assert await streaks.for_member(GUILD, ALICE, wednesday) == (ALICE, 1, 3)
    top = await streaks.top_streaks(GUILD, monday)
    assert [(s.member_id, s.current) for s in top] == [(ALICE, 3), (BOB, 1)]
    assert [(s.member_id, s.current, s.longest) for s in await streaks.top_streaks(GUILD, wednesday)] == [(ALICE, 1, 3)]
