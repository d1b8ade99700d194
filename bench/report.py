"""Benchmark: the full weekly report from rollups against the same figures by raw scans.

Builds a guild with 5,000,000 activities, 50,000 members and 540 posts over 90 days (rows
inserted with executemany through the same triggers the recorder fires), runs the nightly
rollups, then times ``build_report`` for last week against computing its figures (this week,
the week before and the 8-week history) straight from ``activities``. Prints both and the ratio.

    python bench/report.py [--db PATH] [--activities 5000000] [--keep]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.analytics import metrics as m
from bot.analytics.period import PERIOD_CHOICES, parse_period, week_of
from bot.analytics.report import build_report
from bot.analytics.rollups import RollupJob, excluded_members
from bot.core.clock import FakeClock
from bot.core.localtime import hour_of_week, local_day, occurrence_at, zone
from bot.platform.privacy import PrivacyService
from bot.storage import Database
from bot.storage.activity import INSERT_ACTIVITY, ActivityRepository, MetaRepository, OptOutRepository
from bot.storage.analytics import AnalyticsRepository

GUILD = 1
TZ = "Europe/Berlin"
MEMBERS = 50_000
DAYS = 90
POSTS_PER_DAY = 6
POST_HOURS = (9, 12, 15, 18, 20, 22)
KINDS = ("question", "poll", "trivia", "question", "contest", "trivia")
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)  # a Wednesday
OPTED_OUT = 25


def ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


async def build(db: Database, total: int, rng: np.random.Generator) -> float:
    """Insert posts, occurrences, joins and ``total`` activities; returns activities per second."""
    start_day = (NOW.astimezone(zone(TZ)).date() - timedelta(days=DAYS))
    start = occurrence_at(start_day, datetime.min.time(), TZ)
    await db.execute(
        "INSERT INTO guild_settings (guild_id, timezone, created_at, updated_at) VALUES (?, ?, 0, 0)", (GUILD, TZ)
    )
    posts: list[tuple[int, int]] = []  # (post id, posted_at ms)
    async with db.transaction():
        for d in range(DAYS):
            day = start_day + timedelta(days=d)
            for i, hour in enumerate(POST_HOURS):
                at = occurrence_at(day, datetime.min.time().replace(hour=hour), TZ)
                pid = await db.execute(
                    "INSERT INTO posts (guild_id, kind, tag, channel_id, message_id, posted_at, local_day, "
                    "local_hour_of_week, schedule_id, member_count) VALUES (?, ?, ?, 5, ?, ?, ?, ?, ?, ?)",
                    (GUILD, KINDS[i], f"deck{(d + i) % 5}", 10_000 + d * 10 + i, ms(at), local_day(at, TZ),
                     hour_of_week(at, TZ), i + 1, MEMBERS),
                )
                posts.append((pid, ms(at)))
                status = "posted" if rng.random() < 0.9 else rng.choice(["late", "missed", "failed"])
                await db.execute(
                    "INSERT INTO occurrences (guild_id, schedule_id, occurrence_key, due_at, claimed_at, status, "
                    "post_id) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (GUILD, i + 1, day.isoformat(), ms(at), ms(at), status, pid),
                )
    # Local day and hour of week per UTC hour (computed once in Python, as the recorder does).
    hours = DAYS * 24 + 48
    first_hour = int(start.timestamp()) // 3600
    hour_local = [
        (local_day(datetime.fromtimestamp((first_hour + h) * 3600, UTC), TZ),
         hour_of_week(datetime.fromtimestamp((first_hour + h) * 3600, UTC), TZ))
        for h in range(hours)
    ]
    weights = rng.pareto(1.2, MEMBERS) + 0.05
    weights /= weights.sum()
    post_ms = np.array([p[1] for p in posts])
    post_ids = np.array([p[0] for p in posts])
    start_ms = ms(start)
    span_ms = DAYS * 86_400_000
    inserted = 0
    t0 = time.perf_counter()
    key = 0
    per_day = total // DAYS
    for d in range(DAYS):
        for half in range(2):  # events arrive in time order: half a day per batch
            n = per_day // 2 + (total - per_day * DAYS if d == DAYS - 1 and half == 1 else 0)
            at = np.sort(start_ms + d * 86_400_000 + half * 43_200_000 + rng.integers(0, 43_200_000, n))
            members = rng.choice(MEMBERS, n, p=weights) + 1_000
            kind_roll = rng.random(n)
            aimed = rng.random(n) < 0.18
            reply_roll = rng.random(n)
            reply_to = rng.choice(MEMBERS, n, p=weights) + 1_000
            idx = np.searchsorted(post_ms, at, side="right") - 1  # latest post before the activity
            rows = []
            for j in range(n):
                key += 1
                a = int(at[j])
                r = kind_roll[j]
                kind = (
                    "message" if r < 0.6 else "reaction" if r < 0.85 else "reaction_remove" if r < 0.9 else "poll_vote"
                )
                post_id = None
                if aimed[j] and idx[j] >= 0 and a - post_ms[idx[j]] < 86_400_000:
                    post_id = int(post_ids[idx[j]])
                reply_member = None
                reply_bot = 0
                if kind == "message":
                    if reply_roll[j] < 0.25:
                        reply_member = int(reply_to[j])
                    elif reply_roll[j] < 0.3:
                        reply_bot = 1
                h = a // 3_600_000 - first_hour
                lday, how = hour_local[h]
                rows.append(
                    (GUILD, key, kind, int(members[j]), 5, None, None, post_id, reply_member, reply_bot, a, lday,
                     a // 3_600_000, how, 0 if kind == "reaction_remove" else 1)
                )
            async with db.transaction():
                await db.executemany(INSERT_ACTIVITY, rows)
            inserted += n
            if half:
                print(f"  inserted {inserted:,} activities", file=sys.stderr)
    elapsed = time.perf_counter() - t0
    print(file=sys.stderr)
    joins = []
    for j in range(3_000):
        key += 1
        member = 100_000 + j
        a = start_ms + int(rng.integers(0, span_ms))
        lday, how = hour_local[a // 3_600_000 - first_hour]
        joins.append((GUILD, key, "join", member, None, None, None, None, None, 0, a, lday, a // 3_600_000, how, 0))
    async with db.transaction():
        await db.executemany(INSERT_ACTIVITY, joins)
    return total / elapsed


def _excl(column: str, excluded: frozenset[int]) -> str:
    return f" AND {column} NOT IN ({', '.join(map(str, sorted(excluded)))})" if excluded else ""


async def raw_week(db: Database, monday: date, excluded: frozenset[int]) -> dict[str, float | int | None]:
    """One week's figures computed straight from raw activities (no rollups)."""
    ex = _excl("member_id", excluded)
    lo = ms(occurrence_at(monday, datetime.min.time(), TZ))
    hi = ms(occurrence_at(monday + timedelta(days=7), datetime.min.time(), TZ))
    last = monday.toordinal() + 6
    rows = await db.fetchall(
        "SELECT member_id, SUM(CASE WHEN kind = 'message' THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN reply_to_member_id IS NOT NULL OR reply_to_bot = 1 THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN reply_to_member_id IS NOT NULL AND reply_to_member_id <> member_id THEN 1 ELSE 0 END) "
        "FROM activities WHERE guild_id = ? AND at >= ? AND at < ? AND counts = 1" + ex + " GROUP BY member_id",
        (GUILD, lo, hi),
    )
    active = {r[0] for r in rows}
    prev_lo = ms(occurrence_at(monday - timedelta(days=7), datetime.min.time(), TZ))
    prev = {
        r[0]
        for r in await db.fetchall(
            "SELECT DISTINCT member_id FROM activities WHERE guild_id = ? AND at >= ? AND at < ? AND counts = 1" + ex,
            (GUILD, prev_lo, lo),
        )
    }
    lo28 = ms(occurrence_at(monday + timedelta(days=7 - 28), datetime.min.time(), TZ))
    daily = dict(
        await db.fetchall(
            "SELECT local_day, COUNT(DISTINCT member_id) FROM activities WHERE guild_id = ? AND at >= ? AND at < ? "
            "AND counts = 1" + ex + " GROUP BY local_day",
            (GUILD, lo28, hi),
        )
    )
    mau = await db.fetchval(
        "SELECT COUNT(DISTINCT member_id) FROM activities WHERE guild_id = ? AND at >= ? AND at < ? AND counts = 1"
        + ex,
        (GUILD, lo28, hi),
    )
    posts = await db.fetchall(
        "SELECT id, posted_at, local_day FROM posts WHERE guild_id = ? AND posted_at >= ? AND posted_at < ? "
        "ORDER BY posted_at, id",
        (GUILD, lo, hi),
    )
    bases: dict[int, set[int]] = {}
    rates = []
    for pid, posted_at, pday in posts:
        if pday not in bases:
            b_lo = ms(occurrence_at(date.fromordinal(pday - 28), datetime.min.time(), TZ))
            b_hi = ms(occurrence_at(date.fromordinal(pday), datetime.min.time(), TZ))
            bases[pday] = {
                r[0]
                for r in await db.fetchall(
                    "SELECT DISTINCT member_id FROM activities WHERE guild_id = ? AND at >= ? AND at < ? "
                    "AND counts = 1" + ex,
                    (GUILD, b_lo, b_hi),
                )
            }
        responders = {
            r[0]
            for r in await db.fetchall(
                "SELECT DISTINCT member_id FROM activities WHERE guild_id = ? AND at >= ? AND at < ? AND post_id = ? "
                "AND counts = 1" + ex,
                (GUILD, posted_at, posted_at + 86_400_000, pid),
            )
        }
        base = len(bases[pday] | responders)
        rates.append(len(responders) / base if base else None)
    days = range(last - 27, last + 1)
    return {
        "active": len(active),
        "communicators": sum(1 for r in rows if r[1] > 0),
        "replies": sum(r[2] for r in rows),
        "member_replies": sum(r[3] for r in rows),
        "returning": len(prev & active),
        "mau": mau,
        "stickiness": m.stickiness(daily, list(days), mau),
        "participation_median": statistics.median([r for r in rates if r is not None]) if rates else None,
    }


