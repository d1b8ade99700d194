"""``hearth db upgrade`` and ``hearth db rebuild-rollups``: database maintenance."""

from __future__ import annotations

import argparse
import asyncio

from bot.analytics.rollups import RollupJob
from bot.cli.common import Subcommands, database_path, default_timezone, with_database
from bot.cli.offline import load_privacy
from bot.core.clock import SystemClock
from bot.core.progress import Progress, terminal
from bot.storage import Database
from bot.storage.analytics import AnalyticsRepository
from bot.storage.guilds import GuildRepository


def register(sub: Subcommands, parents: list[argparse.ArgumentParser]) -> None:
    db = sub.add_parser("db", help="database maintenance")
    actions = db.add_subparsers(dest="db_command", metavar="ACTION")
    upgrade = actions.add_parser("upgrade", parents=parents, help="apply pending schema migrations")
    upgrade.add_argument("--db", help="database file (default: from config)")
    upgrade.set_defaults(handler=cmd_upgrade)
    rebuild = actions.add_parser("rebuild-rollups", parents=parents, help="recompute every rollup from raw activities")
    rebuild.add_argument("--db", help="database file (default: from config)")
    rebuild.set_defaults(handler=cmd_rebuild_rollups)


def cmd_upgrade(args: argparse.Namespace) -> int:
    path = database_path(args)

    async def upgrade() -> int:
        db = await Database.open(path)
        try:
            applied = await db.migrate()
            version = await db.version()
        finally:
            await db.close()
        done = f"applied {', '.join(map(str, applied))}" if applied else "already up to date"
        print(f"{path}: schema version {version} ({done})")
        return 0

    return asyncio.run(upgrade())


def cmd_rebuild_rollups(args: argparse.Namespace) -> int:
    async def work(db: Database) -> int:
        privacy = await load_privacy(db)
        guilds = GuildRepository(db, default_timezone(args))
        await guilds.load_all()

        async def timezone_of(guild_id: int) -> str:
            return guilds.timezone(guild_id)

        job = RollupJob(AnalyticsRepository(db), timezone_of, privacy.opted_out_members, SystemClock().now)
        with Progress("rebuild-rollups", stream=terminal()) as bar:
            done = await job.rebuild(progress=bar)
        print(f"rebuilt rollups from raw activities; analytics days per guild: {done or 'none'}")
        return 0

    return with_database(database_path(args), work)
