"""The sandbox's whole story: start, backfill, live session, report (``hearth sandbox`` runs it)."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from bot.core.progress import terminal
from bot.sandbox.community import CommunitySettings

if TYPE_CHECKING:
    from bot.sandbox.runner import Stats


async def run(
    community: CommunitySettings,
    out: Path,
    *,
    serve: bool = False,
    live: bool = True,
    say: Callable[[str], None] | None = None,
    today: date | None = None,
) -> Stats:
    """The whole sandbox story, printed as it goes (``say``, default print); returns what it did.
    The same ``community`` (its seed) and ``today`` give the same story and the same files."""
    from bot.sandbox import scenario
    from bot.sandbox.output import write_outputs
    from bot.sandbox.runner import Sandbox, SandboxConfig

    started = time.monotonic()

    if say is None:

        def say(text: str) -> None:
            print(text, flush=True)

    say(
        f"Hearth sandbox: {community.members} simulated members, {community.weeks} weeks of history, "
        f"seed {community.seed}, time zone {community.timezone}. No token: a local Discord on 127.0.0.1."
    )
    progress = terminal()
    async with Sandbox(SandboxConfig(community=community, out=out, today=today), say=say, progress=progress) as sb:
        shown = sb.say  # names for mentions, local times for timestamps: a terminal renders neither
        say(f"Backfilling {sb.local(sb.start):%d %b %Y} to {sb.local(sb.end):%d %b %Y %H:%M} ({sb.tz_name})")
        await scenario.backfill(sb)
        posts = ", ".join(f"{n} {kind}" for kind, n in sb.stats.posts.most_common()) or "none"
        say(
            f"Backfill done in {time.monotonic() - started:.1f}s: {sb.stats.events:,} member actions, "
            f"{sb.stats.joins} joined, {sb.stats.leaves} left; Hearth posts: {posts}."
        )
        if live:
            say("\n== Live session ==")
            await scenario.live_session(sb)
        say("\n== Report ==")
        await write_outputs(sb, shown)
        if serve:
            from bot.sandbox.serve import serve_forever

            await serve_forever(sb, shown)
    say(f"\nFinished in {time.monotonic() - started:.1f}s. Database: {out / 'hearth.db'}")
    return sb.stats
