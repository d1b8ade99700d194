"""Direct messages as discord.py sends them: open a DM channel, send, and Discord's 50007 refusal."""

from __future__ import annotations

import discord
import pytest


async def test_dm_reaches_a_member_and_is_stored(local_discord, community, start_bot) -> None:
    runner = await start_bot()
    channel = await runner.bot.create_dm(discord.Object(community.alice.id))
    assert isinstance(channel, discord.DMChannel) and channel.recipient.id == community.alice.id
    sent = await channel.send("hello", allowed_mentions=discord.AllowedMentions.none())
    stored = local_discord.dms.messages_to(community.alice)
    assert [m.content for m in stored] == ["hello"] and stored[0].id == sent.id and stored[0].guild_id is None
    again = await runner.bot.create_dm(discord.Object(community.alice.id))
    assert again.id == channel.id  # one DM channel per person


async def test_dm_to_a_member_with_closed_dms_fails_with_50007(local_discord, community, start_bot) -> None:
    runner = await start_bot()
    community.bob.user.dms_open = False
    channel = await runner.bot.create_dm(discord.Object(community.bob.id))
    with pytest.raises(discord.Forbidden) as refused:
        await channel.send("hello")
    assert (refused.value.status, refused.value.code) == (403, 50007)
    assert refused.value.text == "Cannot send messages to this user"
    assert local_discord.dms.messages_to(community.bob) == []


async def test_dm_to_an_unknown_user_is_refused(local_discord, start_bot) -> None:
    runner = await start_bot()
    with pytest.raises(discord.NotFound) as refused:
        await runner.bot.create_dm(discord.Object(12345))
    assert refused.value.code == 10013
