"""The recorder into PostgreSQL, against a raw COPY of the same rows into the same schema (the limit),
and the weekly report read from PostgreSQL against SQLite on the same data (equal figures).

Needs a PostgreSQL server: ``HEARTH_BENCH_POSTGRES_URL`` (or ``HEARTH_TEST_POSTGRES_URL``), e.g. the
throwaway one ``.ci/postgres start /tmp/pg`` prints. Each run uses a schema of its own, dropped after.
Run: ``python -m bench.postgres [--activities N] [--days D] [--repeat R] [--no-breakdown]``.

The recorder's figure is sustained: from the first ``record()`` until every activity is committed
AND the rollup queue is drained by the folder (which runs concurrently, on its own connection);
the burst figure (until the last activity is committed, the queue not yet drained) is printed
beside it, but the verdict is the sustained one.

Besides the ratio, each run COPYs the recorder's finished rows (its activities and its rollup
rows) into a fresh schema, the least any recorder that keeps these rollups must write (the
"floor"), and one breakdown (on by default) runs the recorder's own SQL batch by batch on fresh
schemas, adding one rollup at a time, with the server CPU of each step and ``record()``'s CPU.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import difflib
import json
import os
import secrets
import sys
import tempfile
import time
from collections.abc import Awaitable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import asyncpg

from bench._common import best, median
from bench.recorder import GUILD, START, bench_recorder, make_activities, record_all, through_recorder
from bot.core.clock import FakeClock
from bot.core.settings import RecorderSettings
from bot.platform.privacy import PrivacyService
from bot.platform.recorder import Activity, Recorder
from bot.storage import Database, dialect
from bot.storage.activity import (
    ACTIVITY_COLUMNS,
    DEFAULT_BATCH_SIZES,
    POSTGRES_ROLLUPS,
    QUEUE_RANGE,
    RANGE_PLAN,
    RESERVE_IDS,
    ROLLUP_TABLES,
    ActivityRepository,
    MetaRepository,
    OptOutRepository,
    postgres_fold,
)
from bot.storage.guilds import GuildConfig, GuildRepository

TARGET_RATE = 50_000
TARGET_RATIO = 0.5
TARGET_REPORT_MS = 300


def server_url() -> str:
    url = os.environ.get("HEARTH_BENCH_POSTGRES_URL") or os.environ.get("HEARTH_TEST_POSTGRES_URL")
    if not url:
        sys.exit("bench.postgres: set HEARTH_BENCH_POSTGRES_URL=postgresql://... (.ci/postgres start DIR prints one)")
    return url


async def fresh_schema(url: str) -> tuple[str, str]:
    schema = f"bench_{secrets.token_hex(4)}"
    conn = await asyncpg.connect(url)
    await conn.execute(f"CREATE SCHEMA {schema}")
    await conn.close()
    return schema, f"{url}{'&' if '?' in url else '?'}search_path={schema}"


async def drop_schema(url: str, schema: str) -> None:
    conn = await asyncpg.connect(url)
    await conn.execute(f"DROP SCHEMA {schema} CASCADE")
    await conn.close()


class CpuMeter:
    """CPU seconds spent by this process and by the PostgreSQL server (the postmaster and all its
    processes, exited ones included), when the server runs on this machine. On a shared machine
    wall time depends on what else runs; the CPU both sides spend on the same rows does not, much."""

    def __init__(self, postmaster: int | None) -> None:
        self._postmaster = postmaster
        self._tick = os.sysconf("SC_CLK_TCK")

    @classmethod
    async def of(cls, url: str) -> CpuMeter:
        conn = await asyncpg.connect(url)
        try:
            parent = int(_stat(await conn.fetchval("SELECT pg_backend_pid()"))[1])
        except (OSError, ValueError, IndexError):
            return cls(None)  # a server elsewhere: wall time only
        finally:
            await conn.close()
        return cls(parent)

    @property
    def postmaster(self) -> int | None:
        return self._postmaster

    def read(self) -> float | None:
        if self._postmaster is None:
            return None
        while True:
            try:
                # utime, stime, and those of its exited (reaped) children
                own = sum(int(v) for v in _stat(self._postmaster)[11:15])
            except OSError:
                return None
            ticks = own
            for entry in Path("/proc").iterdir():
                if entry.name.isdigit():
                    with contextlib.suppress(OSError, IndexError, ValueError):
                        fields = _stat(int(entry.name))
                        if int(fields[1]) == self._postmaster:
                            ticks += int(fields[11]) + int(fields[12])
            # A backend reaped during the scan would be in neither sum (or in both): read again.
            if sum(int(v) for v in _stat(self._postmaster)[11:15]) == own:
                return ticks / self._tick + time.process_time()


def backend_seconds(pids: set[int]) -> dict[int, float]:
    """CPU seconds each of these (live) server processes has spent so far."""
    out = {}
    for pid in pids:
        with contextlib.suppress(OSError, IndexError, ValueError):
            out[pid] = sum(int(v) for v in _stat(pid)[11:13]) / os.sysconf("SC_CLK_TCK")
    return out


def server_children(postmaster: int | None) -> set[int]:
    if postmaster is None:
        return set()
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError, ValueError):
                if int(_stat(int(entry.name))[1]) == postmaster:
                    found.add(int(entry.name))
    return found


def _stat(pid: int) -> list[str]:
    """/proc/PID/stat after the command name: state, ppid, ... (``man 5 proc``, from field 3)."""
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


@dataclass
class Side:
    seconds: float
    cpu: float | None  # client + server CPU seconds, if measurable


async def metered(meter: CpuMeter, work: Awaitable[float]) -> Side:
    before = meter.read()
    seconds = await work
    after = meter.read()
    return Side(seconds, None if before is None or after is None else after - before)


@dataclass
class Recorded:
    burst: float  # seconds until the last activity was committed
    sustained: float  # ... and the rollup queue drained
    folds: int
    folder_cpu: float | None  # server CPU seconds of the folder's own connection


async def recorded(url: str, activities: list[Activity], postmaster: int | None = None) -> Recorded:
    """Hearth's recorder into ``url`` as bench.recorder runs it (record() each activity, batches
    written as they fill, the folder folding concurrently): the seconds from the first record()
    to the last row committed (burst) and to the queue drained (sustained: close() folds what is
    left, and the rollups are then complete), and the server CPU of the folder's connection."""
    db, recorder = await bench_recorder(url)
    before = backend_seconds(server_children(postmaster))
    committed = asyncio.Event()
    burst = 0.0

    async def after_write() -> None:  # the writer's flush hook: runs after each round of batches
        nonlocal burst
        if not committed.is_set() and recorder.stats.written_rows >= len(activities):
            burst = time.perf_counter() - started
            committed.set()

    recorder.on_flush(after_write)
    recorder.start()
    started = time.perf_counter()
    await record_all(recorder, activities)
    await committed.wait()
    await recorder.close()
    sustained = time.perf_counter() - started
    # The folder's backend, still open in the pool (close() may have folded the rest on it, or on another)
    after = backend_seconds(recorder.stats.fold_backends)
    assert await recorder.rollup_backlog() == 0
    await db.close()
    folder_cpu = sum(after[p] - before.get(p, 0.0) for p in after) if postmaster and after else None
    return Recorded(burst, sustained, recorder.stats.folds, folder_cpu)


