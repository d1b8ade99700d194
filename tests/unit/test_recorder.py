"""The recorder against a real database: batches, idempotency, rollups, opt-outs and backpressure."""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest

from bot.core.clock import FakeClock, to_ms
from bot.core.localtime import day_and_hour_of_week, utc_hour
from bot.core.settings import RecorderSettings
from bot.platform.privacy import PrivacyService
from bot.platform.recorder import COUNTING_KINDS, KINDS, Activity, Recorder, event_hash
from bot.storage import Database
from bot.storage.activity import INSERT_CHUNKS, ActivityRepository, MetaRepository, OptOutRepository, insert_plan
from bot.storage.guilds import GuildConfig, GuildRepository
from tests.conftest import DatabaseUrls

GUILD = 5
T0 = datetime(2026, 3, 7, 23, 30, tzinfo=UTC)  # Saturday 23:30 UTC


class Env:
    def __init__(self, db: Database, recorder: Recorder, privacy: PrivacyService, guilds: GuildRepository) -> None:
        self.db, self.recorder, self.privacy, self.guilds = db, recorder, privacy, guilds

    async def rows(self, sql: str, *params: object) -> list[tuple]:
        return [tuple(r) for r in await self.db.fetchall(sql, params)]


@pytest.fixture
async def env(database_url: str) -> AsyncIterator[Env]:
    db = await Database.open(database_url)
    await db.migrate()
    clock = FakeClock(T0)
    guilds = GuildRepository(db, "UTC")
    await guilds.save(GuildConfig(GUILD, "Europe/Berlin"), 0)
    activities = ActivityRepository(db)
    privacy = PrivacyService(OptOutRepository(db), activities, MetaRepository(db), clock)
    await privacy.load()
    recorder = Recorder(activities, guilds, privacy, clock, RecorderSettings(batch_size=3, max_queue=1000))
    yield Env(db, recorder, privacy, guilds)
    await recorder.close()
    await db.close()


def message(n: int, member: int = 100, **kwargs: object) -> Activity:
    return Activity(GUILD, "message", member, T0 + timedelta(minutes=n), f"m:{n}", channel_id=1, **kwargs)  # type: ignore[arg-type]


async def test_batches_are_the_databases_own_size_unless_one_is_set(env: Env) -> None:
    assert env.recorder.batch_size == 3
    unset = Recorder(ActivityRepository(env.db), env.guilds, env.privacy, FakeClock(T0), RecorderSettings())
    assert unset.batch_size == {"sqlite": 5_000, "postgresql": 20_000}[env.db.engine]


async def test_local_day_and_hour_are_those_of_the_guild_time_zone(env: Env) -> None:
    env.recorder.record(message(0))  # 23:30 UTC Saturday = 00:30 Sunday in Berlin
    await env.recorder.flush()
    ((day, how, hour),) = await env.rows("SELECT local_day, local_hour_of_week, utc_hour FROM activities")
    assert datetime.fromordinal(day).date().isoformat() == "2026-03-08"
    assert how == 6 * 24 + 0
    assert hour == utc_hour(T0) == int(T0.timestamp()) // 3600


def test_event_hash_is_the_stored_blake2b_of_every_version() -> None:
    """The stored key is the replay guard across versions: pinned values, and the original formula."""
    assert event_hash("m:1") == -2679195954854176781
    assert event_hash("r:123456789012345678:42:\U0001f44d") == -2051644223857862885
    assert event_hash("") == -1970711489451281740
    for key in ("m:1", "v:8:4:1", "trivia:1:2:3", "\u00e9t\u00e9", *(f"r:{n}:{n * 7}:x" for n in range(2_000))):
        digest = hashlib.blake2b(key.encode(), digest_size=8).digest()
        assert event_hash(key) == int.from_bytes(digest, "big", signed=True)


async def test_the_stored_row_is_computed_exactly_as_before_the_hot_path_was_cut(env: Env) -> None:
    kinds = sorted(KINDS)
    for n in range(500):
        at = T0 + timedelta(minutes=37 * n, seconds=n % 60, microseconds=n * 1_001)  # DST on 2026-03-29 too
        activity = Activity(GUILD, kinds[n % len(kinds)], 100 + n % 9, at, f"k:{n}", n % 3 or None, None, n,
                            n % 5 or None, n % 7 or None, n % 2 == 0)
        day, how = day_and_hour_of_week(at, "Europe/Berlin")
        assert env.recorder.row(activity) == (
            GUILD, event_hash(f"k:{n}"), activity.kind, activity.member_id, activity.channel_id, None, n,
            activity.post_id, activity.reply_to_member_id, int(n % 2 == 0), to_ms(at), day, to_ms(at) // 3_600_000,
            how, int(activity.kind in COUNTING_KINDS),
        )


