"""PostgreSQL's rollup queue (#23): batches queue their activities' id ranges, a folder folds them,
and every reader sees exactly what SQLite's triggers give on the same events."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest

from bot.analytics.export import report_json
from bot.analytics.from_database import report_from_database
from bot.cli.main import main
from bot.core.clock import FakeClock
from bot.core.settings import RecorderSettings
from bot.platform.privacy import PrivacyService
from bot.platform.recorder import Recorder
from bot.storage import Database, activity
from bot.storage.activity import FOLD_LOCK, ActivityRepository, MetaRepository, OptOutRepository, fold_queued
from bot.storage.analytics import AnalyticsRepository
from bot.storage.guilds import GuildRepository
from tests.conftest import DatabaseUrls
from tests.unit.test_rollups_both_backends import ROLLUPS, T0, events

pytestmark = pytest.mark.backends("postgresql")  # compared against a SQLite file of its own

BATCH = 500
NOW = T0.replace(day=31)


async def opened(url: str) -> tuple[Database, ActivityRepository, list[tuple]]:
    """A migrated database, its repository and the stored rows of ``events()`` (not written yet)."""
    db = await Database.open(url)
    await db.migrate()
    return db, ActivityRepository(db), await stored_form(db)


async def stored_form(db: Database) -> list[tuple]:
    """The rows the recorder stores for ``events()``."""
    clock = FakeClock(T0)
    repo = ActivityRepository(db)
    privacy = PrivacyService(OptOutRepository(db), repo, MetaRepository(db), clock)
    await privacy.load()
    recorder = Recorder(repo, GuildRepository(db, "Europe/Berlin"), privacy, clock, RecorderSettings())
    return [recorder.row(a) for a in events()]


async def written(url: str) -> tuple[Database, ActivityRepository]:
    """``events()`` written batch by batch as the recorder's writer does, nothing folded."""
    db, repo, rows = await opened(url)
    for start in range(0, len(rows), BATCH):
        await repo.write_batch(rows[start : start + BATCH])
    return db, repo


@contextlib.asynccontextmanager
async def both(database_url: str, tmp_path: Path) -> AsyncIterator[tuple[Database, ActivityRepository, Database,
                                                                          ActivityRepository]]:
    """``events()`` written, unfolded, on PostgreSQL and into a SQLite file of its own."""
    pg, pg_repo = await written(database_url)
    lite, lite_repo = await written(f"sqlite:///{tmp_path / 'same.db'}")
    try:
        yield pg, pg_repo, lite, lite_repo
    finally:
        await pg.close()
        await lite.close()


async def rollups(db: Database) -> dict[str, list[tuple]]:
    return {t: sorted(tuple(r) for r in await db.fetchall(f"SELECT * FROM {t}")) for t in ROLLUPS}


async def report(db: Database, guild_id: int) -> str:
    built = await report_from_database(db, lambda g, m: False, guild_id=guild_id, period="2026-W13",
                                       default_timezone="Europe/Berlin", now=NOW)
    return json.dumps(report_json(built), sort_keys=True, default=str)


async def test_a_report_right_after_the_batches_equals_sqlites(database_url: str, tmp_path: Path) -> None:
    async with both(database_url, tmp_path) as (pg, pg_repo, lite, _):
        assert await pg_repo.queued() > 2_000  # nothing folded yet: the report's barrier must do it
        for guild in (1, 2):
            assert await report(pg, guild) == await report(lite, guild)
        assert await pg_repo.queued() == 0
        assert await rollups(pg) == await rollups(lite)


async def test_forget_me_takes_the_members_queued_rows_too(database_url: str, tmp_path: Path) -> None:
    async with both(database_url, tmp_path) as (pg, pg_repo, lite, lite_repo):
        assert await pg.fetchval("SELECT COUNT(*) FROM rollup_ranges") > 0  # their activities wait in it
        for repo in (pg_repo, lite_repo):
            await repo.forget_member(1, 105)
            await repo.forget_member(2, 110)
        assert await pg.fetchval("SELECT COUNT(*) FROM rollup_ranges") == 0
        for db in (pg, lite):
            assert not await db.fetchval("SELECT COUNT(*) FROM member_days WHERE guild_id = 1 AND member_id = 105")
            assert not await db.fetchval(
                "SELECT COUNT(*) FROM reply_pairs WHERE guild_id = 2 AND (member_a = 110 OR member_b = 110)"
            )
        assert await rollups(pg) == await rollups(lite)  # guild_hours lost exactly their activities


