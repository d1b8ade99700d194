"""/experiment end to end: the real Hearth against the local Discord, a month on a fake clock."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from bot.features.experiments.service import experiment_lines
from bot.sandbox.localdiscord import Message
from tests.e2e.conftest import World

QUESTION_TITLE = "Question of the day"


async def cmd(world: World, command: str, member: Any = None, /, **options: Any) -> tuple[str, Any]:
    result = await world.command(member or world.moderator, command, **options)
    return await result.text(), result


async def text(world: World, command: str, member: Any = None, /, **options: Any) -> str:
    return (await cmd(world, command, member, **options))[0]


def questions(world: World) -> list[Message]:
    return [
        m for m in world.server.sent_by_bot(world.general) if m.embeds and m.embeds[0].get("title") == QUESTION_TITLE
    ]


def polls(world: World) -> list[Message]:
    return [m for m in world.server.sent_by_bot(world.general) if m.poll is not None]


async def advance_to(world: World, moment: datetime) -> None:
    await world.advance(seconds=(moment - world.clock.now()).total_seconds())


async def setup_schedule(world: World, members: int = 0) -> list[Any]:
    """A bank, a daily 12:00 question schedule (#1) and ``members`` extra members active today."""
    assert "Starter pack" in await text(world, "question starter-pack")
    assert "Scheduled" in await text(world, "question schedule", channel=world.general, time="12:00", days="daily")
    crowd = world.server.add_members(world.guild, members, prefix="fan") if members else []
    for member in crowd:
        await world.server.say(member, world.general, "hello")  # makes them part of the active base
    await world.settle()
    return crowd


async def test_a_month_long_slot_test_finds_the_evening_better_and_applies_it(world: World) -> None:
    crowd = await setup_schedule(world, members=16)
    answer = await text(
        world, "experiment start", name="Evening", factor="slot", a="09:00", b="18:00", schedule=1, posts=20
    )
    assert "Started the A/B test `evening`" in answer and "20 posts" in answer

    seen = 0
    day0 = world.clock.now().replace(hour=0, minute=0)
    for day in range(20):
        for hour in (9, 12, 18):
            await advance_to(world, day0 + timedelta(days=day, hours=hour, minutes=5))
            posted = questions(world)[seen:]
            seen += len(posted)
            for message in posted:
                # The evening arm gets far more answers: 10 of 16 against 3 of 16 in the morning.
                assert hour in (9, 18), "during the test, nothing posts at the schedule's own 12:00"
                for member in crowd[: 10 if hour == 18 else 3]:
                    await world.server.react(member, message, "👍")
            await world.settle()
    assert seen == 20
    # The last window closes a day after the last post; the day after the test the schedule is back at 12:00.
    await advance_to(world, day0 + timedelta(days=20, hours=12, minutes=5))
    assert len(questions(world)) == 21
    await advance_to(world, day0 + timedelta(days=20, hours=23))

    arms = await world.rows("SELECT arm, COUNT(*) FROM posts WHERE experiment_id = 1 GROUP BY arm ORDER BY arm")
    assert arms == [("A", 10), ("B", 10)]
    hours = await world.rows("SELECT DISTINCT arm, posted_at FROM posts WHERE experiment_id = 1")
    for arm, posted_at in hours:  # UTC epoch ms; the guild's zone is UTC
        assert (posted_at // 3_600_000) % 24 == (9 if arm == "A" else 18)

    shown, status = await cmd(world, "experiment status", name="evening")
    assert "B wins" in shown and "Finished" in shown
    assert "Arm A: 09:00" in shown and "Arm B: 18:00" in shown and "10 posts" in shown
    assert "95% CI" in shown
    lines = await experiment_lines(world.bot, world.guild.id)
    assert any("B wins (18:00)" in line and "apply it" in line for line in lines)

    refused = await world.server.click(world.alice, status.message, "hearth:experiment:apply:1")
    await refused.response()
    assert "Only moderators" in await refused.text()
    applied = await world.server.click(world.moderator, status.message, "hearth:experiment:apply:1")
    await applied.response()
    assert applied.ephemeral and "now posts at 18:00" in await applied.text()
    assert "18:00" in await text(world, "question schedules")
    again = await world.server.click(world.moderator, status.message, "hearth:experiment:apply:1")
    await again.response()
    assert "already applied" in await again.text()

    # The schedule now posts at 18:00 every day.
    await advance_to(world, day0 + timedelta(days=21, hours=12, minutes=1))
    assert len(questions(world)) == 21
    await advance_to(world, day0 + timedelta(days=21, hours=18, minutes=1))
    assert len(questions(world)) == 22
    assert "finished" in await text(world, "experiment list")


async def test_question_versus_poll_posts_a_poll_on_the_poll_arm(world: World) -> None:
    crowd = await setup_schedule(world, members=4)
    answer = await text(
        world, "experiment start", name="kinds", factor="kind", a="question", b="poll", schedule=1, posts=4
    )
    assert "Started" in answer
    day0 = world.clock.now().replace(hour=0, minute=0)
    for day in range(4):
        before = len(polls(world))
        await advance_to(world, day0 + timedelta(days=day, hours=12, minutes=1))
        for message in polls(world)[before:]:
            await world.server.vote(crowd[day % len(crowd)], message, 1)
    assert len(questions(world)) == 2 and len(polls(world)) == 2
    for poll in polls(world):
        assert [a.text for a in poll.poll.answers.values()] == ["Yes", "No"]
    rows = await world.rows("SELECT kind, arm FROM posts WHERE experiment_id = 1 ORDER BY posted_at")
    assert sorted(rows) == [("poll", "B"), ("poll", "B"), ("question", "A"), ("question", "A")]
    voted = await world.rows(
        "SELECT COUNT(*) FROM post_responders r JOIN posts p ON p.id = r.post_id WHERE p.kind = 'poll'"
    )
    assert voted[0][0] >= 1
    shown = await text(world, "experiment status", name="kinds")
    assert "Arm A: question" in shown and "Arm B: poll" in shown and "inconclusive so far" in shown


async def test_guard_rails_give_clear_answers(world: World) -> None:
    await setup_schedule(world)

    async def start(**options: Any) -> str:
        base = {"name": "t", "factor": "slot", "a": "09:00", "b": "18:00", "schedule": 1, "posts": 10}
        return await text(world, "experiment start", **{**base, **options})

    assert "not a time" in await start(a="noonish")
    assert "arms must differ" in await start(b="9:00")
    assert "between 4 and 200" in await start(posts=3)
    assert "between 4 and 200" in await start(posts=201)
    assert "no question schedule #7" in await start(schedule=7)
    assert "no question is tagged `nope`" in await start(factor="tag", a="fun", b="nope")
    assert "not a kind" in await start(factor="kind", a="question", b="video")
    assert "Only moderators" in await text(world, "experiment start", world.alice, name="x", factor="slot",
                                           a="09:00", b="18:00", schedule=1, posts=10)  # fmt: skip

    assert "Paused" in await text(world, "question pause", schedule=1)
    assert "paused" in await start()
    assert "Resumed" in await text(world, "question resume", schedule=1)

    assert "Started" in await start()
    assert "already runs the test `t`" in await start(name="other")
    assert "already a test named `t`" in await start()

    stopped, result = await cmd(world, "experiment stop", name="t")
    assert "Stopped `t`" in stopped and "inconclusive so far" in stopped
    assert not result.message.components  # nothing to apply
    assert "already stopped" in await text(world, "experiment stop", name="t")
    assert "no test named `nope`" in await text(world, "experiment status", name="nope")
    listed = await text(world, "experiment list")
    assert "**t**" in listed and "stopped" in listed
    # Stopped: the schedule is back at its own time, and a new test may start.
    await world.advance(hours=4, minutes=1)
    assert len(questions(world)) == 1
    assert "Started" in await start(name="second", factor="tag", a="fun", b="deep")
