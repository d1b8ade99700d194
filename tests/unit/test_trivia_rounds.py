"""Trivia rounds driven by a fake clock: scoring, ties, late and double answers, stop, crashes."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from bot.core.clock import FakeClock
from bot.core.clock_waiter import ClockWaiter
from bot.features.trivia.service import GameError
from bot.features.trivia.session import TriviaSession
from tests.unit.games_env import GUILD, GamesEnv, games_env

T0 = datetime(2026, 5, 6, 18, 0, tzinfo=UTC)
CHANNEL = 50
ALICE, BOB, CAROL, DAVE = 11, 12, 13, 14


@pytest.fixture
async def env(database_url: str) -> AsyncIterator[GamesEnv]:
    env = await games_env(database_url, T0)
    yield env
    await env.trivia.sessions.close()
    await env.recorder.close()
    await env.db.close()


async def advance(env: GamesEnv, seconds: float) -> None:
    env.clock.advance(seconds=seconds)
    await env.trivia.sessions.tick()


def correct_and_wrong(session: TriviaSession) -> tuple[int, int]:
    assert session.open is not None
    right = session.open.correct_index
    return right, (right + 1) % len(session.open.choices)


async def test_waiter_sleeps_until_the_clock_passes_the_deadline() -> None:
    clock = FakeClock(T0)
    waiter = ClockWaiter(clock)
    sleeper = asyncio.create_task(waiter.sleep_until(T0 + timedelta(seconds=10)))
    await asyncio.sleep(0)
    clock.advance(seconds=9)
    assert waiter.wake_due() == 0
    clock.advance(seconds=1)
    assert waiter.wake_due() == 1
    assert await sleeper is True


async def test_waiter_returns_false_when_interrupted() -> None:
    waiter = ClockWaiter(FakeClock(T0))
    stop = asyncio.Event()
    sleeper = asyncio.create_task(waiter.sleep_until(T0 + timedelta(hours=1), stop))
    await asyncio.sleep(0)
    stop.set()
    assert await sleeper is False
    assert waiter.sleeping == 0


async def test_full_round_scores_speed_ties_and_refuses_late_and_double_answers(env: GamesEnv) -> None:
    session = await env.trivia.start_round(GUILD, CHANNEL, category="science", count=2, timer_s=20, started_by=1)
    first_post = await session.first_post
    await env.trivia.sessions.tick()
    right, wrong = correct_and_wrong(session)

    env.clock.advance(seconds=2)
    alice = await env.trivia.answer(GUILD, session.round.id, 0, right, ALICE)
    bob = await env.trivia.answer(GUILD, session.round.id, 0, right, BOB)
    carol = await env.trivia.answer(GUILD, session.round.id, 0, wrong, CAROL)
    again = await env.trivia.answer(GUILD, session.round.id, 0, wrong, ALICE)
    assert alice.accepted is not None and alice.accepted.points == 950  # 500 + 500 x 18/20
    assert bob.accepted is not None and bob.accepted.points == 950
    assert carol.accepted is not None and carol.accepted.points == 0
    assert again.refused == "You already answered this question."

    env.clock.advance(seconds=18, milliseconds=1)  # past the timer, before the round notices
    late = await env.trivia.answer(GUILD, session.round.id, 0, right, DAVE)
    assert late.refused is not None and "Too late" in late.refused
    await env.trivia.sessions.tick()
    closes = env.outputs.of_kind("close")
    assert [(r.member_id, r.points) for r in closes[0][2]] == [(ALICE, 950), (BOB, 950), (CAROL, 0)]
    stale = await env.trivia.answer(GUILD, session.round.id, 0, right, DAVE)
    assert stale.refused is not None and "closed" in stale.refused

    await advance(env, 5)  # the pause: question 2 goes out
    assert len(env.outputs.of_kind("question")) == 2
    right, _ = correct_and_wrong(session)
    env.clock.advance(seconds=10)
    assert (await env.trivia.answer(GUILD, session.round.id, 1, right, BOB)).accepted is not None
    await advance(env, 10)
    assert session.task is not None and session.task.done()

    (round_id, standings, stopped) = env.outputs.of_kind("standings")[0]
    assert not stopped
    assert standings == [(1, [BOB], 950 + 750), (2, [ALICE], 950), (3, [CAROL], 0)]
    assert (await env.trivia.repo.round(GUILD, round_id)).status == "finished"  # type: ignore[union-attr]

    await env.recorder.flush()
    keys = await env.rows(
        "SELECT kind, member_id, post_id FROM activities WHERE guild_id = ? AND post_id = ? ORDER BY member_id",
        GUILD,
        first_post,
    )
    assert keys == [  # every answer of the round is on its one post, Bob's two included
        ("trivia_answer", ALICE, first_post),
        ("trivia_answer", BOB, first_post),
        ("trivia_answer", BOB, first_post),
        ("trivia_answer", CAROL, first_post),
    ]
    # One round, one Hearth post (METRICS v2); its two questions' messages are parts of it.
    posts = await env.rows("SELECT id, kind, ref_id, tag FROM posts WHERE guild_id = ?", GUILD)
    assert posts == [(first_post, "trivia", round_id, "science")]
    parts = await env.rows("SELECT post_id, part FROM post_parts WHERE guild_id = ? ORDER BY part", GUILD)
    assert parts == [(first_post, 0), (first_post, 1)]
    bob = await env.rows(
        "SELECT question, post_id, points FROM trivia_answers WHERE guild_id = ? AND member_id = ? ORDER BY question",
        GUILD,
        BOB,
    )
    assert bob == [(0, first_post, 950), (1, first_post, 750)]


async def test_tied_scores_share_a_place_and_the_next_place_is_skipped(env: GamesEnv) -> None:
    session = await env.trivia.start_round(GUILD, CHANNEL, category=None, count=1, timer_s=10)
    await env.trivia.sessions.tick()
    right, _ = correct_and_wrong(session)
    env.clock.advance(seconds=5)
    for member in (ALICE, BOB):
        await env.trivia.answer(GUILD, session.round.id, 0, right, member)
    env.clock.advance(seconds=1)
    await env.trivia.answer(GUILD, session.round.id, 0, right, CAROL)
    await advance(env, 10)
    standings = env.outputs.of_kind("standings")[0][1]
    assert standings == [(1, [ALICE, BOB], 750), (3, [CAROL], 700)]


async def test_a_question_nobody_answers_times_out_and_the_round_goes_on(env: GamesEnv) -> None:
    session = await env.trivia.start_round(GUILD, CHANNEL, category=None, count=2, timer_s=15)
    await env.trivia.sessions.tick()
    await advance(env, 15)
    assert env.outputs.of_kind("close")[0][2] == []
    await advance(env, 5)
    await advance(env, 15)
    assert session.status == "finished"
    assert env.outputs.of_kind("standings")[0][1] == []


async def test_stopped_round_closes_the_open_question_and_posts_standings(env: GamesEnv) -> None:
    session = await env.trivia.start_round(GUILD, CHANNEL, category=None, count=5, timer_s=20)
    await env.trivia.sessions.tick()
    right, _ = correct_and_wrong(session)
    env.clock.advance(seconds=4)
    await env.trivia.answer(GUILD, session.round.id, 0, right, ALICE)
    assert env.trivia.stop_round(GUILD, CHANNEL) is session
    assert session.task is not None
    await session.task
    assert len(env.outputs.of_kind("question")) == 1
    assert len(env.outputs.of_kind("close")) == 1
    assert env.outputs.of_kind("standings")[0][1:] == ([(1, [ALICE], 900)], True)
    assert (await env.trivia.repo.round(GUILD, session.round.id)).status == "stopped"  # type: ignore[union-attr]
    assert env.trivia.sessions.in_channel(GUILD, CHANNEL) is None
    assert (await env.trivia.answer(GUILD, session.round.id, 0, right, BOB)).refused == "This trivia round is over."


async def test_one_channel_runs_one_round_at_a_time(env: GamesEnv) -> None:
    await env.trivia.start_round(GUILD, CHANNEL, category=None, count=1, timer_s=10)
    with pytest.raises(GameError, match="already running"):
        await env.trivia.start_round(GUILD, CHANNEL, category=None, count=1, timer_s=10)


async def test_a_crashing_round_never_stops_another(env: GamesEnv) -> None:
    env.outputs.failing_channels.add(66)
    broken = await env.trivia.start_round(GUILD, 66, category=None, count=2, timer_s=10)
    healthy = await env.trivia.start_round(GUILD, CHANNEL, category=None, count=1, timer_s=10)
    with pytest.raises(RuntimeError, match="boom"):
        await broken.first_post
    await env.trivia.sessions.tick()
    await advance(env, 10)
    assert broken.status == "failed" and healthy.status == "finished"
    assert env.outputs.of_kind("failure") == [broken.round.id]
    assert (await env.trivia.repo.round(GUILD, broken.round.id)).status == "failed"  # type: ignore[union-attr]


async def test_rounds_prefer_questions_not_asked_before(env: GamesEnv) -> None:
    first = await env.trivia.pick_questions(GUILD, "space", 5)
    await env.trivia.repo.mark_asked(GUILD, [q.question.casefold() for q in first], 1)
    second = await env.trivia.pick_questions(GUILD, "space", 5)
    assert not {q.question for q in first} & {q.question for q in second}


async def test_round_options_are_checked(env: GamesEnv) -> None:
    with pytest.raises(GameError, match="1 to 20 questions"):
        await env.trivia.start_round(GUILD, CHANNEL, category=None, count=50, timer_s=20)
    with pytest.raises(GameError, match="no questions"):
        await env.trivia.start_round(GUILD, CHANNEL, category="knitting", count=5, timer_s=20)


async def test_forgetting_a_member_deletes_their_answers(env: GamesEnv) -> None:
    session = await env.trivia.start_round(GUILD, CHANNEL, category=None, count=1, timer_s=10)
    await env.trivia.sessions.tick()
    right, _ = correct_and_wrong(session)
    await env.trivia.answer(GUILD, session.round.id, 0, right, ALICE)
    await env.recorder.flush()
    await env.privacy.forget(GUILD, ALICE)
    assert await env.rows("SELECT * FROM trivia_answers WHERE member_id = ?", ALICE) == []
