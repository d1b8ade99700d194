"""``hearth sandbox``: the real bot in a simulated community, no token needed."""

from bot.sandbox.cli import register

__all__ = ["register"]
