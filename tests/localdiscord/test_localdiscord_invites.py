"""Forwards, invites, INVITE_CREATE/DELETE, joins through a code, the audit log and the vanity URL."""

from __future__ import annotations

from datetime import timedelta

import discord
import pytest

from bot.sandbox.localdiscord import LocalDiscord
from bot.sandbox.localdiscord.invites import VIEW_AUDIT_LOG
from bot.sandbox.localdiscord.testing import ManualClock, build_community, collect, make_bot, run_bot
from bot.sandbox.localdiscord.world import Perm

INVITE_INTENTS = discord.Intents.default()
INVITE_INTENTS.members = True
INVITE_INTENTS.message_content = True


def grant_bot(server: LocalDiscord, guild, bits: int) -> None:
    role = next(guild.roles[r] for r in server.bot_member(guild).roles if guild.roles[r].managed)
    role.permissions |= bits


async def test_a_forward_carries_a_type_1_reference_and_a_snapshot(local_discord, community, start_bot) -> None:
    seen: list[discord.Message] = []
    bot = make_bot(INVITE_INTENTS)
    bot.add_listener(collect(seen), "on_message")
    await start_bot(bot)
    original = await local_discord.say(community.alice, community.general, "look at this")
    fwd = await local_discord.forward(community.bob, original, community.announcements)
    await local_discord.wait_until(lambda: len(seen) == 2)
    got = seen[1]
    assert got.id == fwd.id and got.content == "" and got.flags.forwarded
    assert got.reference.type is discord.MessageReferenceType.forward
    assert (got.reference.message_id, got.reference.channel_id) == (original.id, community.general.id)
    assert [s.content for s in got.message_snapshots] == ["look at this"]
    assert got.reference.resolved is None  # a forward carries no referenced_message


async def test_snapshot_content_follows_the_message_content_intent(local_discord, community, start_bot) -> None:
    seen: list[discord.Message] = []
    bot = make_bot()
    bot.add_listener(collect(seen), "on_message")
    await start_bot(bot)
    original = await local_discord.say(community.alice, community.general, "private words")
    await local_discord.forward(community.bob, original, community.general)
    await local_discord.wait_until(lambda: len(seen) == 2)
    assert [s.content for s in seen[1].message_snapshots] == [""]


async def test_the_bot_forwards_through_rest_and_may_not_add_content(local_discord, community, start_bot) -> None:
    runner = await start_bot()
    original = await local_discord.say(community.alice, community.general, "news")
    channel = runner.bot.get_channel(community.general.id)
    partial = channel.get_partial_message(original.id)
    sent = await partial.forward(runner.bot.get_channel(community.announcements.id))
    stored = local_discord.messages[sent.id]
    assert stored.message_reference["type"] == 1 and stored.snapshots[0]["message"]["content"] == "news"
    with pytest.raises(discord.HTTPException) as bad:
        await runner.bot.http.send_message(
            community.announcements.id,
            params=discord.http.handle_message_parameters(
                content="and words", message_reference={"type": 1, "message_id": original.id}
            ),
        )
    assert bad.value.code == 50035


async def test_invites_need_manage_server_to_list_and_count_uses(local_discord, community, start_bot) -> None:
    runner = await start_bot(make_bot(INVITE_INTENTS))
    guild = runner.bot.get_guild(community.guild.id)
    with pytest.raises(discord.Forbidden) as denied:
        await guild.invites()
    assert denied.value.code == 50013
    with pytest.raises(discord.Forbidden):
        await guild.vanity_invite()
    with pytest.raises(discord.Forbidden):
        await guild.audit_logs(limit=5).__anext__()
    grant_bot(local_discord, community.guild, Perm.MANAGE_GUILD | VIEW_AUDIT_LOG)
    inv = await local_discord.create_invite(community.general, community.alice, max_uses=5)
    await local_discord.join(community.guild, "carol", invite=inv.code)
    listed = {i.code: i for i in await guild.invites()}
    assert listed[inv.code].uses == 1 and listed[inv.code].max_uses == 5
    assert listed[inv.code].inviter.id == community.alice.id
    entries = [e async for e in guild.audit_logs(action=discord.AuditLogAction.invite_create)]
    assert [(e.user.id, e.changes.after.code) for e in entries] == [(community.alice.id, inv.code)]


