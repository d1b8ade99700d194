"""Dashboard: server time of the overview and posts pages for a guild with 5 M activities, and
50 concurrent clients on loopback while the gateway benchmark's event stream is recorded.

1. Pages from rollups: the database of bench/report.py (5,000,000 activities, 50,000 members,
   540 posts over 90 days, rollups computed), the dashboard in this process in its
   ``hearth dashboard`` form. Each request's server time is Hearth's own ``Server-Timing``
   (rights check, report, template); the report cache off (every request builds the report from
   the rollups) and on (the default 30 s). Rights come from a stub that says "moderator": in
   production they are a REST answer cached <= 60 s, not part of the page's work.
2. Load: the same dashboard in a child process, 50 clients in this one, each requesting overview
   and posts in turn for ``--seconds`` (60); while they run, bench/gateway.py's 100,000 events are
   streamed to a Hearth client process that records them. Gateway-to-disk with that load is
   compared with a run just before without it.

    python -m bench.dashboard [--db PATH] [--activities 5000000] [--seconds 60] [--clients 50]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp
from cryptography import fernet

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import Figure, percentile, print_figures
from bot.core.clock import FakeClock
from bot.core.settings import Settings
from bot.dashboard.config import DashboardConfig, session_key
from bot.dashboard.rights import MANAGE_GUILD, MemberFacts, Rights
from bot.storage import Database

THIS = Path(__file__).resolve()
ROOT = THIS.parent.parent
GUILD = 1
USER = 4242
SECRET = "bench-session-secret-not-for-production-use-0123456789"
PAGES = (f"/g/{GUILD}/", f"/g/{GUILD}/posts")
P50_TARGET_MS, P99_TARGET_MS, LOAD_P99_TARGET_MS, GATEWAY_DROP = 300.0, 600.0, 1000.0, 0.10


class StubFacts:
    async def facts(self, guild_id: int, user_id: int) -> MemberFacts | None:
        return MemberFacts("Bench guild", MANAGE_GUILD, frozenset()) if guild_id == GUILD else None

    async def display_name(self, guild_id: int, user_id: int) -> str | None:
        return None

    async def bot_guild_ids(self) -> list[int]:
        return [GUILD]


def cookie() -> str:
    """A logged-in session cookie, sealed with the dashboard's key (aiohttp-session's format); logged in at
    the backend's clock (bench/report.py's NOW)."""
    from bench.report import NOW

    data = {"created": int(time.time()), "session": {"uid": str(USER), "name": "bench", "csrf": "x", "token": "",
                                                     "at": int(NOW.timestamp()), "sid": "bench"}}
    return fernet.Fernet(session_key(SECRET)).encrypt(json.dumps(data).encode()).decode()


async def ensure_db(path: Path, activities: int) -> None:
    """bench/report.py's database (built once, then reused)."""
    if await asyncio.to_thread(path.exists):
        return
    import numpy as np

    from bench.report import DAYS, NOW, OPTED_OUT, TZ, build
    from bot.analytics.rollups import RollupJob
    from bot.platform.privacy import PrivacyService
    from bot.storage.activity import ActivityRepository, MetaRepository, OptOutRepository
    from bot.storage.analytics import AnalyticsRepository

    db = await Database.open(path)
    await db.migrate()
    privacy = PrivacyService(OptOutRepository(db), ActivityRepository(db), MetaRepository(db), FakeClock(NOW))
    await privacy.load()
    t = time.perf_counter()
    await build(db, activities, np.random.default_rng(2026))
    for member in range(1_000, 1_000 + OPTED_OUT):
        await privacy.opt_out(GUILD, member)

    async def tz_of(_: int) -> str:
        return TZ

    await RollupJob(AnalyticsRepository(db), tz_of, privacy.opted_out_members, FakeClock(NOW).now).rebuild([GUILD])
    print(f"setup: {activities:,} activities and {DAYS} days of rollups in {time.perf_counter() - t:.0f} s", flush=True)
    await db.close()


async def start(path: Path, port: int, cache_seconds: float) -> tuple[Any, Database]:
    from bench.report import NOW
    from bot.dashboard.backend import standalone
    from bot.dashboard.server import start_dashboard

    db = await Database.open(path)
    await db.migrate()  # the database may predate the dashboard's own table (0170)
    await db.execute("PRAGMA cache_size = -262144")
    backend = await standalone(db, Settings(), "unused", FakeClock(NOW))
    stub = StubFacts()

    async def no_role(_: int) -> int | None:
        return None

    backend.rights, backend.facts, backend.report_cache_seconds = Rights(stub, no_role), stub, cache_seconds  # type: ignore[assignment]
    config = DashboardConfig("127.0.0.1", port, f"http://127.0.0.1:{port}", "1", "unused", session_key(SECRET))
    return await start_dashboard(backend, config, "http://127.0.0.1:9/api/v10"), db


async def get(http: aiohttp.ClientSession, url: str) -> tuple[float, float]:
    """(server ms from Server-Timing, client ms)."""
    t = time.perf_counter()
    async with http.get(url, allow_redirects=False) as resp:
        await resp.read()
        assert resp.status == 200, (url, resp.status)
        server = float(resp.headers["Server-Timing"].split("dur=")[1])
    return server, (time.perf_counter() - t) * 1000


async def sequential(path: Path, cache_seconds: float, requests: int) -> dict[str, list[float]]:
    running, db = await start(path, 0, cache_seconds)
    out: dict[str, list[float]] = {}
    try:
        async with aiohttp.ClientSession(cookies={"hearth_session": cookie()}) as http:
            for page in PAGES:
                await get(http, running.url + page)  # warm: opt-out lookup, first report
                out[page] = [(await get(http, running.url + page))[0] for _ in range(requests)]
    finally:
        await running.stop()
        await db.close()
    return out


async def child(args: argparse.Namespace) -> None:
    running, _ = await start(Path(args.db), args.port, 30.0)
    print(json.dumps({"ready": running.url}), flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    await running.stop()


async def load(url: str, clients: int, seconds: float) -> list[float]:
    latencies: list[float] = []
    deadline = time.perf_counter() + seconds

    async def client(n: int) -> None:
        async with aiohttp.ClientSession(cookies={"hearth_session": cookie()}) as http:
            i = n
            while time.perf_counter() < deadline:
                latencies.append((await get(http, url + PAGES[i % 2]))[1])
                i += 1

    await asyncio.gather(*(client(n) for n in range(clients)))
    return latencies


async def under_load(path: Path, clients: int, seconds: float) -> tuple[list[float], float, float]:
    """(page latencies under load, gateway events/s without load, with load)."""
    from bench.gateway import EVENTS, make_events, stream_to
    from bot.sandbox.dashboard import free_port
    from bot.sandbox.localdiscord import LocalDiscord

    port = free_port()
    root = str(ROOT)
    proc = await asyncio.create_subprocess_exec(
        sys.executable, str(THIS), "--child", "--db", str(path), "--port", str(port),
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")]))},
    )
    assert proc.stdout is not None and proc.stdin is not None
    url = json.loads(await proc.stdout.readline())["ready"]
    try:
        async with LocalDiscord(resume_buffer=1_000) as server:
            events = make_events(server, EVENTS)
            with tempfile.TemporaryDirectory() as tmp:
                quiet = await stream_to(server, "hearth", events, Path(tmp), 0)
                pages = asyncio.create_task(load(url, clients, seconds))
                await asyncio.sleep(min(5.0, seconds / 4))
                busy = await stream_to(server, "hearth", events, Path(tmp), 1)
                latencies = await pages
    finally:
        proc.stdin.write(b"\n")
        await proc.stdin.drain()
        proc.stdin.close()
        try:
            await asyncio.wait_for(proc.wait(), 30)
        except TimeoutError:
            proc.kill()
            await proc.wait()
    return latencies, quiet.rate(EVENTS), busy.rate(EVENTS)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", default="/tmp/hearth-bench-report.db")
    parser.add_argument("--activities", type=int, default=5_000_000)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        await child(args)
        return
    path = Path(args.db)
    await ensure_db(path, args.activities)
    figures = []
    for cache, label in ((0.0, "report cache off: every request from the rollups"), (30.0, "report cache on (30 s)")):
        timings = await sequential(path, cache, args.requests)
        for page, values in timings.items():
            p50, p99 = percentile(values, 50), percentile(values, 99)
            name = "overview" if page.endswith("/") else "posts"
            target = f"< {P50_TARGET_MS:.0f} / < {P99_TARGET_MS:.0f} ms"
            figures.append(Figure(f"dashboard {name} page, server time p50 / p99, {label}",
                                  f"{p50:.0f} / {p99:.0f} ms", "", None, target,
                                  p50 < P50_TARGET_MS and p99 < P99_TARGET_MS))
    latencies, quiet, busy = await under_load(path, args.clients, args.seconds)
    p99 = percentile(latencies, 99)
    figures.append(Figure(f"dashboard under load: {args.clients} clients for {args.seconds:.0f} s on loopback while "
                          f"the gateway stream is recorded, page p99 ({len(latencies):,} pages)",
                          f"{p99:.0f} ms", f"median {percentile(latencies, 50):.0f} ms", None,
                          f"< {LOAD_P99_TARGET_MS:.0f} ms", p99 < LOAD_P99_TARGET_MS))
    drop = 1 - busy / quiet
    figures.append(Figure("gateway to disk with the dashboard under load, against the run just before without it",
                          f"{busy:,.0f}/s", f"{quiet:,.0f}/s without load", busy / quiet,
                          f"fall <= {GATEWAY_DROP:.0%}", drop <= GATEWAY_DROP))
    print_figures(figures)



if __name__ == "__main__":
    asyncio.run(main())
