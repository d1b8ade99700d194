"""``hearth run`` and ``hearth check-config``."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import logging
import os
import signal
import sys
from typing import Any

from bot.cli.common import Subcommands, fail, settings_of
from bot.core.settings import TOKEN_HELP, Settings, config_path, load_settings, load_token
from bot.storage import DatabaseUrl


def register(sub: Subcommands, parents: list[argparse.ArgumentParser]) -> None:
    run = sub.add_parser("run", parents=parents, help="run the bot (token from DISCORD_TOKEN or .env)")
    run.add_argument("--shard-count", type=int, help="shards in total (overrides [shards] count)")
    run.add_argument("--shard-ids", help="the shards this process runs, like 0,1 (overrides [shards] ids)")
    run.set_defaults(handler=cmd_run)
    check = sub.add_parser("check-config", parents=parents, help="validate config.toml and list every problem")
    check.set_defaults(handler=cmd_check_config)


def cmd_run(args: argparse.Namespace) -> int:
    settings = settings_of(args)
    if args.shard_count is not None or args.shard_ids is not None:
        settings = settings.replace(
            "shards",
            count=args.shard_count if args.shard_count is not None else settings.shards.count,
            ids=args.shard_ids if args.shard_ids is not None else settings.shards.ids,
        )
    try:
        plan = settings.shard_plan
    except ValueError as exc:
        return fail(str(exc))
    problem = plan.database_problem(DatabaseUrl.parse(settings.database_url).engine)
    if problem:
        return fail(problem)
    token = load_token()
    if token is None:
        return fail(TOKEN_HELP)
    if settings.dashboard.enabled:
        from bot.cli.dashboard import dashboard_problem

        problem = dashboard_problem(settings)
        if problem:
            return fail(problem)
    from bot.core.logs import configure_logging

    configure_logging(settings.bot.log_level, [token])
    return asyncio.run(_run_bot(settings, token))


async def _run_bot(settings: Settings, token: str) -> int:
    import discord

    from bot.app import hearth_for
    from bot.storage import DatabaseTooNew, MigrationError

    clock = _clock_file()
    bot = hearth_for(settings, clock=clock)
    # Everything imported and built so far (discord.py, aiohttp, Hearth's modules) lives for the whole
    # run: freezing it keeps it out of every later full garbage collection, which otherwise stalls the
    # event loop ~40-80 ms each time (bench/startup.py, docs/performance.md).
    gc.collect()
    gc.freeze()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, lambda: asyncio.ensure_future(bot.close()))
    dashboard = asyncio.create_task(_serve_dashboard(bot, settings, token)) if settings.dashboard.enabled else None
    follower = asyncio.create_task(_follow_clock(bot, clock)) if clock is not None else None
    try:
        async with bot:
            await bot.start(token)
    except discord.LoginFailure:
        return fail("Discord rejected the token: copy it again from the Developer Portal (Bot > Reset Token).", 1)
    except discord.PrivilegedIntentsRequired:
        return fail(
            "the members intent is on in config.toml but not enabled for the bot: turn on 'Server Members "
            "Intent' in the Developer Portal (Bot page) or set [intents] members = false.",
            1,
        )
    except (DatabaseTooNew, MigrationError) as exc:
        return fail(str(exc), 1)
    finally:
        if follower is not None:
            follower.cancel()
        if dashboard is not None:
            dashboard.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await dashboard
        # discord.py's __aexit__ skips close() once the socket is closed; ours must still flush.
        await bot.close()
    return 0


CLOCK_FILE_ENV = "HEARTH_CLOCK_FILE"
CLOCK_POLL_SECONDS = 0.02


def _clock_file() -> Any:
    """``HEARTH_CLOCK_FILE``: the clock of tests that run this process against the local Discord."""
    path = os.environ.get(CLOCK_FILE_ENV)
    if not path:
        return None
    from bot.core.clock import FileClock

    logging.getLogger(__name__).warning("the time comes from %s (%s): for tests only", path, CLOCK_FILE_ENV)
    return FileClock(path)


async def _follow_clock(bot: Any, clock: Any) -> None:
    """With a clock file, do what the system clock's jobs would whenever its time is set: the sweep,
    then the housekeeping (each once across processes). Then ``<file>.<pid>`` says which time was
    dealt with and which housekeeping ran here: how the test knows the sweep is over."""
    import json

    await bot.caught_up.wait()  # the start-up sweep ran
    done = f"{clock.path}.{os.getpid()}"
    seen = None
    while True:
        moment = clock.set_point  # a running clock moves on by itself: only a new setting is a move
        if moment != seen:
            seen = moment
            ran = []
            try:
                await bot.scheduler.run_due()
                for job in bot.scheduler.housekeeping_jobs:
                    if await bot.scheduler.run_housekeeping(job):
                        ran.append(job)
            except Exception:  # as APScheduler does with a failing job: log it, keep going
                logging.getLogger(__name__).exception("the sweep at %s failed", moment.isoformat())
            _replace_file(done, json.dumps({"at": moment.isoformat(), "ran": ran}))
        await asyncio.sleep(CLOCK_POLL_SECONDS)


def _replace_file(path: str, text: str) -> None:
    with open(f"{path}.partial", "w") as out:
        out.write(text)
    os.replace(f"{path}.partial", path)


async def _serve_dashboard(bot: Any, settings: Settings, token: str) -> None:
    """The dashboard beside the bot, once its services exist (on ready), until the bot stops."""
    from bot.dashboard import config
    from bot.dashboard.backend import from_bot
    from bot.dashboard.server import start_dashboard

    cfg = config.load(settings.dashboard)
    await bot.wait_until_ready()
    running = await start_dashboard(from_bot(bot, settings, token, rights_cache_seconds=cfg.rights_cache_seconds),
                                    cfg, settings.discord.api_base)
    try:
        await asyncio.Event().wait()
    finally:
        await running.stop()


def cmd_check_config(args: argparse.Namespace) -> int:
    path = config_path(args.config)
    settings = load_settings(path, required=True)
    if settings.dashboard.enabled:
        from bot.dashboard import config

        found = config.problems(settings.dashboard)
        for problem in found:
            print(f"hearth: {path}: dashboard: {problem}", file=sys.stderr)
        if found:
            return 2
    print(f"{path}: OK")
    return 0
