"""Benchmark: the full weekly report from rollups against the same figures by raw scans.

Builds a guild with 5,000,000 activities, 50,000 members and 540 posts over 90 days (rows
inserted with executemany through the same triggers the recorder fires), runs the nightly
rollups, then times ``build_report`` for last week against computing its figures (this week,
the week before and the 8-week history) straight from ``activities``. Prints both and the ratio.

Every period /report offers is then timed (median of 5, with today's morning as raw rows on top
of the nightly rollups) with its ratio against the raw scans, and each period's figures are
checked against raw activities alone. ``--postgres URL`` copies the database into PostgreSQL
and times every period there, comparing each report with SQLite's.

    python bench/report.py [--db PATH] [--activities 5000000] [--keep] [--quick] [--postgres URL]

``--quick`` leaves out the nine one-week raw scans (several minutes at 5 M activities): each
period's figures are still checked against raw activities alone, and each ratio is then against
that one raw pass over every period. With a copy of a database built before (``cp`` it, then
``--db COPY --keep --quick``) the whole run takes a few minutes.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

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
                at, pid = await add_post(db, day, d, i, hour)
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
    weights = member_weights()
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
            lo = start_ms + d * 86_400_000 + half * 43_200_000
            rows, key = activity_rows(rng, n, lo, weights, post_ms, post_ids, hour_local, first_hour, key)
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


async def add_post(db: Database, day: date, d: int, i: int, hour: int) -> tuple[datetime, int]:
    """Schedule ``i``'s post of day ``d`` (``day``) at ``hour`` local: (posted at, post id)."""
    at = occurrence_at(day, datetime.min.time().replace(hour=hour), TZ)
    pid = await db.execute(
        "INSERT INTO posts (guild_id, kind, tag, channel_id, message_id, posted_at, local_day, "
        "local_hour_of_week, schedule_id, member_count) VALUES (?, ?, ?, 5, ?, ?, ?, ?, ?, ?)",
        (GUILD, KINDS[i], f"deck{(d + i) % 5}", 10_000 + d * 10 + i, ms(at), local_day(at, TZ),
         hour_of_week(at, TZ), i + 1, MEMBERS),
    )
    return at, pid


def member_weights() -> np.ndarray:
    """How active each member is (Pareto: a few very active members, a long tail)."""
    weights = np.random.default_rng(7).pareto(1.2, MEMBERS) + 0.05
    return weights / weights.sum()


