"""The database: one API (``Database``) over embedded SQLite or PostgreSQL, and the migrations.

``Database.open(url)`` takes ``sqlite:///path`` (or a bare path) or ``postgresql://...`` and
returns the backend for it. Every repository uses only ``execute``, ``execute_rowcount``,
``executemany``, ``fetchone``, ``fetchall``, ``fetchval`` and ``transaction()`` with ``?``
placeholders in portable SQL; the dialect differences live in ``bot.storage.dialect``.

SQLite has one writer, so a process opens one connection and transactions take turns under an
asyncio lock. PostgreSQL gets a small pool; inside ``transaction()`` every query of the task
goes to the transaction's connection.

Migrations are ``migrations/NNNN_name.sql`` files, each applied in one transaction together with
its row in ``schema_migrations`` (number, file name, time applied), so a failed migration leaves
the database as it was. The set of applied migrations is what counts: a database that lacks a
lower-numbered migration (a development database made between two landings) gets it, in order,
and one that holds a migration this Hearth does not know is refused. The highest applied number
is also kept, as before, in SQLite's ``PRAGMA user_version`` or PostgreSQL's ``hearth_schema``
table, so an older Hearth still refuses a newer database with a clear message; a database from
before ``schema_migrations`` is taken to hold every migration up to that number, and they are
recorded on its first upgrade. On PostgreSQL a file is translated by ``dialect.postgres_ddl``
unless ``migrations/postgresql/`` has its own version of it (where the semantics differ, like the
rollup triggers).
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import os
import re
import sqlite3
import time
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import aiosqlite
import asyncpg

from bot.storage import dialect

log = logging.getLogger(__name__)

CONNECTION_PRAGMAS = dialect.SQLITE_PRAGMAS  # the name the benchmarks import
READ_ONLY_PRAGMAS = ("PRAGMA busy_timeout = 5000", "PRAGMA temp_store = MEMORY", "PRAGMA cache_size = -65536")
MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")
ENGINES = ("sqlite", "postgresql")
MIGRATIONS_TABLE = "schema_migrations"
LEGACY_VERSION_TABLE = "hearth_schema"  # PostgreSQL's highest applied number, kept for older Hearths
SCHEMA_TABLES = (MIGRATIONS_TABLE, LEGACY_VERSION_TABLE)  # bookkeeping, not Hearth's data
CREATE_MIGRATIONS_TABLE = (
    f"CREATE TABLE IF NOT EXISTS {MIGRATIONS_TABLE} (version INTEGER NOT NULL PRIMARY KEY, name TEXT NOT NULL, "
    "applied_at BIGINT)"  # NULL: applied before the set was tracked
)


class MigrationError(RuntimeError):
    """A migration could not be applied; the database was left at its previous version."""


class DatabaseTooNew(RuntimeError):
    """The database was written by a newer Hearth than this one."""


class DatabaseUrlError(ValueError):
    """A database URL Hearth cannot use."""


@dataclass(frozen=True)
class DatabaseUrl:
    """Where the database is. ``str()`` and ``repr()`` never show a password."""

    engine: str  # "sqlite" or "postgresql"
    target: str  # the SQLite path, or the full PostgreSQL DSN (with its password)

    @classmethod
    def parse(cls, value: str | Path | DatabaseUrl) -> DatabaseUrl:
        """``sqlite:///relative.db``, ``sqlite:////absolute.db``, a bare path, or ``postgresql://...``."""
        if isinstance(value, DatabaseUrl):
            return value
        text = str(value)
        if text.startswith(("postgresql://", "postgres://")):
            parts = urlsplit(text)
            if not parts.hostname and "host=" not in parts.query:
                raise DatabaseUrlError(f"{redact(text)}: a PostgreSQL URL needs a host, like postgresql://user@host/db")
            return cls("postgresql", text)
        if text.startswith("sqlite:"):
            rest = text[len("sqlite://") :] if text.startswith("sqlite://") else ""
            if not rest.startswith("/") or len(rest) < 2:
                raise DatabaseUrlError(f"{text}: use sqlite:///relative/path.db or sqlite:////absolute/path.db")
            return cls("sqlite", rest[1:])
        if "://" in text:
            raise DatabaseUrlError(f"{redact(text)}: the database URL must start with sqlite:/// or postgresql://")
        return cls("sqlite", text)

    @property
    def path(self) -> Path:
        return Path(self.target)

    def __str__(self) -> str:
        return redact(self.target) if self.engine == "postgresql" else f"sqlite:///{self.target}"

    def __repr__(self) -> str:
        return f"DatabaseUrl({str(self)!r})"