def prepare() -> tuple[argparse.Namespace, bool]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", default="/tmp/hearth-bench-report.db")
    parser.add_argument("--activities", type=int, default=5_000_000)
    parser.add_argument("--keep", action="store_true", help="reuse an existing database")
    parser.add_argument("--rebuild", action="store_true", help="with --keep: recompute the rollups again")
    args = parser.parse_args()
    path = Path(args.db)
    fresh = not (args.keep and path.exists())
    if fresh:
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
    return args, fresh


async def main(args: argparse.Namespace, fresh: bool) -> None:
    db = await Database.open(args.db)
    await db.execute("PRAGMA cache_size = -262144")  # 256 MB page cache for the bench connection
    await db.migrate()
    clock = FakeClock(NOW)
    privacy = PrivacyService(OptOutRepository(db), ActivityRepository(db), MetaRepository(db), clock)
    await privacy.load()
    rng = np.random.default_rng(2026)
    repo = AnalyticsRepository(db)
    if fresh:
        t = time.perf_counter()
        rate = await build(db, args.activities, rng)
        print(f"setup: {args.activities:,} activities inserted through the triggers at {rate:,.0f}/s "
              f"({time.perf_counter() - t:.0f} s)")
        for member in range(1_000, 1_000 + OPTED_OUT):
            await privacy.opt_out(GUILD, member)
    async def tz_of(_: int) -> str:
        return TZ

    job = RollupJob(repo, tz_of, privacy.opted_out_members, clock.now)
    if fresh or args.rebuild:
        t = time.perf_counter()
        await job.rebuild([GUILD])
        print(f"nightly rollups, full recompute of {DAYS} days (hearth db rebuild-rollups): "
              f"{time.perf_counter() - t:.1f} s")
    else:  # a kept database: the nightly run as the bot makes it (fills what a newer migration added)
        t = time.perf_counter()
        await job.run_guild(GUILD)
        print(f"nightly rollups run: {time.perf_counter() - t:.1f} s")
    period = parse_period("last week", NOW.astimezone(zone(TZ)).date())

    t = time.perf_counter()
    await excluded_members(repo, privacy.opted_out_members, GUILD, period.first_day - 91)
    cold_s = time.perf_counter() - t
    print(f"opt-out lookup, cold (once per process and opt-out list): {cold_s * 1000:.0f} ms")
    timings = []
    report = None
    for _ in range(3):
        t = time.perf_counter()
        excluded = await excluded_members(repo, privacy.opted_out_members, GUILD, period.first_day - 91)
        report = await build_report(repo, GUILD, period, TZ, now=NOW, excluded=excluded, member_count=MEMBERS)
        timings.append(time.perf_counter() - t)
    assert report is not None
    excluded = await excluded_members(repo, privacy.opted_out_members, GUILD, period.first_day - 91)
    report_s = statistics.median(timings)
    print(f"weekly report (last week) from rollups: {report_s * 1000:.0f} ms (median of 3, {len(excluded)} opted out)")
    t = time.perf_counter()
    raw = [await raw_week(db, week_of(period.start - timedelta(weeks=k)).start, excluded) for k in range(8, -1, -1)]
    raw_s = time.perf_counter() - t
    print(f"same figures by raw scans (this week, previous week, 8-week history): {raw_s:.1f} s")
    print(f"ratio: {raw_s / report_s:.0f}x faster from rollups")
    # Every period /report offers (target: each under 300 ms at 5 M activities), median of 3.
    for text in PERIOD_CHOICES:
        chosen = parse_period(text, NOW.astimezone(zone(TZ)).date())
        runs = []
        for _ in range(3):
            t = time.perf_counter()
            await build_report(repo, GUILD, chosen, TZ, now=NOW, excluded=excluded, member_count=MEMBERS)
            runs.append(time.perf_counter() - t)
        took = statistics.median(runs)
        verdict = "under" if took < 0.3 else "OVER"
        print(f"/report period '{text}': {took * 1000:.0f} ms ({verdict} the 300 ms target), "
              f"ratio vs raw scans {raw_s / took:.0f}x")

    f = report.figures
    checks = {
        "active": f.active, "communicators": f.communicators, "replies": f.replies,
        "member_replies": f.member_replies, "returning": f.returning, "mau": f.mau,
        "stickiness": f.stickiness, "participation_median": f.participation_median,
    }
    mismatched = {k: (v, raw[-1][k]) for k, v in checks.items() if v != raw[-1][k]}
    print("figures agree with the raw scans" if not mismatched else f"MISMATCH: {mismatched}")
    for spec_history, raw_week_figs in zip(report.history, raw[:-1], strict=True):
        if spec_history.active != raw_week_figs["active"]:
            print(f"MISMATCH in history week {date.fromordinal(spec_history.first_day)}")
    await db.close()


if __name__ == "__main__":
    asyncio.run(main(*prepare()))
