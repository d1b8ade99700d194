"""Welcome end to end: one welcome per newcomer, batched in join waves, once ever across restarts."""

from __future__ import annotations

import asyncio

import discord
import pytest_asyncio

from tests.e2e.conftest import World


@pytest_asyncio.fixture
async def welcoming(world: World) -> World:
    world.settings = world.settings.replace("intents", members=True)
    await world.restart()
    setup = await world.command(
        world.moderator, "welcome setup", channel=world.general, message="Welcome {member}! Tell us what you make."
    )
    assert "Welcomes go to" in await setup.text()
    return world


async def eventually(world: World, sql: str, *params: object) -> list[tuple]:
    """The rows once the bot's handler has written them (it runs after its message is echoed)."""
    for _ in range(1000):
        rows = await world.rows(sql, *params)
        if rows:
            return rows
        await asyncio.sleep(0.01)
    return []


def welcomes(world: World) -> list:
    return [m for m in world.server.sent_by_bot(world.general) if m.text().startswith("Welcome")]


async def question_of_the_day(world: World) -> object:
    channel = world.bot.get_channel(world.general.id)
    assert isinstance(channel, discord.TextChannel)
    message = await channel.send("Question of the day: what are you building?")
    await world.bot.posts.register(world.guild.id, "question", channel.id, message.id)
    return message


async def test_a_newcomer_gets_one_welcome_that_pings_only_them(welcoming: World) -> None:
    w = welcoming
    question = await question_of_the_day(w)
    nina = await w.server.join(w.guild, "nina")
    await w.server.wait_until(lambda: welcomes(w), timeout=10)
    (msg,) = welcomes(w)
    assert msg.text().startswith(f"Welcome <@{nina.id}>! Tell us what you make.")
    assert (
        f"/channels/{w.guild.id}/{w.general.id}/{question.id}" in msg.text() and "Reply to this message" in msg.text()
    )
    users, roles, everyone = w.server.pings(msg)
    assert (users, roles, everyone) == ([nina.id], [], False)
    rows = await eventually(w, "SELECT kind, message_id FROM posts WHERE kind = 'welcome'")
    assert rows == [("welcome", msg.id)]
    await w.server.say(nina, w.general, "hi all!", reply_to=msg)
    await w.settle()
    assert await w.rows("SELECT kind FROM activities WHERE member_id = ? AND post_id IS NOT NULL", nina.id) == [
        ("message",)
    ]


async def test_a_join_wave_is_batched_into_one_message_per_window(welcoming: World) -> None:
    w = welcoming
    first = await w.server.join(w.guild, "p0")
    await w.server.wait_until(lambda: len(welcomes(w)) == 1, timeout=10)
    wave = [await w.server.join(w.guild, f"p{i}") for i in range(1, 6)]
    await w.settle()
    await w.advance(minutes=1)
    assert len(welcomes(w)) == 1 and f"<@{first.id}>" in welcomes(w)[0].text()
    await w.advance(minutes=2)
    await w.server.wait_until(lambda: len(welcomes(w)) == 2, timeout=10)
    batch = welcomes(w)[1]
    assert all(f"<@{m.id}>" in batch.text() for m in wave) and f"<@{first.id}>" not in batch.text()
    assert sorted(w.server.pings(batch)[0]) == sorted(m.id for m in wave)


async def test_a_welcome_goes_out_once_per_member_across_restarts(welcoming: World) -> None:
    w = welcoming
    ola = await w.server.join(w.guild, "ola")
    await w.server.wait_until(lambda: len(welcomes(w)) == 1, timeout=10)
    waiting = await w.server.join(w.guild, "pam")  # within the window: waits for the timer
    assert await eventually(w, "SELECT due_at FROM timers WHERE kind = 'welcome' AND status = 'pending'")
    await w.server.leave(w.guild, ola)
    await w.restart()
    await w.server.join(w.guild, ola.user)  # a rejoin after a restart: never welcomed twice
    await w.settle()
    await w.advance(minutes=4)
    await w.server.wait_until(lambda: len(welcomes(w)) == 2, timeout=10)
    await w.restart()
    await w.advance(minutes=10)
    texts = [m.text() for m in welcomes(w)]
    assert len(texts) == 2 and f"<@{waiting.id}>" in texts[1] and f"<@{ola.id}>" not in texts[1]
    assert await w.rows("SELECT COUNT(*), COUNT(DISTINCT member_id) FROM welcomes WHERE status = 'sent'") == [(2, 2)]


async def test_the_welcome_experiment_reaches_a_verdict_on_a_simulated_month(welcoming: World) -> None:
    w = welcoming
    started = await w.command(
        w.moderator,
        "experiment start",
        name="warm",
        factor="welcome",
        posts=40,
        a="Welcome {member}.",
        b="Welcome {member}! What are you working on this week?",
    )
    assert "Started the welcome test `warm`" in await started.text()
    for i in range(60):  # two newcomers a day for a month
        newcomer = await w.server.join(w.guild, f"n{i}")
        rows = await eventually(
            w, "SELECT arm, status FROM welcomes WHERE member_id = ? AND status = 'sent'", newcomer.id
        )
        arm = rows[0][0] if rows else None
        await w.advance(hours=2)
        if arm == "B" or (arm == "A" and i % 5 == 0) or arm is None:
            await w.server.say(newcomer, w.general, "hello")
        await w.advance(hours=10)
    arms = await w.rows("SELECT arm, COUNT(*) FROM welcomes WHERE arm IS NOT NULL GROUP BY arm ORDER BY arm")
    assert arms == [("A", 20), ("B", 20)]  # balanced by join order
    status = await w.command(w.moderator, "experiment status", name="warm")
    text = await status.text()
    assert "Welcome test `warm`" in text and "Verdict: B wins." in text, text
    assert await w.rows("SELECT status, outcome FROM welcome_experiments") == [("finished", "B wins")]