async def stored_rows(url: str) -> list[tuple]:
    db = await Database.open(url)
    try:
        return [tuple(r) for r in await db.fetchall(f"SELECT {', '.join(ACTIVITY_COLUMNS)} FROM activities")]
    finally:
        await db.close()


async def migrated(url: str) -> None:
    db = await Database.open(url)
    await db.migrate()
    await db.close()


async def raw_copy(url: str, rows: list[tuple]) -> float:
    """The limit: the very rows the recorder stored, one COPY in one transaction into the activities
    table of a freshly migrated schema (the same table with the same indexes, no rollups)."""
    conn = await asyncpg.connect(url)
    started = time.perf_counter()
    async with conn.transaction():
        await conn.copy_records_to_table("activities", records=rows, columns=list(ACTIVITY_COLUMNS))
    elapsed = time.perf_counter() - started
    await conn.close()
    return elapsed


async def rollup_rows(url: str) -> dict[str, tuple[list[str], list[tuple]]]:
    """The rollup tables the recorder filled: {table: (columns, rows)}."""
    conn = await asyncpg.connect(url)
    try:
        out = {}
        for table in ROLLUP_TABLES.values():
            rows = await conn.fetch(f"SELECT * FROM {table}")
            columns = [a.name for a in (await conn.prepare(f"SELECT * FROM {table}")).get_attributes()]
            out[table] = (columns, [tuple(r) for r in rows])
        return out
    finally:
        await conn.close()


