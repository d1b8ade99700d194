"""``hearth dashboard``: the web dashboard on its own, against the same database (docs/dashboard.md).

The form to use when several shard processes run the bot: rights come from Discord's REST API with
the bot token (cached at most 60 s), figures from the database.
"""

from __future__ import annotations

import argparse
import asyncio
import signal

from bot.cli.common import Subcommands, fail, settings_of
from bot.core.settings import TOKEN_HELP, Settings, load_token


def register(sub: Subcommands, parents: list[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("dashboard", parents=parents,
                            help="serve the web dashboard on its own (same database; rights over REST)")
    parser.add_argument("--db", help="database file (default: from config)")
    parser.set_defaults(handler=cmd_dashboard)


def dashboard_problem(settings: Settings) -> str | None:
    """The one line that keeps the dashboard from starting, or None."""
    from bot.dashboard import config

    found = config.problems(settings.dashboard)
    return f"dashboard: {found[0]}" if found else None


def cmd_dashboard(args: argparse.Namespace) -> int:
    settings = settings_of(args)
    if args.db:
        settings = settings.replace("bot", database=args.db)
    problem = dashboard_problem(settings)
    if problem:
        return fail(problem)
    token = load_token()
    if token is None:
        return fail("dashboard: " + TOKEN_HELP)
    from bot.core.logs import configure_logging

    configure_logging(settings.bot.log_level, [token])
    return asyncio.run(_serve(settings, token))


async def _serve(settings: Settings, token: str) -> int:
    from bot.core.clock import SystemClock
    from bot.dashboard import config as dconfig
    from bot.dashboard.backend import standalone
    from bot.dashboard.server import start_dashboard
    from bot.storage import Database

    cfg = dconfig.load(settings.dashboard)
    path = settings.bot.database_path
    if not path.exists():
        return fail(f"no database at {path} (use --db FILE)")
    db = await Database.open(path)
    try:
        await db.migrate()
        backend = await standalone(db, settings, token, SystemClock(),
                                   rights_cache_seconds=cfg.rights_cache_seconds)
        running = await start_dashboard(backend, cfg, settings.discord.api_base)
        print(f"Hearth dashboard on {running.url} (public address {cfg.public_url})", flush=True)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await stop.wait()
        await running.stop()
    finally:
        await db.close()
    return 0
