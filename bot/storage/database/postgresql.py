"""PostgreSQL: an asyncpg pool; inside ``transaction()`` the task's queries use its connection."""

from __future__ import annotations

import contextvars
import os
import re
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from typing import Any

import asyncpg

from bot.storage import dialect
from bot.storage.database.base import Database
from bot.storage.database.schema import (
    CREATE_MIGRATIONS_TABLE,
    LEGACY_VERSION_TABLE,
    MIGRATIONS_TABLE,
    SCHEMA_TABLES,
    Migration,
    applied_at_ms,
)
from bot.storage.database.url import DatabaseUrl, redact


def _numeric(text: str) -> int | float:
    """PostgreSQL's SUM of BIGINTs and AVG are NUMERIC: give Python what SQLite gives (int or float)."""
    return int(text) if text.lstrip("-").isdigit() else float(text)


_ROWCOUNT = re.compile(r"(\d+)\s*$")


async def _keep_session(conn: asyncpg.Connection) -> None:
    """What the pool does to a connection coming back (asyncpg first rolls back an open transaction):
    nothing more. asyncpg's default sends ``pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *; RESET
    ALL`` on every release, a round trip per query outside a transaction (~2 ms under load, a
    sixth of the weekly report's time at 5 M activities; bench/postgres.py). Hearth leaves no
    session state behind: no SET, cursors or LISTEN, and the one session advisory lock is
    released by ``exclusive()`` itself, which closes its connection when it could not be."""


