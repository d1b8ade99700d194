"""The conformance check: every route has an entry in Discord's table, and a call outside it fails."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import discord

from bot.sandbox.localdiscord import LocalDiscord
from bot.sandbox.localdiscord.conformance import assert_conformant, problems
from bot.sandbox.localdiscord.rest import PREFIX, RestCall
from bot.sandbox.localdiscord.shapes import OBJECTS, ROUTES
from bot.sandbox.localdiscord.testing import Community, make_bot

NOW = datetime(2026, 3, 2, tzinfo=UTC)
MESSAGES = "/channels/{channel_id}/messages"


def served(server: LocalDiscord) -> set[tuple[str, str]]:
    assert server._runner is not None
    return {
        (r.method, r.resource.canonical[len(PREFIX) :])
        for r in server._runner.app.router.routes()
        if r.resource is not None and r.resource.canonical.startswith(PREFIX) and r.method != "HEAD"
    }


async def test_every_route_served_has_an_entry_and_every_entry_is_served(local_discord) -> None:
    routes = served(local_discord)
    assert routes - set(ROUTES) == set(), "add these routes to shapes.ROUTES (with their spec schemas)"
    assert set(ROUTES) - routes == set(), "shapes.ROUTES names routes the local Discord does not serve"
    for route in ROUTES.values():
        assert all(name in OBJECTS for name in route.request + route.response)


def call(method: str, route: str, *, json_body=None, answer=None, status: int = 200) -> RestCall:
    body = json.dumps(answer).encode() if answer is not None else None
    return RestCall(method, route, status, NOW, {}, json_body, route, body)


def test_a_route_without_an_entry_fails() -> None:
    found = problems([call("GET", "/guilds/{guild_id}/emojis", answer=[])])
    assert found == ["GET /guilds/{guild_id}/emojis: no entry in shapes.ROUTES"]
    unknown = RestCall("GET", "/guilds/1/bans", 404, NOW, {}, None, None, None)
    assert problems([unknown]) == ["GET /guilds/1/bans: the local Discord has no such route"]


def test_a_request_field_without_an_entry_fails() -> None:
    found = problems([call("POST", MESSAGES, json_body={"content": "x", "colour": 1}, answer=None)])
    assert found == [f"POST {MESSAGES}: request field 'colour' is not in MessageCreateRequest"]


def test_an_answer_with_gateway_only_fields_fails(local_discord, community: Community) -> None:
    msg = local_discord.create_message(community.general, community.alice.user, content="hi")
    gateway_shape = local_discord.message_payload(msg, gateway=True)
    found = problems([call("GET", MESSAGES + "/{message_id}", answer=gateway_shape)])
    assert any("'guild_id' is not in MessageResponse" in p for p in found)
    assert any("'member' is not in MessageResponse" in p for p in found)
    assert problems([call("GET", MESSAGES + "/{message_id}", answer=local_discord.message_payload(msg))]) == []


def test_an_accepted_body_that_discord_refuses_fails() -> None:
    body = {"content": "x" * 2001}
    (found,) = problems([call("POST", MESSAGES, json_body=body, answer=None)])
    assert "answered 200 to a body Discord refuses" in found and "BASE_TYPE_MAX_LENGTH" in found
    assert problems([call("POST", MESSAGES, json_body=body, status=400, answer={"message": "m", "code": 50035})]) == []


def test_an_error_body_with_other_fields_fails() -> None:
    (found,) = problems([call("GET", "/users/@me", status=401, answer={"message": "m", "code": 0, "detail": 1})])
    assert "error field 'detail'" in found


async def test_a_bot_run_stays_inside_the_table(local_discord, community: Community, start_bot, conformance) -> None:
    runner = await start_bot(make_bot())
    channel = runner.bot.get_channel(community.general.id)
    view = discord.ui.View()
    view.add_item(discord.ui.Button(label="Join", custom_id="join"))
    view.add_item(discord.ui.Select(custom_id="pick", options=[discord.SelectOption(label="a")]))
    sent = await channel.send("hello", embed=discord.Embed(title="t", colour=0xFFFFFF), view=view)
    await sent.edit(content="edited")
    await sent.pin()
    assert [m.id async for m in channel.pins()] == [sent.id]
    await sent.add_reaction("👍")
    thread = await sent.create_thread(name="talk")
    await thread.send("in thread")
    fetched = await channel.fetch_message(sent.id)
    assert fetched.components[0].children[0].id is not None
    await runner.bot.fetch_guild(community.guild.id)
    assert not local_discord.unknown_routes
    assert_conformant(local_discord.rest_log)
