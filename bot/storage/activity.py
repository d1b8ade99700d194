"""Posts, raw activities, their rollups and privacy rows."""

from __future__ import annotations

import sqlite3
from collections.abc import Awaitable, Callable, Iterable, Sequence
from functools import lru_cache
from itertools import chain
from typing import Any

from bot.storage import dialect
from bot.storage.database import Database

ACTIVITY_COLUMNS = (
    "guild_id",
    "event_key",
    "kind",
    "member_id",
    "channel_id",
    "thread_id",
    "message_id",
    "post_id",
    "reply_to_member_id",
    "reply_to_bot",
    "at",
    "local_day",
    "utc_hour",
    "local_hour_of_week",
    "counts",
)


@lru_cache(maxsize=4)
def insert_activities_sql(rows: int) -> str:
    """One INSERT of ``rows`` activities; a duplicate event key is skipped (and fires no trigger)."""
    values = ", ".join(["(" + ", ".join("?" * len(ACTIVITY_COLUMNS)) + ")"] * rows)
    return (
        f"INSERT INTO activities ({', '.join(ACTIVITY_COLUMNS)}) VALUES {values} "
        "ON CONFLICT (guild_id, event_key) DO NOTHING"
    )


INSERT_ACTIVITY = insert_activities_sql(1)
# Rows per INSERT statement, largest first: 1,000 rows bind 15,000 parameters, under SQLite's
# limit (32,766 since 3.32; 999 before, where single rows are used). Few sizes keep SQLite's
# statement cache small: a 1,000-row statement is a sizeable program.
INSERT_CHUNKS = (1_000, 100, 10, 1) if sqlite3.sqlite_version_info >= (3, 32, 0) else (1,)


def insert_plan(rows: Sequence[Sequence[Any]]) -> list[tuple[str, list[list[Any]]]]:
    """The INSERTs that store ``rows`` in order: (statement, one flat parameter list per chunk)."""
    plan = []
    start = 0
    for size in INSERT_CHUNKS:
        stop = start + (len(rows) - start) // size * size
        if stop > start:
            chunks = [list(chain.from_iterable(rows[i : i + size])) for i in range(start, stop, size)]
            plan.append((insert_activities_sql(size), chunks))
        start = stop
    return plan


async def _insert_sqlite(db: Database, rows: Sequence[Sequence[Any]]) -> None:
    """Multi-row INSERTs; the AFTER INSERT triggers of 0002_activity.sql keep the rollups."""
    async with db.transaction():
        for statement, chunks in insert_plan(rows):
            await db.executemany(statement, chunks)


_COLUMNS = ", ".join(ACTIVITY_COLUMNS)
# Rows per batch when recorder.batch_size is 0: SQLite's triggers run row by row in one
# transaction; on PostgreSQL each batch costs a transaction, a COPY and (in time) a fold, so
# fewer, larger ones take less CPU per activity (bench/postgres.py).
DEFAULT_BATCH_SIZES = {"sqlite": 5_000, "postgresql": 20_000}
ID_BLOCK = 100_000
"""Activity ids one PostgreSQL batch reserves (the identity's increment, migration 0290): the most
rows one COPY holds, and the recorder's largest batch (``recorder.batch_size``)."""
RESERVE_IDS = "SELECT nextval(pg_get_serial_sequence('activities', 'id'))"
_ID_COLUMNS = ("id", *ACTIVITY_COLUMNS)
POSTGRES_STAGING = (
    f"CREATE TEMP TABLE IF NOT EXISTS activities_staging ON COMMIT DELETE ROWS AS "
    f"SELECT id, {_COLUMNS} FROM activities WITH NO DATA"
)
# A batch that replays an event key: what is new goes in, a replayed key is skipped (and keeps the
# id, and the range, of the batch that first stored it: it is counted once).
POSTGRES_INSERT_NEW = (
    f"INSERT INTO activities (id, {_COLUMNS}) SELECT id, {_COLUMNS} FROM activities_staging "
    "ON CONFLICT (guild_id, event_key) DO NOTHING"
)
QUEUE_RANGE = "INSERT INTO rollup_ranges (first_id, last_id) VALUES (?, ?)"

