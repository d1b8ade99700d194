"""Sharding in the local Discord, as Discord does it: /gateway/bot, shard routing, 4010/4011, max_concurrency."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import aiohttp
import discord

from bot.sandbox.localdiscord import LocalDiscord
from bot.sandbox.localdiscord.gateway import shard_of

GUILDS_INTENT = 1 << 0 | 1 << 9


def spread_guilds(server: LocalDiscord, n: int, count: int) -> list[int]:
    """``n`` guilds whose ids fall on every one of ``count`` shards (ids carry the creation time)."""
    made: list[int] = []
    while len(made) < n or len({shard_of(g, count) for g in made}) < count:
        made.append(server.add_guild(f"guild {len(made)}").id)
        time.sleep(0.002)
    return made


class RawShard:
    """A bare websocket client: what arrives on one shard."""

    def __init__(self, server: LocalDiscord) -> None:
        self.server = server
        self.frames: list[dict[str, Any]] = []
        self.closed_with: int | None = None

    async def __aenter__(self) -> RawShard:
        self.session = aiohttp.ClientSession()
        self.ws = await self.session.ws_connect(self.server.gateway_url + "?v=10&encoding=json")
        hello = await self.ws.receive_json()
        assert hello["op"] == 10
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.ws.close()
        await self.session.close()

    async def identify(self, shard: Any) -> None:
        d = {"token": self.server.token, "intents": GUILDS_INTENT, "properties": {}, "shard": shard}
        await self.ws.send_json({"op": 2, "d": d})

    async def read(self, seconds: float = 0.3) -> list[dict[str, Any]]:
        try:
            async with asyncio.timeout(seconds):
                async for msg in self.ws:
                    if msg.type is aiohttp.WSMsgType.TEXT:
                        self.frames.append(json.loads(msg.data))
        except TimeoutError:
            pass
        if self.ws.closed:
            self.closed_with = self.ws.close_code
        return self.frames

    def guild_creates(self) -> set[int]:
        return {int(f["d"]["id"]) for f in self.frames if f.get("t") == "GUILD_CREATE"}


async def test_gateway_bot_recommends_shards_and_reports_the_session_start_limit(local_discord: LocalDiscord) -> None:
    local_discord.gateway.max_concurrency = 4
    async with aiohttp.ClientSession() as http:
        headers = {"Authorization": f"Bot {local_discord.token}"}
        async with http.get(local_discord.api_base + "/gateway/bot", headers=headers) as response:
            body = await response.json()
    assert body["shards"] == 1
    limit = body["session_start_limit"]
    assert limit["max_concurrency"] == 4 and limit["remaining"] <= limit["total"] == 1000
    assert set(limit) == {"total", "remaining", "reset_after", "max_concurrency"}


async def test_each_shard_gets_its_own_guilds_and_their_events_and_dms_go_to_shard_0(
    local_discord: LocalDiscord,
) -> None:
    guilds = spread_guilds(local_discord, 6, 2)
    async with RawShard(local_discord) as zero, RawShard(local_discord) as one:
        await zero.identify([0, 2])
        await one.identify([1, 2])
        await asyncio.gather(zero.read(), one.read())
        ready = next(f for f in zero.frames if f.get("t") == "READY")
        assert ready["d"]["shard"] == [0, 2]
        assert {int(g["id"]) for g in ready["d"]["guilds"]} == {g for g in guilds if shard_of(g, 2) == 0}
        assert zero.guild_creates() == {g for g in guilds if shard_of(g, 2) == 0}
        assert one.guild_creates() == {g for g in guilds if shard_of(g, 2) == 1}
        # A guild event reaches only the shard that owns the guild.
        target = next(g for g in guilds if shard_of(g, 2) == 1)
        channel = local_discord.add_text_channel(local_discord.guilds[target], "late")
        await asyncio.gather(zero.read(0.2), one.read(0.2))
        created = [f for f in one.frames if f.get("t") == "CHANNEL_CREATE"]
        assert [int(f["d"]["id"]) for f in created] == [channel.id]
        assert not [f for f in zero.frames if f.get("t") == "CHANNEL_CREATE"]
        session_zero = next(s for s in local_discord.gateway.sessions.values() if s.shard == (0, 2))
        session_one = next(s for s in local_discord.gateway.sessions.values() if s.shard == (1, 2))
        assert session_zero.wants(None) and not session_one.wants(None)  # DMs go to shard 0


async def test_a_bad_shard_is_closed_with_4010_and_too_many_guilds_with_4011(local_discord: LocalDiscord) -> None:
    for shard in ([2, 2], [0], [0, 0], ["a", 1]):
        async with RawShard(local_discord) as raw:
            await raw.identify(shard)
            await raw.read(0.3)
            assert raw.closed_with == 4010, shard
    spread_guilds(local_discord, 3, 1)
    local_discord.gateway.max_guilds_per_shard = 2
    async with RawShard(local_discord) as raw:
        await raw.identify([0, 1])
        await raw.read(0.3)
        assert raw.closed_with == 4011


async def test_identifies_faster_than_max_concurrency_are_refused(local_discord: LocalDiscord) -> None:
    local_discord.gateway.max_concurrency = 1
    local_discord.gateway.identify_rate_limit = True
    async with RawShard(local_discord) as first, RawShard(local_discord) as second:
        await first.identify([0, 2])
        await first.read(0.2)
        await second.identify([1, 2])  # the same bucket (1 % 1 == 0) within 5 seconds
        await second.read(0.2)
        assert any(f.get("t") == "READY" for f in first.frames)
        assert [f["op"] for f in second.frames] == [9] and second.frames[0]["d"] is False
        assert local_discord.gateway.identify_refusals == 1


async def test_discord_py_autosharded_client_sees_every_guild_once(local_discord: LocalDiscord) -> None:
    from bot.core.endpoints import apply_endpoints
    from bot.sandbox.localdiscord.testing import run_bot

    guilds = spread_guilds(local_discord, 4, 2)
    apply_endpoints(local_discord.api_base, local_discord.gateway_url)
    bot = discord.AutoShardedClient(intents=discord.Intents.default(), shard_count=2)
    runner = await run_bot(local_discord, bot)
    try:
        assert {g.id for g in bot.guilds} == set(guilds)
        assert {g.id: g.shard_id for g in bot.guilds} == {g: shard_of(g, 2) for g in guilds}
        assert sorted(s.shard for s in local_discord.gateway.sessions.values()) == [(0, 2), (1, 2)]
    finally:
        await runner.stop()


async def test_a_large_guild_is_chunked_on_the_shard_that_owns_it(local_discord: LocalDiscord) -> None:
    """With the members intent, GUILD_CREATE of a guild above the large threshold (250) carries no member
    list; discord.py asks for it (op 8) on the guild's own shard, and the chunks come back on that shard."""
    from bot.core.endpoints import apply_endpoints
    from bot.sandbox.localdiscord.testing import run_bot

    guilds = spread_guilds(local_discord, 2, 2)
    big = next(g for g in guilds if shard_of(g, 2) == 1)
    local_discord.add_members(local_discord.guilds[big], 1_500)  # two chunks of at most 1,000
    apply_endpoints(local_discord.api_base, local_discord.gateway_url)
    intents = discord.Intents.default()
    intents.members = True
    bot = discord.AutoShardedClient(intents=intents, shard_count=2)
    runner = await run_bot(local_discord, bot)
    try:
        guild = bot.get_guild(big)
        assert guild is not None and guild.shard_id == 1
        assert guild.chunked and len(guild.members) == len(local_discord.guilds[big].members)
        chunks = {
            s.shard: sum(1 for _, frame in s.buffer if '"t":"GUILD_MEMBERS_CHUNK"' in frame)
            for s in local_discord.gateway.sessions.values()
        }
        assert chunks == {(0, 2): 0, (1, 2): 2}
    finally:
        await runner.stop()
