"""What differs between SQLite and PostgreSQL, one named function per concern.

Repositories write one portable SQL (docs/architecture.md, "Portable SQL"): ``?`` placeholders,
``INSERT ... ON CONFLICT (...) DO UPDATE/NOTHING`` upserts, BIGINT ids and epoch-ms times,
``INTEGER PRIMARY KEY`` ids. The backends in ``bot.storage.database`` pass every statement
through the functions here and nowhere else decides on a dialect:

- placeholders: ``?`` becomes ``$1, $2, ...`` (:func:`postgres_placeholders`), and an
  ``IN (?, ?, ...)`` list one array parameter (:func:`postgres_statement`);
- identity columns: ``INTEGER PRIMARY KEY`` becomes an identity column and an INSERT into a table
  with one gets ``RETURNING id`` so ``execute`` returns the new id on both (:func:`postgres_ddl`,
  :func:`postgres_returning_id`);
- schema: SQLite-only DDL (``WITHOUT ROWID``, 32-bit ``INTEGER``, ``REAL``) is translated, and a
  migration that needs different semantics (triggers) ships a ``migrations/postgresql/`` file;
- triggers vs set-based rollups: SQLite keeps rollups with AFTER INSERT triggers, PostgreSQL
  with one set-based statement per recorder batch (``bot.storage.activity``);
- connection settings: SQLite's pragmas and PostgreSQL's session settings (:data:`SQLITE_PRAGMAS`);
- the database's clock: :data:`CLOCK_US`, one time every process reads alike (the shared request
  timeline of ``bot.storage.pace``);
- id lists: how many ids one ``IN (...)`` list takes (:data:`ID_LIST_MAX`: one array parameter on
  PostgreSQL, so a statement per few hundred ids there is only round trips);
- refused rows: the errors that mean "this row can never be stored" (:data:`REFUSED_ROW`), and a
  key already stored (:data:`DUPLICATE_KEY`: the recorder's plain insert falls back to an upsert).
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import asyncpg

# Set on every SQLite connection; the benchmarks give their plain-sqlite3 limit the same ones.
SQLITE_PRAGMAS = (
    "PRAGMA journal_mode = WAL",
    "PRAGMA synchronous = NORMAL",
    "PRAGMA foreign_keys = ON",
    "PRAGMA busy_timeout = 5000",
    "PRAGMA temp_store = MEMORY",
    "PRAGMA cache_size = -65536",  # 64 MiB: rollup upserts stay in memory
    "PRAGMA wal_autocheckpoint = 10000",  # checkpoint less often: +10-15% inserts (bench/recorder.py)
)

# Session settings of every PostgreSQL connection: UTC, and never wait forever on a lock.
POSTGRES_SETTINGS = {"timezone": "UTC", "lock_timeout": "10s", "application_name": "hearth"}

# The database's own clock in epoch microseconds (the time at this statement, not at its transaction's start).
CLOCK_US = {
    "sqlite": "CAST((julianday('now') - 2440587.5) * 86400000000.0 AS INTEGER)",
    "postgresql": "CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000000 AS BIGINT)",
}

# Ids per ``IN (?, ...)`` list in one statement: SQLite binds each id (kept well under its variable
# limit); PostgreSQL gets one array parameter (``postgres_statement``), so there only round trips count.
ID_LIST_MAX = {"sqlite": 500, "postgresql": 20_000}

# What a backend raises for a row it refuses (a constraint, a bad value): retrying cannot help.
REFUSED_ROW: tuple[type[BaseException], ...] = (
    sqlite3.IntegrityError,
    sqlite3.DataError,
    asyncpg.IntegrityConstraintViolationError,
    asyncpg.DataError,
)

# What PostgreSQL raises for a key already stored (a replayed event in a plain INSERT): the
# recorder then writes the batch with ON CONFLICT DO NOTHING instead.
DUPLICATE_KEY: tuple[type[BaseException], ...] = (asyncpg.UniqueViolationError,)

# What a backend raises when the database went away (restart, network): retry after reconnecting.
CONNECTION_LOST: tuple[type[BaseException], ...] = (
    asyncpg.PostgresConnectionError,
    asyncpg.CannotConnectNowError,
    asyncpg.AdminShutdownError,
    asyncpg.InterfaceError,
    ConnectionError,
    OSError,
)

_TOKENS = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|--[^\n]*|/\*.*?\*/|\?", re.S)


@lru_cache(maxsize=2048)
def postgres_placeholders(sql: str) -> str:
    """``?`` placeholders as ``$1, $2, ...``; question marks in strings and comments stay."""
    n = 0

    def number(match: re.Match[str]) -> str:
        nonlocal n
        if match.group(0) != "?":
            return match.group(0)
        n += 1
        return f"${n}"

    return _TOKENS.sub(number, sql)


_IN_LIST = re.compile(r"\b(NOT\s+)?IN\s*\(\s*\?(?:\s*,\s*\?)+\s*\)", re.I)


def postgres_statement(sql: str, params: Sequence[Any]) -> tuple[str, Sequence[Any]]:
    """``sql`` for asyncpg: ``IN (?, ?, ...)`` lists become ``= ANY($n)`` (``NOT IN``: ``<> ALL($n)``)
    with the values as one array, then ``$n`` placeholders. One statement text then serves every list
    length (asyncpg prepares it once), and PostgreSQL plans one array lookup instead of N ORs."""
    if "IN" not in sql.upper() or not _IN_LIST.search(sql):
        return postgres_placeholders(sql), params
    out: list[Any] = []
    parts: list[str] = []
    position = 0  # index into params of the next placeholder
    last = 0
    for match in _TOKENS.finditer(sql):
        token = match.group(0)
        if token != "?":
            continue
        if match.start() < last:
            continue
        in_list = _IN_LIST.match(sql, _in_start(sql, match.start()))
        if in_list is not None and in_list.end() > match.start():
            count = in_list.group(0).count("?")
            parts.append(sql[last : in_list.start()])
            parts.append("<> ALL(?)" if in_list.group(1) else "= ANY(?)")
            out.append(list(params[position : position + count]))
            position += count
            last = in_list.end()
        else:
            parts.append(sql[last : match.end()])
            out.append(params[position])
            position += 1
            last = match.end()
    parts.append(sql[last:])
    return postgres_placeholders("".join(parts)), out


def _in_start(sql: str, at: int) -> int:
    """Where the ``[NOT] IN (`` before the placeholder at ``at`` starts, or ``at`` if there is none."""
    opening = sql.rfind("(", 0, at)
    if opening < 0 or sql[opening + 1 : at].strip():
        return at
    head = sql[:opening].rstrip()
    if not head.upper().endswith("IN"):
        return at
    start = len(head) - 2
    before = head[:start].rstrip()
    if before.upper().endswith("NOT"):
        start = len(before) - 3
    return start


_INSERT_INTO = re.compile(r"^\s*INSERT\s+INTO\s+([A-Za-z_][A-Za-z0-9_]*)", re.I)
_RETURNING = re.compile(r"\bRETURNING\b", re.I)


def postgres_returning_id(sql: str, identity_tables: frozenset[str]) -> str | None:
    """``sql`` with ``RETURNING id`` when it inserts into a table with an identity id, else None."""
    match = _INSERT_INTO.match(sql)
    if not match or match.group(1).lower() not in identity_tables or _RETURNING.search(sql):
        return None
    return sql.rstrip().rstrip(";") + " RETURNING id"


class NotPortable(ValueError):
    """A migration uses SQLite DDL that has no automatic PostgreSQL translation."""


_DDL_RULES = (
    # SQLite's rowid alias -> an identity column (BY DEFAULT, so `hearth db copy` keeps the ids).
    (re.compile(r"\bINTEGER\s+PRIMARY\s+KEY\b(?!\s*\()", re.I), "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"),
    # SQLite integers are 64-bit; PostgreSQL's INTEGER is 32-bit.
    (re.compile(r"(?<=[\s(])INTEGER\b", re.I), "BIGINT"),
    # SQLite's REAL is a double; PostgreSQL's is 4 bytes.
    (re.compile(r"(?<=[\s(])REAL\b", re.I), "DOUBLE PRECISION"),
    # A storage-layout hint with no meaning in PostgreSQL.
    (re.compile(r"\)\s*WITHOUT\s+ROWID", re.I), ")"),
)
_SQLITE_ONLY_DDL = (
    (re.compile(r"\bCREATE\s+TRIGGER\b", re.I), "a trigger (PostgreSQL keeps rollups set-based)"),
    (re.compile(r"\bAUTOINCREMENT\b", re.I), "AUTOINCREMENT (use INTEGER PRIMARY KEY)"),
    (re.compile(r"\bPRAGMA\b", re.I), "a PRAGMA"),
    (re.compile(r"\bCREATE\s+VIRTUAL\s+TABLE\b", re.I), "a virtual table"),
)


def postgres_ddl(sql: str, name: str = "migration") -> str:
    """A migration's SQLite DDL as PostgreSQL DDL; raises NotPortable for what needs a hand-written file."""
    body = _strip_comments(sql)
    for pattern, what in _SQLITE_ONLY_DDL:
        if pattern.search(body):
            raise NotPortable(
                f"{name} uses {what}: add bot/storage/migrations/postgresql/{name} with the PostgreSQL version"
            )
    for pattern, replacement in _DDL_RULES:
        body = pattern.sub(replacement, body)
    return body


def _strip_comments(sql: str) -> str:
    return _TOKENS.sub(lambda m: "" if m.group(0).startswith(("--", "/*")) else m.group(0), sql)


def advisory_key(name: str) -> int:
    """A stable signed 64-bit key for ``pg_advisory_lock`` from a lock's name."""
    import hashlib

    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "big", signed=True)
