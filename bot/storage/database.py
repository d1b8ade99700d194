"""The process's single SQLite connection, its pragmas and its numbered migrations.

SQLite has one writer, so Hearth opens one connection per process and every repository shares
it. Migrations are ``migrations/NNNN_name.sql`` files applied in order, each in one transaction
together with ``PRAGMA user_version = NNNN``, so a failed migration leaves the database as it was.
"""

from __future__ import annotations

import asyncio
import logging
import re
import sqlite3
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import aiosqlite

log = logging.getLogger(__name__)

# Set on every connection; the benchmarks give their plain-sqlite3 limit the same ones.
READ_ONLY_PRAGMAS = ("PRAGMA busy_timeout = 5000", "PRAGMA temp_store = MEMORY", "PRAGMA cache_size = -65536")
CONNECTION_PRAGMAS = (
    "PRAGMA journal_mode = WAL",
    "PRAGMA synchronous = NORMAL",
    "PRAGMA foreign_keys = ON",
    "PRAGMA busy_timeout = 5000",
    "PRAGMA temp_store = MEMORY",
    "PRAGMA cache_size = -65536",  # 64 MiB: rollup upserts stay in memory
    "PRAGMA wal_autocheckpoint = 10000",  # checkpoint less often: +10-15% inserts (bench/recorder.py)
)

MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


class MigrationError(RuntimeError):
    """A migration could not be applied; the database was left at its previous version."""


class DatabaseTooNew(RuntimeError):
    """The database was written by a newer Hearth than this one."""


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str


def available_migrations() -> list[Migration]:
    """Every migration shipped with this version of Hearth, oldest first."""
    found: list[Migration] = []
    for entry in resources.files("bot.storage.migrations").iterdir():
        match = MIGRATION_NAME.match(entry.name)
        if match:
            found.append(Migration(int(match.group(1)), entry.name, entry.read_text(encoding="utf-8")))
    found.sort(key=lambda m: m.version)
    versions = [m.version for m in found]
    if len(set(versions)) != len(versions):
        raise MigrationError(f"two migrations share a number: {versions}")
    return found


def latest_version() -> int:
    migrations = available_migrations()
    return migrations[-1].version if migrations else 0


async def _open_read_only(path: Path) -> aiosqlite.Connection:
    """``mode=ro``; where SQLite can't make the WAL index beside a file it may not write (a
    read-only folder), ``immutable=1``: the file is read as it is, nothing is created."""
    uri = _file_uri(path)
    for options in ("mode=ro", "mode=ro&immutable=1"):
        conn = await aiosqlite.connect(f"{uri}?{options}", uri=True, isolation_level=None)
        try:
            conn.row_factory = aiosqlite.Row
            for pragma in READ_ONLY_PRAGMAS:
                await conn.execute(pragma)
            await conn.execute("SELECT COUNT(*) FROM sqlite_master")
            return conn
        except sqlite3.OperationalError:
            await conn.close()
            if "immutable" in options:
                raise
    raise AssertionError("unreachable")


def _file_uri(path: Path) -> str:
    if not path.exists():
        raise FileNotFoundError(path)
    return path.resolve().as_uri()


class Database:
    """One aiosqlite connection in autocommit mode; transactions are explicit."""

    def __init__(self, conn: aiosqlite.Connection, path: str) -> None:
        self._conn = conn
        self.path = path
        # One connection: transactions from different tasks (the recorder's batch, a scheduler
        # claim) must not overlap, or SQLite refuses the second BEGIN.
        self._transaction_lock = asyncio.Lock()

    @classmethod
    async def open(cls, path: str | Path, *, read_only: bool = False) -> Database:
        """Open (creating it if need be) the database; ``read_only`` opens an existing file with
        SQLite's ``mode=ro``, so nothing can be written (reports, exports)."""
        path = str(path)
        if read_only:
            return cls(await _open_read_only(Path(path)), path)
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        conn = await aiosqlite.connect(path, isolation_level=None)
        conn.row_factory = aiosqlite.Row
        for pragma in CONNECTION_PRAGMAS:
            await conn.execute(pragma)
        return cls(conn, path)

    async def close(self) -> None:
        await self._conn.close()

    @property
    def connection(self) -> aiosqlite.Connection:
        return self._conn

    # -- schema ---------------------------------------------------------------------------
    async def version(self) -> int:
        row = await self.fetchone("PRAGMA user_version")
        return int(row[0]) if row else 0

    async def migrate(self, target: int | None = None) -> list[int]:
        """Apply pending migrations up to ``target`` (default: all); returns the versions applied."""
        migrations = available_migrations()
        newest = migrations[-1].version if migrations else 0
        current = await self.version()
        if current > newest:
            raise DatabaseTooNew(
                f"database {self.path} is at schema version {current}, but this Hearth knows only up to "
                f"{newest}: upgrade Hearth (pip install -U hearth-bot) or use a backup from this version"
            )
        applied: list[int] = []
        for migration in migrations:
            if migration.version <= current or (target is not None and migration.version > target):
                continue
            script = f"BEGIN;\n{migration.sql}\nPRAGMA user_version = {migration.version};\nCOMMIT;"
            try:
                await self._conn.executescript(script)
            except Exception as exc:
                if self._conn.in_transaction:
                    await self._conn.execute("ROLLBACK")
                raise MigrationError(f"migration {migration.name} failed: {exc}") from exc
            log.info("applied migration %s", migration.name)
            applied.append(migration.version)
        return applied

    # -- queries ----------------------------------------------------------------------------
    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run one statement; returns lastrowid (for inserts) or 0."""
        async with self._conn.execute(sql, params) as cursor:
            return cursor.lastrowid or 0

    async def execute_rowcount(self, sql: str, params: Sequence[Any] = ()) -> int:
        async with self._conn.execute(sql, params) as cursor:
            return cursor.rowcount

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        await self._conn.executemany(sql, rows)

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> aiosqlite.Row | None:
        async with self._conn.execute(sql, params) as cursor:
            return await cursor.fetchone()

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[aiosqlite.Row]:
        async with self._conn.execute(sql, params) as cursor:
            return list(await cursor.fetchall())

    async def fetchval(self, sql: str, params: Sequence[Any] = ()) -> Any:
        row = await self.fetchone(sql, params)
        return None if row is None else row[0]

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Database]:
        """BEGIN IMMEDIATE ... COMMIT, rolled back on any error; one transaction at a time."""
        async with self._transaction_lock:
            await self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self
            except BaseException:
                await self._conn.execute("ROLLBACK")
                raise
            else:
                await self._conn.execute("COMMIT")
