"""What every ``hearth`` subcommand shares: the ``--config`` option, opening the database, failing."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path

from bot.core.settings import Settings, load_settings
from bot.storage import Database, DatabaseUrl
from bot.storage.database import DatabaseTooNew, DatabaseUrlError

Handler = Callable[[argparse.Namespace], int]
Subcommands = argparse._SubParsersAction  # type: ignore[type-arg]


def config_parent() -> argparse.ArgumentParser:
    """A parent parser so ``--config`` is accepted before or after the subcommand."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--config", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    return common


def fail(message: str, code: int = 2) -> int:
    print(f"hearth: {message}", file=sys.stderr)
    return code


def settings_of(args: argparse.Namespace) -> Settings:
    return load_settings(getattr(args, "config", None))


def database_url(args: argparse.Namespace) -> DatabaseUrl:
    """``--db`` (a file or a URL), or the database of the settings (config.toml, HEARTH_DATABASE_URL)."""
    try:
        return DatabaseUrl.parse(args.db if getattr(args, "db", None) else settings_of(args).database_url)
    except DatabaseUrlError as exc:
        raise SystemExit(fail(str(exc))) from None


def database_path(args: argparse.Namespace) -> Path:
    """The SQLite file of ``database_url`` (for the files kept beside it, like the names file).

    A PostgreSQL database has no file: its path is one that never exists, so nothing is found beside it.
    """
    url = database_url(args)
    return url.path if url.engine == "sqlite" else Path("/nonexistent/hearth-postgresql")


def default_timezone(args: argparse.Namespace) -> str:
    """The zone for a guild that never set one: UTC for a bare ``--db`` file, else config.toml's."""
    return "UTC" if getattr(args, "db", None) else settings_of(args).bot.default_timezone


def with_database(
    url: DatabaseUrl, work: Callable[[Database], Awaitable[int]], *, read_only: bool = False
) -> int:
    """Open an existing database (brought up to date), run ``work`` on it, close it.

    ``read_only`` (reports, exports) opens it read-only (SQLite's ``mode=ro``, PostgreSQL's
    read-only transactions) and never migrates: a report changes nothing, and works on a file it
    may not write.
    """
    if url.engine == "sqlite" and not url.path.exists():
        return fail(f"no database at {url.path} (use --db FILE or --db postgresql://...)")

    async def opened() -> int:
        try:
            db = await Database.open(url, read_only=read_only)
        except (ConnectionError, OSError, DatabaseUrlError) as exc:
            return fail(str(exc))
        try:
            if read_only:
                try:
                    pending = await db.pending_migrations()
                except DatabaseTooNew as exc:
                    return fail(str(exc))
                if pending:
                    return fail(
                        f"{url} lacks migration{'s' if len(pending) > 1 else ''} "
                        f"{', '.join(m.name for m in pending)}: run `hearth db upgrade` first"
                    )
            else:
                await db.migrate()
            return await work(db)
        finally:
            await db.close()

    return asyncio.run(opened())
