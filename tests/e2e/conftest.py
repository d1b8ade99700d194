"""The end-to-end harness: the real Hearth bot against the local Discord, on a fake clock.

``world`` is a started local Discord with a small community (guild, #general, #announcements,
owner, moderator ``maya`` with a Manage Server role, members ``alice`` and ``bob``) and a
running Hearth whose clock the test controls. Verbs come from the local Discord
(``world.server.say/react/vote/run_command/click/submit_modal/join/leave``); the helpers below
cover what tests do all the time.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

import pytest_asyncio

from bot.app import Hearth
from bot.core.clock import FakeClock
from bot.core.settings import Settings
from bot.sandbox.hearth_runner import local_settings, settle, start_hearth
from bot.sandbox.localdiscord import LocalDiscord
from bot.sandbox.localdiscord.conformance import assert_conformant
from bot.sandbox.localdiscord.interactions import WAIT, InteractionResult
from bot.sandbox.localdiscord.testing import BotRunner, Community, build_community
from bot.sandbox.localdiscord.world import Channel, Member

START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # a Monday morning
T = TypeVar("T")


async def eventually(check: Callable[[], Awaitable[T]], what: str, timeout: float = WAIT) -> T:  # noqa: ASYNC109
    """``check()``'s first truthy answer: for work the bot does off the gateway or after its reply
    (a listener writing a row). Polled every 10 ms; fails saying ``what`` after ``timeout`` real
    seconds, generous like every harness wait (``WAIT``), so a loaded machine is no failure."""
    try:
        async with asyncio.timeout(timeout):
            while True:
                if found := await check():
                    return found
                await asyncio.sleep(0.01)
    except TimeoutError:
        raise AssertionError(f"{what} (waited {timeout:.0f} s)") from None


class World:
    def __init__(self, server: LocalDiscord, community: Community, clock: FakeClock, settings: Settings) -> None:
        self.server = server
        self.community = community
        self.clock = clock
        self.settings = settings
        self.bot: Hearth
        self.runner: BotRunner

    # People and places, by name.
    @property
    def guild(self):  # type: ignore[no-untyped-def]
        return self.community.guild

    @property
    def general(self) -> Channel:
        return self.community.general

    @property
    def moderator(self) -> Member:
        return self.community.moderator

    @property
    def alice(self) -> Member:
        return self.community.alice

    @property
    def bob(self) -> Member:
        return self.community.bob

    async def start(self, **options: Any) -> Hearth:
        self.bot, self.runner = await start_hearth(self.server, self.settings, self.clock, **options)
        return self.bot

    async def stop(self) -> None:
        await self.runner.stop()

    async def restart(self, **options: Any) -> Hearth:
        """Stop the bot (flushing what it recorded) and start a new process-equivalent on the same database."""
        await self.stop()
        return await self.start(**options)

    async def command(
        self, actor: Member, name: str, /, where: Channel | None = None, **options: Any
    ) -> InteractionResult:
        """Run ``/name`` as ``actor`` in ``where`` (default #general) and wait for the bot's answer."""
        result = await self.server.run_command(actor, where or self.general, name, options)
        await result.response()
        return result

    async def settle(self) -> None:
        """Let queued gateway events reach the bot and write everything the recorder holds."""
        await settle(self.server, self.bot)

    async def advance(self, **delta: float) -> None:
        """Move time forward and let the scheduler do what is now due."""
        self.clock.advance(**delta)
        await self.bot.scheduler.run_due()
        await self.settle()

    async def rows(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        return [tuple(r) for r in await self.bot.db.fetchall(sql, params)]


@pytest_asyncio.fixture
async def world(database_url: str) -> AsyncIterator[World]:
    """Hearth on the shared ``database_url`` (SQLite here unless the module is marked for both backends)."""
    clock = FakeClock(START)
    async with LocalDiscord(clock=clock) as server:
        settings = local_settings(server, database_url)
        w = World(server, build_community(server), clock, settings)
        await w.start()
        yield w
        await w.stop()
        assert_conformant(server.rest_log)  # every call of the test, against Discord's table
