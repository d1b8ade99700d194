"""Recording end to end: every activity kind stored once, linked to its Hearth post, in local time."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

import asyncpg
import discord
import pytest

from bot.platform.recorder import Activity
from bot.storage import Database
from bot.storage.activity import FOLD_LOCK
from bot.storage.analytics import AnalyticsRepository
from bot.storage.guilds import GuildConfig
from tests.e2e.conftest import World

# Storage-heavy end-to-end paths run on both backends (tests/conftest.py).
pytestmark = pytest.mark.backends("sqlite", "postgresql")


async def hearth_post(world: World, kind: str = "question", **send: object) -> tuple[int, object]:
    """The bot posts a message in #general and registers it as a Hearth post, as feature cogs do."""
    channel = world.bot.get_channel(world.general.id)
    assert isinstance(channel, discord.TextChannel)
    message = await channel.send(**send)  # type: ignore[arg-type]
    post = await world.bot.posts.register(world.guild.id, kind, channel.id, message.id)
    await world.server.flush()
    return post.id, world.server.messages[message.id]


async def activities(world: World) -> list[tuple]:
    await world.settle()
    return await world.rows(
        "SELECT kind, member_id, post_id, reply_to_member_id, reply_to_bot, counts FROM activities ORDER BY id"
    )


async def test_a_message_is_stored_as_metadata_only(world: World) -> None:
    await world.server.say(world.alice, world.general, "my secret thoughts")
    ((kind, member, *_),) = await activities(world)
    assert (kind, member) == ("message", world.alice.id)
    columns = await world.bot.db.columns("activities")
    assert not any("content" in c or "text" in c for c in columns)
    dump = "".join(str(r) for r in await world.rows("SELECT * FROM activities"))
    assert "secret" not in dump


async def test_bots_and_hearth_itself_are_never_recorded(world: World) -> None:
    other_bot = world.server.add_member(world.guild, "otherbot", bot=True)
    await world.server.say(other_bot, world.general, "beep")
    await hearth_post(world, content="Question of the day")
    assert await activities(world) == []


async def test_replies_to_a_member_and_to_the_bot_are_told_apart(world: World) -> None:
    post_id, post_message = await hearth_post(world, content="What are you reading?")
    first = await world.server.say(world.alice, world.general, "a novel", reply_to=post_message)
    await world.server.say(world.bob, world.general, "which one?", reply_to=first)
    await world.server.say(world.alice, world.general, "also", reply_to=first)  # to herself
    assert await activities(world) == [
        ("message", world.alice.id, post_id, None, 1, 1),
        ("message", world.bob.id, None, world.alice.id, 0, 1),
        ("message", world.alice.id, None, world.alice.id, 0, 1),
    ]
    # Replying to oneself is a reply but not member-to-member conversation.
    assert await world.rows("SELECT member_id, replies, member_replies FROM member_days ORDER BY member_id") == sorted(
        [(world.alice.id, 2, 0), (world.bob.id, 1, 1)]
    )
    assert await world.rows("SELECT member_a, member_b FROM reply_pairs") == [
        (min(world.alice.id, world.bob.id), max(world.alice.id, world.bob.id))
    ]


async def test_messages_in_a_posts_thread_answer_the_post(world: World) -> None:
    post_id, post_message = await hearth_post(world, content="Share a photo of your desk")
    thread = await world.server.start_thread(world.moderator, post_message, "Answers")
    await world.bot.posts.attach_thread(world.guild.id, post_id, thread.id)
    await world.server.say(world.bob, thread, "here it is")
    ((kind, _member, linked, *_),) = [a for a in await activities(world) if a[1] == world.bob.id]
    assert (kind, linked) == ("message", post_id)


async def test_a_removed_reaction_is_recorded_and_the_member_still_responded(world: World) -> None:
    post_id, post_message = await hearth_post(world, content="React if you agree")
    await world.server.react(world.alice, post_message, "👍")
    await world.server.unreact(world.alice, post_message, "👍")
    assert await activities(world) == [
        ("reaction", world.alice.id, post_id, None, 0, 1),
        ("reaction_remove", world.alice.id, post_id, None, 0, 0),
    ]
    assert await world.rows("SELECT member_id FROM post_responders WHERE post_id = ?", post_id) == [(world.alice.id,)]


async def test_native_poll_votes_are_linked_to_the_poll_post(world: World) -> None:
    poll = discord.Poll(question="Tea or coffee?", duration=timedelta(hours=1))
    poll.add_answer(text="Tea")
    poll.add_answer(text="Coffee")
    post_id, poll_message = await hearth_post(world, "poll", poll=poll)
    await world.server.vote(world.bob, poll_message, 2)
    await world.server.unvote(world.bob, poll_message, 2)
    assert await activities(world) == [
        ("poll_vote", world.bob.id, post_id, None, 0, 1),
        ("poll_unvote", world.bob.id, post_id, None, 0, 0),
    ]


async def test_local_day_and_hour_follow_the_guild_across_a_dst_change(world: World) -> None:
    await world.bot.guilds_repo.save(GuildConfig(world.guild.id, "America/New_York"), 0)
    # 2026-11-01 05:30 UTC is 01:30 EDT; 06:30 UTC is 01:30 EST (the repeated hour).
    for moment in (datetime(2026, 11, 1, 5, 30, tzinfo=UTC), datetime(2026, 11, 1, 6, 30, tzinfo=UTC)):
        world.clock.set(moment)
        await world.server.say(world.alice, world.general, "late night")
    await world.settle()
    rows = await world.rows("SELECT local_day, local_hour_of_week FROM activities ORDER BY id")
    sunday = date(2026, 11, 1).toordinal()
    assert rows == [(sunday, 6 * 24 + 1), (sunday, 6 * 24 + 1)]


