"""The ``hearth`` command line (also ``python -m bot``): one module per subcommand."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from bot.cli import dashboard, db, report, run, sandbox, verify_draw
from bot.cli.common import Handler, config_parent
from bot.core.settings import SettingsError, load_env_file

SUBCOMMANDS = (run, db, report, verify_draw, sandbox, dashboard)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hearth",
        description="Hearth: a Discord bot that makes a community livelier and measures what works.",
    )
    parser.add_argument("--config", help="path to config.toml (default: $HEARTH_CONFIG or ./config.toml)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    parents = [config_parent()]
    for module in SUBCOMMANDS:
        module.register(sub, parents)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Handler | None = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 0
    load_env_file()
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
