"""The ``hearth`` command line (also ``python -m bot``)."""

from __future__ import annotations

import argparse
import asyncio
import gc
import signal
import sys
from collections.abc import Callable, Sequence

from bot.cli import verify_draw
from bot.core.settings import TOKEN_HELP, Settings, SettingsError, load_settings, load_token

Handler = Callable[[argparse.Namespace], int]


def _fail(message: str, code: int = 2) -> int:
    print(f"hearth: {message}", file=sys.stderr)
    return code


def _settings(args: argparse.Namespace) -> Settings:
    return load_settings(getattr(args, "config", None))


# -- run -------------------------------------------------------------------------------------
def cmd_run(args: argparse.Namespace) -> int:
    settings = _settings(args)
    token = load_token()
    if token is None:
        return _fail(TOKEN_HELP)
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
    try:
        async with bot:
            await bot.start(token)
    except discord.LoginFailure:
        return _fail("Discord rejected the token: copy it again from the Developer Portal (Bot > Reset Token).", 1)
    except discord.PrivilegedIntentsRequired:
        return _fail(
            "the members intent is on in config.toml but not enabled for the bot: turn on 'Server Members "
            "Intent' in the Developer Portal (Bot page) or set [intents] members = false.",
            1,
        )
    except (DatabaseTooNew, MigrationError) as exc:
        return _fail(str(exc), 1)
    finally:
        # discord.py's __aexit__ skips close() once the socket is closed; ours must still flush.
        await bot.close()
    return 0


# -- check-config ----------------------------------------------------------------------------
def cmd_check_config(args: argparse.Namespace) -> int:
    from bot.core.settings import config_path

    path = config_path(args.config)
    load_settings(path, required=True)
    print(f"{path}: OK")
    return 0


# -- db --------------------------------------------------------------------------------------
def cmd_db_upgrade(args: argparse.Namespace) -> int:
    settings = _settings(args)
    path = args.db or settings.bot.database_path

    async def upgrade() -> int:
        from bot.storage import Database

        db = await Database.open(path)
        try:
            applied = await db.migrate()
            version = await db.version()
        finally:
            await db.close()
        done = f"applied {', '.join(map(str, applied))}" if applied else "already up to date"
        print(f"{path}: schema version {version} ({done})")
        return 0

    return asyncio.run(upgrade())


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hearth",
        description="Hearth: a Discord bot that makes a community livelier and measures what works.",
    )
    parser.add_argument("--config", help="path to config.toml (default: $HEARTH_CONFIG or ./config.toml)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    # --config is accepted before or after the subcommand.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--config", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    COMMON_PARENTS[:] = [common]

    run = sub.add_parser("run", parents=COMMON_PARENTS, help="run the bot (token from DISCORD_TOKEN or .env)")
    run.set_defaults(handler=cmd_run)

    check = sub.add_parser("check-config", parents=COMMON_PARENTS, help="validate config.toml and list every problem")
    check.set_defaults(handler=cmd_check_config)

    db = sub.add_parser("db", help="database maintenance")
    db_sub = db.add_subparsers(dest="db_command", metavar="ACTION")
    upgrade = db_sub.add_parser("upgrade", parents=COMMON_PARENTS, help="apply pending schema migrations")
    upgrade.add_argument("--db", help="database file (default: from config)")
    upgrade.set_defaults(handler=cmd_db_upgrade)

    for register in EXTRA_COMMANDS:
        register(sub)
    return parser


# Shared options for subcommands (set by build_parser; extra commands pass parents=COMMON_PARENTS).
COMMON_PARENTS: list[argparse.ArgumentParser] = []

# Later features add subcommands here (sandbox, report, export, verify-draw, ...).
EXTRA_COMMANDS: list[Callable[[argparse._SubParsersAction], None]] = []  # type: ignore[type-arg]
EXTRA_COMMANDS.append(verify_draw.register)
EXTRA_COMMANDS.append(lambda sub: __import__("bot.sandbox.cli", fromlist=["register"]).register(sub))
EXTRA_COMMANDS.append(lambda sub: __import__("bot.cli.report", fromlist=["register"]).register(sub))


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Handler | None = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 0
    try:
        return handler(args)
    except SettingsError as exc:
        for problem in exc.problems:
            print(f"hearth: {problem}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
