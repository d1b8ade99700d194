"""Memory: resident set size (VmRSS after a garbage collection) of Hearth once connected to a guild
of 50,000 members, with the members intent on (discord.py chunks and caches every member) and
off, against a bare discord.py client with the same intents. Each client is a fresh process; the
local Discord runs in this one. Run: ``python -m bench.memory``.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from pathlib import Path
from typing import Any

from bench._common import Child, Figure, print_figures
from bot.app import build_intents
from bot.core.settings import Settings
from bot.sandbox.localdiscord import LocalDiscord

MEMBERS = 50_000
TARGET_RATIO = 1.2


async def rss_of(server: LocalDiscord, kind: str, members: bool, db: Path) -> dict[str, Any]:
    intents = str(build_intents(Settings()).value)
    child = await Child.spawn(server, kind, db=db, members=members, extra=("--intents", intents))
    try:
        return await child.ask("rss", "rss")
    finally:
        await child.quit()
        server.gateway.sessions.clear()


async def measure(members_count: int = MEMBERS) -> tuple[list[Figure], list[str]]:
    figures: list[Figure] = []
    notes: list[str] = []
    async with LocalDiscord(resume_buffer=1_000) as server:
        guild = server.add_guild("Big Guild", owner="olga")
        server.add_text_channel(guild, "general")
        server.add_members(guild, members_count - 2)  # plus the owner and the bot
        rss: dict[tuple[str, bool], int] = {}
        with tempfile.TemporaryDirectory() as tmp:
            for members in (True, False):
                bare = await rss_of(server, "bare", members, Path(tmp) / "bare.db")
                hearth = await rss_of(server, "hearth", members, Path(tmp) / f"hearth-{members}.db")
                label = "on" if members else "off"
                notes.append(f"members intent {label}: cached members bare {bare['cached_members']:,}, "
                             f"Hearth {hearth['cached_members']:,}; bare VmRSS {bare['VmRSS'] / 1024:.1f} MiB "
                             f"(peak {bare['VmHWM'] / 1024:.1f}), Hearth {hearth['VmRSS'] / 1024:.1f} MiB "
                             f"(peak {hearth['VmHWM'] / 1024:.1f})")
                rss["bare", members], rss["hearth", members] = bare["VmRSS"], hearth["VmRSS"]
                ratio = hearth["VmRSS"] / bare["VmRSS"]
                figures.append(Figure(
                    f"memory: RSS after connecting to {len(guild.members):,} members, members intent {label}",
                    f"{hearth['VmRSS'] / 1024:.1f} MiB", f"{bare['VmRSS'] / 1024:.1f} MiB bare discord.py",
                    ratio, f"<= {TARGET_RATIO}x", ratio <= TARGET_RATIO,
                ))
    # What the member list costs each client: Hearth keeps nothing per member beyond discord.py's cache.
    bare_per = (rss["bare", True] - rss["bare", False]) * 1024 / len(guild.members)
    hearth_per = (rss["hearth", True] - rss["hearth", False]) * 1024 / len(guild.members)
    figures.append(Figure(
        "memory per cached member (RSS with the members intent on minus off, per member)",
        f"{hearth_per:,.0f} B", f"{bare_per:,.0f} B bare discord.py", hearth_per / bare_per,
        f"<= {TARGET_RATIO}x", hearth_per / bare_per <= TARGET_RATIO,
    ))
    notes.append(f"fixed cost, members intent off: Hearth {(rss['hearth', False] - rss['bare', False]) / 1024:.1f} MiB "
                 "over bare discord.py (its code and libraries: see docs/performance.md)")
    return figures, notes


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--members", type=int, default=MEMBERS)
    args = parser.parse_args()
    figures, notes = await measure(args.members)
    for note in notes:
        print(note)
    print_figures(figures)


if __name__ == "__main__":
    asyncio.run(main())
