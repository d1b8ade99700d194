"""Two real ``hearth run`` processes sharing the shards of one bot on one PostgreSQL, against the
local Discord, one of them killed with SIGKILL.

Each process runs two of four shards (``--shard-count 4 --shard-ids 0,1`` and ``2,3``). Their clock
is a file the test moves (``HEARTH_CLOCK_FILE``): whenever it moves, each process sweeps and runs
its housekeeping, then says so in ``<file>.<pid>``; nothing is waited out. Every guild's question
goes out exactly once from the process that owns the guild. The process that holds the
once-across-processes retention (under a PostgreSQL advisory lock) is killed with ``kill -9`` in
the middle of it: its lock goes with its connection, the survivor takes the work over, its guilds
post nothing while it is down, the survivor never pauses (it keeps its gateway sessions, answers
commands and posts on time), and after a restart the overdue posts go out once, late. At the end
every foreign key of the schema holds, and the activities stored are exactly the messages the
local Discord delivered.
"""

from __future__ import annotations

import asyncio
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from bot.core.clock import FakeClock, FileClock
from bot.core.shards import shard_of
from bot.sandbox.localdiscord import LocalDiscord
from bot.sandbox.localdiscord.testing import Community, build_community
from bot.sandbox.processes import Cluster, HearthProcess, command, stop_all
from bot.storage import Database
from bot.storage.dialect import advisory_key
from tests.e2e.conftest import START

pytestmark = pytest.mark.backends("postgresql")  # several processes need PostgreSQL

ROOT = Path(__file__).resolve().parents[2]
SHARDS = 4
INTERACTION_DEADLINE = 3.0  # seconds Discord gives a command for its first answer


def owner(community: Community) -> int:
    """The process serving a guild: 0 for shards 0 and 1, 1 for shards 2 and 3."""
    return shard_of(community.guild.id, SHARDS) // 2


def questions(server: LocalDiscord, community: Community) -> list[Any]:
    return [
        m for m in server.sent_by_bot(community.general)
        if m.embeds and m.embeds[0].get("title") == "Question of the day"
    ]


def summaries(server: LocalDiscord, community: Community) -> list[Any]:
    return [
        m for m in server.sent_by_bot(community.announcements)
        if m.embeds and str(m.embeds[0].get("title", "")).startswith("Weekly summary")
    ]


RETENTION_LOCK = advisory_key("hearth:housekeeping:retention")


async def advisory_holders(admin: asyncpg.Connection) -> list[str]:
    """application_name of every connection holding the retention's advisory lock."""
    rows = await admin.fetch(
        "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
        "WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 "
        "AND l.classid::bigint = $1 AND l.objid::bigint = $2",
        (RETENTION_LOCK >> 32) & 0xFFFFFFFF, RETENTION_LOCK & 0xFFFFFFFF,
    )
    return [r["application_name"] for r in rows]


