"""The gateway as discord.py sees it: handshake, intents, chunking, resume, reconnect, invalidation."""

from __future__ import annotations

import contextlib
import time

import discord
import yarl
from discord.gateway import DiscordWebSocket
from discord.http import Route

from bot.core.endpoints import apply_endpoints, current_endpoints
from bot.sandbox.localdiscord import BotDied, LocalDiscord
from bot.sandbox.localdiscord.interactions import WAIT
from bot.sandbox.localdiscord.testing import build_community, collect, make_bot, run_bot


def test_discord_py_still_has_the_endpoint_attributes_we_redirect() -> None:
    assert isinstance(Route.BASE, str), "discord.http.Route.BASE was renamed or changed type"
    assert isinstance(DiscordWebSocket.DEFAULT_GATEWAY, yarl.URL), "DiscordWebSocket.DEFAULT_GATEWAY changed"
    before = current_endpoints()
    try:
        apply_endpoints("http://127.0.0.1:1/api/v10", "ws://127.0.0.1:1/gateway")
        assert Route("GET", "/users/@me").url == "http://127.0.0.1:1/api/v10/users/@me"
        assert str(DiscordWebSocket.DEFAULT_GATEWAY) == "ws://127.0.0.1:1/gateway"
    finally:
        apply_endpoints(*before)


async def test_bot_is_ready_within_a_second_and_sees_the_guild(local_discord, community, start_bot) -> None:
    started = time.perf_counter()
    runner = await start_bot()
    assert time.perf_counter() - started < 1.0
    bot = runner.bot
    assert bot.user.id == local_discord.bot_user.id
    guild = bot.get_guild(community.guild.id)
    assert guild is not None and guild.name == community.guild.name
    assert {c.name for c in guild.text_channels} == {"general", "announcements"}
    assert guild.get_role(community.moderator_role.id).permissions.manage_guild
    session = next(iter(local_discord.gateway.sessions.values()))
    assert session.intents == discord.Intents.default().value
    # discord.py asks for compression but reads our text frames uncompressed
    assert "compress" in local_discord.gateway.connection_queries[0]
    assert local_discord.unknown_routes == []


async def test_members_intent_chunks_five_thousand_members(local_discord, community, start_bot) -> None:
    local_discord.add_members(community.guild, 5000)
    runner = await start_bot(intents=discord.Intents.default() | discord.Intents(members=True))
    guild = runner.bot.get_guild(community.guild.id)
    assert guild.chunked
    assert len(guild.members) == len(community.guild.members) == 5005


async def test_member_events_need_the_members_intent(local_discord, community, start_bot) -> None:
    joined: list[discord.Member] = []
    with_members = make_bot(intents=discord.Intents.default() | discord.Intents(members=True))
    without = make_bot()
    without_joined: list[discord.Member] = []
    with_members.add_listener(collect(joined, lambda m: m), "on_member_join")
    without.add_listener(collect(without_joined, lambda m: m), "on_member_join")
    await start_bot(with_members)
    await start_bot(without)
    newcomer = await local_discord.join(community.guild, "newcomer")
    await local_discord.wait_until(lambda: joined)
    assert joined[0].id == newcomer.id and without_joined == []


async def test_two_clients_receive_the_same_events(local_discord, community, start_bot) -> None:
    seen: dict[str, list[int]] = {"a": [], "b": []}
    bots = []
    for key in seen:
        b = make_bot()
        b.add_listener(collect(seen[key], lambda m: m.id), "on_message")
        bots.append(b)
        await start_bot(b)
    msg = await local_discord.say(community.alice, community.general, "hello both")
    await local_discord.wait_until(lambda: seen["a"] and seen["b"])
    assert seen == {"a": [msg.id], "b": [msg.id]}


async def test_resume_after_drop_replays_missed_events_once_in_order(
    local_discord, community, start_bot
) -> None:
    got: list[int] = []
    resumed: list[bool] = []
    bot = make_bot()
    bot.add_listener(collect(got, lambda m: m.id), "on_message")
    bot.add_listener(collect(resumed), "on_resumed")
    await start_bot(bot)
    sent = [(await local_discord.say(community.alice, community.general, f"before {i}")).id for i in range(3)]
    await local_discord.wait_until(lambda: len(got) == 3)
    await local_discord.drop_connection()
    for i in range(5):  # emitted while the socket is down: buffered for RESUME
        sent.append((await local_discord.say(community.bob, community.general, f"during {i}")).id)
    await local_discord.wait_connected()
    sent.append((await local_discord.say(community.alice, community.general, "after")).id)
    await local_discord.wait_until(lambda: len(got) >= len(sent))
    assert got == sent
    assert resumed == [True]
    assert local_discord.gateway.resumes == 1 and local_discord.gateway.identifies == 1
    session = next(iter(local_discord.gateway.sessions.values()))
    assert bot.ws.sequence == session.seq


async def test_reconnect_opcode_resumes_the_session(local_discord, community, start_bot) -> None:
    got: list[str] = []
    bot = make_bot(intents=discord.Intents.default() | discord.Intents(message_content=True))
    bot.add_listener(collect(got, lambda m: m.content), "on_message")
    await start_bot(bot)
    local_discord.send_reconnect()
    await local_discord.wait_until(lambda: local_discord.gateway.resumes == 1)
    await local_discord.say(community.alice, community.general, "still here")
    await local_discord.wait_until(lambda: got)
    assert got == ["still here"]
    assert local_discord.gateway.identifies == 1


async def test_invalid_session_makes_the_client_identify_again(local_discord, community, start_bot) -> None:
    readies: list[bool] = []
    got: list[int] = []
    bot = make_bot()
    bot.add_listener(collect(readies), "on_ready")
    bot.add_listener(collect(got, lambda m: m.id), "on_message")
    await start_bot(bot)
    local_discord.invalidate_session()
    await local_discord.wait_until(lambda: local_discord.gateway.identifies == 2 and len(readies) == 2)
    msg = await local_discord.say(community.alice, community.general, "after re-identify")
    await local_discord.wait_until(lambda: got)
    assert got == [msg.id]
    assert local_discord.gateway.resumes == 0


async def test_a_parser_crash_fails_the_waiting_test_at_once() -> None:
    async with LocalDiscord() as server:
        world = build_community(server)
        runner = await run_bot(server)
        server.dispatch("MESSAGE_CREATE", {"id": "1", "channel_id": str(world.general.id)})  # no author
        started = time.perf_counter()
        try:
            await server.wait_for_message(world.general)  # waits up to WAIT (30 s) for a message
        except BotDied as exc:
            assert "KeyError" in repr(exc.__cause__) or isinstance(exc.__cause__, KeyError)
        else:
            raise AssertionError("BotDied not raised")
        assert time.perf_counter() - started < WAIT / 3  # at once, not when the wait runs out
        with contextlib.suppress(BotDied):
            await runner.stop()


async def test_streaming_ten_thousand_messages_is_fast(local_discord, community, start_bot) -> None:
    count = {"n": 0}

    async def on_raw(_: object) -> None:
        count["n"] += 1

    bot = make_bot(max_messages=None)
    bot.add_listener(on_raw, "on_message")
    await start_bot(bot)
    members = [community.alice, community.bob]
    # CPU seconds of this process (the local Discord and the bot both run in it), not wall-clock:
    # on a loaded machine the wall clock also counts other processes' turns (10.4 s once).
    started = time.process_time()
    await local_discord.say_many((members[i % 2], community.general, f"m{i}") for i in range(10_000))
    await local_discord.wait_until(lambda: count["n"] == 10_000, timeout=120)
    assert time.process_time() - started < 10
