"""A trivia round is one Hearth post (METRICS v2): recorded that way, folded that way from old data,
and reported as one post whose responders answered any of its questions (both backends)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from bot.analytics.export import posts_csv, report_json
from bot.analytics.report import Report, build_report, week_of
from bot.analytics.rollups import RollupJob
from bot.core.clock import to_ms
from bot.core.localtime import hour_of_week, local_day, utc_hour
from bot.platform.recorder import Activity, event_hash
from bot.storage import Database
from bot.storage.activity import INSERT_ACTIVITY, POSTGRES_ROLLUPS, PostRepository
from bot.storage.analytics import AnalyticsRepository
from bot.storage.trivia import TriviaRepository
from tests.unit.games_env import GUILD, GamesEnv, games_env

T0 = datetime(2026, 5, 6, 18, 0, tzinfo=UTC)  # a Wednesday
CHANNEL = 50
ALICE, BOB, CAROL, DAVE, EVE = 11, 12, 13, 14, 15


@pytest.fixture
async def env(database_url: str) -> AsyncIterator[GamesEnv]:
    env = await games_env(database_url, T0 - timedelta(days=40))
    yield env
    await env.trivia.sessions.close()
    await env.recorder.close()
    await env.db.close()


def _job(db: Database, now: datetime) -> RollupJob:
    async def tz(guild_id: int) -> str:
        return "UTC"

    return RollupJob(AnalyticsRepository(db), tz, lambda guild, ids: set(), lambda: now)


async def _report(db: Database, now: datetime) -> Report:
    return await build_report(db, GUILD, week_of(T0.date()), "UTC", now=now)


def _assert_one_round_post(report: Report, responders: int, base: int) -> None:
    trivia = [p for p in report.posts if p.kind == "trivia"]
    assert [(p.responders, p.base) for p in trivia] == [(responders, base)]
    assert report.figures.posts == len(report.posts)
    assert [g.posts + g.warming_up_posts for g in report.by_kind if g.key == "trivia"] == [1]
    data = report_json(report)
    assert [(p["responders"], p["base"]) for p in data["posts"] if p["kind"] == "trivia"] == [(responders, base)]
    assert posts_csv(report).count(",trivia,") == 1


async def _seed_history(env: GamesEnv) -> None:
    """Recording starts 40 days before the round (so it is established); 4 members active 3 days before."""
    for n, (member, days) in enumerate([(EVE, 40), (ALICE, 3), (BOB, 3), (CAROL, 3), (EVE, 3)]):
        at = T0 - timedelta(days=days)
        env.recorder.record(Activity(GUILD, "message", member, at, f"seed:{n}", channel_id=CHANNEL, message_id=n + 1))
    await env.recorder.flush()


async def test_a_round_is_one_post_whose_responders_answered_any_question(env: GamesEnv) -> None:
    await _seed_history(env)
    env.clock.set(T0)
    session = await env.trivia.start_round(GUILD, CHANNEL, category=None, count=3, timer_s=20)
    round_post = await session.first_post
    await env.trivia.sessions.tick()
    messages = []
    for index, members in enumerate([(ALICE, BOB), (BOB,), (ALICE, CAROL)]):
        assert session.open is not None and session.open.index == index
        messages.append(session.open.message_id)
        env.clock.advance(seconds=3)
        for member in members:
            assert (await env.trivia.answer(GUILD, session.round.id, index, 0, member)).accepted is not None
        env.clock.advance(seconds=17)
        await env.trivia.sessions.tick()
        env.clock.advance(seconds=5)
        await env.trivia.sessions.tick()
    assert session.task is not None and session.task.done()
    # A reaction on the last question's message belongs to the round's post too.
    assert env.posts.for_message(GUILD, messages[2]) == round_post
    env.recorder.record(
        Activity(GUILD, "reaction", DAVE, env.clock.now(), "react:dave", channel_id=CHANNEL,
                 message_id=messages[2], post_id=env.posts.for_message(GUILD, messages[2]))
    )
    await env.recorder.flush()

    assert await env.rows("SELECT id FROM posts WHERE guild_id = ? AND kind = 'trivia'", GUILD) == [(round_post,)]
    parts = await env.rows("SELECT message_id, part FROM post_parts WHERE guild_id = ? ORDER BY part", GUILD)
    assert parts == [(messages[0], 0), (messages[1], 1), (messages[2], 2)]
    # Trivia's own figures are per question, as before: five answers, Bob and Alice scored twice.
    assert len(await env.rows("SELECT * FROM trivia_answers WHERE guild_id = ?", GUILD)) == 5
    scores = await env.trivia.repo.round_scores(GUILD, session.round.id)
    assert set(scores) == {ALICE, BOB, CAROL}

    now = T0 + timedelta(days=2)  # the round's 24 h window has closed
    # Responders: Alice, Bob, Carol (answers) and Dave (reaction); base: the 4 active before ∪ Dave.
    _assert_one_round_post(await _report(env.db, now), responders=4, base=5)
    job = _job(env.db, now)
    await job.run()
    _assert_one_round_post(await _report(env.db, now), responders=4, base=5)
    await job.rebuild()
    _assert_one_round_post(await _report(env.db, now), responders=4, base=5)


async def test_round_post_links_questions_after_a_restart(env: GamesEnv) -> None:
    """The message index is rebuilt from storage: a restart keeps every question linked to its round."""
    env.clock.set(T0)
    session = await env.trivia.start_round(GUILD, CHANNEL, category="science", count=2, timer_s=10)
    round_post = await session.first_post
    await env.trivia.sessions.tick()
    env.clock.advance(seconds=15)
    await env.trivia.sessions.tick()
    assert session.open is not None and session.open.index == 1
    second = session.open.message_id
    from bot.platform.posts import PostService

    restarted = PostService(PostRepository(env.db), env.guilds, env.clock)
    await restarted.load()
    assert restarted.for_message(GUILD, second) == round_post


# -- data recorded before 0155: one post per question, folded into one ------------------------------
def _activity(kind: str, member: int, at: datetime, key: str, post_id: int | None, message_id: int) -> tuple:
    return (GUILD, event_hash(key), kind, member, CHANNEL, None, message_id, post_id, None, 0, to_ms(at),
            local_day(at, "UTC"), utc_hour(at), hour_of_week(at, "UTC"), 1)


async def _recorded_before_0280(db: Database, rows: list[tuple]) -> None:
    """``rows`` stored as the recorder did at this schema (before the rollup queue, 0280): the
    activities, and on PostgreSQL their rollups from the same set-based statements in one go."""
    async with db.transaction():
        await db.executemany(INSERT_ACTIVITY, rows)
        if db.engine == "postgresql":
            ctes = "".join(f", {name} AS ({sql})" for name, sql in POSTGRES_ROLLUPS.items())
            await db.fetchval(f"WITH counted AS (SELECT * FROM activities WHERE counts = 1){ctes} SELECT 1")


async def test_migration_folds_each_rounds_question_posts_into_one_and_loses_nothing(database_url: str) -> None:
    db = await Database.open(database_url)
    try:
        await db.migrate(target=154)
        await db.execute(
            "INSERT INTO guild_settings (guild_id, timezone, created_at, updated_at) VALUES (?, 'UTC', 0, 0)", (GUILD,)
        )
        posts = PostRepository(db)
        round_id = await db.execute(
            "INSERT INTO trivia_rounds (guild_id, channel_id, category, questions, timer_s, started_at, status) "
            "VALUES (?, ?, NULL, 3, 20, ?, 'finished')",
            (GUILD, CHANNEL, to_ms(T0)),
        )
        question_posts = []
        for index, tag in enumerate(("science", "history", "science")):
            at = T0 + timedelta(seconds=25 * index)
            question_posts.append(await posts.add({
                "guild_id": GUILD, "kind": "trivia", "tag": tag, "channel_id": CHANNEL, "message_id": 900 + index,
                "posted_at": to_ms(at), "local_day": local_day(at, "UTC"),
                "local_hour_of_week": hour_of_week(at, "UTC"), "ref_id": round_id,
            }))
        question = await posts.add({
            "guild_id": GUILD, "kind": "question", "channel_id": CHANNEL, "message_id": 800,
            "posted_at": to_ms(T0 - timedelta(hours=1)), "local_day": local_day(T0, "UTC"),
            "local_hour_of_week": hour_of_week(T0, "UTC"),
        })
        rows = [_activity("message", m, T0 - timedelta(days=d), f"seed:{m}:{d}", None, 1)
                for m, d in [(EVE, 40), (ALICE, 3), (BOB, 3), (CAROL, 3), (EVE, 3)]]
        answers = [(0, ALICE, 3, 500), (0, BOB, 5, 0), (1, BOB, 2, 900), (2, ALICE, 9, 700), (2, CAROL, 1, 950)]
        for index, member, seconds, points in answers:
            at = T0 + timedelta(seconds=25 * index + seconds)
            rows.append(_activity("trivia_answer", member, at, f"trivia:{question_posts[index]}:{member}",
                                  question_posts[index], 900 + index))
            await db.execute(
                "INSERT INTO trivia_answers (guild_id, question_post_id, round_id, member_id, choice, correct, points, "
                "elapsed_ms, answered_at) VALUES (?, ?, ?, ?, 0, ?, ?, ?, ?)",
                (GUILD, question_posts[index], round_id, member, int(points > 0), points, seconds * 1000, to_ms(at)),
            )
        rows.append(_activity("reaction", DAVE, T0 + timedelta(minutes=5), "react", question_posts[2], 902))
        rows.append(_activity("message", EVE, T0, "reply", question, 800))
        await _recorded_before_0280(db, rows)
        activities_before = await db.fetchval("SELECT COUNT(*) FROM activities")
        scores_before = await TriviaRepository(db).round_scores(GUILD, round_id)

        await db.migrate()

        assert [tuple(r) for r in await db.fetchall("SELECT id, kind, tag FROM posts ORDER BY id")] == [
            (question_posts[0], "trivia", "mixed"), (question, "question", None)
        ]
        parts = await db.fetchall("SELECT message_id, post_id, part, tag FROM post_parts ORDER BY part")
        assert [tuple(r) for r in parts] == [
            (900, question_posts[0], 0, "science"), (901, question_posts[0], 1, "history"),
            (902, question_posts[0], 2, "science"),
        ]
        assert await db.fetchval("SELECT COUNT(*) FROM activities") == activities_before
        linked = await db.fetchall(
            "SELECT DISTINCT post_id FROM activities WHERE kind IN ('trivia_answer', 'reaction')"
        )
        assert [r[0] for r in linked] == [question_posts[0]]
        responders = await db.fetchall(
            "SELECT member_id, first_at FROM post_responders WHERE post_id = ? ORDER BY member_id", (question_posts[0],)
        )
        expected = [(ALICE, to_ms(T0 + timedelta(seconds=3))), (BOB, to_ms(T0 + timedelta(seconds=5))),
                    (CAROL, to_ms(T0 + timedelta(seconds=51))), (DAVE, to_ms(T0 + timedelta(minutes=5)))]
        assert [tuple(r) for r in responders] == expected
        assert await db.fetchval("SELECT COUNT(*) FROM post_responders WHERE post_id <> ? AND post_id <> ?",
                                 (question_posts[0], question)) == 0
        kept = await db.fetchall(
            "SELECT question, post_id, member_id, points FROM trivia_answers ORDER BY question, member_id"
        )
        assert [tuple(r) for r in kept] == [(i, question_posts[0], m, p) for i, m, _, p in answers]
        assert await TriviaRepository(db).round_scores(GUILD, round_id) == scores_before

        now = T0 + timedelta(days=2)
        _assert_one_round_post(await _report(db, now), responders=4, base=5)
        await _job(db, now).rebuild()  # `hearth db rebuild-rollups` agrees with the folded rows
        rebuilt = await db.fetchall(
            "SELECT member_id, first_at FROM post_responders WHERE post_id = ? ORDER BY member_id", (question_posts[0],)
        )
        assert [tuple(r) for r in rebuilt] == expected
        _assert_one_round_post(await _report(db, now), responders=4, base=5)
    finally:
        await db.close()
