"""Answers in Discord's shapes: REST messages without gateway-only fields, guilds, pins, 429s, ids."""

from __future__ import annotations

import discord

from bot.sandbox.localdiscord.testing import Community, make_bot
from tests.localdiscord.test_localdiscord_limits import button, call, row


async def test_rest_messages_carry_no_member_or_guild_id_but_the_gateway_does(
    local_discord, community: Community
) -> None:
    general = community.general
    first = await local_discord.say(community.alice, general, "first")
    reply = await local_discord.say(community.bob, general, f"hey <@{community.alice.id}>", reply_to=first)
    status, data = await call(local_discord, "GET", f"/channels/{general.id}/messages/{reply.id}")
    assert status == 200
    assert "member" not in data and "guild_id" not in data
    assert data["mentions"] and "member" not in data["mentions"][0]
    assert "member" not in data["referenced_message"] and "guild_id" not in data["referenced_message"]
    _, history = await call(local_discord, "GET", f"/channels/{general.id}/messages")
    assert all("member" not in m and "guild_id" not in m for m in history)
    gateway = local_discord.message_payload(reply, gateway=True)
    assert gateway["guild_id"] == str(community.guild.id) and "member" in gateway
    assert "member" in gateway["mentions"][0]


async def test_fetched_messages_give_user_authors_for_members_not_in_the_cache(
    local_discord, community: Community, start_bot
) -> None:
    msg = await local_discord.say(community.alice, community.general, "hello")
    runner = await start_bot(make_bot(intents=discord.Intents.default()))  # no members intent: no cache
    channel = runner.bot.get_channel(community.general.id)
    fetched = await channel.fetch_message(msg.id)
    assert type(fetched.author) is discord.User


async def test_get_guild_has_no_gateway_fields_and_counts_only_when_asked(local_discord, community) -> None:
    _, plain = await call(local_discord, "GET", f"/guilds/{community.guild.id}")
    for key in ("member_count", "unavailable", "large", "joined_at", "members", "channels", "approximate_member_count"):
        assert key not in plain, key
    _, counted = await call(local_discord, "GET", f"/guilds/{community.guild.id}?with_counts=true")
    assert counted["approximate_member_count"] == len(community.guild.members)
    assert "approximate_presence_count" in counted and "member_count" not in counted


async def test_pins_are_listed_on_both_routes(local_discord, community: Community, start_bot) -> None:
    older = await local_discord.say(community.alice, community.general, "older")
    newer = await local_discord.say(community.alice, community.general, "newer")
    base = f"/channels/{community.general.id}"
    assert (await call(local_discord, "PUT", f"{base}/messages/pins/{older.id}"))[0] == 204
    assert (await call(local_discord, "PUT", f"{base}/pins/{newer.id}"))[0] == 204
    status, pins = await call(local_discord, "GET", f"{base}/messages/pins")
    assert status == 200 and pins["has_more"] is False
    assert {item["message"]["id"] for item in pins["items"]} == {str(older.id), str(newer.id)}
    assert all(item["pinned_at"] for item in pins["items"])
    status, legacy = await call(local_discord, "GET", f"{base}/pins")
    assert status == 200 and {m["id"] for m in legacy} == {str(older.id), str(newer.id)}
    runner = await start_bot()
    pinned = [m async for m in runner.bot.get_channel(community.general.id).pins()]
    assert {m.id for m in pinned} == {older.id, newer.id}
    assert not local_discord.unknown_routes


async def test_a_429_body_carries_a_code(local_discord, community: Community) -> None:
    local_discord.rate_limit_next(path="/channels/*/messages")
    status, body = await call(local_discord, "POST", f"/channels/{community.general.id}/messages", {"content": "x"})
    assert status == 429 and body["code"] == 0 and {"retry_after", "global", "message"} <= set(body)


async def test_components_get_discords_numeric_ids(local_discord, community: Community) -> None:
    body = {"content": "x", "components": [row(button(custom_id="a"), button(custom_id="b", id=7))]}
    _, sent = await call(local_discord, "POST", f"/channels/{community.general.id}/messages", body)
    first = sent["components"][0]
    assert [first["id"], first["components"][0]["id"], first["components"][1]["id"]] == [1, 2, 7]


async def test_command_echo_has_string_permissions_and_omits_unset_attachment_fields(
    local_discord, community: Community
) -> None:
    cmd = {"name": "mod", "description": "d", "default_member_permissions": 32}
    _, echoed = await call(local_discord, "PUT", f"/applications/{local_discord.application_id}/commands", [cmd])
    assert echoed[0]["default_member_permissions"] == "32"
    guild_route = f"/applications/{local_discord.application_id}/guilds/{community.guild.id}/commands"
    _, echoed = await call(local_discord, "PUT", guild_route, [cmd])
    assert "dm_permission" not in echoed[0] and echoed[0]["guild_id"] == str(community.guild.id)
    msg = await local_discord.say(community.alice, community.general, "file", files=[("a.txt", b"a")])
    _, data = await call(local_discord, "GET", f"/channels/{community.general.id}/messages/{msg.id}")
    assert "description" not in data["attachments"][0] and "ephemeral" not in data["attachments"][0]
