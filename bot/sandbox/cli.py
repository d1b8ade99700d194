"""`hearth sandbox`: the real bot in a simulated community, no token needed."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import re
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.sandbox.community import CommunitySettings

if TYPE_CHECKING:
    from bot.sandbox.runner import Stats


def register(sub: Any, parents: list[argparse.ArgumentParser]) -> None:
    """Add ``hearth sandbox`` to the command line."""
    parser = sub.add_parser(
        "sandbox",
        parents=parents,
        help="run the real bot against a local Discord with a simulated community (no token)",
        description="Start a local Discord with simulated members, backfill weeks of history through the "
        "real bot on a fake clock, run a short live session, then print the report and write charts and CSVs.",
    )
    defaults = CommunitySettings()
    parser.add_argument("--members", type=int, default=defaults.members, help="simulated members (default 300)")
    parser.add_argument("--weeks", type=int, default=defaults.weeks, help="weeks of history to backfill (default 8)")
    parser.add_argument("--seed", type=int, default=defaults.seed, help="random seed for a reproducible run")
    parser.add_argument("--timezone", default=defaults.timezone, help="the guild's IANA time zone")
    parser.add_argument(
        "--today",
        metavar="YYYY-MM-DD",
        help="the run's today: the live session is the Monday of its week (default: today's date)",
    )
    parser.add_argument("--out", default="sandbox-out", help="folder for hearth.db, the report, charts, CSVs")
    parser.add_argument("--serve", action="store_true", help="keep the local Discord and bot running for a REPL")
    parser.set_defaults(handler=cmd_sandbox)


def cmd_sandbox(args: argparse.Namespace) -> int:
    os.environ.setdefault("MPLBACKEND", "Agg")
    if args.members < 5 or args.weeks < 1:
        print("hearth: --members must be at least 5 and --weeks at least 1", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.ERROR, format="%(levelname)s %(name)s: %(message)s")
    community = CommunitySettings(members=args.members, weeks=args.weeks, seed=args.seed, timezone=args.timezone)
    from bot.core.localtime import valid_timezone

    if not valid_timezone(args.timezone):
        print(f"hearth: unknown time zone {args.timezone!r}", file=sys.stderr)
        return 2
    today = None
    if args.today is not None:
        today = parse_today(args.today)
        if today is None:
            print(f"hearth: --today must be a date like 2026-11-30 (YYYY-MM-DD), not {args.today!r}", file=sys.stderr)
            return 2
    asyncio.run(run(community, Path(args.out), serve=args.serve, today=today))
    return 0


def parse_today(text: str) -> date | None:
    """A YYYY-MM-DD date, or None (``date.fromisoformat`` alone would also take 20261130)."""
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text.strip()):
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        return None


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
    progress = sys.stderr if sys.stderr.isatty() or os.environ.get("HEARTH_PROGRESS") else None
    async with Sandbox(SandboxConfig(community=community, out=out, today=today), say=say, progress=progress) as sb:
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
        await write_outputs(sb, say)
        if serve:
            from bot.sandbox.serve import serve_forever

            await serve_forever(sb, say)
    say(f"\nFinished in {time.monotonic() - started:.1f}s. Database: {out / 'hearth.db'}")
    return sb.stats
