"""Start-up: (1) process start to on_ready against the local Discord, Hearth against a bare
discord.py client, each exec'd in its own process; (2) rebuilding 10,000 schedules at start-up
(``Scheduler.start()`` with APScheduler and the system clock) while a ticker measures the
longest event-loop stall. Run: ``python -m bench.startup [--repeat R] [--schedules N]``.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import random
import tempfile
import time
from collections.abc import Sequence
from datetime import time as clock_time
from pathlib import Path

from bench._common import Child, Figure, best, median, print_figures
from bench._lag import LagMeter
from bot.app import build_intents
from bot.core.clock import SystemClock, to_ms
from bot.core.settings import SchedulerSettings, Settings
from bot.platform.scheduler import Occurrence, Scheduler
from bot.sandbox.localdiscord import LocalDiscord
from bot.sandbox.localdiscord.testing import build_community
from bot.storage import Database
from bot.storage.guilds import GuildConfig, GuildRepository
from bot.storage.schedules import ScheduleRepository

TARGET_READY_S = 1.0
TARGET_LAG_MS = 50.0
SCHEDULES = 10_000
GUILDS = 100
ZONES = ("UTC", "America/New_York", "Europe/Berlin", "Asia/Tokyo", "Australia/Sydney", "America/Los_Angeles")
DAY_MS = 86_400_000


# -- process start to ready ------------------------------------------------------------------------
async def ready_times(repeat: int) -> tuple[list[float], list[float]]:
    """Exec to on_ready, in seconds, for the bare client and Hearth (on an existing database)."""
    bare: list[float] = []
    hearth: list[float] = []
    intents = str(build_intents(Settings()).value)
    async with LocalDiscord(resume_buffer=1_000) as server:
        build_community(server)
        with tempfile.TemporaryDirectory() as tmp:
            db = Path(tmp) / "hearth.db"
            warm = await Child.spawn(server, "hearth", db=db)  # first start: migrations, command sync
            await warm.quit()
            server.gateway.sessions.clear()
            for _ in range(repeat):
                for kind, out in (("bare", bare), ("hearth", hearth)):
                    child = await Child.spawn(server, kind, db=db, extra=("--intents", intents))
                    out.append(child.ready_after)
                    await child.quit()
                    server.gateway.sessions.clear()
    return bare, hearth


# -- rebuilding schedules ------------------------------------------------------------------------
async def post_nothing(occurrence: Occurrence) -> int | None:
    return None


async def seed(db: Database, guilds: GuildRepository, count: int, guild_ids: Sequence[int] = ()) -> None:
    """``count`` daily-ish schedules over ``guild_ids`` (default: GUILDS made-up ones) in several zones,
    created a month ago."""
    rng = random.Random(5)
    clock = SystemClock()
    now_ms = to_ms(clock.now())
    ids = list(guild_ids) or [1_000 + g for g in range(GUILDS)]
    for n, guild_id in enumerate(ids):
        await guilds.save(GuildConfig(guild_id, ZONES[n % len(ZONES)]), now_ms)
    repo = ScheduleRepository(db)
    async with db.transaction():
        for _ in range(count):
            days = frozenset(rng.sample(range(7), rng.randint(1, 7)))
            when = clock_time(rng.randrange(24), rng.randrange(0, 60, 5))
            await repo.add(rng.choice(ids), "bench", 10, when, days, now_ms=now_ms - 30 * DAY_MS)
    # Run once so every schedule's latest occurrence is on record, as after weeks of running.
    previous = Scheduler(repo, guilds, clock, SchedulerSettings(), drive_jobs=False)
    previous.on_schedule("bench", post_nothing)
    await previous.start()
    await previous.stop()


async def rebuild(count: int) -> dict[str, float]:
    logging.getLogger("bot.platform.scheduler").setLevel(logging.ERROR)  # missed occurrences are expected here
    with tempfile.TemporaryDirectory() as tmp:
        db = await Database.open(Path(tmp) / "hearth.db")
        await db.migrate()
        guilds = GuildRepository(db, "UTC")
        await seed(db, guilds, count)
        await guilds.load_all()
        repo = ScheduleRepository(db)
        started = time.perf_counter()
        rows = await repo.list()
        read = time.perf_counter() - started
        assert len(rows) == count
        gc.collect()
        gc.freeze()  # as `hearth run` does before connecting (bot/cli/run.py)
        scheduler = Scheduler(repo, guilds, SystemClock(), SchedulerSettings(), drive_jobs=True)
        scheduler.on_schedule("bench", post_nothing)
        async with LagMeter() as meter:
            started = time.perf_counter()
            await scheduler.start()
            took = time.perf_counter() - started
        start_lag, start_busy = meter.max_lag, meter.max_busy
        async with LagMeter() as meter:  # the minute sweep afterwards: nothing is due
            started = time.perf_counter()
            await scheduler.run_due()
            sweep = time.perf_counter() - started
        jobs = len(scheduler._aps.get_jobs())
        await scheduler.stop()
        await db.close()
        gc.unfreeze()
    return {"start": took, "read": read, "lag": start_lag, "busy": start_busy, "jobs": jobs, "sweep": sweep,
            "sweep_lag": meter.max_lag, "sweep_busy": meter.max_busy}


async def measure(repeat: int = 5, schedules: int = SCHEDULES) -> tuple[list[Figure], list[str]]:
    bare, hearth = await ready_times(repeat)
    runs = [await rebuild(schedules) for _ in range(3)]
    notes = [
        "exec to on_ready, bare: " + ", ".join(f"{t * 1000:.0f}" for t in bare) + " ms",
        "exec to on_ready, hearth: " + ", ".join(f"{t * 1000:.0f}" for t in hearth) + " ms",
    ] + [
        f"rebuild {schedules:,} schedules: start() {r['start']:.2f} s (reading the rows {r['read'] * 1000:.0f} ms), "
        f"longest stall {r['lag'] * 1000:.1f} ms wall / {r['busy'] * 1000:.1f} ms CPU, {r['jobs']:,} APScheduler jobs; "
        f"a sweep with nothing due {r['sweep']:.2f} s, longest stall {r['sweep_lag'] * 1000:.1f} ms wall / "
        f"{r['sweep_busy'] * 1000:.1f} ms CPU"
        for r in runs
    ]
    h, b = best(hearth, higher_is_better=False), best(bare, higher_is_better=False)
    start_busy = min(r["busy"] for r in runs) * 1000
    start_lag = min(r["lag"] for r in runs) * 1000
    sweep_busy = min(r["sweep_busy"] for r in runs) * 1000
    sweep_lag = min(r["sweep_lag"] for r in runs) * 1000
    run = min(runs, key=lambda r: r["start"])
    figures = [
        Figure(f"start-up: exec to on_ready (best of {repeat}; median {median(hearth) * 1000:.0f} ms)",
               f"{h * 1000:.0f} ms", f"{b * 1000:.0f} ms bare discord.py", h / b,
               f"< {TARGET_READY_S * 1000:.0f} ms", h < TARGET_READY_S),
        Figure(f"start-up: rebuild {schedules:,} schedules, Scheduler.start() (best of {len(runs)})",
               f"{run['start']:.2f} s", f"{run['read'] * 1000:.0f} ms reading the rows", run["start"] / run["read"],
               "", None),
        Figure(f"start-up: longest event-loop stall while rebuilding, CPU (wall {start_lag:.0f} ms)",
               f"{start_busy:.1f} ms", f"{TARGET_LAG_MS:.0f} ms target", start_busy / TARGET_LAG_MS,
               f"<= {TARGET_LAG_MS:.0f} ms", start_busy <= TARGET_LAG_MS),
        Figure(f"start-up: longest stall in the next minute sweep, CPU (wall {sweep_lag:.0f} ms)",
               f"{sweep_busy:.1f} ms", f"{TARGET_LAG_MS:.0f} ms target", sweep_busy / TARGET_LAG_MS,
               f"<= {TARGET_LAG_MS:.0f} ms", sweep_busy <= TARGET_LAG_MS),
    ]
    return figures, notes


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--schedules", type=int, default=SCHEDULES)
    args = parser.parse_args()
    figures, notes = await measure(args.repeat, args.schedules)
    for note in notes:
        print(note)
    print_figures(figures)


if __name__ == "__main__":
    asyncio.run(main())
