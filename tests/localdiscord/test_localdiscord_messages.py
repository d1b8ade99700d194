"""REST as discord.py uses it: messages, files, replies, reactions, polls, threads, limits and faults."""

from __future__ import annotations

import io
from datetime import timedelta

import discord
import pytest
from discord.http import Route

from bot.sandbox.localdiscord import LocalDiscord
from bot.sandbox.localdiscord.testing import ManualClock, build_community, collect, make_bot, run_bot


async def test_bot_message_with_embed_and_file_is_stored_and_echoed(
    local_discord, community, start_bot
) -> None:
    own: list[discord.Message] = []
    bot = make_bot()
    bot.add_listener(collect(own), "on_message")
    runner = await start_bot(bot)
    channel = runner.bot.get_channel(community.general.id)
    sent = await channel.send(
        "report",
        embed=discord.Embed(title="Weekly", description="all good").add_field(name="a", value="1"),
        file=discord.File(io.BytesIO(b"csv,data"), "report.csv"),
        allowed_mentions=discord.AllowedMentions.none(),
    )
    stored = local_discord.sent_by_bot(community.general)[-1]
    assert stored.id == sent.id and stored.text() == "report\nWeekly\nall good\na\n1"
    assert (stored.attachments[0].filename, stored.attachments[0].data) == ("report.csv", b"csv,data")
    assert sent.attachments[0].size == 8 and await sent.attachments[0].read() == b"csv,data"
    assert stored.allowed_mentions == {"parse": []}
    await local_discord.wait_until(lambda: own)
    assert own[0].id == sent.id and own[0].author == runner.bot.user


async def test_user_text_that_would_ping_is_recorded_with_its_allowed_mentions(
    local_discord, community, start_bot
) -> None:
    runner = await start_bot()
    channel = runner.bot.get_channel(community.general.id)
    text = f"hi {community.alice.mention} @everyone"
    await channel.send(text, allowed_mentions=discord.AllowedMentions.none())
    quiet = local_discord.sent_by_bot(community.general)[-1]
    assert local_discord.pings(quiet) == ([], [], False)
    await channel.send(text)
    loud = local_discord.sent_by_bot(community.general)[-1]
    assert local_discord.pings(loud) == ([community.alice.id], [], True)


async def test_replies_carry_a_message_reference_both_ways(local_discord, community, start_bot) -> None:
    seen: list[discord.Message] = []
    bot = make_bot()

    async def on_message(message: discord.Message) -> None:
        seen.append(message)
        if message.author.id == community.alice.id:
            await message.reply("pong")

    bot.add_listener(on_message)
    await start_bot(bot)
    question = await local_discord.say(community.alice, community.general, "ping")
    answer = await local_discord.wait_for_message(community.general)
    assert answer.reply_to_id == question.id and answer.content == "pong"
    thanks = await local_discord.reply(community.bob, answer, "thanks")
    await local_discord.wait_until(lambda: any(m.id == thanks.id for m in seen))
    parsed = next(m for m in seen if m.id == thanks.id)
    assert parsed.reference.message_id == answer.id
    assert parsed.reference.resolved.id == answer.id


async def test_reactions_reach_the_bot_and_the_bot_can_react(local_discord, community, start_bot) -> None:
    added: list[discord.RawReactionActionEvent] = []
    removed: list[discord.RawReactionActionEvent] = []
    bot = make_bot()
    bot.add_listener(collect(added), "on_raw_reaction_add")
    bot.add_listener(collect(removed), "on_raw_reaction_remove")
    runner = await start_bot(bot)
    post = await runner.bot.get_channel(community.general.id).send("react here")
    await post.add_reaction("👍")
    stored = local_discord.messages[post.id]
    await local_discord.react(community.alice, stored, "👍")
    await local_discord.react(community.bob, stored, "party:123")
    await local_discord.unreact(community.alice, stored, "👍")
    await local_discord.wait_until(lambda: len(added) == 3 and len(removed) == 1)
    assert [(e.user_id, str(e.emoji)) for e in added] == [
        (local_discord.bot_user.id, "👍"),
        (community.alice.id, "👍"),
        (community.bob.id, "<:party:123>"),
    ]
    assert removed[0].user_id == community.alice.id and removed[0].member is None
    fetched = await post.channel.fetch_message(post.id)
    thumbs = next(r for r in fetched.reactions if str(r.emoji) == "👍")
    assert thumbs.count == 1 and thumbs.me
    assert [u.id async for u in thumbs.users()] == [local_discord.bot_user.id]


