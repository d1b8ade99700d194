"""``hearth run`` and ``hearth check-config``."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import signal
import sys
from typing import Any

from bot.cli.common import Subcommands, fail, settings_of
from bot.core.settings import TOKEN_HELP, Settings, config_path, load_settings, load_token


def register(sub: Subcommands, parents: list[argparse.ArgumentParser]) -> None:
    run = sub.add_parser("run", parents=parents, help="run the bot (token from DISCORD_TOKEN or .env)")
    run.set_defaults(handler=cmd_run)
    check = sub.add_parser("check-config", parents=parents, help="validate config.toml and list every problem")
    check.set_defaults(handler=cmd_check_config)


def cmd_run(args: argparse.Namespace) -> int:
    settings = settings_of(args)
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

    from bot.app import Hearth
    from bot.storage import DatabaseTooNew, MigrationError

    bot = Hearth(settings)
    # Everything imported and built so far (discord.py, aiohttp, Hearth's modules) lives for the whole
    # run: freezing it keeps it out of every later full garbage collection, which otherwise stalls the
    # event loop ~40-80 ms each time (bench/startup.py, docs/performance.md).
    gc.collect()
    gc.freeze()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, lambda: asyncio.ensure_future(bot.close()))
    dashboard = asyncio.create_task(_serve_dashboard(bot, settings, token)) if settings.dashboard.enabled else None
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
        if dashboard is not None:
            dashboard.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await dashboard
        # discord.py's __aexit__ skips close() once the socket is closed; ours must still flush.
        await bot.close()
    return 0


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
