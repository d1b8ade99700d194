"""`hearth report`, `hearth export` and `hearth db rebuild-rollups`: the report from a database file.

The same ``build_report`` as /report, with the same opt-out exclusion, so the CLI's numbers are
the bot's numbers.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from bot.analytics.export import csv_files, report_json
from bot.analytics.report import SECTIONS, Report, build_report, parse_period
from bot.analytics.rollups import RollupJob, excluded_members
from bot.analytics.text import render
from bot.clock import SystemClock
from bot.localtime import zone
from bot.privacy import PrivacyService
from bot.storage import Database
from bot.storage.activity import ActivityRepository, MetaRepository, OptOutRepository
from bot.storage.analytics import AnalyticsRepository

HISTORY_DAYS = 7 * 9 + 28


def _db_path(args: argparse.Namespace) -> Path:
    if args.db:
        return Path(args.db)
    from bot.settings import load_settings

    return load_settings(getattr(args, "config", None)).bot.database_path


def _default_tz(args: argparse.Namespace) -> str:
    if args.db:
        return "UTC"
    from bot.settings import load_settings

    return load_settings(getattr(args, "config", None)).bot.default_timezone


async def _with_db(args: argparse.Namespace, work: Callable[[Database, PrivacyService], Awaitable[int]]) -> int:
    path = _db_path(args)
    if not path.exists():
        print(f"hearth: no database at {path} (use --db FILE)", file=sys.stderr)
        return 2
    db = await Database.open(path)
    try:
        await db.migrate()
        privacy = PrivacyService(OptOutRepository(db), ActivityRepository(db), MetaRepository(db), SystemClock())
        await privacy.load()
        return await work(db, privacy)
    finally:
        await db.close()


async def _guild_and_tz(db: Database, args: argparse.Namespace) -> tuple[int, str] | None:
    guild_id = args.guild
    if guild_id is None:
        rows = await db.fetchall("SELECT DISTINCT guild_id FROM posts UNION SELECT guild_id FROM guild_settings")
        if len(rows) != 1:
            found = ", ".join(str(r[0]) for r in rows) or "none"
            print(f"hearth: pass --guild ID (guilds in this database: {found})", file=sys.stderr)
            return None
        guild_id = rows[0][0]
    tz = await db.fetchval("SELECT timezone FROM guild_settings WHERE guild_id = ?", (guild_id,))
    return guild_id, tz or _default_tz(args)


async def _report(
    db: Database, privacy: PrivacyService, args: argparse.Namespace, now: datetime | None = None
) -> Report | None:
    """The report ``args`` asks for, as of ``now`` (default: the real time)."""
    found = await _guild_and_tz(db, args)
    if found is None:
        return None
    guild_id, tz = found
    now = now or SystemClock().now()
    try:
        period = parse_period(args.period, now.astimezone(zone(tz)).date())
    except ValueError as exc:
        print(f"hearth: {exc}", file=sys.stderr)
        return None
    repo = AnalyticsRepository(db)
    excluded = await excluded_members(repo, privacy.opted_out_members, guild_id, period.first_day - HISTORY_DAYS)
    return await build_report(repo, guild_id, period, tz, now=now, excluded=excluded, with_days=True)


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


def cmd_report(args: argparse.Namespace) -> int:
    output: list[Report] = []

    async def work(db: Database, privacy: PrivacyService) -> int:
        report = await _report(db, privacy, args)
        if report is None:
            return 2
        output.append(report)
        return 0

    code = asyncio.run(_with_db(args, work))
    if code or not output:
        return code
    report = output[0]
    if args.format == "csv":
        _write(csv_files(report), args.out)
        return 0
    if args.format == "json":
        text = json.dumps(report_json(report), indent=2, default=str)
    else:
        sections = SECTIONS if args.section == "all" else (args.section,)
        text = "\n\n".join(render(report, s) for s in sections)
    if args.out:
        Path(args.out).write_text(text + "\n", encoding="utf-8")
        print(f"wrote {args.out}")
    else:
        print(text)
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    args.format = "csv"
    return cmd_report(args)


def cmd_rebuild(args: argparse.Namespace) -> int:
    async def work(db: Database, privacy: PrivacyService) -> int:
        repo = AnalyticsRepository(db)

        async def tz_of(guild_id: int) -> str:
            tz = await db.fetchval("SELECT timezone FROM guild_settings WHERE guild_id = ?", (guild_id,))
            return tz or _default_tz(args)

        job = RollupJob(repo, tz_of, privacy.opted_out_members, SystemClock().now)
        done = await job.rebuild()
        print(f"rebuilt rollups from raw activities; analytics days per guild: {done or 'none'}")
        return 0

    return asyncio.run(_with_db(args, work))


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", help="database file (default: from config)")
    parser.add_argument("--guild", type=int, help="guild id (default: the only guild in the database)")
    parser.add_argument("--period", default="last week", help="week, last week, 28 days, 90 days or 2026-W47")
    parser.add_argument("--out", help="output file (report) or folder (CSV); default: standard output")


def register(sub: Any) -> None:
    """Add `report`, `export` and `db rebuild-rollups` to the hearth command line."""
    from bot.cli import COMMON_PARENTS

    report = sub.add_parser("report", parents=COMMON_PARENTS, help="the /report figures from a database file")
    _common(report)
    report.add_argument("--section", default="all", choices=(*SECTIONS, "all"))
    report.add_argument("--format", default="text", choices=("text", "json", "csv"))
    report.set_defaults(handler=cmd_report)

    export = sub.add_parser("export", parents=COMMON_PARENTS, help="per-post, per-day and per-week CSV files")
    _common(export)
    export.set_defaults(handler=cmd_export)

    db_parser = sub.choices.get("db")
    if db_parser is not None:
        actions = next(a for a in db_parser._actions if isinstance(a, argparse._SubParsersAction))
        rebuild = actions.add_parser(
            "rebuild-rollups", parents=COMMON_PARENTS, help="recompute every rollup from raw activities"
        )
        rebuild.add_argument("--db", help="database file (default: from config)")
        rebuild.set_defaults(handler=cmd_rebuild)