async def test_rebuild_with_a_full_queue_counts_each_activity_once(database_url: str, tmp_path: Path) -> None:
    async with both(database_url, tmp_path) as (pg, _, lite, _):
        await AnalyticsRepository(pg).rebuild_base_rollups()
        assert await fold_queued(pg) == 0  # the rebuild emptied it: a later fold adds nothing
        assert await rollups(pg) == await rollups(lite)


async def test_folds_racing_writers_and_each_other_count_each_activity_once(
    database_url: str, tmp_path: Path
) -> None:
    lite, _ = await written(f"sqlite:///{tmp_path / 'same.db'}")
    pg, repo, rows = await opened(database_url)
    try:
        done = asyncio.Event()
        folded: list[int] = []

        async def writer(part: list[tuple]) -> None:
            for start in range(0, len(part), 100):
                await repo.write_batch(part[start : start + 100])
                await asyncio.sleep(0)

        async def folder(wait: bool) -> None:  # the background try-lock folder, and a reader's barrier
            while not done.is_set():
                folded.append(await fold_queued(pg, wait=wait) or 0)
                await asyncio.sleep(0.001)

        folders = [asyncio.create_task(folder(w)) for w in (False, False, True)]
        # Two writers on two connections, the second replaying some of the first's events; then the
        # rows whose event keys repeat earlier ones (events() reuses keys after 2,600), as SQLite
        # got them: after the rows they replay.
        await asyncio.gather(writer(rows[:1_800]), writer(rows[1_500:2_600]))
        await writer(rows[2_600:])
        done.set()
        await asyncio.gather(*folders)
        folded.append(await fold_queued(pg) or 0)
        assert sum(folded) == await pg.fetchval("SELECT COUNT(*) FROM activities WHERE counts = 1")
        assert await rollups(pg) == await rollups(lite)
    finally:
        await pg.close()
        await lite.close()


async def test_a_read_only_reader_folds_nothing_and_can_say_what_is_queued(database_url: str) -> None:
    pg, repo = await written(database_url)
    try:
        queued = await repo.queued()
        reader = await Database.open(database_url, read_only=True)
        try:
            assert await fold_queued(reader) is None
            assert await AnalyticsRepository(reader).queued() == queued
            await report(reader, 1)  # what is folded so far; `hearth report` notes the rest
        finally:
            await reader.close()
        assert await repo.queued() == queued
    finally:
        await pg.close()


async def test_the_recorder_folds_in_the_background(database_url: str) -> None:
    db, repo, _ = await opened(database_url)
    clock = FakeClock(T0)
    guilds = GuildRepository(db, "Europe/Berlin")
    privacy = PrivacyService(OptOutRepository(db), repo, MetaRepository(db), clock)
    await privacy.load()
    recorder = Recorder(repo, guilds, privacy, clock, RecorderSettings(flush_interval_seconds=0.01, batch_size=200))
    recorder.start()
    try:
        for activity in events():
            recorder.record(activity)
        for _ in range(500):  # the writer writes, the folder folds, nobody calls flush()
            if not recorder.pending and recorder.stats.written_rows and not await recorder.rollup_backlog():
                break
            await asyncio.sleep(0.02)
        assert recorder.stats.folded == await db.fetchval("SELECT COUNT(*) FROM activities WHERE counts = 1")
        assert await recorder.rollup_backlog() == 0
    finally:
        await recorder.close()
        await db.close()


