"""Fixtures for the giveaway and contest e2e tests: a restartable Hearth against the local Discord."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest_asyncio

from bot.app import Hearth
from bot.core.clock import FakeClock
from bot.sandbox.hearth_runner import local_settings, start_hearth
from bot.sandbox.localdiscord import LocalDiscord
from bot.sandbox.localdiscord.testing import BotRunner, Community, build_community

START = datetime(2025, 3, 3, 12, 0, tzinfo=UTC)


@dataclass
class Stage:
    server: LocalDiscord
    world: Community
    clock: FakeClock
    data_dir: Path
    runner: BotRunner | None = None

    @property
    def bot(self) -> Hearth:
        assert self.runner is not None
        return self.runner.bot  # type: ignore[return-value]

    async def start(self) -> Hearth:
        settings = local_settings(self.server, self.data_dir / "hearth.db")
        bot, self.runner = await start_hearth(self.server, settings, self.clock)
        return bot

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.stop()
            self.runner.assert_no_handler_errors()
            self.runner = None

    async def restart(self) -> Hearth:
        await self.stop()
        return await self.start()

    async def command(self, who: Any, name: str, where: Any = None, /, **options: Any) -> str:
        """Run a slash command and return all the text the member sees in the answer."""
        result = await self.server.run_command(who, where or self.world.general, name, options)
        return await result.text()

    async def tick(self) -> None:
        """Let due timers run, as the minute sweep would."""
        await self.bot.scheduler.run_due()


@pytest_asyncio.fixture
async def stage(tmp_path: Path) -> AsyncIterator[Stage]:
    clock = FakeClock(START)
    async with LocalDiscord(clock=clock) as server:
        world = build_community(server)
        s = Stage(server, world, clock, tmp_path / "data")
        await s.start()
        yield s
        await s.stop()