def activity_rows(
    rng: np.random.Generator, n: int, lo_ms: int, weights: np.ndarray, post_ms: np.ndarray, post_ids: np.ndarray,
    hour_local: list[tuple[int, int]], first_hour: int, key: int,
) -> tuple[list[tuple], int]:
    """``n`` activity rows in the 12 hours from ``lo_ms``, in time order; returns them and the last key."""
    at = np.sort(lo_ms + rng.integers(0, 43_200_000, n))
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
        kind = "message" if r < 0.6 else "reaction" if r < 0.85 else "reaction_remove" if r < 0.9 else "poll_vote"
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
        lday, how = hour_local[a // 3_600_000 - first_hour]
        rows.append(
            (GUILD, key, kind, int(members[j]), 5, None, None, post_id, reply_member, reply_bot, a, lday,
             a // 3_600_000, how, 0 if kind == "reaction_remove" else 1)
        )
    return rows, key


async def add_today(db: Database, total: int, rng: np.random.Generator) -> int:
    """Today's morning as a live guild has it when /report runs (NOW is 13:00 in Berlin): the
    09:00 and 12:00 posts and half a day of activities (00:00-12:00), through the same triggers.
    These are the raw rows a report reads on top of the nightly rollups. Skipped when present (a
    kept database); returns the activities added."""
    today = NOW.astimezone(zone(TZ)).date()
    lo = ms(occurrence_at(today, datetime.min.time(), TZ))
    if await db.fetchval("SELECT COUNT(*) FROM activities WHERE guild_id = ? AND at >= ?", (GUILD, lo)):
        return 0
    async with db.transaction():
        for i, hour in enumerate(POST_HOURS[:2]):
            at, pid = await add_post(db, today, DAYS, i, hour)
            await db.execute(
                "INSERT INTO occurrences (guild_id, schedule_id, occurrence_key, due_at, claimed_at, status, "
                "post_id) VALUES (?, ?, ?, ?, ?, 'posted', ?)",
                (GUILD, i + 1, today.isoformat(), ms(at), ms(at), pid),
            )
    posts = await db.fetchall("SELECT id, posted_at FROM posts WHERE guild_id = ? ORDER BY posted_at", (GUILD,))
    first_hour = lo // 3_600_000
    hour_local = [
        (local_day(datetime.fromtimestamp((first_hour + h) * 3600, UTC), TZ),
         hour_of_week(datetime.fromtimestamp((first_hour + h) * 3600, UTC), TZ))
        for h in range(13)
    ]
    key = int(await db.fetchval("SELECT MAX(event_key) FROM activities WHERE guild_id = ?", (GUILD,)) or 0)
    n = total // DAYS // 2
    rows, _ = activity_rows(
        rng, n, lo, member_weights(), np.array([p[1] for p in posts]), np.array([p[0] for p in posts]),
        hour_local, first_hour, key,
    )
    async with db.transaction():
        await db.executemany(INSERT_ACTIVITY, rows)
    return n


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


async def raw_periods(
    db: Database, periods: list[tuple[int, int, int]], excluded: frozenset[int]
) -> list[dict[str, float | int | None]]:
    """Each period's (first day, through day, length) figures from raw activities alone: one
    scan per question over the whole span, then sets in Python (no rollup table is read)."""
    ex = _excl("member_id", excluded)
    lo = min(first - length for first, _, length in periods) - 28
    hi = max(through for _, through, _ in periods)
    start = await db.fetchval("SELECT MIN(local_day) FROM activities WHERE guild_id = ? AND counts = 1", (GUILD,))
    days: dict[int, dict[int, tuple[int, int, int]]] = {}
    for day, member, messages, replies, member_replies in await db.fetchall(
        "SELECT local_day, member_id, SUM(CASE WHEN kind = 'message' THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN reply_to_member_id IS NOT NULL OR reply_to_bot = 1 THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN reply_to_member_id IS NOT NULL AND reply_to_member_id <> member_id THEN 1 ELSE 0 END) "
        "FROM activities WHERE guild_id = ? AND local_day BETWEEN ? AND ? AND counts = 1" + ex
        + " GROUP BY local_day, member_id",
        (GUILD, lo, hi),
    ):
        days.setdefault(day, {})[member] = (messages, replies, member_replies)
    replies_between = await db.fetchall(
        "SELECT DISTINCT local_day, member_id, reply_to_member_id FROM activities WHERE guild_id = ? "
        "AND local_day BETWEEN ? AND ? AND counts = 1 AND reply_to_member_id IS NOT NULL AND reply_to_member_id <> 0 "
        "AND reply_to_member_id <> member_id" + ex + _excl("reply_to_member_id", excluded),
        (GUILD, lo, hi),
    )
    first_at: dict[int, dict[int, int]] = {}
    for post, member, at in await db.fetchall(
        "SELECT post_id, member_id, MIN(at) FROM activities WHERE guild_id = ? AND post_id IS NOT NULL "
        "AND counts = 1" + ex + " GROUP BY post_id, member_id",
        (GUILD,),
    ):
        first_at.setdefault(post, {})[member] = at

    def active(a: int, b: int, talked: bool = False) -> set[int]:
        return {m for d in range(a, b + 1) for m, v in days.get(d, {}).items() if v[0] or not talked}

    found = []
    for first, through, length in periods:
        now = active(first, through)
        before = active(first - length, first - 1)
        directed = {(m, r) for d, m, r in replies_between if first <= d <= through}
        pairs = {frozenset(p) for p in directed}
        window = [d for d in range(through - 27, through + 1) if d >= start] or list(range(through - 27, through + 1))
        mau = len(active(through - 27, through))
        posts = await db.fetchall(
            "SELECT id, posted_at, local_day FROM posts WHERE guild_id = ? AND local_day BETWEEN ? AND ? "
            "AND kind <> 'summary' ORDER BY posted_at, id",
            (GUILD, first, through),
        )
        rates = []
        for pid, posted_at, pday in posts:
            if m.warming_up(pday, start):
                continue
            responders = {k for k, at in first_at.get(pid, {}).items() if at < posted_at + 86_400_000}
            base = len(active(pday - 28, pday - 1) | responders)
            rates.append(len(responders) / base if base else None)
        sums = [v for d in range(first, through + 1) for v in days.get(d, {}).values()]
        found.append({
            "active": len(now), "communicators": len(active(first, through, talked=True)),
            "replies": sum(v[1] for v in sums), "member_replies": sum(v[2] for v in sums),
            "returning": len(before & now), "previously_active": len(before), "mau": mau,
            "wau": len(active(through - 6, through)),
            "stickiness": m.stickiness({d: len(days.get(d, {})) for d in window}, window, mau),
            "pairs": len(pairs), "mutual_pairs": sum(1 for p in pairs if all(
                (x, y) in directed for x in p for y in p if x != y)),
            "participation_median": m.median(r for r in rates if r is not None),
        })
    return found


def prepare() -> tuple[argparse.Namespace, bool]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", default="/tmp/hearth-bench-report.db")
    parser.add_argument("--activities", type=int, default=5_000_000)
    parser.add_argument("--keep", action="store_true", help="reuse an existing database")
    parser.add_argument("--rebuild", action="store_true", help="with --keep: recompute the rollups again")
    parser.add_argument(
        "--quick", action="store_true",
        help="skip the one-week raw scans; ratios are against the raw pass that checks every period's figures",
    )
    parser.add_argument(
        "--postgres", metavar="URL",
        help="also copy the database into this PostgreSQL database (hearth db copy; kept with --keep) and time "
        "every period there against SQLite's figures",
    )
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
    added = await add_today(db, args.activities, rng)
    if added:
        print(f"today so far: {added:,} activities and 2 posts added (the raw rows after the nightly run)")
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
    raw: list[dict[str, float | int | None]] = []
    if not args.quick:
        t = time.perf_counter()
        raw = [
            await raw_week(db, week_of(period.start - timedelta(weeks=k)).start, excluded) for k in range(8, -1, -1)
        ]
        raw_s = time.perf_counter() - t
        print(f"same figures by raw scans (this week, previous week, 8-week history): {raw_s:.1f} s")
        print(f"ratio: {raw_s / report_s:.0f}x faster from rollups")
    # Every period /report offers (target: each under 300 ms at 5 M activities), median of 5.
    today = NOW.astimezone(zone(TZ)).date()
    chosen_reports = {}
    timed: dict[str, list[float]] = {}
    cpu: dict[str, float] = {}
    for text in PERIOD_CHOICES:
        chosen = parse_period(text, today)
        runs = []
        c = time.process_time()
        for _ in range(5):
            t = time.perf_counter()
            chosen_reports[text] = await build_report(
                repo, GUILD, chosen, TZ, now=NOW, excluded=excluded, member_count=MEMBERS
            )
            runs.append(time.perf_counter() - t)
        timed[text] = runs
        cpu[text] = (time.process_time() - c) / 5
    # Each period's figures (and the period before it) against raw activities alone.
    t = time.perf_counter()
    spans = []
    for text in PERIOD_CHOICES:
        chosen = parse_period(text, today)
        f = chosen_reports[text].figures
        spans.append((chosen.first_day, f.through_day, chosen.days))
    raw_each = await raw_periods(db, spans, excluded)
    raw_each_s = time.perf_counter() - t
    print(f"every period's figures by raw scans: {raw_each_s:.1f} s")
    if args.quick:
        raw_s, against = raw_each_s, "the raw pass over every period"
    else:
        against = "raw scans"
    for text, expected in zip(PERIOD_CHOICES, raw_each, strict=True):
        runs = timed[text]
        took = statistics.median(runs)
        verdict = "under" if took < 0.3 else "OVER"
        print(f"/report period '{text}': {took * 1000:.0f} ms median of 5 (min {min(runs) * 1000:.0f}, max "
              f"{max(runs) * 1000:.0f}; CPU {cpu[text] * 1000:.0f} ms per build; {verdict} the 300 ms target), "
              f"ratio vs {against} {raw_s / took:.0f}x")
        f = chosen_reports[text].figures
        got = {k: getattr(f, k) for k in expected}
        wrong = {k: (v, expected[k]) for k, v in got.items() if v != expected[k]}
        print(f"/report period '{text}': " + ("figures agree with the raw scans" if not wrong else f"MISMATCH {wrong}"))
    print(f"load average at the end: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    if raw:  # last week's report and its 8-week history against the one-week raw scans
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
    if args.postgres:
        await on_postgres(db, args, chosen_reports)
    await db.close()


async def on_postgres(source: Database, args: argparse.Namespace, sqlite_reports: dict[str, Any]) -> None:
    """The same database in PostgreSQL (``hearth db copy``), the nightly run there, then every
    period timed and its report compared with SQLite's (figures, posts, history, text)."""
    from bot.analytics.model import SECTIONS
    from bot.analytics.text import render
    from bot.storage.transfer import copy_database

    target = await Database.open(args.postgres)
    try:
        count = 0
        if "activities" in await target.tables():
            count = await target.fetchval("SELECT COUNT(*) FROM activities")
        if not (args.keep and count == await source.fetchval("SELECT COUNT(*) FROM activities")):
            t = time.perf_counter()
            await copy_database(source, target)
            print(f"postgres: copied into PostgreSQL (hearth db copy) in {time.perf_counter() - t:.0f} s")
        else:  # a kept copy made by an older Hearth: add what newer migrations add (the nightly run fills it)
            await target.migrate()
        clock = FakeClock(NOW)
        privacy = PrivacyService(OptOutRepository(target), ActivityRepository(target), MetaRepository(target), clock)
        await privacy.load()
        repo = AnalyticsRepository(target)

        async def tz_of(_: int) -> str:
            return TZ

        t = time.perf_counter()
        await RollupJob(repo, tz_of, privacy.opted_out_members, clock.now).run_guild(GUILD)
        print(f"postgres: nightly rollups run: {time.perf_counter() - t:.1f} s")
        # Reports come hours after the nightly run, when autovacuum has analyzed what it wrote; right
        # after a first fill (new tables) the planner has no statistics yet, so give it them here.
        await target.execute("ANALYZE")
        today = NOW.astimezone(zone(TZ)).date()
        excluded = await excluded_members(repo, privacy.opted_out_members, GUILD, today.toordinal() - 400)
        for text in PERIOD_CHOICES:
            chosen = parse_period(text, today)
            runs = []
            for _ in range(5):
                t = time.perf_counter()
                report = await build_report(repo, GUILD, chosen, TZ, now=NOW, excluded=excluded, member_count=MEMBERS)
                runs.append(time.perf_counter() - t)
            theirs = sqlite_reports[text]
            same = (
                report.figures == theirs.figures and report.history == theirs.history
                and report.previous == theirs.previous and report.posts == theirs.posts
                and all(render(report, k) == render(theirs, k) for k in SECTIONS)
            )
            took = statistics.median(runs)
            print(f"postgres: /report period '{text}': {took * 1000:.0f} ms median of 5 (min {min(runs) * 1000:.0f}; "
                  f"{'under' if took < 0.3 else 'OVER'} the 300 ms target); "
                  + ("report equals SQLite's" if same else "DIFFERS from SQLite's"))
    finally:
        await target.close()


if __name__ == "__main__":
    asyncio.run(main(*prepare()))
