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

The package: ``url`` (where the database is), ``schema`` (the migrations), ``base`` (the API),
``sqlite`` and ``postgresql`` (the backends).
"""

from bot.storage.database.base import Database
from bot.storage.database.postgresql import PostgresDatabase
from bot.storage.database.schema import (
    MIGRATIONS_TABLE,
    DatabaseTooNew,
    Migration,
    MigrationError,
    available_migrations,
    latest_version,
)
from bot.storage.database.sqlite import CONNECTION_PRAGMAS, SqliteDatabase
from bot.storage.database.url import DatabaseUrl, DatabaseUrlError, redact

__all__ = [
    "CONNECTION_PRAGMAS",
    "MIGRATIONS_TABLE",
    "Database",
    "DatabaseTooNew",
    "DatabaseUrl",
    "DatabaseUrlError",
    "Migration",
    "MigrationError",
    "PostgresDatabase",
    "SqliteDatabase",
    "available_migrations",
    "latest_version",
    "redact",
]
