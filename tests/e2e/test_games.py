"""Trivia, the daily number game and /streak end to end: the real Hearth on the local Discord."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from bot.features.trivia.bank import load_shipped_bank
from bot.sandbox.localdiscord.world import Member, Message
from cogs.number_game import NumberGame
from cogs.trivia.cog import Trivia
from tests.e2e.conftest import World

BANK = {q.question: q for q in load_shipped_bank()}


def trivia(world: World) -> Trivia:
    cog = world.bot.get_cog("Trivia")
    assert cog is not None  # the extension loader imports cogs.trivia anew: compare by name, not class
    return cog  # type: ignore[return-value]


def number_game(world: World) -> NumberGame:
    cog = world.bot.get_cog("NumberGame")
    assert cog is not None
    return cog  # type: ignore[return-value]


async def tick(world: World, **delta: float) -> None:
    """Move the clock, let rounds move on, and let the server see what the bot did."""
    if delta:
        world.clock.advance(**delta)
    await trivia(world).tick()
    await world.settle()


def bot_messages(world: World) -> list[Message]:
    return [m for m in world.server.messages_in(world.general) if m.author.id == world.server.bot_user.id]


def questions(world: World) -> list[Message]:
    return [m for m in bot_messages(world) if m.embeds and "question" in m.embeds[0].get("title", "")]


def buttons(message: Message) -> list[dict[str, Any]]:
    return [c for row in message.components for c in row.get("components", [])]


def answer_ids(message: Message) -> tuple[str, str]:
    """(custom id of the right answer, custom id of a wrong one), found from the question's text."""
    text = message.embeds[0]["description"].split("\n\n")[0]
    question = BANK[text]
    right = next(b["custom_id"] for b in buttons(message) if b["label"] == question.correct)
    wrong = next(b["custom_id"] for b in buttons(message) if b["label"] != question.correct)
    return right, wrong


async def start_round(world: World, **options: Any) -> None:
    result = await world.command(world.moderator, "trivia start", **options)
    assert "Trivia round started" in await result.text()  # the followup comes once question 1 is out
    await tick(world)


async def click(world: World, member: Member, message: Message, custom_id: str) -> str:
    result = await world.server.click(member, message, custom_id)
    text = await result.text()
    assert result.ephemeral
    return text


async def test_full_round_scores_fast_answers_ties_and_refuses_double_and_late_answers(world: World) -> None:
    carol = world.server.add_member(world.guild, "carol")
    dave = world.server.add_member(world.guild, "dave")
    started = await world.command(world.moderator, "trivia start", category="science", questions=2, timer=20)
    assert "Trivia round started" in await started.text()
    await tick(world)
    [q1] = questions(world)
    assert "question 1 of 2" in q1.embeds[0]["title"]
    right, wrong = answer_ids(q1)

    world.clock.advance(seconds=2)
    assert "Locked in" in await click(world, world.alice, q1, right)
    assert "Locked in" in await click(world, world.bob, q1, right)
    assert "Locked in" in await click(world, carol, q1, wrong)
    assert "already answered" in await click(world, world.alice, q1, wrong)

    world.clock.advance(seconds=18, milliseconds=1)  # time is up; the buttons are still there
    assert "Too late" in await click(world, dave, q1, right)
    await tick(world)
    reveal = bot_messages(world)[-1]
    assert "The answer was" in reveal.content
    assert f"Right: <@{world.alice.id}> (+950), <@{world.bob.id}> (+950)" in reveal.content
    assert "3 answered." in reveal.content
    assert world.server.pings(reveal) == ([], [], False)  # names shown, nobody pinged
    assert all(b.get("disabled") for b in buttons(world.server.messages[q1.id]))

    await tick(world, seconds=5)  # the pause between questions
    q2 = questions(world)[-1]
    assert "question 2 of 2" in q2.embeds[0]["title"]
    right2, _ = answer_ids(q2)
    world.clock.advance(seconds=10)
    await click(world, world.bob, q2, right2)
    await tick(world, seconds=10)
    board = bot_messages(world)[-1].embeds[0]
    assert board["title"] == "🏆 Trivia round over"
    lines = board["description"].split("\n")
    assert lines[0] == f"🥇 <@{world.bob.id}>: **1,700**"
    assert lines[1] == f"🥈 <@{world.alice.id}>: **950**"

    await world.settle()
    answers = await world.rows(
        "SELECT a.member_id, p.kind FROM activities a JOIN posts p ON p.id = a.post_id "
        "WHERE a.kind = 'trivia_answer' ORDER BY a.id"
    )
    assert answers == [
        (world.alice.id, "trivia"),
        (world.bob.id, "trivia"),
        (carol.id, "trivia"),
        (world.bob.id, "trivia"),
    ]


