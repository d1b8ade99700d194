"""Embedded SQLite: one aiosqlite connection, transactions taking turns under an asyncio lock."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiosqlite

from bot.storage import dialect
from bot.storage.database.base import Database
from bot.storage.database.schema import (
    CREATE_MIGRATIONS_TABLE,
    MIGRATIONS_TABLE,
    SCHEMA_TABLES,
    Migration,
    applied_at_ms,
)
from bot.storage.database.url import DatabaseUrl

CONNECTION_PRAGMAS = dialect.SQLITE_PRAGMAS  # the name the benchmarks import
READ_ONLY_PRAGMAS = ("PRAGMA busy_timeout = 5000", "PRAGMA temp_store = MEMORY", "PRAGMA cache_size = -65536")


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


class SqliteDatabase(Database):
    """One aiosqlite connection in autocommit mode; transactions are explicit."""

    engine = "sqlite"

    def __init__(self, conn: aiosqlite.Connection, url: DatabaseUrl) -> None:
        self._conn = conn
        self.url = url
        # One connection: transactions from different tasks (the recorder's batch, a scheduler
        # claim) must not overlap, or SQLite refuses the second BEGIN.
        self._transaction_lock = asyncio.Lock()

    @classmethod
    async def connect(cls, url: DatabaseUrl, *, read_only: bool = False) -> SqliteDatabase:
        path = url.target
        if read_only:
            return cls(await _open_read_only(Path(path)), url)
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        conn = await aiosqlite.connect(path, isolation_level=None)
        conn.row_factory = aiosqlite.Row
        for pragma in dialect.SQLITE_PRAGMAS:
            await conn.execute(pragma)
        return cls(conn, url)

    async def close(self) -> None:
        await self._conn.close()

    @property
    def connection(self) -> aiosqlite.Connection:
        return self._conn

    async def _legacy_version(self) -> int:
        row = await self.fetchone("PRAGMA user_version")
        return int(row[0]) if row else 0

    async def _tracked(self) -> dict[int, str] | None:
        if await self.fetchval("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (MIGRATIONS_TABLE,)):
            return {int(r[0]): r[1] for r in await self.fetchall(f"SELECT version, name FROM {MIGRATIONS_TABLE}")}
        return None

    async def _record_untracked(self, migrations: list[Migration]) -> None:
        async with self.transaction():
            await self.execute(CREATE_MIGRATIONS_TABLE)
            await self.executemany(
                f"INSERT INTO {MIGRATIONS_TABLE} (version, name, applied_at) VALUES (?, ?, NULL)",
                [(m.version, m.name) for m in migrations],
            )

    async def _apply(self, migration: Migration) -> bool:
        newest = max(migration.version, await self._legacy_version())
        script = (
            f"BEGIN;\n{CREATE_MIGRATIONS_TABLE};\n{migration.sql}\n"
            f"INSERT INTO {MIGRATIONS_TABLE} (version, name, applied_at) "
            f"VALUES ({migration.version}, '{migration.name}', {applied_at_ms()});\n"
            f"PRAGMA user_version = {newest};\nCOMMIT;"
        )
        try:
            await self._conn.executescript(script)
        except Exception:
            if self._conn.in_transaction:
                await self._conn.execute("ROLLBACK")
            raise
        return True

    async def integrity_problems(self) -> list[str]:
        problems = [str(tuple(r)) for r in await self.fetchall("PRAGMA integrity_check") if r[0] != "ok"]
        problems += [f"foreign key: {tuple(r)}" for r in await self.fetchall("PRAGMA foreign_key_check")]
        return problems

    async def tables(self) -> list[str]:
        rows = await self.fetchall(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite%' ORDER BY name"
        )
        return [r[0] for r in rows if r[0] not in SCHEMA_TABLES]

    async def columns(self, table: str) -> list[str]:
        return [r[1] for r in await self.fetchall(f'PRAGMA table_info("{table}")')]

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
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

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[SqliteDatabase]:
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

