"""Pytest fixtures for the local Discord; import them in a conftest.py.

``local_discord`` is a started server, ``community`` a small guild in it, and ``start_bot``
a factory that runs a discord.py bot against it and stops every bot at teardown (re-raising
``BotDied`` if one ended on its own). ``conformance`` (request it next to ``local_discord``)
checks every REST call of the test against Discord's table at teardown (``conformance.py``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
import pytest_asyncio
from discord.ext import commands

from .conformance import assert_conformant
from .server import LocalDiscord
from .testing import BotRunner, Community, build_community, run_bot

StartBot = Callable[..., Awaitable[BotRunner]]


@pytest_asyncio.fixture
async def local_discord() -> AsyncIterator[LocalDiscord]:
    async with LocalDiscord() as server:
        yield server


@pytest_asyncio.fixture
async def conformance(local_discord: LocalDiscord) -> AsyncIterator[None]:
    yield
    assert_conformant(local_discord.rest_log)


@pytest.fixture
def community(local_discord: LocalDiscord) -> Community:
    return build_community(local_discord)


@pytest_asyncio.fixture
async def start_bot(local_discord: LocalDiscord) -> AsyncIterator[StartBot]:
    runners: list[BotRunner] = []

    async def start(bot: commands.Bot | None = None, **bot_kwargs: Any) -> BotRunner:
        runner = await run_bot(local_discord, bot, **bot_kwargs)
        runners.append(runner)
        return runner

    yield start
    for runner in reversed(runners):
        await runner.stop()