async def test_stop_ends_the_round_cleanly_and_members_cannot_start_one(world: World) -> None:
    refused = await world.command(world.alice, "trivia start")
    assert "Only moderators" in await refused.text()
    await start_round(world, questions=5, timer=30)
    q1 = questions(world)[-1]
    right, _ = answer_ids(q1)
    world.clock.advance(seconds=3)
    await click(world, world.alice, q1, right)
    stopped = await world.command(world.moderator, "trivia stop")
    assert "Stopping the round" in await stopped.text()
    await tick(world)  # the round closes the open question and ends by itself
    board = bot_messages(world)[-1].embeds[0]
    assert board["title"] == "🛑 Trivia round stopped"
    assert f"<@{world.alice.id}>: **950**" in board["description"]
    assert len(questions(world)) == 1
    assert all(b.get("disabled") for b in buttons(world.server.messages[q1.id]))
    again = await world.command(world.moderator, "trivia stop")
    assert "No trivia round is running" in await again.text()


async def test_scheduled_round_runs_once_after_a_restart(world: World) -> None:
    result = await world.command(
        world.moderator, "trivia schedule", time="20:00", days="daily", category="space", questions=1, timer=15
    )
    assert "Trivia schedule #" in await result.text()
    await world.restart()
    world.clock.set(datetime(2026, 3, 2, 20, 1, tzinfo=UTC))
    await world.restart()  # the process was down at 20:00 and comes back within the grace period
    await tick(world)
    [q1] = questions(world)
    assert "space" in json.dumps(q1.embeds[0])
    await world.bot.scheduler.run_due()
    await tick(world, seconds=15)
    assert len(questions(world)) == 1
    [occurrence] = await world.bot.scheduler.repo.occurrences(world.guild.id)
    assert occurrence.status in ("posted", "late") and occurrence.post_id is not None
    post = await world.bot.posts.get(world.guild.id, occurrence.post_id)
    assert post is not None and post.kind == "trivia" and post.message_id == q1.id


async def test_leaderboards_per_period_and_a_season_rollover(world: World) -> None:
    await world.command(world.moderator, "hearth setup", timezone="Europe/Berlin")
    season = await world.command(world.moderator, "trivia season", length="month")
    assert "Trivia season 1 runs by the month" in await season.text()

    async def play(member: Member) -> None:
        await start_round(world, questions=1, timer=20)
        question = questions(world)[-1]
        world.clock.advance(seconds=5)
        await click(world, member, question, answer_ids(question)[0])
        await tick(world, seconds=15)

    await play(world.alice)  # Monday March 2nd
    world.clock.set(datetime(2026, 3, 10, 12, tzinfo=UTC))
    await play(world.bob)  # the next week
    week = await world.command(world.alice, "trivia leaderboard", period="week")
    text = await week.text()
    assert f"<@{world.bob.id}>" in text and f"<@{world.alice.id}>" not in text
    month = await world.command(world.alice, "trivia leaderboard", period="month")
    assert f"<@{world.alice.id}>" in await month.text()

    await world.advance(days=22)  # April 1st in Berlin has begun: season 1 ends
    final = bot_messages(world)[-1].embeds[0]
    assert final["title"] == "🏁 Trivia season 1 is over!"
    congratulations = next(f for f in final["fields"] if f["name"] == "Congratulations")
    assert f"<@{world.alice.id}>" in congratulations["value"] and f"<@{world.bob.id}>" in congratulations["value"]
    board = await world.command(world.alice, "trivia leaderboard", period="season")
    text = await board.text()
    assert "season 2" in text and "No points yet." in text
    ever = await world.command(world.alice, "trivia leaderboard", period="all")
    assert f"<@{world.alice.id}>" in await ever.text()