# The rollup columns of a counted activity: what the folder aggregates into the four rollups.
QUEUE_COLUMNS = (
    "guild_id", "local_day", "local_hour_of_week", "member_id", "kind", "post_id", "reply_to_member_id",
    "reply_to_bot", "at",
)


def _counted(ranges: str) -> str:
    """``WITH ranges AS (ranges), counted AS (...)``: the counted activities of the queued ranges,
    each range read through the primary key. The fold's ``ranges`` deletes them, so what it deletes
    it counts, once; a count of what waits only reads them."""
    return f"""
WITH ranges AS (
    {ranges}
), counted AS (
    SELECT {", ".join("a." + c for c in QUEUE_COLUMNS)} FROM ranges r
    JOIN activities a ON a.id BETWEEN r.first_id AND r.last_id WHERE a.counts = 1
)"""


# The rollups of the counted rows, set-based: the same sums the SQLite triggers make row by row
# (those of 0080_analytics_v2.sql: guild_hours by local hour with responses, directed reply pairs).
# One data-modifying CTE per rollup table, by name (bench/postgres.py times them one by one).
POSTGRES_ROLLUPS = {
    "days": """
    INSERT INTO member_days AS m
        (guild_id, local_day, member_id, activities, messages, responses, replies, member_replies)
    SELECT guild_id, local_day, member_id, COUNT(*),
           COUNT(*) FILTER (WHERE kind = 'message'),
           COUNT(*) FILTER (WHERE post_id IS NOT NULL),
           COUNT(*) FILTER (WHERE reply_to_member_id IS NOT NULL OR reply_to_bot = 1),
           COUNT(*) FILTER (WHERE reply_to_member_id IS NOT NULL AND reply_to_member_id <> member_id)
    FROM counted GROUP BY guild_id, local_day, member_id
    ON CONFLICT (guild_id, local_day, member_id) DO UPDATE SET
        activities = m.activities + excluded.activities,
        messages = m.messages + excluded.messages,
        responses = m.responses + excluded.responses,
        replies = m.replies + excluded.replies,
        member_replies = m.member_replies + excluded.member_replies""",
    "hours": """
    INSERT INTO guild_hours AS h (guild_id, local_day, local_hour_of_week, activities, responses)
    SELECT guild_id, local_day, local_hour_of_week, COUNT(*), COUNT(*) FILTER (WHERE post_id IS NOT NULL)
    FROM counted GROUP BY guild_id, local_day, local_hour_of_week
    ON CONFLICT (guild_id, local_day, local_hour_of_week) DO UPDATE SET
        activities = h.activities + excluded.activities,
        responses = h.responses + excluded.responses""",
    "responders": """
    INSERT INTO post_responders AS r (guild_id, post_id, member_id, first_at)
    SELECT guild_id, post_id, member_id, MIN(at) FROM counted WHERE post_id IS NOT NULL
    GROUP BY guild_id, post_id, member_id
    ON CONFLICT (guild_id, post_id, member_id) DO UPDATE SET first_at = excluded.first_at
        WHERE excluded.first_at < r.first_at""",
    "pairs": """
    INSERT INTO reply_pairs AS p (guild_id, local_day, member_a, member_b, replies, a_to_b, b_to_a)
    SELECT guild_id, local_day, LEAST(member_id, reply_to_member_id), GREATEST(member_id, reply_to_member_id),
           COUNT(*), COUNT(*) FILTER (WHERE member_id < reply_to_member_id),
           COUNT(*) FILTER (WHERE member_id > reply_to_member_id)
    FROM counted WHERE reply_to_member_id IS NOT NULL AND reply_to_member_id <> 0 AND reply_to_member_id <> member_id
    GROUP BY 1, 2, 3, 4
    ON CONFLICT (guild_id, local_day, member_a, member_b) DO UPDATE SET
        replies = p.replies + excluded.replies, a_to_b = p.a_to_b + excluded.a_to_b,
        b_to_a = p.b_to_a + excluded.b_to_a""",
}
ROLLUP_TABLES = {"days": "member_days", "hours": "guild_hours", "responders": "post_responders", "pairs": "reply_pairs"}