async def test_a_replayed_event_is_stored_once_and_counted_once(env: Env) -> None:
    for _ in range(3):
        env.recorder.record(message(1))
    await env.recorder.flush()
    assert await env.rows("SELECT COUNT(*) FROM activities") == [(1,)]
    assert await env.rows("SELECT activities, messages FROM member_days") == [(1, 1)]


def test_a_batch_is_cut_into_the_fewest_statements_and_keeps_every_row_in_order() -> None:
    rows = [(n, n * 10) for n in range(2_345)]
    plan = insert_plan(rows)
    sizes = [(statement.count("(?, ?"), len(chunks)) for statement, chunks in plan]
    assert sizes == [(1_000, 2), (100, 3), (10, 4), (1, 5)] if INSERT_CHUNKS[0] == 1_000 else [(1, 2_345)]
    flat = [value for _, chunks in plan for chunk in chunks for value in chunk]
    assert flat == [value for row in rows for value in row]


async def test_a_large_batch_with_replays_rolls_up_exactly_like_single_rows(
    env: Env, database_urls: DatabaseUrls
) -> None:
    def mix(n: int) -> Activity:
        kind = ("message", "reaction", "poll_vote", "reaction_remove")[n % 4]
        return Activity(GUILD, kind, 100 + n % 37, T0 + timedelta(minutes=n % 900), f"k:{n % 1_900}", channel_id=1,
                        message_id=n, post_id=n % 5 or None, reply_to_member_id=100 + n % 11 if n % 3 else None)

    recorder = Recorder(ActivityRepository(env.db), env.guilds, env.privacy, FakeClock(T0),
                        RecorderSettings(batch_size=5_000, max_queue=10_000))
    for n in range(2_345):  # keys repeat after 1,900: replays inside one statement and across statements
        recorder.record(mix(n))
    assert await recorder.flush() == 2_345
    one_by_one = await Database.open(await database_urls("single"))
    await one_by_one.migrate()
    repo = ActivityRepository(one_by_one)
    for n in range(2_345):
        await repo.insert_batch([recorder.row(mix(n))])
    rollups = (
        "SELECT COUNT(*), SUM(counts) FROM activities",
        "SELECT * FROM member_days ORDER BY 1, 2, 3",
        "SELECT * FROM guild_hours ORDER BY 1, 2, 3",  # the whole key: ties come out in storage order
        "SELECT * FROM post_responders ORDER BY 1, 2, 3",
        "SELECT * FROM reply_pairs ORDER BY 1, 2, 3, 4",
    )
    try:
        for sql in rollups:
            single = [tuple(r) for r in await one_by_one.fetchall(sql)]
            assert await env.rows(sql) == single, sql
    finally:
        await one_by_one.close()
    assert await env.rows("SELECT COUNT(*) FROM activities") == [(1_900,)]


async def test_removed_reaction_still_counts_as_a_response(env: Env) -> None:
    env.recorder.record(Activity(GUILD, "reaction", 100, T0, "r:9:100:x", message_id=9, post_id=1))
    env.recorder.record(Activity(GUILD, "reaction_remove", 100, T0, "r-:9:100:x", message_id=9, post_id=1))
    await env.recorder.flush()
    assert await env.rows("SELECT post_id, member_id FROM post_responders") == [(1, 100)]
    assert await env.rows("SELECT activities, responses FROM member_days") == [(1, 1)]


async def test_replies_to_members_bots_and_oneself_are_told_apart(env: Env) -> None:
    env.recorder.record(message(1, member=100, reply_to_member_id=200))
    env.recorder.record(message(2, member=100, reply_to_bot=True))
    env.recorder.record(message(3, member=100, reply_to_member_id=100))
    await env.recorder.flush()
    assert await env.rows("SELECT replies, member_replies FROM member_days") == [(3, 1)]
    assert await env.rows("SELECT member_a, member_b, replies FROM reply_pairs") == [(100, 200, 1)]


async def test_opted_out_member_leaves_no_new_rows(env: Env) -> None:
    await env.privacy.opt_out(GUILD, 100)
    assert env.recorder.record(message(1)) is False
    await env.recorder.flush()
    assert await env.rows("SELECT COUNT(*) FROM activities") == [(0,)]
    stored = await env.rows("SELECT member_hash FROM privacy_optouts")
    # The opt-out is kept as the keyed hash of the id, never the id: a random hex digest may
    # contain the digits "100" by chance, so compare with the hash, not a substring.
    assert stored == [(env.privacy.member_hash(100),)] and stored[0][0] != "100"


