"""Moving an installation between databases (``hearth db copy``) and backups (``hearth db backup``).

The copy goes table by table in keyset order (SQLite's rowid, or the primary key of a table
without one), one batch per target transaction: the rows (skipping any already there) and the
progress row ``hearth_copy`` commit together, so an interrupted copy resumes where it stopped
and copying a batch twice stores it once. The target is brought to the same set of migrations
first; PostgreSQL's identity sequences are moved past the copied ids at the end; then every
table's row count is compared. Rollup tables are copied as they are (on PostgreSQL no trigger
recounts them), which is why the target must be PostgreSQL.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from bot.storage.activity import fold_queued
from bot.storage.database import Database, DatabaseUrl, PostgresDatabase, SqliteDatabase

COPY_STATE = "hearth_copy"
BATCH_ROWS = 5_000

Progress = Callable[[str, int, int], None]  # table, rows copied so far, rows in the source table


class CopyError(RuntimeError):
    """The copy cannot go on (or did not verify); the message says what to do."""


@dataclass(frozen=True)
class TableCount:
    table: str
    source: int
    target: int

    @property
    def ok(self) -> bool:
        return self.source == self.target


async def _order_key(db: Database, table: str) -> list[str]:
    """The columns that order ``table`` for keyset paging: rowid, else its primary key."""
    if isinstance(db, SqliteDatabase):
        try:
            await db.fetchone(f'SELECT rowid FROM "{table}" LIMIT 1')
            return ["rowid"]
        except Exception:  # WITHOUT ROWID
            rows = await db.fetchall(f'PRAGMA table_info("{table}")')
            return [r[1] for r in sorted((r for r in rows if r[5]), key=lambda r: r[5])]
    rows = await db.fetchall(
        "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid "
        "AND a.attnum = ANY(i.indkey) WHERE i.indrelid = CAST(? AS regclass) AND i.indisprimary "
        "ORDER BY array_position(i.indkey, a.attnum)",
        (table,),
    )
    return [r[0] for r in rows] or await db.columns(table)


async def copy_database(
    source: Database, target: Database, *, batch_rows: int = BATCH_ROWS, progress: Progress | None = None
) -> list[TableCount]:
    """Copy every table of ``source`` into ``target`` (PostgreSQL), resumably; returns the verified counts."""
    if not isinstance(target, PostgresDatabase):
        raise CopyError(
            "the copy target must be PostgreSQL (postgresql://...): SQLite's triggers would recount the rollups"
        )
    await source.migrate()
    await target.migrate()
    await fold_queued(source)  # a PostgreSQL source's queued activities into its rollups: the queue copies empty
    source_set, target_set = await source.applied_migrations(), await target.applied_migrations()
    if source_set != target_set:
        differ = sorted(set(source_set.items()) ^ set(target_set.items()))
        raise CopyError(f"the schemas differ: migrations {', '.join(name for _, name in differ)}")
    await target.execute(
        f"CREATE TABLE IF NOT EXISTS {COPY_STATE} (table_name TEXT PRIMARY KEY, last_key TEXT, "
        "rows BIGINT NOT NULL, done INTEGER NOT NULL)"
    )
    state = {r[0]: (r[1], r[2], r[3]) for r in await target.fetchall(f"SELECT * FROM {COPY_STATE}")}
    if not state and any([await target.fetchval(f'SELECT COUNT(*) FROM "{t}"') for t in await _tables(target)]):
        raise CopyError("the target already holds Hearth data: copy into an empty database (or resume a copy)")
    for table in await _tables(source):
        await _copy_table(source, target, table, state.get(table), batch_rows, progress)
    await _move_identities(target)
    await target.execute("ANALYZE")  # the planner's statistics for the freshly filled tables
    counts = await verify_counts(source, target)
    bad = [c for c in counts if not c.ok]
    if bad:
        raise CopyError("row counts differ: " + ", ".join(f"{c.table} {c.source} -> {c.target}" for c in bad))
    await target.execute(f"DROP TABLE {COPY_STATE}")
    return counts


async def _tables(db: Database) -> list[str]:
    return [t for t in await db.tables() if t != COPY_STATE]


async def _copy_table(
    source: Database, target: PostgresDatabase, table: str, resume: tuple[str | None, int, int] | None,
    batch_rows: int, progress: Progress | None,
) -> None:
    if resume is not None and resume[2]:
        return
    columns = [c for c in await source.columns(table) if c in set(await target.columns(table))]
    key = await _order_key(source, table)
    total = int(await source.fetchval(f'SELECT COUNT(*) FROM "{table}"') or 0)
    last: list[Any] | None = json.loads(resume[0]) if resume and resume[0] else None
    done = resume[1] if resume else 0
    names = ", ".join(f'"{c}"' for c in columns)
    keys = ", ".join(f'"{k}"' if k != "rowid" else "rowid" for k in key)
    staging = f"copy_{table}"
    while True:
        where = f"WHERE ({keys}) > ({', '.join('?' * len(key))})" if last is not None else ""
        rows = await source.fetchall(
            f'SELECT {keys}, {names} FROM "{table}" {where} ORDER BY {keys} LIMIT ?', (*(last or ()), batch_rows)
        )
        if not rows:
            break
        values = [tuple(r)[len(key) :] for r in rows]
        last = list(tuple(rows[-1])[: len(key)])
        done += len(rows)
        async with target.transaction():
            await target.execute(
                f'CREATE TEMP TABLE IF NOT EXISTS "{staging}" ON COMMIT DELETE ROWS AS '
                f'SELECT {names} FROM "{table}" WITH NO DATA'
            )
            await target.copy_rows(staging, columns, values)
            await target.execute(
                f'INSERT INTO "{table}" ({names}) SELECT {names} FROM "{staging}" ON CONFLICT DO NOTHING'
            )
            await _save_state(target, table, json.dumps(last), done, 0)
        if progress:
            progress(table, done, total)
    await _save_state(target, table, json.dumps(last) if last is not None else None, done, 1)
    if progress:
        progress(table, done, total)


async def _save_state(target: Database, table: str, last: str | None, rows: int, done: int) -> None:
    await target.execute(
        f"INSERT INTO {COPY_STATE} (table_name, last_key, rows, done) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (table_name) DO UPDATE SET "
        "last_key = excluded.last_key, rows = excluded.rows, done = excluded.done",
        (table, last, rows, done),
    )


async def _move_identities(target: Database) -> None:
    """New rows on PostgreSQL must not reuse a copied id: each identity sequence goes past the largest."""
    rows = await target.fetchall(
        "SELECT table_name FROM information_schema.columns WHERE table_schema = current_schema() "
        "AND column_name = 'id' AND is_identity = 'YES'"
    )
    for (table,) in rows:
        await target.fetchval(
            f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), COALESCE(MAX(id), 0) + 1, false) "
            f'FROM "{table}"'
        )


async def verify_counts(source: Database, target: Database) -> list[TableCount]:
    counts = []
    target_tables = set(await _tables(target))
    for table in await _tables(source):
        n = int(await source.fetchval(f'SELECT COUNT(*) FROM "{table}"') or 0)
        m = int(await target.fetchval(f'SELECT COUNT(*) FROM "{table}"') or 0) if table in target_tables else -1
        counts.append(TableCount(table, n, m))
    return counts


async def backup(db: Database, to: Path) -> str:
    """A consistent copy of a running database: SQLite's online backup, or ``pg_dump`` for PostgreSQL."""
    if _prepare(to) and isinstance(db, SqliteDatabase):
        import aiosqlite

        async with aiosqlite.connect(str(to)) as out:
            await db.connection.backup(out)
        return f"SQLite online backup of {db.path} written to {to}"
    return await pg_dump(db.url, to)