class PostgresDatabase(Database):
    """An asyncpg pool; ``transaction()`` pins the task's queries to one connection."""

    engine = "postgresql"
    POOL_SIZE = 7  # the recorder's batch, its rollup folder, a scheduler claim, commands, a held advisory lock

    def __init__(self, pool: asyncpg.Pool, url: DatabaseUrl) -> None:
        self._pool = pool
        self.url = url
        self._tx: contextvars.ContextVar[asyncpg.Connection | None] = contextvars.ContextVar(
            f"hearth-tx-{id(self)}", default=None
        )
        self._identity_tables: frozenset[str] = frozenset()

    @classmethod
    async def connect(cls, url: DatabaseUrl, *, read_only: bool = False) -> PostgresDatabase:
        async def init(conn: asyncpg.Connection) -> None:
            await conn.set_type_codec("numeric", encoder=str, decoder=_numeric, schema="pg_catalog", format="text")

        # "hearth <pid>": with several processes on one database, pg_stat_activity and pg_locks tell them apart.
        settings = {**dialect.POSTGRES_SETTINGS, "application_name": f"hearth {os.getpid()}"}
        if read_only:
            settings["default_transaction_read_only"] = "on"
        try:
            pool = await asyncpg.create_pool(
                url.target, min_size=1, max_size=cls.POOL_SIZE, init=init, reset=_keep_session,
                server_settings=settings,
                command_timeout=300,
            )
        except Exception as exc:
            # asyncpg's messages can quote the DSN; say what failed without it.
            raise ConnectionError(f"cannot connect to {url}: {type(exc).__name__}: {redact(str(exc))}") from None
        db = cls(pool, url)
        await db._schema_changed()
        return db

    async def close(self) -> None:
        await self._pool.close()

    @property
    def pool(self) -> asyncpg.Pool:
        return self._pool

    @asynccontextmanager
    async def _connection(self) -> AsyncIterator[asyncpg.Connection]:
        conn = self._tx.get()
        if conn is not None:
            yield conn
        else:
            async with self._pool.acquire() as conn:
                yield conn

    async def _schema_changed(self) -> None:
        rows = await self.fetchall(
            "SELECT table_name FROM information_schema.columns WHERE table_schema = current_schema() "
            "AND column_name = 'id' AND is_identity = 'YES'"
        )
        self._identity_tables = frozenset(r[0] for r in rows)

    async def _legacy_version(self) -> int:
        async with self._connection() as conn:
            if await conn.fetchval(f"SELECT to_regclass('{LEGACY_VERSION_TABLE}')") is None:
                return 0  # a fresh database (and nothing is created: it may be opened read-only)
            value = await conn.fetchval(f"SELECT MAX(version) FROM {LEGACY_VERSION_TABLE}")
        return int(value or 0)

    async def _tracked(self) -> dict[int, str] | None:
        async with self._connection() as conn:
            if await conn.fetchval(f"SELECT to_regclass('{MIGRATIONS_TABLE}')") is None:
                return None
            rows = await conn.fetch(f"SELECT version, name FROM {MIGRATIONS_TABLE}")
        return {int(r[0]): r[1] for r in rows}

    @asynccontextmanager
    async def _migrating(self) -> AsyncIterator[asyncpg.Connection]:
        """One transaction under the migration lock: two processes starting together take turns,
        the second finds the work done."""
        async with self._pool.acquire() as conn, conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock($1)", dialect.advisory_key("hearth:migrate"))
            await conn.execute(dialect.postgres_ddl(CREATE_MIGRATIONS_TABLE, MIGRATIONS_TABLE))
            await conn.execute(f"CREATE TABLE IF NOT EXISTS {LEGACY_VERSION_TABLE} (version INTEGER NOT NULL)")
            yield conn

    async def _record_untracked(self, migrations: list[Migration]) -> None:
        async with self._migrating() as conn:
            await conn.executemany(
                f"INSERT INTO {MIGRATIONS_TABLE} (version, name, applied_at) VALUES ($1, $2, NULL) "
                "ON CONFLICT (version) DO NOTHING",
                [(m.version, m.name) for m in migrations],
            )

    async def _apply(self, migration: Migration) -> bool:
        async with self._migrating() as conn:
            if await conn.fetchval(f"SELECT 1 FROM {MIGRATIONS_TABLE} WHERE version = $1", migration.version):
                return False
            await conn.execute(migration.sql)
            await conn.execute(
                f"INSERT INTO {MIGRATIONS_TABLE} (version, name, applied_at) VALUES ($1, $2, $3)",
                migration.version, migration.name, applied_at_ms(),
            )
            newest = max(migration.version, int(await conn.fetchval(
                f"SELECT COALESCE(MAX(version), 0) FROM {LEGACY_VERSION_TABLE}"
            )))
            await conn.execute(f"DELETE FROM {LEGACY_VERSION_TABLE}")
            await conn.execute(f"INSERT INTO {LEGACY_VERSION_TABLE} (version) VALUES ($1)", newest)
        return True

    async def tables(self) -> list[str]:
        rows = await self.fetchall(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() "
            "AND table_type = 'BASE TABLE' ORDER BY table_name"
        )
        return [r[0] for r in rows if r[0] not in SCHEMA_TABLES]

    async def columns(self, table: str) -> list[str]:
        rows = await self.fetchall(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() "
            "AND table_name = ? ORDER BY ordinal_position",
            (table,),
        )
        return [r[0] for r in rows]

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        returning = dialect.postgres_returning_id(sql, self._identity_tables)
        statement, args = dialect.postgres_statement(returning or sql, params)
        async with self._connection() as conn:
            if returning is not None:
                return int(await conn.fetchval(statement, *args) or 0)
            await conn.execute(statement, *args)
        return 0

    async def execute_rowcount(self, sql: str, params: Sequence[Any] = ()) -> int:
        statement, args = dialect.postgres_statement(sql, params)
        async with self._connection() as conn:
            status = await conn.execute(statement, *args)
        match = _ROWCOUNT.search(status or "")
        return int(match.group(1)) if match else 0

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        rows = list(rows)
        if not rows:
            return
        async with self._connection() as conn:
            await conn.executemany(dialect.postgres_placeholders(sql), rows)

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        statement, args = dialect.postgres_statement(sql, params)
        async with self._connection() as conn:
            return list(await conn.fetch(statement, *args))

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> Any:
        statement, args = dialect.postgres_statement(sql, params)
        async with self._connection() as conn:
            return await conn.fetchrow(statement, *args)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[PostgresDatabase]:
        """BEGIN ... COMMIT on one pooled connection, rolled back on any error (nested: a savepoint)."""
        current = self._tx.get()
        if current is not None:
            async with current.transaction():
                yield self
            return
        async with self._pool.acquire() as conn, conn.transaction():
            token = self._tx.set(conn)
            try:
                yield self
            finally:
                self._tx.reset(token)

    async def copy_rows(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        """COPY ``rows`` into ``table`` (binary protocol): the fast path of the recorder."""
        async with self._connection() as conn:
            await conn.copy_records_to_table(table, records=rows, columns=list(columns))

    @asynccontextmanager
    async def own_connection(self) -> AsyncIterator[int | None]:
        if self._tx.get() is not None:  # already pinned (a transaction, or nested)
            yield None
            return
        async with self._pool.acquire() as conn:
            token = self._tx.set(conn)  # ``transaction()`` then opens its transactions on it
            try:
                yield conn.get_server_pid()
            finally:
                self._tx.reset(token)

    @asynccontextmanager
    async def exclusive(self, name: str) -> AsyncIterator[bool]:
        """A session advisory lock on a connection of its own; False if another process holds it."""
        key = dialect.advisory_key(f"hearth:{name}")
        conn = await self._pool.acquire()
        held = False
        try:
            held = got = bool(await conn.fetchval("SELECT pg_try_advisory_lock($1)", key))
            try:
                yield got
            finally:
                if got:
                    await conn.execute("SELECT pg_advisory_unlock($1)", key)
                    held = False
        finally:
            if held:  # the unlock never ran (cancelled, connection lost): the lock must not outlive us
                conn.terminate()
            await self._pool.release(conn)
