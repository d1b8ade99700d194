"""Interactions: 500 slash commands and button clicks from 50 members at once, time from
INTERACTION_CREATE sent to the bot's callback received (median, p99). Hearth runs its real
commands (/privacy optout, optin, forget-me and its Cancel/Delete buttons, /hearth status for
moderators); the limit is a bare discord.py client answering the same names at once, without a
database. Each client runs in its own process. Run: ``python -m bench.interactions [--repeat R]``.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

from bench._common import Child, Figure, median, percentile, print_figures
from bot.app import build_intents
from bot.core.settings import Settings
from bot.sandbox.localdiscord import LocalDiscord
from bot.sandbox.localdiscord.interactions import InteractionResult, walk_components
from bot.sandbox.localdiscord.world import Channel, Member, Perm

MEMBERS = 50
PER_MEMBER = 10
TARGET_P99_MS = 250.0
CLICK_AFTER = 0.1  # seconds between seeing the prompt and clicking (not counted)
STEPS = ("privacy optout", "privacy optin", "privacy forget-me", "Cancel", "hearth status",
         "privacy optout", "privacy optin", "privacy forget-me", "Delete my data", "hearth status")


async def answered(result: InteractionResult, started: float) -> float:
    """Seconds from ``started`` until the bot's initial callback reached the local Discord."""
    if result.type is None:
        got = asyncio.get_running_loop().create_future()
        notify = result._notify

        def stamped() -> None:
            if result.type is not None and not got.done():
                got.set_result(time.perf_counter())
            notify()

        result._notify = stamped  # type: ignore[method-assign]
        try:
            return await asyncio.wait_for(got, 10) - started
        except TimeoutError:
            bad = [(c.method, c.path, c.status) for c in result.server.rest_log if c.status >= 400][:5]
            raise TimeoutError(f"no answer to {result.name!r} within 10 s; failed REST calls: {bad}") from None
    return time.perf_counter() - started


async def member_session(server: LocalDiscord, member: Member, where: Channel, moderator: bool,
                         latencies: list[float]) -> None:
    prompt: InteractionResult | None = None
    for step in STEPS[:PER_MEMBER]:
        if step == "hearth status" and not moderator:
            step = "privacy optin"
        if step in ("Cancel", "Delete my data"):
            # discord.py registers a view only once the callback's HTTP answer is back, so a click
            # within a millisecond of the prompt can miss it; people take longer than CLICK_AFTER.
            await asyncio.sleep(CLICK_AFTER)
        started = time.perf_counter()
        if step in ("Cancel", "Delete my data"):
            assert prompt is not None and prompt.message is not None
            button = next(c for c in walk_components(prompt.components) if c.get("label") == step)
            result = await server.click(member, prompt.message, button["custom_id"])
        else:
            result = await server.run_command(member, where, step)
        latencies.append(await answered(result, started))
        if step == "privacy forget-me":
            prompt = result


async def run_against(server: LocalDiscord, kind: str, tmp: Path, members: list[Member], where: Channel,
                      moderators: set[int]) -> list[float]:
    intents = build_intents(Settings()).value
    child = await Child.spawn(server, kind, db=tmp / f"{kind}.db",
                              extra=("--intents", str(intents), "--commands"))
    try:
        latencies: list[float] = []
        await asyncio.gather(*(member_session(server, m, where, m.id in moderators, latencies) for m in members))
        return latencies
    finally:
        await child.quit()
        server.gateway.sessions.clear()
        server.commands = {None: {}}  # the next client syncs its own


async def measure(repeat: int = 2) -> tuple[list[Figure], list[str]]:
    notes: list[str] = []
    runs: dict[str, list[list[float]]] = {"bare": [], "hearth": []}
    async with LocalDiscord(resume_buffer=1_000) as server:
        guild = server.add_guild("Busy Guild", owner="olga")
        general = server.add_text_channel(guild, "general")
        mod_role = server.add_role(guild, "Moderator", Perm.MANAGE_GUILD | Perm.MANAGE_MESSAGES)
        members = server.add_members(guild, MEMBERS)
        moderators = {m.id for m in members[::10]}
        for m in members[::10]:
            m.roles.append(mod_role.id)
        with tempfile.TemporaryDirectory() as tmp:
            for n in range(repeat):
                for kind in ("bare", "hearth"):
                    lat = await run_against(server, kind, Path(tmp) / str(n), members, general, moderators)
                    runs[kind].append(lat)
                    notes.append(f"run {n + 1} {kind}: {len(lat)} interactions, median {median(lat) * 1000:.1f} ms, "
                                 f"p99 {percentile(lat, 99) * 1000:.1f} ms, max {max(lat) * 1000:.1f} ms")

    def best_run(kind: str) -> list[float]:
        return min(runs[kind], key=lambda lat: percentile(lat, 99))

    hearth, bare = best_run("hearth"), best_run("bare")
    h50, h99 = median(hearth) * 1000, percentile(hearth, 99) * 1000
    b50, b99 = median(bare) * 1000, percentile(bare, 99) * 1000
    count = MEMBERS * PER_MEMBER
    figures = [
        Figure(f"interactions, {count} from {MEMBERS} members at once: median (best of {repeat})",
               f"{h50:.1f} ms", f"{b50:.1f} ms bare discord.py", h50 / b50, "", None),
        Figure(f"interactions: p99 (best of {repeat})", f"{h99:.1f} ms", f"{b99:.1f} ms bare discord.py",
               h99 / b99, f"< {TARGET_P99_MS:.0f} ms", h99 < TARGET_P99_MS),
    ]
    return figures, notes


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    figures, notes = await measure(args.repeat)
    for note in notes:
        print(note)
    print_figures(figures)


if __name__ == "__main__":
    asyncio.run(main())
