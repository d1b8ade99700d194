"""Helpers to run a real discord.py bot against a ``LocalDiscord`` in tests.

``BotRunner`` starts ``bot.start()`` in a task and watches it: if it ends (a KeyError in a
discord.py parser ends it silently), every wait on the server raises ``BotDied`` at once and
stopping the runner re-raises it. No pytest import here; fixtures live in ``pytest_plugin``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import discord
from discord.ext import commands

from bot.core.endpoints import apply_endpoints

from .interactions import WAIT
from .server import BotDied, LocalDiscord
from .world import Channel, Guild, Member, Perm, Role

log = logging.getLogger(__name__)

__all__ = [
    "BotDied",
    "BotRunner",
    "Community",
    "ManualClock",
    "build_community",
    "collect",
    "make_bot",
    "run_bot",
]


class ManualClock:
    """A clock that moves only when told; same shape as ``bot.clock.FakeClock``."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2025, 3, 1, 12, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta | None = None, **kwargs: float) -> datetime:
        self._now += delta if delta is not None else timedelta(**kwargs)
        return self._now

    def set(self, moment: datetime) -> None:
        self._now = moment


def make_bot(intents: discord.Intents | None = None, **kwargs: Any) -> commands.Bot:
    """A bare ``commands.Bot`` tuned for tests: default intents, ``guild_ready_timeout=0.05``."""
    kwargs.setdefault("command_prefix", "!")
    kwargs.setdefault("guild_ready_timeout", 0.05)
    return commands.Bot(intents=intents or discord.Intents.default(), **kwargs)


async def _identify_at_once(shard_id: int | None, *, initial: bool = False) -> None:
    """discord.py waits 5 s before a re-IDENTIFY; a local Discord has no identify rate limit."""


def collect(items: list[Any], pick: Callable[..., Any] | None = None) -> Callable[..., Awaitable[None]]:
    """An async listener for ``bot.add_listener`` that appends ``pick(*event_args)`` to ``items``."""

    async def listener(*args: Any) -> None:
        items.append(pick(*args) if pick is not None else (args[0] if args else True))

    return listener


class BotRunner:
    """Runs ``bot.start()`` against ``server`` and fails loudly if it stops on its own."""

    def __init__(self, server: LocalDiscord, bot: commands.Bot) -> None:
        self.server = server
        self.bot = bot
        self.task: asyncio.Task[None] | None = None
        self.handler_errors: list[tuple[str, BaseException | None]] = []

    async def start(self, timeout: float = WAIT) -> BotRunner:  # noqa: ASYNC109 - tests pass timeout=
        apply_endpoints(self.server.api_base, self.server.gateway_url)
        self.bot.before_identify_hook = _identify_at_once  # type: ignore[method-assign]
        errors = self.handler_errors

        async def on_error(event: str, *args: Any, **kwargs: Any) -> None:
            import sys

            exc = sys.exc_info()[1]
            log.exception("bot event handler %s raised", event)
            errors.append((event, exc))

        self.bot.on_error = on_error  # type: ignore[method-assign]
        self.task = asyncio.create_task(self.bot.start(self.server.token), name="bot.start")
        self.server.watch(self.task, "bot.start()")
        ready = asyncio.create_task(self.bot.wait_until_ready())
        done, _ = await asyncio.wait({self.task, ready}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        if ready not in done:
            ready.cancel()
            self.server.check_alive()
            raise TimeoutError(f"bot not ready within {timeout}s")
        return self

    async def stop(self) -> None:
        if self.task is None:
            return
        self.server.unwatch(self.task)
        await self.bot.close()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await asyncio.wait_for(self.task, WAIT)
        self.server.check_alive()

    def assert_no_handler_errors(self) -> None:
        if self.handler_errors:
            event, exc = self.handler_errors[0]
            raise AssertionError(f"bot handler for {event!r} raised {exc!r}") from exc

    async def __aenter__(self) -> BotRunner:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()


async def run_bot(server: LocalDiscord, bot: commands.Bot | None = None, **bot_kwargs: Any) -> BotRunner:
    """Start ``bot`` (or a fresh ``make_bot(**bot_kwargs)``) and wait for on_ready."""
    return await BotRunner(server, bot or make_bot(**bot_kwargs)).start()


@dataclass
class Community:
    """A small ready-made guild: #general, #announcements, a moderator and two members."""

    guild: Guild
    general: Channel
    announcements: Channel
    moderator_role: Role
    owner: Member
    moderator: Member
    alice: Member
    bob: Member


def build_community(server: LocalDiscord, name: str = "Hearth Test Guild") -> Community:
    guild = server.add_guild(name=name, owner="olga")
    general = server.add_text_channel(guild, "general")
    announcements = server.add_text_channel(guild, "announcements")
    mod = server.add_role(guild, "Moderator", Perm.MANAGE_GUILD | Perm.MANAGE_MESSAGES)
    return Community(
        guild=guild,
        general=general,
        announcements=announcements,
        moderator_role=mod,
        owner=guild.members[guild.owner_id],
        moderator=server.add_member(guild, "maya", roles=[mod]),
        alice=server.add_member(guild, "alice"),
        bob=server.add_member(guild, "bob"),
    )