def redact(url: str) -> str:
    """A URL with its password replaced by ``***`` (in the netloc and in a ``password=`` query)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<unparseable database URL>"
    netloc = parts.netloc
    if parts.password is not None:
        user, _, host = netloc.rpartition("@")
        netloc = f"{user.split(':', 1)[0]}:***@{host}"
    query = re.sub(r"(?i)(password=)[^&]*", r"\1***", parts.query)
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str


def available_migrations(engine: str = "sqlite") -> list[Migration]:
    """Every migration shipped with this version of Hearth for ``engine``, oldest first.

    On PostgreSQL a file in ``migrations/postgresql/`` replaces the one with the same name;
    every other file is translated (and refused with a clear message if it cannot be).
    """
    package = resources.files("bot.storage.migrations")
    found: list[Migration] = []
    overrides = (
        {e.name: e for e in package.joinpath("postgresql").iterdir() if MIGRATION_NAME.match(e.name)}
        if engine == "postgresql"
        else {}
    )
    for entry in package.iterdir():
        match = MIGRATION_NAME.match(entry.name)
        if not match:
            continue
        if entry.name in overrides:
            sql = overrides[entry.name].read_text(encoding="utf-8")
        else:
            sql = entry.read_text(encoding="utf-8")
            if engine == "postgresql":
                try:
                    sql = dialect.postgres_ddl(sql, entry.name)
                except dialect.NotPortable as exc:
                    raise MigrationError(str(exc)) from None
        found.append(Migration(int(match.group(1)), entry.name, sql))
    found.sort(key=lambda m: m.version)
    versions = [m.version for m in found]
    if len(set(versions)) != len(versions):
        raise MigrationError(f"two migrations share a number: {versions}")
    return found


def _now_ms() -> int:
    """When a migration was applied (bookkeeping for operators, not Hearth's clock)."""
    return int(time.time() * 1000)


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


class Database(ABC):
    """The one storage API; ``Database.open`` picks the backend from the URL."""

    engine: str
    url: DatabaseUrl

    @staticmethod
    async def open(url: str | Path | DatabaseUrl, *, read_only: bool = False) -> Database:
        """Open (creating a SQLite file if need be) the database; ``read_only`` opens an existing one
        so that nothing can be written (reports, exports): SQLite's ``mode=ro``, PostgreSQL's
        ``default_transaction_read_only``."""
        parsed = DatabaseUrl.parse(url)
        if parsed.engine == "postgresql":
            return await PostgresDatabase.connect(parsed, read_only=read_only)
        return await SqliteDatabase.connect(parsed, read_only=read_only)

    @property
    def path(self) -> str:
        """What to show an operator: the SQLite path, or the URL without its password."""
        return self.url.target if self.engine == "sqlite" else str(self.url)

    @abstractmethod
    async def close(self) -> None: ...

    # -- schema ---------------------------------------------------------------------------
    @abstractmethod
    async def _legacy_version(self) -> int:
        """The highest applied number as Hearths before ``schema_migrations`` kept it (0: none)."""

    @abstractmethod
    async def _tracked(self) -> dict[int, str] | None:
        """``schema_migrations`` as {number: file name}; None when the table does not exist."""

    @abstractmethod
    async def _record_untracked(self, migrations: list[Migration]) -> None:
        """Create ``schema_migrations`` holding ``migrations`` (applied before tracking), in one transaction."""

    @abstractmethod
    async def _apply(self, migration: Migration) -> bool:
        """Apply one migration with its row and the highest number in one transaction; False if
        another process did it."""

    async def applied_migrations(self) -> dict[int, str]:
        """{number: file name} of every migration the database holds. A database from before the
        set was tracked holds every migration up to its version (an unknown number among them is
        listed as ``NNNN (unknown)``); nothing is written, so this works read-only."""
        tracked = await self._tracked()
        if tracked is not None:
            return tracked
        legacy = await self._legacy_version()
        assumed = {m.version: m.name for m in available_migrations(self.engine) if m.version <= legacy}
        if legacy and legacy not in assumed:
            assumed[legacy] = f"{legacy:04d} (unknown)"
        return assumed

    async def version(self) -> int:
        """The highest applied migration number (0 for an empty database)."""
        return max(await self.applied_migrations(), default=0)

    async def pending_migrations(self) -> list[Migration]:
        """The known migrations the database lacks, oldest first; raises ``DatabaseTooNew`` when it
        holds one this Hearth does not know (a newer Hearth's, or another build's with that number)."""
        known = available_migrations(self.engine)
        names = {m.version: m.name for m in known}
        applied = await self.applied_migrations()
        foreign = sorted(v for v, name in applied.items() if names.get(v) != name)
        if foreign:
            listed = ", ".join(applied[v] for v in foreign)
            newest = known[-1].name if known else "none"
            raise DatabaseTooNew(
                f"database {self.path} holds migration{'s' if len(foreign) > 1 else ''} {listed} that this Hearth "
                f"does not know (its newest is {newest}): the database is newer than this Hearth; upgrade Hearth "
                "(pip install -U hearth-bot) or use a backup from this version"
            )
        return [m for m in known if m.version not in applied]

    async def migrate(self, target: int | None = None) -> list[int]:
        """Apply every missing migration numbered up to ``target`` (default: all), oldest first;
        returns the numbers applied. A database from before ``schema_migrations`` gets its set
        recorded first (every known migration up to its version)."""
        pending = await self.pending_migrations()  # refuses a newer database before writing anything
        if await self._tracked() is None and await self._legacy_version():
            applied = await self.applied_migrations()
            await self._record_untracked([m for m in available_migrations(self.engine) if m.version in applied])
            log.info("recorded %d migrations applied before they were tracked", len(applied))
        done: list[int] = []
        for migration in pending:
            if target is not None and migration.version > target:
                continue
            try:
                applied_now = await self._apply(migration)
            except MigrationError:
                raise
            except Exception as exc:
                raise MigrationError(f"migration {migration.name} failed: {exc}") from exc
            if applied_now:
                log.info("applied migration %s", migration.name)
                done.append(migration.version)
        await self._schema_changed()
        return done

    async def _schema_changed(self) -> None:
        """Hook for backends that cache facts about the schema."""
        return None

    async def integrity_problems(self) -> list[str]:
        """What is broken in the stored data (empty when all is well)."""
        return []

    @abstractmethod
    async def tables(self) -> list[str]:
        """Hearth's tables, in name order."""

    @abstractmethod
    async def columns(self, table: str) -> list[str]:
        """The columns of ``table``, in declaration order."""

    # -- queries ----------------------------------------------------------------------------
    @abstractmethod
    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run one statement; returns the new row's id (an insert into a table with an id) or 0."""

    @abstractmethod
    async def execute_rowcount(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run one statement; returns the rows it changed."""

    @abstractmethod
    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None: ...

    @abstractmethod
    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Any]: ...

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> Any:
        rows = await self.fetchall(sql, params)
        return rows[0] if rows else None

    async def fetchval(self, sql: str, params: Sequence[Any] = ()) -> Any:
        row = await self.fetchone(sql, params)
        return None if row is None else row[0]

    @abstractmethod
    def transaction(self) -> Any:
        """``async with db.transaction():`` everything inside commits together or not at all."""

    @asynccontextmanager
    async def exclusive(self, name: str) -> AsyncIterator[bool]:
        """Work that must run once across processes: yields True in the one process that holds ``name``."""
        yield True

    @asynccontextmanager
    async def own_connection(self) -> AsyncIterator[int | None]:
        """Inside, the task's queries go to one connection kept for it (the rollup folder's, so the
        writer never waits for one); yields the server process id where there is one."""
        yield None


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
            f"VALUES ({migration.version}, '{migration.name}', {_now_ms()});\n"
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
                migration.version, migration.name, _now_ms(),
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
