"""``hearth dashboard``'s rights: Discord's REST API with the bot token, each answer reused at most
``rights_cache_seconds`` (never more than 60 s). A moderator whose role is removed keeps access only
until the cached answer expires, then is refused. The cache's clock is injected: nothing waits."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import pytest_asyncio

from bot.core.clock import FakeClock
from bot.dashboard.backend import standalone
from bot.dashboard.config import CALLBACK_PATH, DashboardConfig, session_key
from bot.dashboard.rights import MAX_CACHE_SECONDS, RestFacts, RightsUnavailable
from bot.dashboard.server import RunningDashboard, start_dashboard
from bot.sandbox.dashboard import free_port
from bot.sandbox.hearth_runner import local_settings
from bot.sandbox.localdiscord import LocalDiscord
from bot.sandbox.localdiscord.testing import build_community
from bot.storage import Database
from tests.dashboard.oauth_login import client, log_in
from tests.e2e.conftest import START

TTL = 30.0


class Monotonic:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


@dataclass
class Standalone:
    server: LocalDiscord
    dashboard: RunningDashboard
    monotonic: Monotonic
    community: object


@pytest_asyncio.fixture
async def alone(tmp_path: Path) -> AsyncIterator[Standalone]:
    """The dashboard in its ``hearth dashboard`` form (no bot in this process) on a local Discord."""
    clock = FakeClock(START)
    async with LocalDiscord(clock=clock) as server:
        community = build_community(server)
        settings = local_settings(server, tmp_path / "alone.db")
        db = await Database.open(tmp_path / "alone.db")
        await db.migrate()
        monotonic = Monotonic()
        backend = await standalone(db, settings, server.token, clock, rights_cache_seconds=TTL, monotonic=monotonic)
        port = free_port()
        config = DashboardConfig("127.0.0.1", port, f"http://127.0.0.1:{port}", str(server.oauth.client_id),
                                 server.oauth.client_secret, session_key(secrets.token_urlsafe(32)), TTL)
        server.oauth.redirect_uris.add(config.public_url + CALLBACK_PATH)
        dashboard = await start_dashboard(backend, config, server.api_base)
        try:
            yield Standalone(server, dashboard, monotonic, community)
        finally:
            await dashboard.stop()
            await db.close()


async def test_a_removed_moderator_is_refused_once_the_cached_answer_expires(alone: Standalone) -> None:
    server, guild = alone.server, alone.community.guild  # type: ignore[attr-defined]
    mod_role = next(r for r in guild.roles.values() if r.name == "Moderator")
    mo = server.add_member(guild, "mo", roles=[mod_role])
    page = f"{alone.dashboard.url}/g/{guild.id}/schedules"
    member_fetches = f"/guilds/{guild.id}/members/{mo.id}"
    async with client() as http:
        await log_in(http, alone.dashboard.url, server.base_url, mo.id)
        async with http.get(page, allow_redirects=False) as answer:
            assert answer.status == 200
        asked = len(server.rest_calls("GET", member_fetches))
        assert asked >= 1  # with the bot token, from this process: no gateway cache here

        await server.set_roles(guild.members[mo.id], [])  # the role is taken away on Discord
        alone.monotonic.now += TTL - 1
        async with http.get(page, allow_redirects=False) as answer:
            assert answer.status == 200  # the answer Discord gave < 30 s ago is still used
        assert len(server.rest_calls("GET", member_fetches)) == asked

        alone.monotonic.now += 2  # the cached answer is now older than rights_cache_seconds
        async with http.get(page, allow_redirects=False) as answer:
            assert answer.status == 403
            assert "not one of its moderators" in await answer.text()
        assert len(server.rest_calls("GET", member_fetches)) == asked + 1
        async with http.get(f"{alone.dashboard.url}/api/v1/guilds/{guild.id}/schedules") as api:
            assert api.status == 403


async def test_the_rights_cache_never_keeps_an_answer_longer_than_60_seconds() -> None:
    clock = Monotonic()
    facts = RestFacts("http://127.0.0.1:9/api/v10", "t", ttl=3600, monotonic=clock)
    assert facts.ttl == MAX_CACHE_SECONDS == 60.0
    facts._cache["/guilds/1"] = (clock.now + facts.ttl, {"id": "1"})
    clock.now += 59.9
    assert await facts.get("/guilds/1") == {"id": "1"}
    clock.now += 0.2
    try:
        with pytest.raises(RightsUnavailable):  # expired: Discord is asked again (nobody listens on port 9)
            await facts.get("/guilds/1")
    finally:
        await facts.close()
