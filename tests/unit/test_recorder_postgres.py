"""The recorder on PostgreSQL: COPY batches, replays, and a database restart in the middle of a stream."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.core.clock import FakeClock
from bot.core.settings import RecorderSettings
from bot.platform.privacy import PrivacyService
from bot.platform.recorder import Activity, Recorder
from bot.storage import Database
from bot.storage.activity import ActivityRepository, MetaRepository, OptOutRepository
from bot.storage.guilds import GuildRepository

pytestmark = pytest.mark.backends("postgresql")

ROOT = Path(__file__).resolve().parents[2]
PG_BIN = Path(os.environ.get("HEARTH_PG_BIN", "/usr/lib/postgresql/15/bin"))
T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
EVENTS = 20_000


def activity(n: int) -> Activity:
    kind = ("message", "reaction", "poll_vote", "reaction_remove")[n % 4]
    return Activity(
        1 + n % 3, kind, 100 + n % 211, T0 + timedelta(seconds=n), f"e:{n}", channel_id=9,
        post_id=(n % 5) or None, reply_to_member_id=(100 + (n * 7) % 211) if n % 3 == 0 else None,
    )


async def recorder_on(url: str, batch_size: int = 500) -> tuple[Database, Recorder]:
    db = await Database.open(url)
    await db.migrate()
    clock = FakeClock(T0)
    guilds = GuildRepository(db, "Europe/Berlin")
    await guilds.load_all()
    meta = MetaRepository(db)
    privacy = PrivacyService(OptOutRepository(db), ActivityRepository(db), meta, clock)
    await privacy.load()
    settings = RecorderSettings(flush_interval_seconds=0.02, batch_size=batch_size, max_queue=100_000)
    return db, Recorder(ActivityRepository(db), guilds, privacy, clock, settings)


async def totals(db: Database) -> tuple[int, ...]:
    return (
        await db.fetchval("SELECT COUNT(*) FROM activities"),
        await db.fetchval("SELECT COUNT(*) FROM activities WHERE counts = 1"),
        await db.fetchval("SELECT SUM(activities) FROM member_days"),
        await db.fetchval("SELECT SUM(activities) FROM guild_hours"),
        await db.fetchval("SELECT SUM(replies) FROM reply_pairs"),
        await db.fetchval("SELECT COUNT(*) FROM post_responders"),
    )


async def test_a_replayed_batch_counts_nothing_twice(database_url: str) -> None:
    db, recorder = await recorder_on(database_url, batch_size=700)
    try:
        for n in range(2_000):
            recorder.record(activity(n))
        await recorder.flush()
        before = await totals(db)
        for n in range(500, 2_500):  # a gateway replay of 1,500 seen events, and 500 new ones
            recorder.record(activity(n))
        await recorder.flush()
        after = await totals(db)
        assert before[0] == 2_000 and after[0] == 2_500
        assert after[1] == after[2] == after[3] == 2_500 - sum(1 for n in range(2_500) if n % 4 == 3)
        assert await db.fetchval("SELECT MIN(first_at) FROM post_responders") == 1772438401000
    finally:
        await db.close()


@pytest.fixture
def restartable_server(database_backend: str) -> Iterator[tuple[str, str]]:
    """A throwaway PostgreSQL 15 of this test's own (``.ci/postgres``): (its URL, its folder).
    Restarting it interrupts no other test, even when the suite runs on several workers."""
    if not (PG_BIN / "initdb").exists():
        pytest.skip(f"needs PostgreSQL 15's server binaries in {PG_BIN} (or HEARTH_PG_BIN) to start one it can restart")
    pgdir = tempfile.mkdtemp(prefix="hearth-restart-pg.")  # under /tmp: the postgres user can reach it
    try:
        started = subprocess.run(
            [str(ROOT / ".ci/postgres"), "start", pgdir], check=True, capture_output=True, text=True
        )
        yield started.stdout.strip(), pgdir
    finally:
        subprocess.run([str(ROOT / ".ci/postgres"), "stop", pgdir], check=False)
        shutil.rmtree(pgdir, ignore_errors=True)


async def test_postgresql_restart_mid_stream_loses_and_doubles_nothing(restartable_server: tuple[str, str]) -> None:
    database_url, pgdir = restartable_server
    db, recorder = await recorder_on(database_url)
    recorder.start()
    restart: asyncio.Task[subprocess.CompletedProcess[bytes]] | None = None
    try:
        for n in range(EVENTS):
            recorder.record(activity(n))
            if n % 250 == 0:
                await asyncio.sleep(0.005)  # a stream, not one burst
            if n == EVENTS // 3:
                restart = asyncio.create_task(
                    asyncio.to_thread(subprocess.run, [str(ROOT / ".ci/postgres"), "restart", pgdir], check=True)
                )
        for n in range(EVENTS // 2, EVENTS // 2 + 1_000):  # and a replay after the restart
            recorder.record(activity(n))
        assert restart is not None
        await restart
        for _ in range(1_200):  # up to a minute for the backoff to find the database again
            if not recorder.pending and recorder.stats.database_ok:
                break
            await asyncio.sleep(0.05)
        await recorder.close()
        assert recorder.stats.retries >= 1, "the restart never reached the recorder"
        assert recorder.stats.database_ok and recorder.pending == 0 and recorder.stats.dropped == 0
        counting = sum(1 for n in range(EVENTS) if n % 4 != 3)
        stored, counted, days, hours, _, _ = await totals(db)
        assert (stored, counted, days, hours) == (EVENTS, counting, counting, counting)
        keys = await db.fetchval("SELECT COUNT(DISTINCT (guild_id, event_key)) FROM activities")
        assert keys == EVENTS
    finally:
        if restart is not None and not restart.done():
            await restart
        await recorder.close()
        await db.close()
