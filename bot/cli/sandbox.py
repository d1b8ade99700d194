"""``hearth sandbox``: the real bot in a simulated community, no token needed."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import re
import sys
from datetime import date
from pathlib import Path

from bot.cli.common import Subcommands
from bot.sandbox.community import CommunitySettings


def register(sub: Subcommands, parents: list[argparse.ArgumentParser]) -> None:
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
    from bot.sandbox.story import run

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
