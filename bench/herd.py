"""The top-of-the-hour herd through two real ``hearth run`` processes (shards 0,1 and 2,3 of 4, one
PostgreSQL), every guild's question scheduled for the same minute, under Discord's global limit (50
requests/s per bot token, enforced by the local Discord across both processes' connections).

Two runs by default: the guilds split evenly over the processes (1,000 + 1,000), then unevenly
(1,500 + 500). Reported for each: the time until the herd's last request against the least time
the global limit allows for the requests it needed (target: within 1.5x), the global 429s per
process as its ``/hearth status`` shows them (target: at most 1), that every question was posted
exactly once, and that the late flags match when posts went out. ``--no-shared`` runs the same
with each process at its shards' share of the limit (``[discord] share_global_limit = false``), for
the comparison. Needs a PostgreSQL server: ``--database-url`` or ``HEARTH_BENCH_POSTGRES_URL``
(``.ci/postgres start DIR`` prints one); each run works in a schema of its own and drops it afterwards.

Run: ``python -m bench.herd [--guilds 2000] [--limit 50] [--late-after 90] [--splits 0.5,0.75] [--no-shared]``
(about 4 minutes on the 2-core machine; ``--splits 0.5`` alone takes half that).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

TARGET_RATIO = 1.5


async def one_run(url: str, guilds: int, share: float, limit: int, late_after: int, shared: bool) -> bool:
    import asyncpg

    from bot.sandbox.herd import run_herd

    first = round(guilds * share)
    schema = f"bench_herd_{os.getpid()}_{first}"
    admin = await asyncpg.connect(url)
    await admin.execute(f'CREATE SCHEMA "{schema}"')
    started = time.perf_counter()
    try:
        sep = "&" if "?" in url else "?"
        with tempfile.TemporaryDirectory(prefix="hearth-herd-") as workdir:
            herd = await run_herd(
                f"{url}{sep}search_path={schema}", limit, late_after, Path(workdir),
                due=(first, guilds - first), shared=shared,
            )
    finally:
        await admin.execute(f'DROP SCHEMA "{schema}" CASCADE')
        await admin.close()
    print(herd.summary())
    once = [len(ids) for ids in herd.questions.values()] == [1] * guilds and len(herd.occurrences) == guilds
    storm = max(r.global_rate_limited for r in herd.refusals)
    print(
        f"  every question posted once: {once}; late flags honest: {not herd.dishonest()}; global 429s the local "
        f"Discord answered: {herd.refused}; per process (/hearth status): "
        + "; ".join(f"{r.unauthorized} x 401, {r.forbidden} x 403, {r.rate_limited} x 429" for r in herd.refusals)
        + f"; invalid requests per process in 10 min: {[r.invalid_last_10_min for r in herd.refusals]} (Discord bans "
        f"at 10,000); ratio {herd.ratio:.2f} {'met' if herd.ratio <= TARGET_RATIO and storm <= 1 else 'MISSED'}; "
        f"whole run {time.perf_counter() - started:.0f} s",
        flush=True,
    )
    return once and not herd.dishonest()


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--guilds", type=int, default=2000)
    parser.add_argument("--limit", type=int, default=50)
    parser.add_argument("--late-after", type=int, default=90, help="late_after_seconds (Hearth's default)")
    parser.add_argument("--splits", default="0.5,0.75", help="the first process's share of the guilds, per run")
    parser.add_argument("--no-shared", action="store_true", help="each process at its shards' share of the limit")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("HEARTH_BENCH_POSTGRES_URL") or os.environ.get("HEARTH_TEST_POSTGRES_URL"),
    )
    args = parser.parse_args()
    if not args.database_url:
        print("bench.herd needs PostgreSQL: --database-url or HEARTH_BENCH_POSTGRES_URL", file=sys.stderr)
        return 2
    ok = True
    for share in (float(s) for s in args.splits.split(",")):
        ok &= await one_run(args.database_url, args.guilds, share, args.limit, args.late_after, not args.no_shared)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
