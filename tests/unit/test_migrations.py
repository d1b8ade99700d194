"""Migrations: fresh databases, upgrades from every older version, and refusing newer ones."""

from __future__ import annotations

import pytest

from bot.storage import Database, DatabaseTooNew
from bot.storage.database import MIGRATIONS_TABLE, Migration, available_migrations, latest_version


async def _forget_tracking(db: Database) -> None:
    """Make ``db`` what a Hearth from before ``schema_migrations`` left: only the highest number."""
    await db.execute(f"DROP TABLE {MIGRATIONS_TABLE}")


async def _tracked(db: Database) -> list[tuple[int, str, bool]]:
    rows = await db.fetchall(f"SELECT version, name, applied_at FROM {MIGRATIONS_TABLE} ORDER BY version")
    return [(int(r[0]), r[1], r[2] is not None) for r in rows]


async def test_fresh_database_gets_every_migration(database_url: str) -> None:
    db = await Database.open(database_url)
    applied = await db.migrate()
    assert applied == [m.version for m in available_migrations()]
    assert await db.version() == latest_version()
    assert await _tracked(db) == [(m.version, m.name, True) for m in available_migrations()]
    assert await db.pending_migrations() == []
    assert MIGRATIONS_TABLE not in await db.tables()  # bookkeeping, not Hearth's data (db copy, dumps)
    if db.engine == "sqlite":
        assert await db.fetchval("PRAGMA journal_mode") == "wal"
        assert await db.fetchval("PRAGMA foreign_keys") == 1
        assert await db.fetchval("PRAGMA user_version") == latest_version()  # older Hearths read it
    else:
        assert await db.fetchval("SELECT version FROM hearth_schema") == latest_version()
    await db.close()


@pytest.mark.parametrize("start", [m.version for m in available_migrations()[:-1]])
async def test_upgrade_from_each_older_version(database_url: str, start: int) -> None:
    db = await Database.open(database_url)
    await db.migrate(target=start)
    assert await db.version() == start
    await db.execute(
        "INSERT INTO guild_settings (guild_id, timezone, created_at, updated_at) VALUES (1, 'UTC', 0, 0)"
    )
    assert await db.migrate() == [m.version for m in available_migrations() if m.version > start]
    assert await db.version() == latest_version()
    assert await db.fetchval("SELECT timezone FROM guild_settings WHERE guild_id = 1") == "UTC"
    await db.close()


@pytest.mark.parametrize("start", [m.version for m in available_migrations()])
async def test_database_from_before_tracking_is_recorded_and_upgraded(database_url: str, start: int) -> None:
    """A database at version N (user_version / hearth_schema only) holds every migration up to N."""
    db = await Database.open(database_url)
    await db.migrate(target=start)
    await _forget_tracking(db)
    assert await db.version() == start
    assert await db.migrate() == [m.version for m in available_migrations() if m.version > start]
    assert await _tracked(db) == [(m.version, m.name, m.version > start) for m in available_migrations()]
    assert await db.migrate() == []
    await db.close()


async def test_database_missing_a_lower_numbered_migration_gets_it(database_url: str) -> None:
    """A development database made between two landings: 0093 landed after 0100-0101 were applied."""
    skipped = next(m for m in available_migrations() if m.name == "0093_leaves_index.sql")
    db = await Database.open(database_url)
    await db.migrate(target=skipped.version - 1)
    for migration in available_migrations(db.engine):
        if migration.version > skipped.version:
            assert await db._apply(migration)
    assert await db.version() == latest_version()
    assert [m.name for m in await db.pending_migrations()] == [skipped.name]
    assert await db.migrate() == [skipped.version]
    assert await _tracked(db) == [(m.version, m.name, True) for m in available_migrations()]
    await db.execute("INSERT INTO guild_settings (guild_id, timezone, created_at, updated_at) VALUES (1, 'UTC', 0, 0)")
    if db.engine == "sqlite":
        assert await db.fetchval("SELECT COUNT(*) FROM sqlite_master WHERE name = 'activities_leaves'") == 1
    else:
        assert await db.fetchval("SELECT to_regclass('activities_leaves') IS NOT NULL")
    await db.close()


