"""The top-of-the-hour herd: ``--guilds`` posts at the same moment from ``--processes`` processes of
one bot, under Discord's global limit (50 requests/s per bot, enforced by the local Discord).

Each process is a discord.py client paced by Hearth's ``GlobalPacer`` at its share of the limit
(one shard each); the limit is what the global window allows: ``guilds / 50`` seconds. Reported:
the time until the last post, against that limit (target: within 1.5x), the global 429s per
process (target: at most 1), and that every post arrived exactly once.
Run: ``python -m bench.herd [--guilds 2000] [--processes 2] [--limit 50]``.
"""

from __future__ import annotations

import argparse
import asyncio
import time

import discord

from bot.core.http_stats import GlobalPacer, HttpStats, trace_config
from bot.sandbox.localdiscord import LocalDiscord
from bot.sandbox.localdiscord.testing import build_community, make_bot, run_bot

TARGET_RATIO = 1.5


async def herd(guilds: int, processes: int, limit: int) -> tuple[float, list[HttpStats], int, int]:
    async with LocalDiscord() as server:
        server.global_limit.enable(limit)
        community = build_community(server)
        stats = [HttpStats() for _ in range(processes)]
        runners = [
            await run_bot(server, make_bot(http_trace=trace_config(s, GlobalPacer.for_share(1, processes, limit))))
            for s in stats
        ]
        try:
            started = time.perf_counter()

            async def post(bot: discord.Client, n: int) -> None:
                channel = bot.get_channel(community.general.id)
                assert isinstance(channel, discord.TextChannel)
                await channel.send(f"question {n}")

            await asyncio.gather(*(post(runners[n % processes].bot, n) for n in range(guilds)))
            elapsed = time.perf_counter() - started
        finally:
            for r in runners:
                await r.stop()
        contents = [m.content for m in server.channel_messages.get(community.general.id, [])]
        return elapsed, stats, len(contents), len(set(contents))


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--guilds", type=int, default=2000)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--limit", type=int, default=50)
    args = parser.parse_args()
    elapsed, stats, posted, distinct = await herd(args.guilds, args.processes, args.limit)
    least = args.guilds / args.limit
    print(f"{args.guilds:,} posts from {args.processes} processes: last one after {elapsed:.1f} s; "
          f"the global limit allows {least:.1f} s; ratio {elapsed / least:.2f} [target <= {TARGET_RATIO}]")
    print(f"posted {posted:,}, distinct {distinct:,} (every post once: {posted == distinct == args.guilds})")
    print("global 429s per process: " + ", ".join(str(s.global_rate_limited) for s in stats) + " [target <= 1 each]")


if __name__ == "__main__":
    asyncio.run(main())