async def floor_copy(url: str, rows: list[tuple], rollups: dict[str, tuple[list[str], list[tuple]]]) -> float:
    """The floor: the recorder's activities and its rollup rows, one COPY per table in one
    transaction into a freshly migrated schema. A recorder keeping these rollups writes at least
    this; the target ratio is against the raw COPY of the activities alone, not this."""
    conn = await asyncpg.connect(url)
    started = time.perf_counter()
    async with conn.transaction():
        await conn.copy_records_to_table("activities", records=rows, columns=list(ACTIVITY_COLUMNS))
        for table, (columns, values) in rollups.items():
            await conn.copy_records_to_table(table, records=values, columns=columns)
    elapsed = time.perf_counter() - started
    await conn.close()
    return elapsed


@dataclass
class Run:
    activities: int
    stored: int
    recorder: Side  # sustained: until committed and folded
    burst: float
    folds: int
    folder_cpu: float | None
    limit: Side
    floor: Side
    rows: list[tuple]  # what the recorder stored (the limit's and the floor's rows)

    @property
    def rate(self) -> float:
        return self.activities / self.recorder.seconds

    @property
    def burst_rate(self) -> float:
        return self.activities / self.burst

    @property
    def limit_rate(self) -> float:
        return self.stored / self.limit.seconds

    @property
    def floor_rate(self) -> float:
        return self.stored / self.floor.seconds

    @property
    def cpu_ratio(self) -> float | None:
        if self.recorder.cpu is None or self.limit.cpu is None or self.recorder.cpu <= 0:
            return None
        return self.limit.cpu / self.recorder.cpu


async def measure_once(server: str, activities: list[Activity], meter: CpuMeter) -> Run:
    recorder_schema, recorder_url = await fresh_schema(server)
    limit_schema, limit_url = await fresh_schema(server)
    floor_schema, floor_url = await fresh_schema(server)
    try:
        runs: list[Recorded] = []

        async def sustained() -> float:
            runs.append(await recorded(recorder_url, activities, meter.postmaster))
            return runs[0].sustained

        recorder = await metered(meter, sustained())
        rows = await stored_rows(recorder_url)
        rollups = await rollup_rows(recorder_url)
        await migrated(limit_url)
        limit = await metered(meter, raw_copy(limit_url, rows))
        await migrated(floor_url)
        floor = await metered(meter, floor_copy(floor_url, rows, rollups))
    finally:
        for schema in (recorder_schema, limit_schema, floor_schema):
            await drop_schema(server, schema)
    return Run(len(activities), len(rows), recorder, runs[0].burst, runs[0].folds, runs[0].folder_cpu, limit, floor,
               rows)


def cpu_text(side: Side, per: int) -> str:
    return "" if side.cpu is None else f" ({side.cpu * 100_000 / per:.2f} CPU s per 100k)"