# Rollup keys in index order: the folder's upserts take row locks in one order (two folds, or a
# fold and forget-me, can never deadlock) and walk each index forwards.
_ROLLUP_ORDER = {
    "days": "guild_id, local_day, member_id",
    "hours": "guild_id, local_day, local_hour_of_week",
    "responders": "guild_id, post_id, member_id",
    "pairs": "1, 2, 3, 4",
}


def postgres_fold(rollups: Sequence[str] = tuple(POSTGRES_ROLLUPS)) -> str:
    """Every queued range deleted and its counted activities aggregated into the named rollups, in
    one statement (one transaction: what it deletes it counts, once). A batch committing meanwhile
    is not in the DELETE's snapshot and waits for the next fold. Returns the activities folded."""
    ctes = "".join(
        f", {name} AS ({_ordered(POSTGRES_ROLLUPS[name], _ROLLUP_ORDER[name])}\n)" for name in rollups
    )
    return f"{_counted('DELETE FROM rollup_ranges RETURNING first_id, last_id')}{ctes}\nSELECT COUNT(*) FROM counted\n"


def _ordered(upsert: str, key: str) -> str:
    head, conflict = upsert.split("ON CONFLICT", 1)
    return f"{head}ORDER BY {key}\n    ON CONFLICT{conflict}"


POSTGRES_FOLD = postgres_fold()
QUEUED_COUNT = f"{_counted('SELECT first_id, last_id FROM rollup_ranges')}\nSELECT COUNT(*) FROM counted"
# The statements over queued ranges want the primary key: on a young table (no statistics yet) the
# planner would scan all of activities once per fold instead, and past its cost threshold JIT-compile
# every fold (~0.4 s of compiling for a few milliseconds of work). Both settings last one transaction.
RANGE_PLAN = "SELECT set_config('enable_seqscan', 'off', true), set_config('jit', 'off', true)"
# One folder at a time across every process: the background folder tries the lock and leaves
# the work to whoever holds it; a reader (a report, forget-me, rebuild) waits for it, then folds
# what is left, so it reads every committed activity in the rollups.
FOLD_LOCK = dialect.advisory_key("hearth:rollup-fold")


async def _insert_postgres(db: Database, rows: Sequence[Sequence[Any]]) -> None:
    """Per block of ID_BLOCK rows: reserve the block's ids, COPY the rows straight into activities
    under them and queue the range, in one transaction. A replayed event key fails the COPY with a
    unique violation (nothing of it stays: it runs in a savepoint); the block then goes in through
    a staging table, new keys only (POSTGRES_INSERT_NEW). A folder counts the range's rows that are
    there, so a replay is never counted twice."""
    async with db.transaction():
        for start in range(0, len(rows), ID_BLOCK):
            block = rows[start : start + ID_BLOCK]
            first = int(await db.fetchval(RESERVE_IDS))
            records = [(n, *row) for n, row in enumerate(block, first)]
            try:
                async with db.transaction():  # a savepoint: a refused COPY leaves nothing behind
                    await db.copy_rows("activities", _ID_COLUMNS, records)  # type: ignore[attr-defined]
            except dialect.DUPLICATE_KEY:
                await db.execute(POSTGRES_STAGING)
                await db.copy_rows("activities_staging", _ID_COLUMNS, records)  # type: ignore[attr-defined]
                await db.execute(POSTGRES_INSERT_NEW)
            await db.execute(QUEUE_RANGE, (first, first + len(block) - 1))


async def _fold_postgres(db: Database, wait: bool) -> int | None:
    try:
        async with db.transaction():
            if wait:
                await db.execute("SELECT pg_advisory_xact_lock(?)", (FOLD_LOCK,))
            elif not await db.fetchval("SELECT pg_try_advisory_xact_lock(?)", (FOLD_LOCK,)):
                return None
            await db.fetchval(RANGE_PLAN)
            return int(await db.fetchval(POSTGRES_FOLD) or 0)
    except dialect.READ_ONLY:
        return None  # a read-only connection or role: the rollups as folded so far


async def _fold_sqlite(db: Database, wait: bool) -> int | None:
    return 0  # the triggers keep the rollups: nothing is ever queued