async def test_missing_migrations_are_applied_in_order(database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Several holes: each filled, oldest first, in its own transaction."""
    import bot.storage.database.base as database  # where Database.migrate looks the migrations up

    def make(version: int, body: str) -> Migration:
        return Migration(version, f"{version:04d}_t{version}.sql", body)

    order = "CREATE TABLE applied_order (n INTEGER NOT NULL);"
    every = [make(1, order)] + [make(v, f"INSERT INTO applied_order (n) VALUES ({v});") for v in (2, 3, 4, 5)]
    monkeypatch.setattr(database, "available_migrations", lambda engine="sqlite": [every[0], every[2], every[4]])
    db = await Database.open(database_url)
    assert await db.migrate() == [1, 3, 5]
    monkeypatch.setattr(database, "available_migrations", lambda engine="sqlite": every)
    assert [m.name for m in await db.pending_migrations()] == ["0002_t2.sql", "0004_t4.sql"]
    assert await db.migrate() == [2, 4]
    assert [r[0] for r in await db.fetchall("SELECT n FROM applied_order ORDER BY rowid" if db.engine == "sqlite"
                                            else "SELECT n FROM applied_order")] == [3, 5, 2, 4]
    assert await db.version() == 5
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


async def test_database_with_an_unknown_migration_is_refused(database_url: str) -> None:
    """Another build's migration, even numbered below this Hearth's newest, is refused before anything is written."""
    db = await Database.open(database_url)
    await db.migrate()
    await db.execute(f"INSERT INTO {MIGRATIONS_TABLE} (version, name, applied_at) VALUES (95, '0095_elsewhere.sql', 0)")
    with pytest.raises(DatabaseTooNew, match=r"0095_elsewhere\.sql that this Hearth does not know.*upgrade Hearth"):
        await db.migrate()
    # the same number under another name is not ours either
    await db.execute(f"DELETE FROM {MIGRATIONS_TABLE} WHERE version = 95")
    await db.execute(f"UPDATE {MIGRATIONS_TABLE} SET name = '0093_other.sql' WHERE version = 93")
    with pytest.raises(DatabaseTooNew, match=r"0093_other\.sql"):
        await db.pending_migrations()
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


async def test_db_upgrade_lists_what_it_applied(database_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    import asyncio

    from bot.cli.main import main

    skipped = next(m for m in available_migrations() if m.name == "0093_leaves_index.sql")
    db = await Database.open(database_url)
    await db.migrate(target=skipped.version - 1)
    for migration in available_migrations(db.engine):
        if migration.version > skipped.version:
            await db._apply(migration)
    await db.close()
    assert await asyncio.to_thread(main, ["report", "--db", database_url]) == 2
    assert "lacks migration 0093_leaves_index.sql: run `hearth db upgrade` first" in capsys.readouterr().err
    assert await asyncio.to_thread(main, ["db", "upgrade", "--db", database_url]) == 0
    out = capsys.readouterr().out
    assert f"schema version {latest_version()} (applied 1)" in out
    assert out.splitlines()[1:] == ["  applied 0093_leaves_index.sql"]
    assert await asyncio.to_thread(main, ["db", "upgrade", "--db", database_url]) == 0
    assert "already up to date" in capsys.readouterr().out


async def test_db_upgrade_refuses_a_newer_database_in_one_line(
    database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    import asyncio

    from bot.cli.main import main

    db = await Database.open(database_url)
    await db.migrate()
    await db.execute(f"INSERT INTO {MIGRATIONS_TABLE} (version, name, applied_at) VALUES (9999, '9999_future.sql', 0)")
    await db.close()
    assert await asyncio.to_thread(main, ["db", "upgrade", "--db", database_url]) == 2
    err = capsys.readouterr().err
    assert "9999_future.sql that this Hearth does not know" in err and "Traceback" not in err