async def test_hearth_report_reads_only_and_says_what_is_still_queued(
    database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sqlite_url = f"sqlite:///{tmp_path / 'same.db'}"
    for url in (database_url, sqlite_url):
        db, _ = await written(url)
        await db.close()
    pg = await Database.open(database_url)
    try:
        pg_repo = ActivityRepository(pg)
        queued = await pg_repo.queued()
        assert queued
        args = ["report", "--guild", "1", "--period", "2026-W13", "--format", "json"]
        capsys.readouterr()
        assert await asyncio.to_thread(main, [*args, "--db", database_url]) == 0
        assert f"note: {queued:,} recorded activities are not in the rollups yet" in capsys.readouterr().err
        assert await pg_repo.queued() == queued  # the report folded (wrote) nothing
        await fold_queued(pg)  # what the bot's folder does
        assert await asyncio.to_thread(main, [*args, "--db", database_url]) == 0
        on_postgres = capsys.readouterr()
        assert "note:" not in on_postgres.err
        assert await asyncio.to_thread(main, [*args, "--db", sqlite_url]) == 0
        figures = [json.loads(out) for out in (on_postgres.out, capsys.readouterr().out)]
        for built in figures:
            built.pop("generated_at")  # the wall clock of each run
        assert figures[0] == figures[1]
    finally:
        await pg.close()


async def test_db_copy_folds_a_postgresql_source_first(
    database_urls: DatabaseUrls, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source, target = await database_urls("source"), await database_urls("target")
    db, repo = await written(source)
    try:
        assert await repo.queued()
    finally:
        await db.close()
    assert await asyncio.to_thread(main, ["db", "copy", "--from", source, "--to", target]) == 0
    lite, _ = await written(f"sqlite:///{tmp_path / 'same.db'}")
    copied = await Database.open(target)
    try:
        assert await ActivityRepository(copied).queued() == 0
        assert await rollups(copied) == await rollups(lite)
    finally:
        await copied.close()
        await lite.close()


async def test_a_report_waits_for_the_fold_lock_only_until_lock_timeout(database_url: str) -> None:
    pg, repo = await written(database_url)
    holder = await asyncpg.connect(database_url)
    try:
        queued = await repo.queued()
        async with holder.transaction():  # rebuild-rollups holds the fold lock for its whole transaction
            await holder.execute("SELECT pg_advisory_xact_lock($1)", FOLD_LOCK)
            async with pg.transaction():
                await pg.execute("SET LOCAL lock_timeout = '200ms'")
                await AnalyticsRepository(pg).settle()  # gives up waiting, reads the rollups as they are
                assert await repo.queued() == queued
            with pytest.raises(asyncpg.LockNotAvailableError):  # forget-me must not go on without the fold
                async with pg.transaction():
                    await pg.execute("SET LOCAL lock_timeout = '200ms'")
                    await repo.forget_member(1, 105)
        assert await fold_queued(pg) == queued
    finally:
        await holder.close()
        await pg.close()


async def test_every_batch_queues_ids_no_other_batch_holds(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(activity, "ID_BLOCK", 7)  # a batch of 100 rows: 15 blocks, the last one short
    lite, _ = await written(f"sqlite:///{tmp_path / 'same.db'}")
    pg, _ = await written(database_url)
    try:
        ranges = sorted(tuple(r) for r in await pg.fetchall("SELECT first_id, last_id FROM rollup_ranges"))
        assert all(0 <= last - first < 7 for first, last in ranges)
        assert all(last < following for (_, last), (following, _) in itertools.pairwise(ranges))
        ids = [r[0] for r in await pg.fetchall("SELECT id FROM activities")]
        assert all(sum(first <= i <= last for first, last in ranges) == 1 for i in ids)
        assert await fold_queued(pg) == await pg.fetchval("SELECT COUNT(*) FROM activities WHERE counts = 1")
        assert await rollups(pg) == await rollups(lite)
    finally:
        await pg.close()
        await lite.close()


async def test_the_identity_hands_out_whole_blocks(database_url: str) -> None:
    pg, _, _ = await opened(database_url)
    try:
        first = await pg.fetchval(activity.RESERVE_IDS)
        assert await pg.fetchval(activity.RESERVE_IDS) - first == activity.ID_BLOCK  # one batch's, no other's
    finally:
        await pg.close()


async def test_retention_folds_the_queue_before_it_drops_raw_rows(database_url: str, tmp_path: Path) -> None:
    async with both(database_url, tmp_path) as (pg, pg_repo, lite, lite_repo):
        for repo in (pg_repo, lite_repo):
            assert await repo.drop_older_than(int(NOW.timestamp() * 1000)) == 2_600  # every distinct event
        assert await pg_repo.queued() == 0
        assert await rollups(pg) == await rollups(lite)  # the rollups outlive the raw rows, every one counted


async def test_an_upgrade_folds_what_the_old_queue_held(database_url: str, tmp_path: Path) -> None:
    """A database at migration 0280 with batches still in ``rollup_queue`` (that version's writer:
    the activities, and their counted rows' rollup columns in the queue) loses none at 0290."""
    lite, _ = await written(f"sqlite:///{tmp_path / 'same.db'}")
    pg = await Database.open(database_url)
    try:
        await pg.migrate(target=280)
        queued = ", ".join(activity.QUEUE_COLUMNS)
        await pg.executemany(activity.insert_activities_sql(1), await stored_form(pg))
        await pg.execute(f"INSERT INTO rollup_queue ({queued}) SELECT {queued} FROM activities WHERE counts = 1")
        assert await pg.fetchval("SELECT COUNT(*) FROM member_days") == 0
        await pg.migrate()
        assert await fold_queued(pg) == 0  # the migration folded it
        assert await rollups(pg) == await rollups(lite)
    finally:
        await pg.close()
        await lite.close()
