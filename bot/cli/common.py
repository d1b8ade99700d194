"""What every ``hearth`` subcommand shares: the ``--config`` option, opening the database, failing."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path

from bot.core.settings import Settings, load_settings
from bot.storage import Database
from bot.storage.database import available_migrations

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


def database_path(args: argparse.Namespace) -> Path:
    """``--db``, or the database named in config.toml."""
    return Path(args.db) if getattr(args, "db", None) else settings_of(args).bot.database_path


def default_timezone(args: argparse.Namespace) -> str:
    """The zone for a guild that never set one: UTC for a bare ``--db`` file, else config.toml's."""
    return "UTC" if getattr(args, "db", None) else settings_of(args).bot.default_timezone


def with_database(path: Path, work: Callable[[Database], Awaitable[int]], *, read_only: bool = False) -> int:
    """Open an existing database file (brought up to date), run ``work`` on it, close it.

    ``read_only`` (reports, exports) opens it with SQLite's ``mode=ro`` and never migrates: a
    report changes nothing, and works on a file it may not write.
    """
    if not path.exists():
        return fail(f"no database at {path} (use --db FILE)")

    async def opened() -> int:
        db = await Database.open(path, read_only=read_only)
        try:
            if read_only:
                newest = available_migrations()[-1].version
                if await db.version() != newest:
                    return fail(
                        f"{path} is at schema version {await db.version()}, this Hearth reads {newest}: "
                        "run `hearth db upgrade` first"
                    )
            else:
                await db.migrate()
            return await work(db)
        finally:
            await db.close()

    return asyncio.run(opened())
