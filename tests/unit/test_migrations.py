"""Migrations: fresh databases, upgrades from every older version, and refusing newer ones."""

from __future__ import annotations

import pytest

from bot.storage import Database, DatabaseTooNew
from bot.storage.database import available_migrations, latest_version


async def test_fresh_database_gets_every_migration(database_url: str) -> None:
    db = await Database.open(database_url)
    applied = await db.migrate()
    assert applied == [m.version for m in available_migrations()]
    assert await db.version() == latest_version()
    if db.engine == "sqlite":
        assert await db.fetchval("PRAGMA journal_mode") == "wal"
        assert await db.fetchval("PRAGMA foreign_keys") == 1
    else:
        assert await db.fetchval("SELECT COUNT(*) FROM hearth_schema") == 1
    await db.close()


@pytest.mark.parametrize("start", [m.version for m in available_migrations()[:-1]])
async def test_upgrade_from_each_older_version(database_url: str, start: int) -> None:
    db = await Database.open(database_url)
    await db.migrate(target=start)
    assert await db.version() == start
    await db.execute(
        "INSERT INTO guild_settings (guild_id, timezone, created_at, updated_at) VALUES (1, 'UTC', 0, 0)"
    )
    await db.migrate()
    assert await db.version() == latest_version()
    assert await db.fetchval("SELECT timezone FROM guild_settings WHERE guild_id = 1") == "UTC"
    await db.close()


async def test_newer_database_is_refused_with_a_clear_message(database_url: str) -> None:
    db = await Database.open(database_url)
    if db.engine == "sqlite":
        await db.execute(f"PRAGMA user_version = {latest_version() + 1}")
    else:
        await db.execute("CREATE TABLE hearth_schema (version INTEGER NOT NULL)")
        await db.execute("INSERT INTO hearth_schema (version) VALUES (?)", (latest_version() + 1,))
    with pytest.raises(DatabaseTooNew, match="upgrade Hearth"):
        await db.migrate()
    await db.close()


async def test_migrating_twice_applies_nothing(database_url: str) -> None:
    db = await Database.open(database_url)
    await db.migrate()
    assert await db.migrate() == []
    await db.close()


def test_migrations_are_numbered_without_duplicates() -> None:
    versions = [m.version for m in available_migrations()]
    assert versions == sorted(set(versions))
    assert versions[0] == 1


async def test_transactions_from_two_tasks_take_turns(database_url: str) -> None:
    """The recorder's batch and a scheduler claim can overlap on the one connection."""
    import asyncio

    db = await Database.open(database_url)
    try:
        await db.execute("CREATE TABLE t (n INTEGER)")

        async def write(n: int) -> None:
            async with db.transaction():
                await db.execute("INSERT INTO t (n) VALUES (?)", (n,))
                await asyncio.sleep(0)
                await db.execute("INSERT INTO t (n) VALUES (?)", (n,))

        await asyncio.gather(*(write(n) for n in range(5)))
        assert await db.fetchval("SELECT COUNT(*) FROM t") == 10
    finally:
        await db.close()