async def test_opted_out_member_leaves_no_new_rows_and_forget_me_leaves_none(world: World) -> None:
    await world.server.say(world.alice, world.general, "before")
    await world.settle()
    result = await world.command(world.alice, "privacy optout")
    assert result.ephemeral and "records nothing more" in await result.text()
    await world.server.say(world.alice, world.general, "after")
    assert [a[1] for a in await activities(world)] == [world.alice.id]

    prompt = await world.command(world.alice, "privacy forget-me")
    assert prompt.ephemeral
    confirm = await world.server.click(world.alice, prompt.message, prompt.components[0]["components"][0]["custom_id"])
    await confirm.response()
    assert "Deleted everything" in await confirm.text()
    assert await activities(world) == []
    assert await world.rows("SELECT COUNT(*) FROM member_days WHERE member_id = ?", world.alice.id) == [(0,)]


async def test_moderator_purge_deletes_a_members_data(world: World) -> None:
    await world.server.say(world.bob, world.general, "hello")
    await world.settle()
    result = await world.command(world.moderator, "privacy purge", member=world.bob)
    assert "Deleted everything" in await result.text()
    assert await activities(world) == []
    refused = await world.command(world.alice, "privacy purge", member=world.bob)
    assert "Only moderators" in await refused.text()


async def test_shutdown_lets_a_command_in_progress_answer_first(world: World) -> None:
    await world.server.say(world.bob, world.general, "hello")
    await world.settle()
    async with world.bot.db.transaction():  # the purge defers, then waits its turn on the database
        result = await world.server.run_command(world.moderator, world.general, "privacy purge", {"member": world.bob})
        await result.response()
        assert result.deferred
        stopping = asyncio.create_task(world.stop())
        await asyncio.sleep(0.05)
        assert not stopping.done()  # shutdown waits for the purge, not the other way round
    await stopping
    assert "Deleted everything" in (await result.followup()).content
    await world.start()
    assert await activities(world) == []


async def test_a_reconnect_with_replay_stores_nothing_twice(world: World) -> None:
    await world.server.say(world.alice, world.general, "one")
    await world.settle()
    await world.server.drop_connection()
    await world.server.say(world.bob, world.general, "two")  # sent while the bot is away: replayed
    await world.server.wait_until(lambda: world.server.gateway.resumes >= 1, timeout=5)
    world.server.send_reconnect()
    await world.server.say(world.alice, world.general, "three")
    await world.server.wait_until(lambda: world.server.gateway.resumes >= 2, timeout=5)
    assert [a[1] for a in await activities(world)] == [world.alice.id, world.bob.id, world.alice.id]


async def test_shutdown_flushes_everything_enqueued(world: World) -> None:
    for n in range(25):
        await world.server.say(world.alice, world.general, f"message {n}")
    await world.server.flush()
    await world.server.wait_until(lambda: world.bot.recorder.stats.accepted >= 25, timeout=5)
    assert world.bot.recorder.pending > 0  # still in memory
    await world.stop()
    db = await Database.open(world.settings.database_url)  # what a fresh process finds
    try:
        assert await db.fetchval("SELECT COUNT(*) FROM activities") == 25
    finally:
        await db.close()
    await world.start()


async def test_joins_and_leaves_are_recorded_when_the_members_intent_is_on(world: World) -> None:
    world.settings = world.settings.replace("intents", members=True)
    await world.restart()
    newcomer = await world.server.join(world.guild, "nina")
    await world.server.leave(world.guild, newcomer)
    assert [(a[0], a[1], a[5]) for a in await activities(world)] == [
        ("join", newcomer.id, 0),
        ("leave", newcomer.id, 0),
    ]


async def test_joins_are_not_seen_without_the_members_intent(world: World) -> None:
    await world.server.join(world.guild, "nina")
    assert await activities(world) == []
    assert not world.bot.intents.members and not world.bot.intents.message_content


async def test_code_waiting_for_a_message_still_gets_it(world: World) -> None:
    # Hearth starts no task per message (bot/app.py dispatch) unless something waits for one.
    waiting = asyncio.create_task(world.bot.wait_for("message", timeout=5))
    await asyncio.sleep(0)
    sent = await world.server.say(world.alice, world.general, "hello")
    assert (await waiting).id == sent.id


async def test_status_shows_how_far_the_rollups_are_behind_on_postgresql(world: World) -> None:
    await world.server.say(world.alice, world.general, "hello")
    await world.settle()
    recorder = world.bot.recorder
    queued = [
        recorder.row(Activity(world.guild.id, "message", world.bob.id, world.clock.now(), f"queued:{n}",
                              channel_id=world.general.id, message_id=n))
        for n in (1, 2)
    ]
    if world.bot.db.engine == "sqlite":
        await world.bot.activities.write_batch(queued)
        assert "Rollups:" not in await (await world.command(world.moderator, "hearth status")).text()
        return  # the triggers keep them: never behind
    other = await asyncpg.connect(world.settings.database_url)
    try:
        async with other.transaction():  # another process is folding: our folder leaves the queue to it
            await other.execute("SELECT pg_advisory_xact_lock($1)", FOLD_LOCK)
            await world.bot.activities.write_batch(queued)  # written as the writer does: folded later
            status = await world.command(world.moderator, "hearth status")
            assert "Rollups: 2 activities behind" in await status.text()
    finally:
        await other.close()
    await AnalyticsRepository(world.bot.db).settle()  # the barrier every reader goes through
    assert "Rollups: 0 activities behind" in await (await world.command(world.moderator, "hearth status")).text()
    assert await world.rows("SELECT SUM(activities) FROM member_days") == [(3,)]
