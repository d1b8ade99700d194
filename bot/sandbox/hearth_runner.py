"""Run the real Hearth bot against a LocalDiscord: shared by the e2e tests, the sandbox and benches."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path
from typing import Any

from bot.app import Hearth, hearth_for
from bot.core.clock import Clock
from bot.core.settings import Settings
from bot.sandbox.localdiscord import LocalDiscord
from bot.sandbox.localdiscord.interactions import WAIT
from bot.sandbox.localdiscord.testing import BotRunner

FAST_READY = 0.05  # seconds discord.py waits after the last GUILD_CREATE
LISTENER_TASK = "discord.py: "  # the name discord.py gives a listener's task


def local_settings(server: LocalDiscord, database: Path | str, base: Settings | None = None) -> Settings:
    """Settings that point the bot at ``server`` and keep its database in ``database`` (a file or a URL)."""
    settings = (base or Settings()).replace("bot", database=str(database))
    if "://" in str(database):
        settings = settings.replace("bot", database="").replace("database", url=str(database))
    # The local Discord's global limit is off unless a test turns it on (and then sets the pace too).
    return settings.replace(
        "discord", api_base=server.api_base, gateway_url=server.gateway_url, global_requests_per_second=100_000
    )


async def start_hearth(
    server: LocalDiscord, settings: Settings, clock: Clock | None = None, **options: Any
) -> tuple[Hearth, BotRunner]:
    """Start Hearth against ``server`` and wait for on_ready; the runner watches bot.start()."""
    options.setdefault("guild_ready_timeout", FAST_READY)
    bot = hearth_for(settings, clock=clock, **options)
    runner = await BotRunner(server, bot).start()
    await asyncio.wait_for(bot.caught_up.wait(), timeout=WAIT)
    return bot, runner


async def settle(server: LocalDiscord, bot: Hearth) -> None:
    """Wait until the bot has read every gateway event sent so far, its handlers ran, and the
    recorder wrote what they enqueued."""
    await server.flush()
    ws = bot.ws
    session = server.gateway.sessions.get(ws.session_id) if ws is not None and ws.session_id else None
    if session is not None:
        target = session.seq
        await server.wait_until(lambda: (bot.ws.sequence or 0) >= target, timeout=WAIT)
    for _ in range(3):  # listeners run as tasks scheduled by the dispatch
        await asyncio.sleep(0)
    # ... and a listener that writes to the database (a thread) takes more than a few loop turns,
    # many more on a loaded machine: wait until every one of them has finished.
    with contextlib.suppress(TimeoutError):
        await server.wait_until(lambda: not listeners_running(), timeout=WAIT)
    await bot.recorder.flush()


def listeners_running() -> bool:
    """Whether a task discord.py started for a listener (``Client._schedule_event``) still runs."""
    return any(t.get_name().startswith(LISTENER_TASK) and not t.done() for t in asyncio.all_tasks())
