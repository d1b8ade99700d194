"""``hearth run`` and ``hearth check-config``."""

from __future__ import annotations

import argparse
import asyncio
import gc
import signal

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
    from bot.core.logs import configure_logging

    configure_logging(settings.bot.log_level, [token])
    return asyncio.run(_run_bot(settings, token))


async def _run_bot(settings: Settings, token: str) -> int:
    import discord

    from bot.app import hearth_for
    from bot.storage import DatabaseTooNew, MigrationError

    bot = hearth_for(settings)
    # Everything imported and built so far (discord.py, aiohttp, Hearth's modules) lives for the whole
    # run: freezing it keeps it out of every later full garbage collection, which otherwise stalls the
    # event loop ~40-80 ms each time (bench/startup.py, docs/performance.md).
    gc.collect()
    gc.freeze()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, lambda: asyncio.ensure_future(bot.close()))
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
        # discord.py's __aexit__ skips close() once the socket is closed; ours must still flush.
        await bot.close()
    return 0


def cmd_check_config(args: argparse.Namespace) -> int:
    path = config_path(args.config)
    load_settings(path, required=True)
    print(f"{path}: OK")
    return 0
