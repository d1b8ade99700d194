"""The top-of-the-hour herd through the real bot: ``--guilds`` guilds over two Hearth processes
(shards 0,1 and 2,3 of 4, one PostgreSQL), every guild's question scheduled for the same minute,
under Discord's global limit (50 requests/s per bot, enforced by the local Discord).

Reported: the time until the last post against the least time the global limit allows for the
requests the herd needed (target: within 1.5x), the global 429s per process (target: at most 1),
that every question was posted exactly once, and that the late flags match when posts went out.
Needs a PostgreSQL server: ``--database-url`` or ``HEARTH_BENCH_POSTGRES_URL`` (``.ci/postgres start
DIR`` prints one); the bench works in a schema of its own and drops it afterwards.
Run: ``python -m bench.herd [--guilds 2000] [--limit 50] [--late-after 90]``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys

TARGET_RATIO = 1.5


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--guilds", type=int, default=2000)
    parser.add_argument("--limit", type=int, default=50)
    parser.add_argument("--late-after", type=int, default=90, help="late_after_seconds (Hearth's default)")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("HEARTH_BENCH_POSTGRES_URL") or os.environ.get("HEARTH_TEST_POSTGRES_URL"),
    )
    args = parser.parse_args()
    if not args.database_url:
        print("bench.herd needs PostgreSQL: --database-url or HEARTH_BENCH_POSTGRES_URL", file=sys.stderr)
        return 2
    import asyncpg

    from bot.sandbox.herd import run_herd

    schema = f"bench_herd_{os.getpid()}"
    admin = await asyncpg.connect(args.database_url)
    await admin.execute(f'CREATE SCHEMA "{schema}"')
    try:
        sep = "&" if "?" in args.database_url else "?"
        herd = await run_herd(f"{args.database_url}{sep}search_path={schema}", args.guilds, args.limit, args.late_after)
    finally:
        await admin.execute(f'DROP SCHEMA "{schema}" CASCADE')
        await admin.close()
    print(herd.summary())
    once = [len(ids) for ids in herd.questions.values()] == [1] * args.guilds and len(herd.occurrences) == args.guilds
    print(f"every question posted once: {once}; late flags honest: {not herd.dishonest()}; "
          f"global 429s the local Discord answered: {herd.refused}; "
          f"invalid requests per process in 10 min: {herd.invalid} (Discord bans at 10,000)")
    return 0 if once and not herd.dishonest() else 1


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