async def test_invite_events_and_single_use_invites(local_discord, community, start_bot) -> None:
    created: list[discord.Invite] = []
    deleted: list[discord.Invite] = []
    bot = make_bot(INVITE_INTENTS)
    bot.add_listener(collect(created), "on_invite_create")
    bot.add_listener(collect(deleted), "on_invite_delete")
    await start_bot(bot)
    silent = await local_discord.create_invite(community.general, community.alice)
    grant_bot(local_discord, community.guild, Perm.MANAGE_GUILD)
    once = await local_discord.create_invite(community.general, community.alice, max_uses=1)
    await local_discord.wait_until(lambda: created)
    assert [i.code for i in created] == [once.code]  # events need Manage Channels/Server
    assert created[0].max_uses == 1 and created[0].inviter.id == community.alice.id
    await local_discord.join(community.guild, "dave", invite=once.code)
    await local_discord.wait_until(lambda: deleted)
    assert [i.code for i in deleted] == [once.code]
    with pytest.raises(Exception, match="10006"):
        await local_discord.join(community.guild, "erin", invite=once.code)
    assert silent.code in local_discord.invite_book.invites


async def test_an_invite_expires_silently_and_a_moderator_delete_is_audited() -> None:
    clock = ManualClock()
    async with LocalDiscord(clock=clock) as server:
        world = build_community(server)
        grant_bot(server, world.guild, Perm.MANAGE_GUILD | VIEW_AUDIT_LOG)
        runner = await run_bot(server, make_bot(INVITE_INTENTS))
        try:
            guild = runner.bot.get_guild(world.guild.id)
            short = await server.create_invite(world.general, world.alice, max_age=3600)
            other = await server.create_invite(world.general, world.bob, max_age=0)
            clock.advance(timedelta(hours=2))
            assert [i.code for i in await guild.invites()] == [other.code]
            with pytest.raises(discord.NotFound):
                await runner.bot.fetch_invite(short.code)
            await server.delete_invite(other.code, world.moderator)
            actions = [e.action async for e in guild.audit_logs()]
            assert actions == [
                discord.AuditLogAction.invite_delete,
                discord.AuditLogAction.invite_create,
                discord.AuditLogAction.invite_create,
            ]
        finally:
            await runner.stop()


async def test_the_vanity_url_counts_its_uses(local_discord, community, start_bot) -> None:
    grant_bot(local_discord, community.guild, Perm.MANAGE_GUILD)
    runner = await start_bot(make_bot(INVITE_INTENTS))
    guild = runner.bot.get_guild(community.guild.id)
    assert await guild.vanity_invite() is None
    local_discord.set_vanity(community.guild, "hearth")
    await local_discord.join(community.guild, "fay", invite="hearth")
    vanity = await guild.vanity_invite()
    assert (vanity.code, vanity.uses) == ("hearth", 1)


async def test_the_bot_creates_and_deletes_an_invite(local_discord, community, start_bot) -> None:
    runner = await start_bot()
    channel = runner.bot.get_channel(community.general.id)
    inv = await channel.create_invite(max_age=600, max_uses=3, unique=True)
    assert (inv.max_age, inv.max_uses, inv.uses) == (600, 3, 0)
    with pytest.raises(discord.Forbidden):
        await inv.delete()
    grant_bot(local_discord, community.guild, Perm.MANAGE_CHANNELS)
    await inv.delete()
    assert inv.code not in local_discord.invite_book.invites
    with pytest.raises(discord.HTTPException) as bad:
        await channel.create_invite(max_age=10**7)
    assert bad.value.code == 50035
