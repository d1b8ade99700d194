"""Leaderboards per period, season rollover, and moderator imports with bad rows."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from bot.core.clock import to_ms
from bot.features.trivia.bank import TriviaQuestion
from bot.features.trivia.seasons import period_start, season_end_after
from bot.features.trivia.service import GameError
from tests.unit.games_env import GUILD, GamesEnv, games_env

TZ = "America/New_York"
T0 = datetime(2026, 3, 18, 16, 0, tzinfo=UTC)  # Wednesday 12:00 in New York (daylight time)
A, B, C, D = 21, 22, 23, 24


@pytest.fixture
async def env(database_url: str) -> AsyncIterator[GamesEnv]:
    env = await games_env(database_url, T0, timezone=TZ)
    yield env
    await env.recorder.close()
    await env.db.close()


async def answer_at(env: GamesEnv, member: int, points: int, at: datetime, post: int) -> None:
    """An answer to question ``post`` of round 1 (whose Hearth post is 1)."""
    await env.trivia.repo.save_answer(
        GUILD, 1, 1, post, member, choice=0, correct=points > 0, points=points, elapsed_ms=1000, now_ms=to_ms(at)
    )


def test_seasons_end_at_local_midnight_on_the_next_month_or_quarter() -> None:
    assert season_end_after(T0, "month", TZ) == datetime(2026, 4, 1, 4, 0, tzinfo=UTC)  # EDT
    assert season_end_after(T0, "quarter", TZ) == datetime(2026, 4, 1, 4, 0, tzinfo=UTC)
    feb = datetime(2026, 2, 10, tzinfo=UTC)
    assert season_end_after(feb, "month", TZ) == datetime(2026, 3, 1, 5, 0, tzinfo=UTC)  # EST
    assert season_end_after(feb, "quarter", TZ) == datetime(2026, 4, 1, 4, 0, tzinfo=UTC)
    dec = datetime(2026, 12, 31, 12, tzinfo=UTC)
    assert season_end_after(dec, "quarter", TZ) == datetime(2027, 1, 1, 5, 0, tzinfo=UTC)
    boundary = datetime(2026, 4, 1, 4, 0, tzinfo=UTC)
    assert season_end_after(boundary, "month", TZ) == datetime(2026, 5, 1, 4, 0, tzinfo=UTC)


def test_periods_start_at_local_monday_and_first_of_month() -> None:
    assert period_start("week", T0, TZ) == datetime(2026, 3, 16, 4, 0, tzinfo=UTC)
    assert period_start("month", T0, TZ) == datetime(2026, 3, 1, 5, 0, tzinfo=UTC)  # before the DST change
    assert period_start("all", T0, TZ).year == 1970


async def test_leaderboard_per_period(env: GamesEnv) -> None:
    await answer_at(env, A, 900, T0 - timedelta(hours=1), post=1)  # this week
    await answer_at(env, B, 800, T0 - timedelta(days=5), post=2)  # last week, this month
    await answer_at(env, C, 700, T0 - timedelta(days=40), post=3)  # February
    await answer_at(env, B, 300, T0 - timedelta(days=40), post=4)
    await answer_at(env, D, 0, T0 - timedelta(hours=2), post=1)  # answered wrong: not on the board
    week = await env.trivia.leaderboard(GUILD, "week")
    month = await env.trivia.leaderboard(GUILD, "month")
    ever = await env.trivia.leaderboard(GUILD, "all")
    assert week.standings == [(1, [A], 900)]
    assert month.standings == [(1, [A], 900), (2, [B], 800)]
    assert ever.standings == [(1, [B], 1100), (2, [A], 900), (3, [C], 700)]
    with pytest.raises(GameError, match="No trivia season"):
        await env.trivia.leaderboard(GUILD, "season")


async def test_season_rollover_posts_the_final_board_and_starts_the_next(env: GamesEnv) -> None:
    season = await env.trivia.set_season(GUILD, "month", channel_id=99)
    assert season.number == 1 and season.ends_at == to_ms(datetime(2026, 4, 1, 4, 0, tzinfo=UTC))
    await answer_at(env, A, 900, T0 + timedelta(days=1), post=1)
    await answer_at(env, B, 950, T0 + timedelta(days=2), post=1)
    await answer_at(env, C, 900, T0 + timedelta(days=3), post=2)
    await answer_at(env, D, 500, T0 + timedelta(days=4), post=2)
    env.clock.advance(days=5)
    assert (await env.trivia.leaderboard(GUILD, "season")).standings[0] == (1, [B], 950)

    env.clock.set(datetime(2026, 4, 1, 3, 59, tzinfo=UTC))
    await env.scheduler.run_due()
    assert env.outputs.seasons == []
    env.clock.set(datetime(2026, 4, 1, 4, 0, tzinfo=UTC))
    await env.scheduler.run_due()
    await env.scheduler.run_due()  # a second sweep changes nothing
    [(ended, standings, following)] = env.outputs.seasons
    assert ended.number == 1
    assert standings == [(1, [B], 950), (2, [A, C], 900), (4, [D], 500)]
    assert following.number == 2 and following.started_at == ended.ends_at
    assert following.ends_at == to_ms(datetime(2026, 5, 1, 4, 0, tzinfo=UTC))

    await answer_at(env, D, 1000, datetime(2026, 4, 2, tzinfo=UTC), post=3)
    env.clock.set(datetime(2026, 4, 3, tzinfo=UTC))
    board = await env.trivia.leaderboard(GUILD, "season")
    assert board.season is not None and board.season.number == 2
    assert board.standings == [(1, [D], 1000)]
    history = await env.trivia.repo.seasons(GUILD)
    assert [(s.number, s.status) for s in history] == [(1, "ended"), (2, "active")]


async def test_changing_the_season_length_moves_the_end(env: GamesEnv) -> None:
    first = await env.trivia.set_season(GUILD, "quarter", channel_id=99)
    env.clock.set(datetime(2026, 4, 10, tzinfo=UTC))
    await env.scheduler.run_due()  # quarter ended on April 1st: season 2 runs to July
    second = await env.trivia.repo.active_season(GUILD)
    assert second is not None and second.number == 2
    assert second.ends_at == to_ms(datetime(2026, 7, 1, 4, 0, tzinfo=UTC))
    changed = await env.trivia.set_season(GUILD, "month", channel_id=98)
    assert changed.id == second.id and changed.ends_at == to_ms(datetime(2026, 5, 1, 4, 0, tzinfo=UTC))
    assert first.number == 1


TOML = b"""
category = "Board Games"

