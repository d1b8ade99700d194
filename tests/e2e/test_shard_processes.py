"""Two Hearth processes sharing the shards of one bot on one PostgreSQL, against the local Discord.

Each process runs two of four shards (``hearth run --shard-count 4 --shard-ids 0,1`` and ``... 2,3``).
Every guild's scheduled question goes out exactly once, from the process that owns the guild; a
process that is down posts nothing for its guilds while the other keeps going, and after its
restart the overdue posts go out once, late; work about every guild runs once in total.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from bot.app import Hearth, ShardedHearth
from bot.core.clock import FakeClock
from bot.core.shards import shard_of
from bot.sandbox.hearth_runner import local_settings, start_hearth
from bot.sandbox.localdiscord import LocalDiscord
from bot.sandbox.localdiscord.testing import BotRunner, Community, build_community
from tests.e2e.conftest import START

pytestmark = pytest.mark.backends("postgresql")  # several processes need PostgreSQL


class Processes:
    def __init__(self, server: LocalDiscord, url: str, clock: FakeClock) -> None:
        self.server, self.url, self.clock = server, url, clock
        self.bots: dict[int, Hearth] = {}
        self.runners: dict[int, BotRunner] = {}

    async def start(self, shard: int) -> Hearth:
        """Process ``shard`` (0 or 1) runs shards 2*shard and 2*shard + 1 of 4."""
        ids = f"{2 * shard},{2 * shard + 1}"
        settings = local_settings(self.server, self.url).replace("shards", count=4, ids=ids)
        bot, runner = await start_hearth(self.server, settings, self.clock)
        self.bots[shard], self.runners[shard] = bot, runner
        return bot

    async def stop(self, shard: int) -> None:
        await self.runners.pop(shard).stop()
        self.bots.pop(shard)

    async def settle(self) -> None:
        await self.server.flush()
        for _ in range(5):
            await asyncio.sleep(0.02)
        for bot in self.bots.values():
            await bot.recorder.flush()

    async def sweep(self) -> None:
        await asyncio.gather(*(bot.scheduler.run_due() for bot in self.bots.values()))
        await self.settle()


def questions(server: LocalDiscord, community: Community) -> list[Any]:
    return [
        m
        for m in server.sent_by_bot(community.general)
        if m.embeds and m.embeds[0].get("title") == "Question of the day"
    ]


def owner(community: Community) -> int:
    """The process serving a guild: 0 for shards 0 and 1, 1 for shards 2 and 3."""
    return shard_of(community.guild.id, 4) // 2


async def command(server: LocalDiscord, community: Community, name: str, **options: Any) -> str:
    result = await server.run_command(community.moderator, community.general, name, options)
    await result.response()
    return await result.text()


async def test_two_processes_share_the_guilds_and_post_each_question_once(database_url: str) -> None:
    clock = FakeClock(START)  # Monday 08:00 UTC
    async with LocalDiscord(clock=clock) as server:
        communities: list[Community] = []
        while len(communities) < 8 or len({shard_of(c.guild.id, 4) for c in communities}) < 4:
            communities.append(build_community(server, name=f"guild {len(communities)}"))
            clock.advance(milliseconds=3)  # snowflakes carry the time: spread the guilds over both shards
        procs = Processes(server, database_url, clock)
        try:
            a, b = await procs.start(0), await procs.start(1)
            assert isinstance(a, ShardedHearth) and a.shard_plan.shard_ids == (0, 1)
            assert sorted(s.shard for s in server.gateway.sessions.values()) == [(0, 4), (1, 4), (2, 4), (3, 4)]
            assert {g.id for g in a.guilds} == {c.guild.id for c in communities if owner(c) == 0}
            assert {g.id for g in b.guilds} == {c.guild.id for c in communities if owner(c) == 1}
            assert a.synced_commands + b.synced_commands == 1  # one process synced the commands
            for c in communities:
                assert "Added question" in await command(server, c, "question add", text="Tea or coffee?")
                assert "Added question" in await command(server, c, "question add", text="Cats or dogs?")
                answer = await command(server, c, "question schedule", channel=c.general, time="09:00", days="daily")
                assert "09:00" in answer
                await server.say(c.alice, c.general, "hello")
            await procs.settle()

            clock.advance(hours=1, minutes=1)  # Monday 09:01
            await procs.sweep()
            await procs.sweep()  # a second sweep in both processes posts nothing more
            assert [len(questions(server, c)) for c in communities] == [1] * len(communities)

            # One process goes down: its guilds post nothing, the other process carries on.
            await procs.stop(1)
            clock.advance(days=1)  # Tuesday 09:01
            await procs.sweep()
            down = [c for c in communities if owner(c) == 1]
            up = [c for c in communities if owner(c) == 0]
            assert [len(questions(server, c)) for c in up] == [2] * len(up)
            assert [len(questions(server, c)) for c in down] == [1] * len(down)
            # Back 30 minutes later: the overdue posts go out once, marked late (within the grace period).
            clock.advance(minutes=30)
            await procs.start(1)
            await procs.sweep()
            assert [len(questions(server, c)) for c in communities] == [2] * len(communities)
            db = procs.bots[0].db
            for c in down:
                rows = await db.fetchall(
                    "SELECT on_time FROM posts WHERE guild_id = ? AND kind = 'question' ORDER BY posted_at",
                    (c.guild.id,),
                )
                assert [r["on_time"] for r in rows] == [1, 0]
            # Work about every guild: once in total.
            ran = [await bot.scheduler.run_housekeeping("retention") for bot in procs.bots.values()]
            assert sorted(ran) == [False, True]
            # Nothing lost or doubled: every message the local Discord delivered is stored once.
            assert await db.fetchval("SELECT COUNT(*) FROM activities WHERE kind = 'message'") == len(communities)
            assert await db.fetchval("SELECT COUNT(*) FROM occurrences WHERE status IN ('posted', 'late')") == (
                2 * len(communities)
            )
        finally:
            for shard in list(procs.runners):
                await procs.stop(shard)