async def test_import_reports_bad_rows_and_add_makes_a_true_false_question(world: World) -> None:
    bank = (
        b'category = "pets"\n[[question]]\nquestion = "How many legs has a cat?"\ncorrect = "4"\n'
        b'incorrect = ["2", "6", "8"]\n[[question]]\nquestion = "No answers"\ncorrect = "x"\n'
    )
    result = await world.command(world.moderator, "trivia import", file=("pets.toml", bank))
    text = await result.text()
    assert "Added 1 question." in text
    assert "question 2: missing 'incorrect'" in text
    added = await world.command(world.moderator, "trivia add", question="Cats purr.", correct="true", category="pets")
    assert "Added a true/false question to `pets`" in await added.text()
    assert len(await trivia(world).service.repo.questions(world.guild.id, "pets")) == 2


async def test_daily_number_game_gives_private_hints_and_counts_as_a_hearth_post(world: World) -> None:
    posted = await world.command(world.moderator, "game post")
    assert "number game is up" in await posted.text()
    game_message = bot_messages(world)[-1]
    assert len(buttons(game_message)) == 25
    game = await number_game(world).service.todays_game(world.guild.id)
    assert game is not None
    first = 1 if game.target != 1 else 2
    hint = await click(world, world.alice, game_message, f"number:{game.id}:{first}")
    assert "Lower" in hint or "Higher" in hint
    win = await click(world, world.alice, game_message, f"number:{game.id}:{game.target}")
    assert "it is!" in win
    await world.server.wait_until(
        lambda: "1 playing · 1 found it" in world.server.messages[game_message.id].embeds[0]["footer"]["text"]
    )
    again = await world.command(world.moderator, "game post")
    assert "already posted" in await again.text()
    await world.settle()
    rows = await world.rows("SELECT a.kind, p.kind FROM activities a JOIN posts p ON p.id = a.post_id")
    assert rows == [("game_play", "game"), ("game_play", "game")]


async def test_streak_counts_days_in_a_row_and_resets_after_a_missed_day(world: World) -> None:
    await world.command(world.moderator, "hearth setup", timezone="America/New_York")
    await world.command(world.moderator, "game schedule", time="09:00", days="daily")

    async def play_today() -> None:
        await world.advance(hours=24)
        game = await number_game(world).service.todays_game(world.guild.id)
        assert game is not None
        message = next(m for m in reversed(bot_messages(world)) if m.id == game.message_id)
        await click(world, world.alice, message, f"number:{game.id}:{game.target}")
        await world.settle()

    world.clock.set(datetime(2026, 3, 6, 15, tzinfo=UTC))  # Friday 10:00 EST; DST starts Sunday the 8th
    for _ in range(4):  # Saturday to Tuesday, across the change to daylight time
        await play_today()
    mine = await world.command(world.alice, "streak")
    assert "**4** days in a row (best: **4**)" in await mine.text()
    await world.advance(hours=48)  # Wednesday missed, Thursday's game waits
    await play_today()  # Friday
    again = await world.command(world.alice, "streak")
    assert "**1** day in a row (best: **4**)" in await again.text()


async def test_a_trivia_round_reports_as_one_post_with_everyone_who_answered(world: World) -> None:
    """METRICS v2: a round is one Hearth post; its responders answered any of its questions."""
    carol = world.server.add_member(world.guild, "carol")
    await start_round(world, category="science", questions=3, timer=20)
    for members in ((world.alice, world.bob), (world.bob,), (world.alice, carol)):
        question = questions(world)[-1]
        right, _ = answer_ids(question)
        world.clock.advance(seconds=3)
        for member in members:
            assert "Locked in" in await click(world, member, question, right)
        await tick(world, seconds=17)
        await tick(world, seconds=5)
    assert bot_messages(world)[-1].embeds[0]["title"] == "🏆 Trivia round over"
    await world.settle()

    report = await world.command(world.moderator, "report", period="week", section="posts")
    text = await report.text(timeout=20)
    rows = [line for line in text.splitlines() if "trivia" in line.lower() and "science" in line]
    assert len(rows) == 1, text
    assert rows[0].strip("`").split()[1:4] == ["trivia", "science", "3"], rows[0]  # Alice, Bob, Carol
    assert await world.rows("SELECT COUNT(*) FROM posts WHERE kind = 'trivia'") == [(1,)]
