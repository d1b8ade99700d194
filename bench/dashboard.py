"""Dashboard: server time of the overview and posts pages for a guild with 5 M activities, and
50 concurrent clients on loopback while the gateway benchmark's event stream is recorded.

1. Pages from rollups: the database of bench/report.py (5,000,000 activities, 50,000 members,
   540 posts over 90 days, rollups computed), the dashboard in this process in its
   ``hearth dashboard`` form. Each request's server time is Hearth's own ``Server-Timing``
   (rights check, report, template); the report cache off (every request builds the report from
   the rollups) and on (the default 30 s). Rights come from a stub that says "moderator": in
   production they are a REST answer cached <= 60 s, not part of the page's work.
2. Load: the same dashboard in a child process (report cache on, its default), 50 clients in a
   second child process, each requesting overview and posts in turn; while they run, bench/gateway.py's
   100,000 events are streamed from this process to a Hearth client process that records them, as many
   times as fit. Two phases: ``--seconds`` (60) in which the clients wait a think time after each
   page (exponential, mean ``--think`` = 1 s: a moderator clicking through pages), then
   ``--stress-seconds`` (30) closed loop (no pause: a stress test no browser makes, shown for the
   record). Gateway-to-disk under load is the median of the streams under it against the median of
   quiet streams before, between and after (a first cold stream is not counted); then ``--pairs``
   rounds of one stream with the think-time clients and one without, each loaded stream against its
   two neighbours (A-B-A-B: the figure least moved by other work on the machine). Per-process CPU
   seconds of each phase are printed. Every wait is bounded (a page 30 s, a stream 300 s): the whole
   run takes about 6 minutes on a quiet 2-core machine (part 2 alone about 4-5).
   ``BENCH_PROFILE_DASHBOARD=FILE`` runs the dashboard child under cProfile.

    python -m bench.dashboard [--db PATH] [--activities 5000000] [--seconds 60] [--clients 50]
                              [--think 1.0] [--stress-seconds 30] [--quiet-runs 1] [--pairs 3]
                              [--requests 100] [--part all|pages|load]
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import json
import os
import random
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
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
REQUEST_TIMEOUT_S = 30.0  # a page not answered by then counts as failed: the run never hangs on one
STREAM_TIMEOUT_S = 300.0  # one gateway stream of 100,000 events, stored


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
    """bench/report.py's database: built once; a kept one gets the nightly run as the bot makes it (which fills
    what a newer migration added)."""
    import numpy as np

    from bench.report import DAYS, NOW, OPTED_OUT, TZ, build
    from bot.analytics.rollups import RollupJob
    from bot.platform.privacy import PrivacyService
    from bot.storage.activity import ActivityRepository, MetaRepository, OptOutRepository
    from bot.storage.analytics import AnalyticsRepository

    fresh = not await asyncio.to_thread(path.exists)
    db = await Database.open(path)
    await db.migrate()
    privacy = PrivacyService(OptOutRepository(db), ActivityRepository(db), MetaRepository(db), FakeClock(NOW))
    await privacy.load()
    t = time.perf_counter()
    if fresh:
        await build(db, activities, np.random.default_rng(2026))
        for member in range(1_000, 1_000 + OPTED_OUT):
            await privacy.opt_out(GUILD, member)

    async def tz_of(_: int) -> str:
        return TZ

    job = RollupJob(AnalyticsRepository(db), tz_of, privacy.opted_out_members, FakeClock(NOW).now)
    if fresh:
        await job.rebuild([GUILD])
        print(f"setup: {activities:,} activities and {DAYS} days of rollups in {time.perf_counter() - t:.0f} s",
              flush=True)
    else:
        await job.run_guild(GUILD)
        print(f"setup: nightly rollups run on the kept database in {time.perf_counter() - t:.1f} s", flush=True)
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
    """Server ms of each page, ``requests`` times; with the cache off, each page request is followed by the
    report build alone (``Backend.report_data``, in this process: ``"report"``), so the dashboard's own
    share of a cold page is measured in the same run, on the same machine state."""
    running, db = await start(path, 0, cache_seconds)
    out: dict[str, list[float]] = {"report": []}
    try:
        async with aiohttp.ClientSession(cookies={"hearth_session": cookie()}) as http:
            for page in PAGES:
                await get(http, running.url + page)  # warm: opt-out lookup, first report
                out[page] = []
                for _ in range(requests):
                    out[page].append((await get(http, running.url + page))[0])
                    if cache_seconds == 0:
                        t = time.perf_counter()
                        await running.backend.report_data(GUILD, "last week")
                        out["report"].append((time.perf_counter() - t) * 1000)
    finally:
        await running.stop()
        await db.close()
    return out


async def child(args: argparse.Namespace) -> None:
    """``--child``: the dashboard alone in this process until a line arrives on stdin. With
    ``BENCH_PROFILE_DASHBOARD=FILE`` it runs under cProfile (stats written to FILE at the end)."""
    running, _ = await start(Path(args.db), args.port, 30.0)
    profile = os.environ.get("BENCH_PROFILE_DASHBOARD")
    if profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    print(json.dumps({"ready": running.url}), flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    if profile:
        profiler.disable()
        profiler.dump_stats(profile)
    await running.stop()


def cpu_of(pid: int) -> float:
    """CPU seconds (user + system, every thread) a process has used so far, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def load(url: str, clients: int, think: float, stop: asyncio.Event) -> dict[str, Any]:
    """``clients`` sessions asking for overview and posts in turn until ``stop``, each waiting a think time
    (exponential, mean ``think`` seconds, seeded; 0: closed loop, no pause) after each answer: every page's
    latency in ms (a request still unanswered after REQUEST_TIMEOUT_S counts as failed, with that latency)."""
    latencies: list[float] = []
    failed = 0
    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_S)
    rng = random.Random(22)

    async def client(n: int) -> None:
        nonlocal failed
        async with aiohttp.ClientSession(cookies={"hearth_session": cookie()}, timeout=timeout) as http:
            i = n
            if think:  # the moderators do not all click at the same instant
                await asyncio.wait([asyncio.ensure_future(stop.wait())], timeout=rng.uniform(0, think))
            while not stop.is_set():
                t = time.perf_counter()
                try:
                    await get(http, url + PAGES[i % 2])
                except (TimeoutError, aiohttp.ClientError, AssertionError):
                    failed += 1
                latencies.append((time.perf_counter() - t) * 1000)
                i += 1
                if think:
                    await asyncio.wait([asyncio.ensure_future(stop.wait())], timeout=rng.expovariate(1 / think))

    await asyncio.gather(*(client(n) for n in range(clients)))
    return {"latencies": latencies, "failed": failed}