async def test_forget_me_leaves_nothing_about_the_member(env: Env) -> None:
    env.recorder.record(message(1, member=100, reply_to_member_id=200, post_id=3))
    env.recorder.record(message(2, member=200))
    await env.recorder.flush()
    await env.privacy.forget(GUILD, 100)
    for table, column in (("activities", "member_id"), ("member_days", "member_id"), ("post_responders", "member_id")):
        assert await env.rows(f"SELECT COUNT(*) FROM {table} WHERE {column} = 100") == [(0,)]
    assert await env.rows("SELECT COUNT(*) FROM reply_pairs") == [(0,)]
    assert await env.rows("SELECT SUM(activities) FROM guild_hours") == [(1,)]


async def test_full_queue_drops_and_counts_new_activities(env: Env) -> None:
    for n in range(1005):
        env.recorder.record(message(n))
    assert env.recorder.stats.dropped == 5
    assert await env.recorder.flush() == 1000


async def test_close_flushes_everything_enqueued(env: Env) -> None:
    env.recorder.start()
    for n in range(10):
        env.recorder.record(message(n))
    await env.recorder.close()
    assert await env.rows("SELECT COUNT(*) FROM activities") == [(10,)]


async def test_batch_that_fails_to_write_is_kept_for_the_next_try(env: Env) -> None:
    env.recorder.record(message(1))
    if env.db.engine == "sqlite":
        await env.db.execute("PRAGMA query_only = ON")  # as a read-only or full disk would refuse
        with pytest.raises(sqlite3.OperationalError):
            await env.recorder.flush()
    else:
        await env.db.execute("ALTER TABLE rollup_ranges RENAME TO rollup_ranges_away")  # the batch's statement fails
        with pytest.raises(asyncpg.UndefinedTableError):
            await env.recorder.flush()
    assert env.recorder.pending == 1
    if env.db.engine == "sqlite":
        await env.db.execute("PRAGMA query_only = OFF")
    else:
        await env.db.execute("ALTER TABLE rollup_ranges_away RENAME TO rollup_ranges")
    assert await env.recorder.flush() == 1


@pytest.mark.backends("postgresql")  # SQLite's triggers keep the rollups in the batch's transaction: nothing is queued
async def test_a_fold_that_fails_keeps_the_queue_and_the_next_fold_counts_it_once(env: Env) -> None:
    for n in range(3):
        env.recorder.record(message(n + 1))
    await env.db.execute("ALTER TABLE member_days RENAME TO member_days_away")  # the fold's statement fails
    with pytest.raises(asyncpg.UndefinedTableError):
        await env.recorder.flush()
    assert env.recorder.pending == 0  # the activities are stored, their rollup rows wait in the queue
    assert await env.rows("SELECT COUNT(*) FROM activities") == [(3,)]
    assert await env.recorder.rollup_backlog() == 3
    await env.db.execute("ALTER TABLE member_days_away RENAME TO member_days")
    assert await env.recorder.flush() == 0
    assert await env.recorder.rollup_backlog() == 0
    assert await env.rows("SELECT SUM(activities) FROM member_days") == [(3,)]


async def test_a_row_sqlite_refuses_is_set_aside_and_the_rest_of_its_batch_is_stored(env: Env) -> None:
    env.recorder.record(message(1))
    env.recorder.record(message(2, member=None))  # type: ignore[arg-type] - a bug: NOT NULL refuses it
    env.recorder.record(message(3))
    env.recorder.record(message(4))
    assert await env.recorder.flush() == 3
    assert env.recorder.pending == 0
    assert env.recorder.stats.rejected == 1
    assert await env.rows("SELECT COUNT(*) FROM activities") == [(3,)]
    assert await env.rows("SELECT SUM(activities) FROM member_days") == [(3,)]


async def test_retention_drops_old_activities_and_keeps_rollups_without_ids(env: Env) -> None:
    from bot.platform.retention import Retention

    env.recorder.record(message(0, member=100))
    await env.recorder.flush()
    later = FakeClock(T0 + timedelta(days=401))
    retention = Retention(ActivityRepository(env.db), env.privacy, later, days=400)
    assert await retention.run() == 1
    assert await env.rows("SELECT COUNT(*) FROM activities") == [(0,)]
    ((member, activities),) = await env.rows("SELECT member_id, activities FROM member_days")
    assert activities == 1 and member < 0  # a pseudonym, never a real id