async def backend_cpu(
    server: str, rows: list[tuple], batch: int, steps: int | None, fold: str | None = None, fold_every: int = 1,
) -> float | None:
    """Server CPU seconds of one PostgreSQL backend writing ``rows`` into a freshly migrated schema:
    with ``steps`` the first that many steps of the recorder's batch (per batch of ``batch`` rows:
    1 reserve the block's ids, 2 COPY into activities, 3 queue the range), without it the raw COPY
    (every row, one COPY, one transaction). With ``fold``: the batches are written the recorder's
    way, unmeasured, and only ``fold`` is measured, run after every ``fold_every`` batches and at
    the end (the folder's work). None when the server runs elsewhere (its processes are not in /proc)."""
    schema, url = await fresh_schema(server)
    try:
        await migrated(url)
        conn = await asyncpg.connect(url)
        try:
            pid = await conn.fetchval("SELECT pg_backend_pid()")
            steps = 3 if fold else steps
            queue_range = dialect.postgres_placeholders(QUEUE_RANGE)
            folding = await conn.prepare(fold) if fold else None
            try:
                cpu = lambda: sum(int(v) for v in _stat(pid)[11:13])  # noqa: E731
                before = cpu()
            except OSError:
                return None
            spent = 0
            batches = range(0, len(rows), batch if steps else len(rows))
            for n, start in enumerate(batches, 1):
                async with conn.transaction():
                    if not steps:
                        await conn.copy_records_to_table("activities", records=rows, columns=list(ACTIVITY_COLUMNS))
                        continue
                    first = await conn.fetchval(RESERVE_IDS)
                    block = rows[start : start + batch]
                    if steps >= 2:
                        records = [(i, *row) for i, row in enumerate(block, first)]
                        await conn.copy_records_to_table("activities", records=records,
                                                         columns=["id", *ACTIVITY_COLUMNS])
                    if steps >= 3:
                        await conn.execute(queue_range, first, first + len(block) - 1)
                if folding is not None and (n % fold_every == 0 or n == len(batches)):
                    mark = cpu()
                    async with conn.transaction():
                        await conn.fetchval(RANGE_PLAN)
                        await folding.fetchval()
                    spent += cpu() - mark
            total = spent if folding is not None else cpu() - before
            return total / os.sysconf("SC_CLK_TCK")
        finally:
            await conn.close()
    finally:
        await drop_schema(server, schema)


async def record_cpu(activities: list[Activity]) -> float:
    """Process CPU seconds of ``Recorder.record()`` for every activity (the writer never starts)."""
    db = await Database.open(":memory:")
    try:
        await db.migrate()
        guilds = GuildRepository(db, "UTC")
        await guilds.save(GuildConfig(GUILD, "America/New_York"), 0)
        repo = ActivityRepository(db)
        privacy = PrivacyService(OptOutRepository(db), repo, MetaRepository(db), FakeClock(START))
        await privacy.load()
        recorder = Recorder(repo, guilds, privacy, FakeClock(START), RecorderSettings(max_queue=len(activities) + 1))
        started = time.process_time()
        for activity in activities:
            recorder.record(activity)
        return time.process_time() - started
    finally:
        await db.close()


async def least(runs: list[float | None]) -> float | None:
    return None if None in runs else min(r for r in runs if r is not None)


async def breakdown(
    server: str, activities: list[Activity], rows: list[tuple], folds: int, repeat: int = 2
) -> str | None:
    """Where the recorder's time goes: the server CPU of its batch SQL one step at a time (each
    step on a fresh schema; the least of ``repeat`` runs), then the folder's, one rollup added per
    step, folding as often as the measured run did (``folds`` folds); the raw COPY's, and
    ``record()``'s CPU; per 100,000 activities."""
    batch = DEFAULT_BATCH_SIZES["postgresql"]
    batches = -(-len(rows) // batch)
    every = max(1, round(batches / max(folds, 1)))
    per = 100_000 / len(rows)
    writer, previous = [], 0.0
    for steps, label in enumerate(["reserve the block's ids", "COPY into activities", "queue the range"], 1):
        cpu = await least([await backend_cpu(server, rows, batch, steps) for _ in range(repeat)])
        if cpu is None:
            return None
        writer.append(f"{label} {max(cpu - previous, 0) * per:.2f}")
        previous = cpu
    written = previous
    names = list(POSTGRES_ROLLUPS)
    folder, previous = [], 0.0
    for label, names_so_far in [("read the queued ranges", [])] + [
        (f"{ROLLUP_TABLES[n]} upserts", names[: i + 1]) for i, n in enumerate(names)
    ]:
        sql = postgres_fold(names_so_far)
        cpu = await least([await backend_cpu(server, rows, batch, None, sql, every) for _ in range(repeat)])
        if cpu is None:
            return None
        folder.append(f"{label} {max(cpu - previous, 0) * per:.2f}")
        previous = cpu
    raw = await least([await backend_cpu(server, rows, batch, None) for _ in range(repeat)])
    assert raw is not None
    client = min([await record_cpu(activities) for _ in range(repeat)])
    return (f"where the recorder's time goes (CPU s per 100k activities, batches of {batch:,}): writer (server): "
            f"{', '.join(writer)}; total {written * per:.2f}; folder (server, a fold every {every} batches as "
            f"in the last run): {', '.join(folder)}; total {previous * per:.2f}; both "
            f"{(written + previous) * per:.2f} against the raw COPY's {raw * per:.2f} "
            f"(x{(written + previous) / raw:.2f}); client: record() {client * 100_000 / len(activities):.2f}")


@dataclass
class ReportRun:
    times_ms: list[float]
    text: str
    json: str

    @property
    def ms(self) -> float:
        return median(self.times_ms)


async def timed_report(
    url: str, *, period: str, now: datetime, repeat: int, opt_outs: bool = True, guild_id: int | None = None,
) -> ReportRun:
    """``hearth report``'s work on ``url`` (read only), ``repeat`` times after one warm-up: the
    milliseconds of each, and the report as text and as JSON."""
    from bot.analytics.export import report_json
    from bot.analytics.from_database import report_from_database
    from bot.analytics.model import SECTIONS
    from bot.analytics.text import render
    from bot.core.clock import FakeClock
    from bot.platform.privacy import PrivacyService
    from bot.storage.activity import ActivityRepository, MetaRepository, OptOutRepository

    db = await Database.open(url, read_only=True)
    try:
        privacy = PrivacyService(OptOutRepository(db), ActivityRepository(db), MetaRepository(db), FakeClock(now))
        if opt_outs:
            await privacy.load()
        times, report = [], None
        for n in range(repeat + 1):
            started = time.perf_counter()
            report = await report_from_database(
                db, privacy.opted_out_members, guild_id=guild_id, period=period, default_timezone="UTC", now=now,
            )
            if n:  # the first run warms the caches (and asyncpg's prepared statements)
                times.append((time.perf_counter() - started) * 1000)
        assert report is not None
        text = "\n\n".join(render(report, section) for section in SECTIONS)
        return ReportRun(times, text, json.dumps(report_json(report), indent=2, sort_keys=True, default=str))
    finally:
        await db.close()


async def report_both(server: str, activities: list[Activity]) -> tuple[ReportRun, ReportRun]:
    """The weekly report from PostgreSQL and from SQLite, both filled by the recorder with ``activities``."""
    schema, url = await fresh_schema(server)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            out = []
            for target in (url, f"sqlite:///{Path(tmp) / 'h.db'}"):
                await through_recorder(target, activities)
                db = await Database.open(target)
                await db.execute("ANALYZE")  # fresh statistics, as autovacuum would give a live database
                await db.close()
                out.append(await timed_report(target, period="2026-W37", now=START.replace(month=10), repeat=3,
                                              opt_outs=False, guild_id=GUILD))
    finally:
        await drop_schema(server, schema)
    return out[0], out[1]


def print_reports(what: str, pg: ReportRun, sqlite: ReportRun) -> None:
    same_text, same_json = pg.text == sqlite.text, pg.json == sqlite.json
    verdict = "met" if pg.ms < TARGET_REPORT_MS and same_text and same_json else "MISSED"
    print(f"weekly report {what}: PostgreSQL {pg.ms:.0f} ms (runs {', '.join(f'{t:.0f}' for t in pg.times_ms)}), "
          f"SQLite {sqlite.ms:.0f} ms (runs {', '.join(f'{t:.0f}' for t in sqlite.times_ms)}), "
          f"ratio {pg.ms / sqlite.ms:.2f}; same text: {same_text}, same JSON: {same_json}  "
          f"[target < {TARGET_REPORT_MS} ms, equal figures: {verdict}]")
    if not (same_text and same_json):
        diff = difflib.unified_diff(sqlite.json.splitlines(), pg.json.splitlines(), "sqlite", "postgresql", n=1)
        print("\n".join(list(diff)[:40]))


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--activities", type=int, default=200_000)
    parser.add_argument("--days", type=int, default=30, help="days the activities spread over (a longer stream at "
                        "the default's density: --activities 1000000 --days 150)")
    parser.add_argument("--repeat", type=int, default=3, help="runs; the best of each side is reported")
    parser.add_argument("--no-breakdown", action="store_true", help="skip the step-by-step server CPU breakdown")
    parser.add_argument("--report-activities", type=int, default=200_000)
    parser.add_argument("--report-sqlite", help="with --report-postgres: time the report on these two existing "
                        "databases holding the same data (bench/report.py's, copied with hearth db copy) instead")
    parser.add_argument("--report-postgres", help="the PostgreSQL copy of --report-sqlite")
    args = parser.parse_args()
    if args.report_sqlite and args.report_postgres:
        from bench.report import NOW

        runs = [await timed_report(url, period="last week", now=NOW, repeat=args.repeat)
                for url in (args.report_postgres, f"sqlite:///{args.report_sqlite}")]
        print_reports("on the given databases (bench/report.py's guild, last week)", *runs)
        return
    server = server_url()
    activities = make_activities(args.activities, days=args.days)
    meter = await CpuMeter.of(server)
    runs = [await measure_once(server, activities, meter) for _ in range(args.repeat)]
    for n, run in enumerate(runs, 1):
        cpu = "" if run.cpu_ratio is None else f", CPU ratio {run.cpu_ratio:.2f}"
        print(f"run {n}: recorder sustained {run.rate:,.0f}/s{cpu_text(run.recorder, run.activities)} "
              f"(burst {run.burst_rate:,.0f}/s, {run.folds} folds"
              + ("" if run.folder_cpu is None else f", the folder's server CPU "
                 f"{run.folder_cpu * 100_000 / run.activities:.2f} s per 100k") + "), "
              f"raw COPY {run.limit_rate:,.0f}/s{cpu_text(run.limit, run.stored)}, "
              f"ratio {run.rate / run.limit_rate:.2f}{cpu}, stored {run.stored:,}; "
              f"floor {run.floor_rate:,.0f}/s{cpu_text(run.floor, run.stored)}, "
              f"floor / raw COPY {run.limit.seconds / run.floor.seconds:.2f}")
    # Interference on a shared machine only ever slows a run down, so each side's best run is its figure.
    rate = best([r.rate for r in runs], higher_is_better=True)
    limit = best([r.limit_rate for r in runs], higher_is_better=True)
    burst = best([r.burst_rate for r in runs], higher_is_better=True)
    print(f"recorder into PostgreSQL, sustained (per batch: reserve ids, COPY into activities, queue the "
          f"range; the folder folding concurrently; until committed AND folded): {rate:,.0f} activities/s "
          f"[target >= {TARGET_RATE:,}]; burst (until committed, queue not drained): {burst:,.0f}/s")
    print(f"limit (one raw COPY, same schema, no rollups): {limit:,.0f} activities/s")
    per_run = median([r.rate / r.limit_rate for r in runs])
    print(f"ratio (sustained): {rate / limit:.2f} (best of each side; per run median {per_run:.2f})  "
          f"[target >= {TARGET_RATIO}]; burst ratio {burst / limit:.2f}")
    cpu_ratios = [r.cpu_ratio for r in runs if r.cpu_ratio is not None]
    if cpu_ratios:
        print(f"CPU ratio (raw COPY's client + server CPU seconds / the recorder's, same rows; median of runs): "
              f"{median(cpu_ratios):.2f}")
    floor = best([r.floor_rate for r in runs], higher_is_better=True)
    print(f"floor (the recorder's activities and rollup rows, one COPY per table): {floor:,.0f} activities/s; "
          f"floor / raw COPY {floor / limit:.2f} (best of each side; per run median "
          f"{median([r.limit.seconds / r.floor.seconds for r in runs]):.2f}): the most a recorder keeping these "
          f"rollups could reach against the raw COPY")
    if not args.no_breakdown:
        print(await breakdown(server, activities, runs[-1].rows, runs[-1].folds)
              or "breakdown: the server is not on this machine")
    if args.report_activities:
        pg, sqlite = await report_both(server, make_activities(args.report_activities, seed=11))
        print_reports(f"at {args.report_activities:,} activities", pg, sqlite)


if __name__ == "__main__":
    asyncio.run(main())
