"""Announcement channels and publishing (crosspost): Discord's rules, errors, flag and event."""

from __future__ import annotations

from datetime import timedelta

import discord
import pytest

from bot.sandbox.localdiscord import LocalDiscord
from bot.sandbox.localdiscord.crossposts import CROSSPOSTED, PUBLISHES_PER_HOUR
from bot.sandbox.localdiscord.testing import BotRunner, ManualClock, build_community, collect, make_bot


async def _news(local_discord: LocalDiscord, community, start_bot, bot=None):  # type: ignore[no-untyped-def]
    runner = await start_bot(bot)
    news = local_discord.add_announcement_channel(community.guild, "news")
    await local_discord.flush()
    await local_discord.wait_until(lambda: runner.bot.get_channel(news.id) is not None)
    return runner, news


async def test_an_announcement_channel_is_discord_py_news(local_discord, community, start_bot) -> None:
    runner, news = await _news(local_discord, community, start_bot)
    channel = runner.bot.get_channel(news.id)
    assert isinstance(channel, discord.TextChannel) and channel.is_news()
    assert channel.type is discord.ChannelType.news
    assert not runner.bot.get_channel(community.general.id).is_news()


async def test_publishing_the_bots_message_sets_the_flag_and_sends_message_update(
    local_discord, community, start_bot
) -> None:
    updates: list[discord.RawMessageUpdateEvent] = []
    bot = make_bot()
    bot.add_listener(collect(updates), "on_raw_message_edit")
    runner, news = await _news(local_discord, community, start_bot, bot)
    sent = await runner.bot.get_channel(news.id).send("Question of the day")
    await sent.publish()
    stored = local_discord.messages[sent.id]
    assert stored.flags & CROSSPOSTED and stored.edited_at is None  # publishing is no edit
    await local_discord.wait_until(lambda: len(updates) == 1)
    assert updates[0].message_id == sent.id and updates[0].data["flags"] & CROSSPOSTED
    fetched = await runner.bot.get_channel(news.id).fetch_message(sent.id)
    assert fetched.flags.crossposted and not fetched.flags.is_crossposted


async def test_a_second_publish_is_40033(local_discord, community, start_bot) -> None:
    runner, news = await _news(local_discord, community, start_bot)
    sent = await runner.bot.get_channel(news.id).send("once")
    await sent.publish()
    with pytest.raises(discord.HTTPException) as again:
        await sent.publish()
    assert (again.value.status, again.value.code) == (400, 40033)
    assert again.value.text == "This message has already been crossposted"


async def test_publishing_outside_an_announcement_channel_is_50024(local_discord, community, start_bot) -> None:
    runner = await start_bot()
    sent = await runner.bot.get_channel(community.general.id).send("not news")
    with pytest.raises(discord.Forbidden) as refused:
        await sent.publish()
    assert refused.value.code == 50024
    assert not local_discord.messages[sent.id].flags & CROSSPOSTED


async def test_the_bot_needs_send_messages_and_manage_messages_for_others(local_discord, community, start_bot) -> None:
    runner, news = await _news(local_discord, community, start_bot)
    local_discord.set_bot_permission(news, manage_messages=False)
    members_post = await local_discord.say(community.moderator, news, "a moderator's announcement")
    partial = runner.bot.get_channel(news.id).get_partial_message(members_post.id)
    with pytest.raises(discord.Forbidden) as others:
        await partial.publish()
    assert others.value.code == 50013  # someone else's message: Manage Messages too
    local_discord.set_bot_permission(news, manage_messages=True)
    await partial.publish()
    assert local_discord.messages[members_post.id].flags & CROSSPOSTED

    own = await runner.bot.get_channel(news.id).send("mine")
    local_discord.set_bot_permission(news, send_messages=False)
    with pytest.raises(discord.Forbidden) as mine:
        await own.publish()
    assert mine.value.code == 50013  # its own message: Send Messages
    local_discord.set_bot_permission(news, view_channel=False)
    with pytest.raises(discord.Forbidden) as hidden:
        await own.publish()
    assert hidden.value.code == 50001


async def test_a_member_publishes_with_the_same_rules(local_discord, community, start_bot) -> None:
    await start_bot()
    news = local_discord.add_announcement_channel(community.guild, "news")
    post = await local_discord.say(community.moderator, news, "mine to publish")
    await local_discord.publish(community.moderator, post)  # a moderator's own message
    assert local_discord.messages[post.id].flags & CROSSPOSTED
    other = await local_discord.say(community.moderator, news, "not alice's")
    with pytest.raises(Exception) as refused:
        await local_discord.publish(community.alice, other)
    assert getattr(refused.value, "code", None) == 50013


async def test_eleven_publishes_in_an_hour_are_rate_limited() -> None:
    clock = ManualClock()
    async with LocalDiscord(clock=clock) as server:
        community = build_community(server)
        async with BotRunner(server, make_bot()) as runner:
            news = server.add_announcement_channel(community.guild, "news")
            await server.flush()
            await server.wait_until(lambda: runner.bot.get_channel(news.id) is not None)
            runner.bot.http.max_ratelimit_timeout = 30.0  # discord.py raises instead of sleeping the hour out
            channel = runner.bot.get_channel(news.id)
            for n in range(PUBLISHES_PER_HOUR):
                await (await channel.send(f"post {n}")).publish()
                clock.advance(minutes=1)
            eleventh = await channel.send("one too many")
            with pytest.raises(discord.RateLimited) as limited:
                await eleventh.publish()
            assert 50 * 60 - 1 <= limited.value.retry_after <= 51 * 60  # until the hour's first publish ages out
            (call,) = [c for c in server.rest_log if c.status == 429]
            assert call.route == "/channels/{channel_id}/messages/{message_id}/crosspost"
            clock.advance(timedelta(minutes=51))
            await eleventh.publish()
            assert server.messages[eleventh.id].flags & CROSSPOSTED