async def fold_queued(db: Database, *, wait: bool = True) -> int | None:
    """Fold the rollup queue into the rollups; returns the activities folded. ``wait``: after the
    fold another process may be running (a reader's barrier); else None when one is running.
    None too on a read-only connection or role, which cannot fold (`hearth report`)."""
    return await FOLDERS[db.engine](db, wait)


async def queued_activities(db: Database) -> int:
    """Activities recorded but not yet folded into the rollups (0 on SQLite)."""
    if db.engine not in QUEUED_ROLLUPS:
        return 0
    async with db.transaction():
        await db.fetchval(RANGE_PLAN)
        return int(await db.fetchval(QUEUED_COUNT) or 0)


# Triggers vs set-based rollups: the one place the recorder's write path differs by engine.
BATCH_WRITERS: dict[str, Callable[[Database, Sequence[Sequence[Any]]], Awaitable[None]]] = {
    "sqlite": _insert_sqlite,
    "postgresql": _insert_postgres,
}
FOLDERS: dict[str, Callable[[Database, bool], Awaitable[int | None]]] = {
    "sqlite": _fold_sqlite,
    "postgresql": _fold_postgres,
}
QUEUED_ROLLUPS = frozenset({"postgresql"})  # engines whose rollups wait in rollup_ranges for a fold


POST_COLUMNS = (
    "guild_id",
    "kind",
    "tag",
    "channel_id",
    "message_id",
    "thread_id",
    "posted_at",
    "local_day",
    "local_hour_of_week",
    "schedule_id",
    "on_time",
    "ref_id",
    "experiment_id",
    "arm",
    "member_count",
)

# Tables holding rows about one member; forget-me and purge delete from each.
MEMBER_TABLES = (
    ("activities", "member_id"),
    ("member_days", "member_id"),
    ("post_responders", "member_id"),
    ("reply_pairs", "member_a"),
    ("reply_pairs", "member_b"),
    ("analytics_response_runs", "member_id"),
    ("analytics_last_days", "member_id"),
    ("analytics_pair_last_days", "member_a"),
    ("analytics_pair_last_days", "member_b"),
    ("analytics_cut_members", "member_id"),
    ("analytics_cut_pairs", "member_a"),
    ("analytics_cut_pairs", "member_b"),
    ("analytics_cut_hours", "member_id"),
)


class ActivityRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def insert_batch(self, rows: Sequence[Sequence[Any]]) -> None:
        """``write_batch``, then the rollup queue folded: the rows are in the rollups on return."""
        await self.write_batch(rows)
        await fold_queued(self._db)

    @property
    def default_batch_size(self) -> int:
        return DEFAULT_BATCH_SIZES[self._db.engine]

    @property
    def queues_rollups(self) -> bool:
        """Whether written batches wait in the rollup queue for a fold (PostgreSQL)."""
        return self._db.engine in QUEUED_ROLLUPS

    async def fold(self, *, wait: bool = True) -> int | None:
        return await fold_queued(self._db, wait=wait)

    async def queued(self) -> int:
        return await queued_activities(self._db)

    def own_connection(self) -> Any:
        """``async with repo.own_connection() as pid:`` the folder's queries on a connection of its own."""
        return self._db.own_connection()

    async def write_batch(self, rows: Sequence[Sequence[Any]]) -> None:
        """Insert activity tuples (ACTIVITY_COLUMNS order) in one transaction; duplicates are ignored.

        Rows go in as multi-row INSERTs rather than one row per statement: sqlite3 takes the GIL
        back after every statement, so a writer thread stepping row by row and a busy event loop
        hand the GIL to and fro. A 1,000-row statement runs its rows, and their rollup triggers,
        inside SQLite while the event loop keeps going (bench/recorder.py, docs/performance.md).
        On PostgreSQL each block of the batch reserves ids, is COPYed straight into activities and
        queues its id range (``_insert_postgres``); a replayed event key is skipped and counted
        once; ``fold`` (the recorder's folder, a reader's barrier) moves the queue into the rollups.
        """
        await BATCH_WRITERS[self._db.engine](self._db, rows)

    async def count(self, guild_id: int) -> int:
        return int(await self._db.fetchval("SELECT COUNT(*) FROM activities WHERE guild_id = ?", (guild_id,)) or 0)

    async def for_member(self, guild_id: int, member_id: int) -> list[Any]:
        return await self._db.fetchall(
            "SELECT * FROM activities WHERE guild_id = ? AND member_id = ? ORDER BY at", (guild_id, member_id)
        )

    async def forget_member(self, guild_id: int, member_id: int) -> int:
        """Delete every recorded row about a member in one guild; returns the activities removed."""
        async with self._db.transaction():
            # Their queued activities into the rollups first (PostgreSQL), so the rollup rows deleted
            # and the hours subtracted below are exactly those of their stored activities.
            await fold_queued(self._db)
            hours = await self._db.fetchall(
                "SELECT local_day, local_hour_of_week, COUNT(*) AS n, "
                "SUM(CASE WHEN post_id IS NOT NULL THEN 1 ELSE 0 END) AS r FROM activities "
                "WHERE guild_id = ? AND member_id = ? AND counts = 1 GROUP BY local_day, local_hour_of_week",
                (guild_id, member_id),
            )
            await self._db.executemany(
                "UPDATE guild_hours SET activities = activities - ?, responses = responses - ? "
                "WHERE guild_id = ? AND local_day = ? AND local_hour_of_week = ?",
                [(row["n"], row["r"], guild_id, row["local_day"], row["local_hour_of_week"]) for row in hours],
            )
            # Their id leaves other members' rows too: a reply to them stays a member reply, with
            # no id (0) and in no pair (METRICS v2 "Privacy").
            await self._db.execute(
                "UPDATE activities SET reply_to_member_id = 0 WHERE guild_id = ? AND reply_to_member_id = ?",
                (guild_id, member_id),
            )
            removed = await self._db.execute_rowcount(
                "DELETE FROM activities WHERE guild_id = ? AND member_id = ?", (guild_id, member_id)
            )
            for table, column in MEMBER_TABLES[1:]:
                await self._db.execute(
                    f"DELETE FROM {table} WHERE guild_id = ? AND {column} = ?", (guild_id, member_id)
                )
        return removed

    async def drop_older_than(self, cutoff_ms: int) -> int:
        """Retention: raw activities older than the cutoff go; rollups stay (the cut days stored
        from those activities go too: a report reads what is left raw). What is queued is folded
        first: a queued range's activities are counted from the rows themselves."""
        await fold_queued(self._db)
        for table in ("analytics_cut_members", "analytics_cut_pairs", "analytics_cut_hours"):
            await self._db.execute(
                f"DELETE FROM {table} WHERE EXISTS (SELECT 1 FROM analytics_cut_days c WHERE c.guild_id = "
                f"{table}.guild_id AND c.local_day = {table}.local_day AND c.start_ms < ?)",
                (cutoff_ms,),
            )
        await self._db.execute("DELETE FROM analytics_cut_days WHERE start_ms < ?", (cutoff_ms,))
        return await self._db.execute_rowcount("DELETE FROM activities WHERE at < ?", (cutoff_ms,))

    async def pseudonymise_rollups_before(self, cutoff_day: int, pseudonyms: dict[tuple[int, int], int]) -> None:
        """Replace member ids in old member_days rows by stable pseudonyms (retention without ids).

        The nightly last days (migration 0270) follow: a member's last day (with messages) before
        the cutoff is no longer theirs, so it goes (what walking their remaining days finds)."""
        members = [(guild_id, member_id, cutoff_day) for guild_id, member_id in pseudonyms]
        async with self._db.transaction():
            await fold_queued(self._db)  # under the fold lock: no fold updates these rows meanwhile
            await self._db.executemany(
                "UPDATE member_days SET member_id = ? WHERE guild_id = ? AND member_id = ? AND local_day < ?",
                [(alias, guild_id, member_id, cutoff_day) for (guild_id, member_id), alias in pseudonyms.items()],
            )
            await self._db.executemany(
                "DELETE FROM analytics_last_days WHERE guild_id = ? AND member_id = ? AND last_day < ?", members
            )
            await self._db.executemany(
                "UPDATE analytics_last_days SET last_talked = -1 WHERE guild_id = ? AND member_id = ? "
                "AND last_talked < ?",
                members,
            )
            # The stored cut days (migration 0260) likewise: every member's days before the cutoff
            # now carry pseudonyms, so a previous day before it is none.
            for column in ("prev_day", "talked_prev"):
                await self._db.execute(
                    f"UPDATE analytics_cut_members SET {column} = -1 WHERE {column} >= 0 AND {column} < ?",
                    (cutoff_day,),
                )

    async def members_in_rollups_before(self, cutoff_day: int) -> list[tuple[int, int]]:
        await fold_queued(self._db)  # a late activity of an old day gets its pseudonym too
        rows = await self._db.fetchall(
            "SELECT DISTINCT guild_id, member_id FROM member_days WHERE local_day < ? AND member_id > 0", (cutoff_day,)
        )
        return [(r["guild_id"], r["member_id"]) for r in rows]


class PostRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def add(self, values: dict[str, Any]) -> int:
        columns = [c for c in POST_COLUMNS if c in values]
        return await self._db.execute(
            f"INSERT INTO posts ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})",
            [values[c] for c in columns],
        )

    async def set_thread(self, guild_id: int, post_id: int, thread_id: int) -> None:
        await self._db.execute(
            "UPDATE posts SET thread_id = ? WHERE guild_id = ? AND id = ?", (thread_id, guild_id, post_id)
        )

    async def get(self, guild_id: int, post_id: int) -> Any:
        return await self._db.fetchone("SELECT * FROM posts WHERE guild_id = ? AND id = ?", (guild_id, post_id))

    async def by_message(self, guild_id: int, message_id: int) -> Any:
        return await self._db.fetchone(
            "SELECT * FROM posts WHERE guild_id = ? AND message_id = ?", (guild_id, message_id)
        )

    async def link_index(self) -> Iterable[Any]:
        return await self._db.fetchall("SELECT id, guild_id, message_id, thread_id FROM posts")

    async def add_part(
        self, guild_id: int, post_id: int, message_id: int, part: int, tag: str | None, posted_at_ms: int
    ) -> None:
        """A message that belongs to a post (a trivia round's question): responses to it are the post's."""
        await self._db.execute(
            "INSERT INTO post_parts (guild_id, message_id, post_id, part, tag, posted_at) VALUES (?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (guild_id, message_id) DO NOTHING",
            (guild_id, message_id, post_id, part, tag, posted_at_ms),
        )

    async def part_index(self) -> Iterable[Any]:
        return await self._db.fetchall("SELECT post_id, guild_id, message_id FROM post_parts")

    async def parts(self, guild_id: int, post_id: int) -> list[Any]:
        return await self._db.fetchall(
            "SELECT message_id, part, tag, posted_at FROM post_parts WHERE guild_id = ? AND post_id = ? ORDER BY part",
            (guild_id, post_id),
        )

    async def first_posted_at(self, guild_id: int) -> int | None:
        """When Hearth first posted in the guild (epoch ms), or None before its first post."""
        return await self._db.fetchval("SELECT MIN(posted_at) FROM posts WHERE guild_id = ?", (guild_id,))

    async def in_range(self, guild_id: int, since_ms: int, until_ms: int) -> list[Any]:
        return await self._db.fetchall(
            "SELECT * FROM posts WHERE guild_id = ? AND posted_at >= ? AND posted_at < ? ORDER BY posted_at",
            (guild_id, since_ms, until_ms),
        )


class OptOutRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def all(self) -> list[tuple[int, str]]:
        return [
            (r["guild_id"], r["member_hash"])
            for r in await self._db.fetchall("SELECT guild_id, member_hash FROM privacy_optouts")
        ]

    async def add(self, guild_id: int, member_hash: str, now_ms: int) -> None:
        await self._db.execute(
            "INSERT INTO privacy_optouts (guild_id, member_hash, at) VALUES (?, ?, ?) "
            "ON CONFLICT (guild_id, member_hash) DO NOTHING",
            (guild_id, member_hash, now_ms),
        )

    async def remove(self, guild_id: int, member_hash: str) -> None:
        await self._db.execute(
            "DELETE FROM privacy_optouts WHERE guild_id = ? AND member_hash = ?", (guild_id, member_hash)
        )


class MetaRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def get(self, key: str) -> str | None:
        return await self._db.fetchval("SELECT value FROM meta WHERE key = ?", (key,))

    async def set(self, key: str, value: str) -> None:
        await self._db.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )
