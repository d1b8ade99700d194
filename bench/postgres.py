"""The recorder into PostgreSQL, against a raw COPY of the same rows into the same schema (the limit),
and the weekly report read from PostgreSQL against SQLite on the same data (equal figures).

Needs a PostgreSQL server: ``HEARTH_BENCH_POSTGRES_URL`` (or ``HEARTH_TEST_POSTGRES_URL``), e.g. the
throwaway one ``.ci/postgres start /tmp/pg`` prints. Each run uses a schema of its own, dropped after.
Run: ``python -m bench.postgres [--activities N] [--repeat R]``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import sys
import tempfile
import time
from pathlib import Path

import asyncpg

from bench._common import best
from bench.recorder import GUILD, START, make_activities, through_recorder
from bot.platform.recorder import Activity
from bot.storage import Database
from bot.storage.activity import ACTIVITY_COLUMNS

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


async def recorded(url: str, activities: list[Activity]) -> tuple[float, list[tuple]]:
    """Hearth's recorder into ``url`` (bench.recorder's run); the seconds and the rows it stored."""
    elapsed, _ = await through_recorder(url, activities)
    db = await Database.open(url)
    try:
        return elapsed, [tuple(r) for r in await db.fetchall(f"SELECT {', '.join(ACTIVITY_COLUMNS)} FROM activities")]
    finally:
        await db.close()


async def raw_copy(url: str, rows: list[tuple]) -> float:
    """The limit: the very rows, one COPY into an activities table of the same schema (no rollups)."""
    db = await Database.open(url)
    await db.migrate()
    await db.close()
    conn = await asyncpg.connect(url)
    started = time.perf_counter()
    async with conn.transaction():
        await conn.copy_records_to_table("activities", records=rows, columns=list(ACTIVITY_COLUMNS))
    elapsed = time.perf_counter() - started
    await conn.close()
    return elapsed


async def measure_once(server: str, activities: list[Activity]) -> tuple[float, float, int]:
    recorder_schema, recorder_url = await fresh_schema(server)
    limit_schema, limit_url = await fresh_schema(server)
    try:
        recorder_s, rows = await recorded(recorder_url, activities)
        limit_s = await raw_copy(limit_url, rows)
    finally:
        await drop_schema(server, recorder_schema)
        await drop_schema(server, limit_schema)
    return len(activities) / recorder_s, len(rows) / limit_s, len(rows)


async def report_both(server: str, activities: list[Activity]) -> tuple[float, float, bool]:
    """Milliseconds for the weekly report from PostgreSQL and from SQLite on the same data; equal text?"""
    from bot.analytics.from_database import report_from_database
    from bot.analytics.model import SECTIONS
    from bot.analytics.text import render

    schema, url = await fresh_schema(server)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            out: list[tuple[float, str]] = []
            for target in (url, f"sqlite:///{Path(tmp) / 'h.db'}"):
                await through_recorder(target, activities)
                db = await Database.open(target)
                try:
                    await db.execute("ANALYZE")  # fresh statistics, as autovacuum would give a live database
                    times, text = [], ""
                    for _ in range(3):
                        started = time.perf_counter()
                        report = await report_from_database(
                            db, lambda _g: set(), guild_id=GUILD, period="2026-W37",
                            default_timezone="UTC", now=START.replace(month=10),
                        )
                        times.append((time.perf_counter() - started) * 1000)
                        text = "\n".join(render(report, section) for section in SECTIONS)
                    out.append((min(times), text))
                finally:
                    await db.close()
    finally:
        await drop_schema(server, schema)
    return out[0][0], out[1][0], out[0][1] == out[1][1]


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--activities", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=3, help="runs; the best of each side is reported")
    parser.add_argument("--report-activities", type=int, default=200_000)
    args = parser.parse_args()
    server = server_url()
    activities = make_activities(args.activities)
    runs = [await measure_once(server, activities) for _ in range(args.repeat)]
    for n, (rate, limit, stored) in enumerate(runs, 1):
        print(f"run {n}: recorder {rate:,.0f}/s, raw COPY {limit:,.0f}/s, ratio {rate / limit:.2f}, stored {stored:,}")
    rate = best([r[0] for r in runs], higher_is_better=True)
    limit = best([r[1] for r in runs], higher_is_better=True)
    print(f"recorder into PostgreSQL (COPY + one insert with rollups per batch): {rate:,.0f} activities/s "
          f"[target >= {TARGET_RATE:,}]")
    print(f"limit (one raw COPY, same schema, no rollups): {limit:,.0f} activities/s")
    print(f"ratio: {rate / limit:.2f}  [target >= {TARGET_RATIO}]")
    pg_ms, sqlite_ms, same = await report_both(server, make_activities(args.report_activities, seed=11))
    print(f"weekly report at {args.report_activities:,} activities: PostgreSQL {pg_ms:.0f} ms, "
          f"SQLite {sqlite_ms:.0f} ms, same text: {same}  [target < {TARGET_REPORT_MS} ms]")


if __name__ == "__main__":
    asyncio.run(main())