def _prepare(to: Path) -> bool:
    if to.exists():
        raise CopyError(f"{to} exists: choose a new file")
    to.parent.mkdir(parents=True, exist_ok=True)
    return True


# libpq's URI keys; any other key (asyncpg passes them as server settings) goes into `options`.
_LIBPQ_KEYS = {
    "host", "port", "dbname", "user", "passfile", "connect_timeout", "options", "application_name", "sslmode",
    "sslcert", "sslkey", "sslrootcert", "sslcrl", "target_session_attrs",
}


def _libpq_dsn(url: DatabaseUrl) -> tuple[str, dict[str, str]]:
    """The URL for libpq tools without its password (which goes in the environment instead)."""
    from urllib.parse import parse_qsl, quote, urlencode

    parts = urlsplit(url.target)
    env: dict[str, str] = {}
    if parts.password is not None:
        env["PGPASSWORD"] = parts.password  # never on the command line, where `ps` would show it
        user, _, host = parts.netloc.rpartition("@")
        parts = parts._replace(netloc=f"{user.split(':', 1)[0]}@{host}")
    query = parse_qsl(parts.query)
    keep = [(k, v) for k, v in query if k in _LIBPQ_KEYS]
    settings = " ".join(f"-c {k}={v}" for k, v in query if k not in _LIBPQ_KEYS)
    if settings:
        keep.append(("options", settings))
    return urlunsplit(parts._replace(query=urlencode(keep, quote_via=quote))), env


def _pg_dump_binary() -> str:
    import shutil

    configured = os.environ.get("HEARTH_PG_DUMP")
    if configured:
        return configured
    return shutil.which("pg_dump") or shutil.which("pg_dump", path="/usr/lib/postgresql/15/bin") or "pg_dump"


async def pg_dump(url: DatabaseUrl, to: Path) -> str:
    import asyncio

    dsn, secret = _libpq_dsn(url)
    env = {**os.environ, **secret}
    command = [_pg_dump_binary(), "--format=custom", "--no-owner", f"--file={to}", f"--dbname={dsn}"]
    try:
        done = await asyncio.to_thread(subprocess.run, command, env=env, capture_output=True, text=True)
    except FileNotFoundError:
        raise CopyError("pg_dump not found: install the PostgreSQL client tools (or set HEARTH_PG_DUMP)") from None
    if done.returncode != 0:
        message = done.stderr.strip()
        if secret:
            message = message.replace(secret["PGPASSWORD"], "***")
        raise CopyError(f"pg_dump failed: {message}")
    return f"pg_dump of {url} written to {to} (restore with pg_restore --dbname=...)"
