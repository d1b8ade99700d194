"""``hearth db upgrade``, ``rebuild-rollups``, ``copy`` and ``backup``: database maintenance."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from bot.analytics.rollups import RollupJob
from bot.cli.common import Subcommands, database_url, default_timezone, fail, with_database
from bot.cli.offline import load_privacy
from bot.core.clock import SystemClock
from bot.core.progress import Progress, terminal
from bot.storage import Database, DatabaseUrl
from bot.storage.analytics import AnalyticsRepository
from bot.storage.database import DatabaseTooNew, DatabaseUrlError, MigrationError, available_migrations
from bot.storage.guilds import GuildRepository
from bot.storage.transfer import BATCH_ROWS, CopyError, backup, copy_database


def register(sub: Subcommands, parents: list[argparse.ArgumentParser]) -> None:
    db = sub.add_parser("db", help="database maintenance")
    actions = db.add_subparsers(dest="db_command", metavar="ACTION")
    upgrade = actions.add_parser("upgrade", parents=parents, help="apply pending schema migrations")
    upgrade.add_argument("--db", help="database file or URL (default: from config)")
    upgrade.set_defaults(handler=cmd_upgrade)
    rebuild = actions.add_parser("rebuild-rollups", parents=parents, help="recompute every rollup from raw activities")
    rebuild.add_argument("--db", help="database file or URL (default: from config)")
    rebuild.set_defaults(handler=cmd_rebuild_rollups)
    copy = actions.add_parser(
        "copy", parents=parents, help="copy every table to PostgreSQL (resumable; verified by row counts)"
    )
    copy.add_argument("--from", dest="source", required=True, help="the database to copy, e.g. sqlite:///data/hearth.db")
    copy.add_argument("--to", dest="target", required=True, help="an empty PostgreSQL database, postgresql://...")
    copy.add_argument("--batch", type=int, default=BATCH_ROWS, help=f"rows per transaction (default {BATCH_ROWS})")
    copy.set_defaults(handler=cmd_copy)
    back = actions.add_parser("backup", parents=parents, help="a consistent backup of the running database")
    back.add_argument("--db", help="database file or URL (default: from config)")
    back.add_argument("--to", required=True, help="the backup file (SQLite: a database file; PostgreSQL: pg_dump's)")
    back.set_defaults(handler=cmd_backup)


def cmd_upgrade(args: argparse.Namespace) -> int:
    path = database_url(args)

    async def upgrade() -> int:
        db = await Database.open(path)
        try:
            applied = await db.migrate()
            version = await db.version()
        except (DatabaseTooNew, MigrationError) as exc:
            return fail(str(exc))
        finally:
            await db.close()
        names = {m.version: m.name for m in available_migrations(db.engine)}
        done = f"applied {len(applied)}" if applied else "already up to date"
        print(f"{path}: schema version {version} ({done})")
        for number in applied:
            print(f"  applied {names[number]}")
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

    return with_database(database_url(args), work)


def cmd_copy(args: argparse.Namespace) -> int:
    """Stop the bot first: rows written during the copy may be missed (the verification would say so)."""
    try:
        source_url, target_url = DatabaseUrl.parse(args.source), DatabaseUrl.parse(args.target)
    except DatabaseUrlError as exc:
        return fail(str(exc))
    if source_url.engine == "sqlite" and not source_url.path.exists():
        return fail(f"no database at {source_url.path}")
    if args.batch < 1:
        return fail("--batch must be at least 1")

    async def copy() -> int:
        try:
            source = await Database.open(source_url)
        except (ConnectionError, OSError) as exc:
            return fail(str(exc))
        try:
            target = await Database.open(target_url)
        except (ConnectionError, OSError) as exc:
            await source.close()
            return fail(str(exc))
        try:
            total = sum([int(await source.fetchval(f'SELECT COUNT(*) FROM "{t}"') or 0) for t in await source.tables()])
            seen: dict[str, int] = {}
            with Progress("copy", total=total, stream=terminal()) as bar:

                def progress(table: str, done: int, _total: int) -> None:
                    bar.advance(done - seen.get(table, 0), note=table)
                    seen[table] = done

                counts = await copy_database(source, target, batch_rows=args.batch, progress=progress)
        except CopyError as exc:
            return fail(str(exc))
        finally:
            await source.close()
            await target.close()
        for count in counts:
            print(f"  {count.table}: {count.target:,} rows")
        rows = sum(c.target for c in counts)
        print(f"copied {source_url} to {target_url}: {len(counts)} tables, {rows:,} rows, row counts verified")
        print("check: `hearth report --db <source>` and `hearth report --db <target>` print the same report")
        return 0

    return asyncio.run(copy())


def cmd_backup(args: argparse.Namespace) -> int:
    async def work(db: Database) -> int:
        try:
            print(await backup(db, Path(args.to)))
        except CopyError as exc:
            return fail(str(exc))
        return 0

    return with_database(database_url(args), work)
