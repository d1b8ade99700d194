"""The migrations Hearth ships (``migrations/NNNN_name.sql``, translated for PostgreSQL unless
``migrations/postgresql/`` has its own) and the bookkeeping tables that record them."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from importlib import resources

from bot.storage import dialect

MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")
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


def applied_at_ms() -> int:
    """When a migration was applied (bookkeeping for operators, not Hearth's clock)."""
    return int(time.time() * 1000)


def latest_version() -> int:
    migrations = available_migrations()
    return migrations[-1].version if migrations else 0
