"""Run the real Hearth bot against a LocalDiscord: shared by the e2e tests, the sandbox and benches."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bot.app import Hearth
from bot.clock import Clock
from bot.sandbox.localdiscord import LocalDiscord
from bot.sandbox.localdiscord.testing import BotRunner
from bot.settings import Settings

FAST_READY = 0.05  # seconds discord.py waits after the last GUILD_CREATE


def local_settings(server: LocalDiscord, database: Path, base: Settings | None = None) -> Settings:
    """Settings that point the bot at ``server`` and keep its database in ``database``."""
    settings = (base or Settings()).replace("bot", database=str(database))
    return settings.replace("discord", api_base=server.api_base, gateway_url=server.gateway_url)


async def start_hearth(
    server: LocalDiscord, settings: Settings, clock: Clock | None = None, **options: Any
) -> tuple[Hearth, BotRunner]:
    """Start Hearth against ``server`` and wait for on_ready; the runner watches bot.start()."""
    options.setdefault("guild_ready_timeout", FAST_READY)
    bot = Hearth(settings, clock=clock, **options)
    runner = await BotRunner(server, bot).start()
    return bot, runner