async def test_twenty_first_distinct_reaction_is_refused(local_discord, community, start_bot) -> None:
    runner = await start_bot()
    post = await runner.bot.get_channel(community.general.id).send("many")
    for i in range(20):
        await local_discord.react(community.alice, local_discord.messages[post.id], f"e{i}:{1000 + i}")
    with pytest.raises(discord.HTTPException) as caught:
        await post.add_reaction("👍")
    assert caught.value.status == 400 and caught.value.code == 30010


async def test_native_poll_votes_and_early_end(local_discord, community, start_bot) -> None:
    votes: list[discord.RawPollVoteActionEvent] = []
    bot = make_bot()
    bot.add_listener(collect(votes), "on_raw_poll_vote_add")
    runner = await start_bot(bot)
    poll = discord.Poll(question="Tea or coffee?", duration=timedelta(hours=2))
    poll.add_answer(text="Tea").add_answer(text="Coffee")
    sent = await runner.bot.get_channel(community.general.id).send(poll=poll)
    assert [a.id for a in sent.poll.answers] == [1, 2] and sent.poll.expires_at is not None
    stored = local_discord.messages[sent.id]
    await local_discord.vote(community.alice, stored, 1)
    await local_discord.vote(community.bob, stored, 2)
    await local_discord.vote(community.bob, stored, 1)  # single choice: moves the vote
    await local_discord.wait_until(lambda: len(votes) == 3)
    assert [(v.user_id, v.answer_id) for v in votes] == [
        (community.alice.id, 1),
        (community.bob.id, 2),
        (community.bob.id, 1),
    ]
    ended = await sent.end_poll()
    assert ended.poll.is_finalized()
    fetched = await sent.channel.fetch_message(sent.id)
    assert fetched.poll.is_finalized() and fetched.poll.get_answer(1).vote_count == 2
    assert {u.id async for u in fetched.poll.get_answer(1).voters()} == {community.alice.id, community.bob.id}
    with pytest.raises(ValueError):
        await local_discord.vote(community.alice, stored, 2)


async def test_poll_limits_are_enforced(local_discord, community, start_bot) -> None:
    runner = await start_bot()
    poll = discord.Poll(question="q" * 301, duration=timedelta(hours=1))
    poll.add_answer(text="a" * 56)
    with pytest.raises(discord.HTTPException) as caught:
        await runner.bot.get_channel(community.general.id).send(poll=poll)
    assert caught.value.code == 50035
    errors = caught.value.text
    assert "question" in errors or caught.value.status == 400


async def test_thread_from_a_message_and_messages_inside_it(local_discord, community, start_bot) -> None:
    created: list[discord.Thread] = []
    seen: list[discord.Message] = []
    bot = make_bot()
    bot.add_listener(collect(created), "on_thread_create")
    bot.add_listener(collect(seen), "on_message")
    runner = await start_bot(bot)
    post = await runner.bot.get_channel(community.general.id).send("discuss")
    thread = await post.create_thread(name="discussion")
    assert thread.id == post.id and local_discord.threads_created[0].name == "discussion"
    await thread.send("first in thread")
    world_thread = local_discord.channels[thread.id]
    assert [m.content for m in local_discord.messages_in(world_thread)] == ["first in thread"]
    user_msg = await local_discord.say(community.alice, world_thread, "me too")
    user_thread = await local_discord.start_thread(community.bob, community.general, "bob's corner")
    await local_discord.wait_until(lambda: len(created) == 2 and any(m.id == user_msg.id for m in seen))
    assert next(m for m in seen if m.id == user_msg.id).channel.id == thread.id
    assert created[1].id == user_thread.id and created[1].owner_id == community.bob.id


async def test_limits_answer_400_with_discords_error_body(local_discord, community, start_bot) -> None:
    runner = await start_bot()
    channel = runner.bot.get_channel(community.general.id)
    with pytest.raises(discord.HTTPException) as too_long:
        await channel.send("x" * 2001)
    assert (too_long.value.status, too_long.value.code) == (400, 50035)
    embed = discord.Embed(title="t" * 257)
    for i in range(26):
        embed.add_field(name=f"f{i}", value="v")
    with pytest.raises(discord.HTTPException) as bad_embed:
        await channel.send(embed=embed)
    assert bad_embed.value.code == 50035
    eleven = [{"title": str(i)} for i in range(11)]  # discord.py refuses 11 embeds itself; go raw
    with pytest.raises(discord.HTTPException) as too_many:
        await runner.bot.http.request(
            Route("POST", "/channels/{channel_id}/messages", channel_id=channel.id), json={"embeds": eleven}
        )
    assert too_many.value.code == 50035
    assert local_discord.sent_by_bot(community.general) == []


