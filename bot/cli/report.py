"""``hearth report`` and ``hearth export``: the /report figures from a database file."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.analytics.export import csv_files, report_json
from bot.analytics.from_database import ReportUnavailable, report_from_database
from bot.analytics.report import SECTIONS, Report
from bot.analytics.text import render
from bot.cli.common import Subcommands, database_path, database_url, default_timezone, fail, with_database
from bot.cli.offline import load_privacy
from bot.core.clock import SystemClock
from bot.core.readable import Names, readable
from bot.storage import Database
from bot.storage.analytics import AnalyticsRepository


def register(sub: Subcommands, parents: list[argparse.ArgumentParser]) -> None:
    report = sub.add_parser("report", parents=parents, help="the /report figures from a database file")
    _common(report)
    report.add_argument("--section", default="all", choices=(*SECTIONS, "all"))
    report.add_argument("--format", default="text", choices=("text", "json", "csv"))
    report.add_argument(
        "--mentions",
        default="auto",
        choices=("auto", "names", "raw"),
        help="text: show <@id> mentions as names (from <db>.names.csv, else @id) or raw; "
        "auto = names on a terminal, raw in a file or pipe",
    )
    report.set_defaults(handler=cmd_report)

    export = sub.add_parser("export", parents=parents, help="per-post, per-day and per-week CSV files")
    _common(export)
    export.set_defaults(handler=cmd_export)


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", help="database file or URL (default: from config)")
    parser.add_argument("--guild", type=int, help="guild id (default: the only guild in the database)")
    parser.add_argument("--period", default="last week", help="week, last week, 28 days, 90 days or 2026-W47")
    parser.add_argument("--out", help="output file (report) or folder (CSV); default: standard output")


def _names_wanted(args: argparse.Namespace) -> bool:
    """Readable mentions for a person at a terminal; raw ones where the text may be pasted or parsed."""
    mode = getattr(args, "mentions", "raw")
    if mode == "auto":
        return not args.out and sys.stdout.isatty()
    return mode == "names"


def cmd_report(args: argparse.Namespace) -> int:
    built: list[Report] = []

    async def work(db: Database) -> int:
        privacy = await load_privacy(db, read_only=True)
        try:
            report = await report_from_database(
                db,
                privacy.opted_out_members,
                guild_id=args.guild,
                period=args.period,
                default_timezone=default_timezone(args),
                now=SystemClock().now(),
            )
        except ReportUnavailable as exc:
            return fail(str(exc))
        queued = await AnalyticsRepository(db).queued()
        if queued:
            # Read-only: folding them is the running bot's work (it does within seconds; a stopped bot
            # leaves none), so the report says what it leaves out instead of writing.
            print(f"note: {queued:,} recorded activities are not in the rollups yet (the bot's folder adds "
                  "them within seconds): this report leaves them out", file=sys.stderr)
        built.append(report)
        return 0

    code = with_database(database_url(args), work, read_only=True)
    if code or not built:
        return code
    report = built[0]
    if args.format == "csv":
        _write(csv_files(report), args.out)
        return 0
    if args.format == "json":
        text = json.dumps(report_json(report), indent=2, default=str)
    else:
        sections = SECTIONS if args.section == "all" else (args.section,)
        text = "\n\n".join(render(report, s) for s in sections)
        if _names_wanted(args):
            names = Names.beside(database_path(args))
            text = readable(text, names, ZoneInfo(report.timezone), report.generated_at)
    if args.out:
        Path(args.out).write_text(text + "\n", encoding="utf-8")
        print(f"wrote {args.out}")
    else:
        print(text)
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    args.format = "csv"
    return cmd_report(args)


def _write(files: dict[str, str], out: str | None) -> None:
    if out is None:
        for name, text in files.items():
            print(f"# {name}\n{text}")
        return
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
        print(f"wrote {folder / name}")