[[question]]
question = "How many squares are on a chess board?"
correct = "64"
incorrect = ["32", "81", "100"]

[[question]]
question = "A hand with no wrong answers"
correct = "x"

[[question]]
question = "What gas do plants take in from the air for photosynthesis?"
correct = "Carbon dioxide"
incorrect = ["Oxygen", "Nitrogen", "Helium"]

[[question]]
question = "how many squares are on a CHESS board?"
correct = "64"
incorrect = ["1", "2", "3"]

[[question]]
question = "Is Go older than chess?"
type = "boolean"
correct = "True"
incorrect = ["False"]
"""


async def test_import_reports_added_and_rejected_rows_with_positions(env: GamesEnv) -> None:
    report = await env.trivia.import_questions(GUILD, "games.toml", TOML, None, added_by=A)
    assert report.added == 2
    assert report.rejected == [
        ("question 2", "missing 'incorrect'"),
        ("question 3", "already in Hearth's shipped bank"),
        ("question 4", "duplicate of question 1"),
    ]
    again = await env.trivia.import_questions(GUILD, "games.toml", TOML, None, added_by=A)
    assert again.added == 0
    assert ("question 1", "already in this server's bank") in again.rejected
    assert "board-games" in await env.trivia.categories(GUILD)
    assert len(await env.trivia.pick_questions(GUILD, "board-games", 10)) == 2


async def test_import_open_trivia_json_and_refuse_other_files(env: GamesEnv) -> None:
    data = json.dumps(
        {
            "response_code": 0,
            "results": [
                {
                    "type": "multiple",
                    "difficulty": "easy",
                    "category": "Music",
                    "question": "Who sang &quot;Thriller&quot;?",
                    "correct_answer": "Michael Jackson",
                    "incorrect_answers": ["Prince", "Madonna", "Sting"],
                },
                {
                    "type": "multiple",
                    "difficulty": "easy",
                    "category": "Music",
                    "question": "Broken",
                    "correct_answer": "A",
                    "incorrect_answers": ["B"],
                },
            ],
        }
    ).encode()
    report = await env.trivia.import_questions(GUILD, "opentdb.json", data, None, added_by=A)
    assert report.added == 1
    assert report.rejected[0][0] == "result 2"
    [question] = await env.trivia.repo.questions(GUILD, "music")
    assert question.question == 'Who sang "Thriller"?'
    with pytest.raises(GameError, match=r"\.toml"):
        await env.trivia.import_questions(GUILD, "bank.csv", b"a,b", None, added_by=A)


async def test_added_questions_are_validated(env: GamesEnv) -> None:
    good = TriviaQuestion("music", "Which instrument has 88 keys?", "Piano", ("Harp", "Organ", "Cello"))
    await env.trivia.add_question(GUILD, good, A)
    with pytest.raises(GameError, match="already has that question"):
        await env.trivia.add_question(GUILD, good, A)
    with pytest.raises(GameError, match="can't be added"):
        await env.trivia.add_question(GUILD, TriviaQuestion("music", "Q?", "A", ("A", "B", "C")), A)