async def load_child(args: argparse.Namespace) -> None:
    """``--load URL``: the clients in their own process (not in the one streaming the gateway events, whose
    event loop they would slow). Each "go THINK" line starts them, the next "stop" line stops them and
    prints the latencies; an empty line ends the process."""
    read = functools.partial(asyncio.get_running_loop().run_in_executor, None, sys.stdin.readline)
    async with aiohttp.ClientSession(cookies={"hearth_session": cookie()}) as http:
        for page in PAGES:  # the first report build is part 1's cold figure, not a page under load
            await get(http, args.load + page)
    print(json.dumps({"ready": True}), flush=True)
    while (line := (await read()).split()) and line[0] == "go":
        stop = asyncio.Event()
        pages = asyncio.create_task(load(args.load, args.clients, float(line[1]), stop))
        await read()
        stop.set()
        print(json.dumps(await pages), flush=True)


async def spawn(*args: str) -> asyncio.subprocess.Process:
    path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    return await asyncio.create_subprocess_exec(
        sys.executable, str(THIS), *args, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        limit=2**26, env={**os.environ, "PYTHONPATH": path},
    )


async def tell(proc: asyncio.subprocess.Process, line: str = "") -> None:
    assert proc.stdin is not None
    proc.stdin.write(line.encode() + b"\n")
    await proc.stdin.drain()


async def answer(proc: asyncio.subprocess.Process, seconds: float = 120) -> Any:
    assert proc.stdout is not None
    line = await asyncio.wait_for(proc.stdout.readline(), seconds)
    if not line:
        raise RuntimeError(f"bench child exited (rc={await proc.wait()})")
    return json.loads(line)


async def finish(proc: asyncio.subprocess.Process) -> None:
    if proc.returncode is None:
        try:
            await tell(proc)
            proc.stdin.close()  # type: ignore[union-attr]
            await asyncio.wait_for(proc.wait(), 30)
        except (TimeoutError, ConnectionError):
            proc.kill()
            await proc.wait()


@dataclass
class Phase:
    """One load phase: the pages' latencies, the gateway streams stored under it, each process's CPU."""

    think: float
    latencies: list[float]
    failed: int
    seconds: float
    busy: list[float]  # gateway events/s of each stream stored under the load
    cpu: dict[str, float]  # CPU seconds of each process during the phase (the recorder: its streams)


@dataclass
class Loaded:
    phases: list[Phase]
    quiet: list[float]  # gateway events/s without load, in run order (A-B-A: before, between and after)
    quiet_cpu: list[float]  # the recorder's CPU seconds in those streams
    pairs: list[float]  # A-B-A-B: each short loaded stream / the mean of the quiet streams either side of it