async def until(predicate: Any, what: str, timeout: float = 20.0) -> float:  # noqa: ASYNC109
    """Wait for ``predicate()`` (sync or async); returns the seconds it took."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        value = predicate()
        if asyncio.iscoroutine(value):
            value = await value
        if value:
            return time.monotonic() - started
        await asyncio.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


async def orphans(db: Database) -> dict[str, int]:
    """Rows whose parent is missing, for every foreign key the catalog lists in this schema."""
    keys = await db.fetchall(
        "SELECT con.conname AS name, child.relname AS child, parent.relname AS parent, "
        "array_agg(ca.attname::text ORDER BY k.n) AS child_columns, "
        "array_agg(pa.attname::text ORDER BY k.n) AS parent_columns "
        "FROM pg_constraint con "
        "JOIN pg_class child ON child.oid = con.conrelid JOIN pg_class parent ON parent.oid = con.confrelid "
        "JOIN pg_namespace ns ON ns.oid = con.connamespace "
        "CROSS JOIN LATERAL unnest(con.conkey, con.confkey) WITH ORDINALITY AS k(c, p, n) "
        "JOIN pg_attribute ca ON ca.attrelid = con.conrelid AND ca.attnum = k.c "
        "JOIN pg_attribute pa ON pa.attrelid = con.confrelid AND pa.attnum = k.p "
        "WHERE con.contype = 'f' AND ns.nspname = current_schema() "
        "GROUP BY con.conname, child.relname, parent.relname"
    )
    found: dict[str, int] = {}  # "child.columns->parent" -> orphans
    for key in keys:
        present = " AND ".join(f'c."{col}" IS NOT NULL' for col in key["child_columns"])
        match = " AND ".join(
            f'p."{pc}" = c."{cc}"' for cc, pc in zip(key["child_columns"], key["parent_columns"], strict=True)
        )
        found[f'{key["child"]}.{",".join(key["child_columns"])}->{key["parent"]}'] = await db.fetchval(
            f'SELECT COUNT(*) FROM "{key["child"]}" c WHERE {present} '
            f'AND NOT EXISTS (SELECT 1 FROM "{key["parent"]}" p WHERE {match})'
        )
    return found


async def sqlite_foreign_keys(path: Path) -> set[str]:
    """``table.column->parent`` for every foreign key of the same schema on SQLite."""
    db = await Database.open(f"sqlite:///{path}")
    try:
        await db.migrate()
        tables = [r[0] for r in await db.fetchall("SELECT name FROM sqlite_master WHERE type = 'table'")]
        keys: dict[tuple[str, int], tuple[list[str], str]] = {}
        for t in tables:
            for fk in await db.fetchall(f"PRAGMA foreign_key_list('{t}')"):
                keys.setdefault((t, fk["id"]), ([], fk["table"]))[0].append(fk["from"])
        return {f"{t}.{','.join(columns)}->{parent}" for (t, _), (columns, parent) in keys.items()}
    finally:
        await db.close()


async def test_two_processes_share_the_guilds_and_survive_a_kill_of_one(database_url: str, tmp_path: Path) -> None:
    clock = FakeClock(START)  # Monday 08:00 UTC
    clock_file = tmp_path / "clock"
    FileClock.write(clock_file, clock.now())
    async with LocalDiscord(clock=clock) as server:
        communities: list[Community] = []
        while len(communities) < 8 or len({shard_of(c.guild.id, SHARDS) for c in communities}) < SHARDS:
            communities.append(build_community(server, name=f"guild {len(communities)}"))
            clock.advance(milliseconds=3)  # snowflakes carry the time: spread the guilds over the shards
        FileClock.write(clock_file, clock.now())
        cluster = Cluster(server, clock, clock_file)
        procs = [HearthProcess(n, server, database_url, clock_file, tmp_path / f"p{n}") for n in (0, 1)]
        admin = await asyncpg.connect(database_url)
        db: Database | None = None
        delivered = 0  # member messages the local Discord delivered to a connected shard
        try:
            await asyncio.gather(*(p.start() for p in procs))
            cluster.up = list(procs)
            await cluster.swept(clock.now())  # both up, caught up, first housekeeping done (once)
            assert sorted(s.shard for s in server.gateway.sessions.values()) == [(i, SHARDS) for i in range(SHARDS)]
            assert len(server.rest_calls("PUT", "/commands")) == 1  # one process synced the commands
            db = await Database.open(database_url)
            for c in communities:
                assert "Hearth is set up." in (
                    await command(server, c, "hearth setup", timezone="UTC", summary_channel=c.announcements)
                )[0]
                assert "Added question" in (await command(server, c, "question add", text="Tea or coffee?"))[0]
                assert "Added question" in (await command(server, c, "question add", text="Cats or dogs?"))[0]
                answer, _ = await command(server, c, "question schedule", channel=c.general, time="09:00", days="daily")
                assert "09:00" in answer
                await server.say(c.alice, c.general, "hello")
                delivered += 1
            await until(
                lambda: db.fetchval("SELECT COUNT(*) FROM schedules WHERE kind = 'summary'"), "summary schedules"
            )

            # Monday 09:01: every question and every weekly summary once, from the guild's own process.
            await cluster.move(hours=1, minutes=1)
            assert [len(questions(server, c)) for c in communities] == [1] * len(communities)
            assert [len(summaries(server, c)) for c in communities] == [1] * len(communities)
            stored = "SELECT COUNT(*) FROM activities WHERE kind = 'message'"
            await until(lambda: _equals(db, stored, delivered), "messages stored")

            # Tuesday: retention is held up inside (the test locks a table it reads), so whichever
            # process got its advisory lock is killed with the lock held, mid-work.
            await admin.execute("BEGIN")
            await admin.execute("LOCK TABLE member_days IN ACCESS EXCLUSIVE MODE")
            moment = clock.advance(days=1)  # Tuesday 09:01
            FileClock.write(clock_file, moment)
            await until(lambda: all(len(questions(server, c)) == 2 for c in communities), "Tuesday's questions")
            await until(lambda: _holder(admin), "a process holding the retention lock")
            names = await advisory_holders(admin)
            assert len(names) == 1, names
            down = next(p for p in procs if names[0] == f"hearth {p.pid}")  # Hearth's application_name
            survivor = next(p for p in procs if p is not down)
            # The survivor is past its own try at retention (it runs first): done, or held up further on.
            await until(lambda: _past_retention(admin, survivor, moment), "the survivor's housekeeping")
            sessions_before = {sid: s.shard for sid, s in server.gateway.sessions.items()}
            await down.kill()
            cluster.up = [survivor]
            up = [c for c in communities if owner(c) == survivor.n]
            gone = [c for c in communities if owner(c) == down.n]
            answer, right_after_kill = await command(server, up[0], "hearth status")
            assert "Hearth status" in answer and right_after_kill < INTERACTION_DEADLINE
            await admin.execute("ROLLBACK")
            lock_gone = await until(lambda: _no_holder(admin), "the dead process's advisory lock to go")
            assert "retention" not in await survivor.swept(moment)  # it had found the work taken
            # The survivor takes the work over at its next sweep: the dead process never finished it.
            assert "retention" in (await cluster.move(minutes=9))[survivor.name]  # Tuesday 09:10

            # While one process is down: its guilds post nothing, the other carries on unpaused.
            latencies = [right_after_kill]
            for c in up:
                answer, took = await command(server, c, "hearth status")
                assert "Hearth status" in answer
                latencies.append(took)
                await server.say(c.bob, c.general, "still here")
                delivered += 1
            started = time.perf_counter()
            assert "retention" in (await cluster.move(days=1, minutes=-9))[survivor.name]  # Wednesday 09:01
            sweep_seconds = time.perf_counter() - started
            assert [len(questions(server, c)) for c in up] == [3] * len(up)
            assert [len(questions(server, c)) for c in gone] == [2] * len(gone)
            for c in up:  # on time: the survivor never waited on the dead one
                statuses = await db.fetchall(
                    "SELECT status FROM occurrences o JOIN schedules s ON s.id = o.schedule_id "
                    "WHERE o.guild_id = ? AND s.kind = 'question' ORDER BY o.due_at", (c.guild.id,)
                )
                assert [r["status"] for r in statuses] == ["posted"] * 3
            survivor_shards = set(survivor.shard_ids)
            kept = {sid: shard for sid, shard in sessions_before.items() if shard[0] in survivor_shards}
            now_sessions = {sid: s.shard for sid, s in server.gateway.sessions.items()}
            assert len(kept) == 2 and all(now_sessions.get(sid) == shard for sid, shard in kept.items())
            assert max(latencies) < INTERACTION_DEADLINE, latencies

            # Back 30 minutes later: the overdue posts go out once, late (within the grace period).
            moment = clock.advance(minutes=30)  # Wednesday 09:31
            FileClock.write(clock_file, moment)
            await down.start()
            cluster.up = list(procs)
            await cluster.swept(moment)  # Wednesday's retention ran already: counted below
            assert [len(questions(server, c)) for c in communities] == [3] * len(communities)
            for c in gone:
                rows = await db.fetchall(
                    "SELECT on_time FROM posts WHERE guild_id = ? AND kind = 'question' ORDER BY posted_at",
                    (c.guild.id,),
                )
                assert [r["on_time"] for r in rows] == [1, 1, 0]
                await server.say(c.bob, c.general, "back again")
                delivered += 1
            await until(lambda: _equals(db, stored, delivered), "every delivered message stored")

            # Work about every guild ran once a day in total; nothing orphaned, lost or doubled.
            assert cluster.retention_runs == {"2026-03-02": 1, "2026-03-03": 1, "2026-03-04": 1}
            assert [len(summaries(server, c)) for c in communities] == [1] * len(communities)
            assert await db.fetchval("SELECT COUNT(*) FROM occurrences WHERE status IN ('posted', 'late')") == (
                3 * len(communities) + len(communities)  # three questions and one summary per guild
            )
            assert await db.fetchval(stored) == delivered
            missing = await orphans(db)
            assert missing and not any(missing.values()), missing
            # Every foreign key of the schema was checked: the same ones SQLite's catalog lists.
            assert set(missing) == await sqlite_foreign_keys(tmp_path / "schema.db")
            print(
                f"kill -9 of {down.name} while it held the retention lock: the lock went "
                f"{lock_gone:.2f} s after the kill; the survivor answered /hearth status in "
                f"{right_after_kill:.2f} s right after the kill and at most {max(latencies):.2f} s while the other "
                f"was down, and swept Wednesday in {sweep_seconds:.2f} s; {len(missing)} foreign keys, 0 orphans"
            )
        finally:
            if db is not None:
                await db.close()
            await admin.close()
            await stop_all(procs)


async def _equals(db: Database, sql: str, expected: int) -> bool:
    return await db.fetchval(sql) == expected


async def _holder(admin: asyncpg.Connection) -> bool:
    return bool(await advisory_holders(admin))


async def _past_retention(admin: asyncpg.Connection, process: HearthProcess, moment: datetime) -> bool:
    state = process.state()
    if state is not None and state["at"] == moment.isoformat():
        return True
    waiting = "SELECT COUNT(*) FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'"
    return bool(await admin.fetchval(waiting, f"hearth {process.pid}"))


async def _no_holder(admin: asyncpg.Connection) -> bool:
    return not await advisory_holders(admin)