async def test_missing_permissions_answer_403(local_discord, community, start_bot) -> None:
    runner = await start_bot()
    channel = runner.bot.get_channel(community.general.id)
    local_discord.set_bot_permission(community.general, send_messages=False)
    # CHANNEL_UPDATE tells the bot, so its own permission check agrees with the server
    await local_discord.wait_until(lambda: not channel.permissions_for(channel.guild.me).send_messages)
    with pytest.raises(discord.Forbidden) as caught:
        await channel.send("hello")
    assert caught.value.code == 50013
    local_discord.set_bot_permission(community.general, send_messages=None, view_channel=False)
    with pytest.raises(discord.Forbidden) as hidden:
        await channel.send("hello")
    assert hidden.value.code == 50001
    local_discord.set_bot_permission(community.general, view_channel=None)
    await channel.send("hello again")
    assert [m.content for m in local_discord.sent_by_bot(community.general)] == ["hello again"]


async def test_unknown_message_and_channel(local_discord, community, start_bot) -> None:
    runner = await start_bot()
    channel = runner.bot.get_channel(community.general.id)
    with pytest.raises(discord.NotFound) as no_message:
        await channel.fetch_message(12345)
    assert no_message.value.code == 10008
    with pytest.raises(discord.NotFound) as no_channel:
        await runner.bot.fetch_channel(12345)
    assert no_channel.value.code == 10003


async def test_rate_limit_is_retried_by_discord_py(local_discord, community, start_bot) -> None:
    runner = await start_bot()
    local_discord.rate_limit_next(1, method="POST", path="/channels/*/messages", retry_after=0.02)
    await runner.bot.get_channel(community.general.id).send("eventually")
    statuses = [c.status for c in local_discord.rest_calls("POST", "/messages")]
    assert statuses == [429, 200]
    assert [m.content for m in local_discord.sent_by_bot(community.general)] == ["eventually"]


async def test_server_errors_surface(local_discord, community, start_bot) -> None:
    runner = await start_bot()
    # discord.py retries 500/502/504 after sleeping 1 s, 3 s...; 503 surfaces at once
    local_discord.fail_next(1, status=503, path="/channels/*/messages")
    with pytest.raises(discord.DiscordServerError):
        await runner.bot.get_channel(community.general.id).send("lost")
    assert local_discord.sent_by_bot(community.general) == []


async def test_unknown_route_is_answered_404_and_recorded(local_discord, community, start_bot) -> None:
    runner = await start_bot()
    with pytest.raises(discord.NotFound):
        await runner.bot.http.request(
            Route("GET", "/guilds/{guild_id}/bans", guild_id=community.guild.id)
        )
    assert local_discord.unknown_routes == [("GET", f"/guilds/{community.guild.id}/bans")]


async def test_message_content_needs_its_intent_unless_the_bot_is_mentioned(
    local_discord, community, start_bot
) -> None:
    seen: list[discord.Message] = []
    bot = make_bot()
    bot.add_listener(collect(seen), "on_message")
    await start_bot(bot)
    await local_discord.say(community.alice, community.general, "secret words")
    await local_discord.say(community.alice, community.general, f"hey {local_discord.bot_user.mention}")
    await local_discord.wait_until(lambda: len(seen) == 2)
    assert [m.content for m in seen] == ["", f"hey {local_discord.bot_user.mention}"]


async def test_polls_end_on_their_own_when_the_clock_passes_expiry() -> None:
    clock = ManualClock()
    async with LocalDiscord(clock=clock) as server:
        world = build_community(server)
        edits: list[discord.RawMessageUpdateEvent] = []
        bot = make_bot()
        bot.add_listener(collect(edits), "on_raw_message_edit")
        runner = await run_bot(server, bot)
        try:
            poll = discord.Poll(question="Soon?", duration=timedelta(hours=1))
            poll.add_answer(text="yes")
            sent = await runner.bot.get_channel(world.general.id).send(poll=poll)
            assert sent.poll.expires_at == clock.now() + timedelta(hours=1)
            clock.advance(hours=2)
            assert [m.id for m in await server.expire_due_polls()] == [sent.id]
            await server.wait_until(lambda: edits)
            # discord.py keeps the cached poll; the MESSAGE_UPDATE's message carries the final state
            assert edits[0].message.poll.is_finalized()
        finally:
            await runner.stop()