async def under_load(path: Path, clients: int, phases_s: list[tuple[float, float]], quiet_runs: int,
                     pairs: int) -> Loaded:
    """Gateway to disk without load and with ``clients`` on the dashboard, A-B-A: ``quiet_runs`` streams
    without load, then for each (think time, seconds) in ``phases_s`` a phase that long with as many streams
    as fit (at least one, each under load from its first event to its last), then ``quiet_runs`` quiet
    streams again. The quiet streams around the phases show the shared machine's drift; the first stream of
    all (a cold start) is not counted. Then ``pairs`` rounds of A-B-A-B with the first think time: the
    clients on for one stream (from 2 s before it), off for the next, so that each loaded stream has quiet
    ones seconds either side of it (a drift of minutes cancels out of its ratio)."""
    from bench.gateway import EVENTS, make_events, stream_to
    from bot.sandbox.dashboard import free_port
    from bot.sandbox.localdiscord import LocalDiscord

    port = free_port()
    dashboard = await spawn("--child", "--db", str(path), "--port", str(port))
    loader = None
    quiet: list[float] = []
    quiet_cpu: list[float] = []
    phases: list[Phase] = []
    ratios: list[float] = []
    try:
        url = (await answer(dashboard))["ready"]
        loader = await spawn("--load", url, "--clients", str(clients))
        await answer(loader, 300)
        async with LocalDiscord(resume_buffer=1_000) as server:
            events = make_events(server, EVENTS)
            with tempfile.TemporaryDirectory() as tmp:
                n = 0

                async def stream() -> Any:
                    nonlocal n
                    n += 1
                    return await asyncio.wait_for(stream_to(server, "hearth", events, Path(tmp), n), STREAM_TIMEOUT_S)

                async def quietly() -> None:
                    run = await stream()
                    quiet.append(run.rate(EVENTS))
                    quiet_cpu.append(run.cpu_seconds)

                await stream()  # a cold start: imports, page cache
                for _ in range(quiet_runs):
                    await quietly()
                thinks = [think for think, _ in phases_s]
                for i, (think, seconds) in enumerate(phases_s):
                    await tell(loader, f"go {think}")
                    started = time.perf_counter()
                    cpu0 = {"dashboard": cpu_of(dashboard.pid), "clients": cpu_of(loader.pid),
                            "streamer": time.process_time()}
                    await asyncio.sleep(min(5.0, seconds / 4))  # the clients are all at work
                    busy, recorder = [], 0.0
                    while not busy or time.perf_counter() - started < seconds - 10:
                        run = await stream()
                        busy.append(run.rate(EVENTS))
                        recorder += run.cpu_seconds
                    await asyncio.sleep(max(0.0, seconds - (time.perf_counter() - started)))
                    cpu1 = {"dashboard": cpu_of(dashboard.pid), "clients": cpu_of(loader.pid),
                            "streamer": time.process_time()}
                    await tell(loader, "stop")
                    pages = await answer(loader, REQUEST_TIMEOUT_S + 30)
                    phases.append(Phase(think, pages["latencies"], pages["failed"], time.perf_counter() - started,
                                        busy, {k: cpu1[k] - cpu0[k] for k in cpu0} | {"recorder": recorder}))
                    for _ in range(quiet_runs if i == len(thinks) - 1 else max(1, quiet_runs // 2)):
                        await quietly()
                for _ in range(pairs):
                    before_rate = quiet[-1]
                    await tell(loader, f"go {thinks[0]}")
                    await asyncio.sleep(2.0)
                    loaded = (await stream()).rate(EVENTS)
                    await tell(loader, "stop")
                    await answer(loader, REQUEST_TIMEOUT_S + 30)
                    await quietly()
                    ratios.append(loaded / ((before_rate + quiet[-1]) / 2))
    finally:
        for proc in (loader, dashboard):
            if proc is not None:
                await finish(proc)
    return Loaded(phases, quiet, quiet_cpu, ratios)


def p50_p99(name: str, values: list[float]) -> Figure:
    p50, p99 = percentile(values, 50), percentile(values, 99)
    return Figure(name, f"{p50:.0f} / {p99:.0f} ms", "", None, f"< {P50_TARGET_MS:.0f} / < {P99_TARGET_MS:.0f} ms",
                  p50 < P50_TARGET_MS and p99 < P99_TARGET_MS)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", default="/tmp/hearth-bench-report.db")
    parser.add_argument("--activities", type=int, default=5_000_000)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--stress-seconds", type=float, default=30.0,
                        help="length of the closed-loop phase (a stress figure for the record)")
    parser.add_argument("--think", type=float, default=1.0,
                        help="mean think time (s) of a client after each page in the first load phase; the second "
                             "phase is always closed loop (0)")
    parser.add_argument("--quiet-runs", type=int, default=1,
                        help="quiet gateway streams before and after the load phases (one between them)")
    parser.add_argument("--pairs", type=int, default=3,
                        help="A-B-A-B rounds after the phases: one stream with the think-time clients, one without")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--load", help=argparse.SUPPRESS)
    parser.add_argument("--part", choices=("all", "pages", "load"), default="all",
                        help="pages: part 1 only; load: part 2 only")
    args = parser.parse_args()
    if args.child:
        await child(args)
        return
    if args.load:
        await load_child(args)
        return
    path = Path(args.db)
    await ensure_db(path, args.activities)
    figures = []
    if args.part in ("all", "pages"):
        for cache, label in ((0.0, "report cache off: every request from the rollups"),
                             (30.0, "report cache on (30 s)")):
            timings = await sequential(path, cache, args.requests)
            builds = timings.pop("report")
            if builds:
                figures.append(p50_p99(f"the report behind both pages alone (Backend.report_data, {label}; "
                                       f"{len(builds)} builds between the page requests)", builds))
            for page, values in timings.items():
                name = "overview" if page.endswith("/") else "posts"
                figures.append(p50_p99(f"dashboard {name} page, server time p50 / p99, {label} ({len(values)} "
                                       "requests)", values))
            if builds:
                share = percentile(timings[PAGES[0]], 50) / percentile(builds, 50)
                figures.append(Figure("overview page against the report build alone (p50 / p50, same run): the "
                                      "dashboard's own cost on a cold page (no target of its own)", f"{share:.2f}x",
                                      "the report build", share))
            print_figures(figures[-4:] if builds else figures[-2:])
    if args.part in ("all", "load"):
        run = await under_load(path, args.clients, [(args.think, args.seconds), (0.0, args.stress_seconds)],
                               args.quiet_runs,
                               args.pairs)
        quiet = statistics.median(run.quiet)
        for phase in run.phases:
            model = (f"think time {phase.think:g} s (exponential mean) after each page: the moderators' model, the "
                     "one the target is judged on" if phase.think else
                     "closed loop, no think time: a stress test, shown for the record")
            p99 = percentile(phase.latencies, 99)
            figures.append(Figure(
                f"dashboard under load, {model}: {args.clients} clients for {phase.seconds:.0f} s on loopback while "
                f"the gateway stream is recorded, page p99 ({len(phase.latencies):,} pages = "
                f"{len(phase.latencies) / phase.seconds:,.0f}/s, {phase.failed} failed)",
                f"{p99:.0f} ms", f"median {percentile(phase.latencies, 50):.0f} ms", None,
                f"< {LOAD_P99_TARGET_MS:.0f} ms, none failed", p99 < LOAD_P99_TARGET_MS and phase.failed == 0))
            busy = statistics.median(phase.busy)
            figures.append(Figure(
                f"gateway to disk under that load (median of {len(phase.busy)} streams: "
                f"{', '.join(f'{b:,.0f}' for b in phase.busy)}/s) against the median of {len(run.quiet)} streams "
                f"without it, before, between and after ({', '.join(f'{q:,.0f}' for q in run.quiet)}/s)",
                f"{busy:,.0f}/s", f"{quiet:,.0f}/s without load", busy / quiet,
                f"fall <= {GATEWAY_DROP:.0%}", 1 - busy / quiet <= GATEWAY_DROP))
            load_cpu = phase.cpu["dashboard"] + phase.cpu["clients"]
            figures.append(Figure(
                "CPU the load itself takes (the dashboard and the clients' processes during the phase; what it can "
                "take from the recorder at most, whatever else runs on the machine; no target of its own)",
                f"{load_cpu:.1f} CPU-s in {phase.seconds:.0f} s = {load_cpu / phase.seconds:.2f} cores",
                f"{os.cpu_count()} cores", load_cpu / phase.seconds / (os.cpu_count() or 1)))
        if run.pairs:
            paired = statistics.median(run.pairs)
            figures.append(Figure(
                f"gateway to disk, A-B-A-B: {len(run.pairs)} streams each with the think-time clients on, each "
                f"against the mean of the quiet streams just before and after it (ratios "
                f"{', '.join(f'{r:.2f}' for r in run.pairs)}; median)", f"{paired:.2f}", "its neighbours",
                paired, f"fall <= {GATEWAY_DROP:.0%}", 1 - paired <= GATEWAY_DROP))
    print_figures(figures)
    if args.part in ("all", "load"):
        for phase in run.phases:
            print(f"CPU seconds during the {'closed-loop' if not phase.think else f'think {phase.think:g} s'} phase "
                  f"({phase.seconds:.0f} s on {os.cpu_count()} cores): "
                  + ", ".join(f"{k} {v:.1f}" for k, v in phase.cpu.items()), flush=True)
        print("recorder CPU seconds in the quiet streams: " + ", ".join(f"{v:.1f}" for v in run.quiet_cpu),
              flush=True)


if __name__ == "__main__":
    asyncio.run(main())
