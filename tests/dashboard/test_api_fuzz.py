"""A property-based fuzz of the dashboard's JSON API from its OpenAPI document (schemathesis).

A live dashboard (the real Hearth on a local Discord, in a thread) and maya, logged in, who
moderates guild A. Whatever schemathesis sends: no 5xx, and nothing but guild A's own data ever
comes back (any other guild id is a 404).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from concurrent.futures import Future
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.core.clock import FakeClock
from bot.dashboard.api import openapi
from bot.sandbox.dashboard import serve_dashboard
from bot.sandbox.hearth_runner import local_settings, start_hearth
from bot.sandbox.localdiscord import LocalDiscord, Perm
from bot.sandbox.localdiscord.testing import build_community
from tests.e2e.conftest import START


class Live:
    def __init__(self) -> None:
        self.url = ""
        self.guild_a = 0
        self.guild_b = 0
        self.ready: Future[None] = Future()
        self.loop = asyncio.new_event_loop()
        self.stop_event: asyncio.Event | None = None

    async def main(self, folder: Path) -> None:
        self.stop_event = asyncio.Event()
        async with LocalDiscord(clock=FakeClock(START)) as server:
            world = build_community(server)
            other = server.add_guild(name="Other guild", owner="bea")
            server.add_member(other, "ben", roles=[server.add_role(other, "Mods", Perm.MANAGE_GUILD)])
            settings = local_settings(server, folder / "fuzz.db").replace("intents", members=True)
            bot, runner = await start_hearth(server, settings, FakeClock(START))
            try:
                answer = await server.run_command(world.moderator, world.general, "question schedule",
                                                  {"channel": world.general, "time": "12:00", "days": "daily"})
                await answer.response()
                dashboard = await serve_dashboard(server, bot, login_as=[world.moderator.id])
                self.url, self.guild_a, self.guild_b = dashboard.url, world.guild.id, other.id
                self.server = server
                self.ready.set_result(None)
                await self.stop_event.wait()
                await dashboard.stop()
            finally:
                await runner.stop()

    def run(self, folder: Path) -> None:
        try:
            self.loop.run_until_complete(self.main(folder))
        except BaseException as exc:  # surface start-up failures in the test
            if not self.ready.done():
                self.ready.set_exception(exc)

    def stop(self) -> None:
        assert self.stop_event is not None
        self.loop.call_soon_threadsafe(self.stop_event.set)


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    live = Live()
    thread = threading.Thread(target=live.run, args=(tmp_path_factory.mktemp("fuzz"),), daemon=True)
    thread.start()
    live.ready.result(timeout=60)
    yield live
    live.stop()
    thread.join(timeout=30)


def login(live: Live) -> tuple[requests.Session, str]:
    http = requests.Session()
    start = http.get(live.url + "/login", allow_redirects=False)
    query = {k: v[0] for k, v in parse_qs(urlsplit(start.headers["Location"]).query).items()}
    maya = next(u for u in live.server.users.values() if u.name == "maya")
    authorized = http.post(live.server.base_url + "/oauth2/authorize", data={**query, "user_id": str(maya.id)},
                           allow_redirects=False)
    assert http.get(authorized.headers["Location"], allow_redirects=False).status_code == 302
    listed = http.get(live.url + "/api/v1/guilds").json()
    assert [g["id"] for g in listed["guilds"]] == [str(live.guild_a)]
    return http, listed["csrf_token"]


SCHEMA = schemathesis.openapi.from_dict(openapi())


def test_openapi_document_is_served_and_valid(live: Live) -> None:
    served = requests.get(live.url + "/api/openapi.json").json()
    assert served == openapi() and served["openapi"].startswith("3.")


@pytest.mark.parametrize("operation", [r.ok() for r in SCHEMA.get_all_operations()], ids=lambda op: op.label)
def test_fuzzed_api_never_fails_and_never_answers_for_another_guild(live: Live, operation: Any) -> None:
    http, csrf = login(live)
    seen: set[int] = set()

    @given(case=operation.as_strategy(), own=st.sampled_from(["fuzzed", "own", "other"]), with_csrf=st.booleans(),
           forged_cookie=st.booleans())
    @settings(max_examples=40, deadline=None, derandomize=True,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    def check(case: Any, own: str, with_csrf: bool, forged_cookie: bool) -> None:
        if not forged_cookie:
            case.cookies = {}  # schemathesis fills the session cookie with junk: use maya's real one
        if case.path_parameters and "guild_id" in case.path_parameters and own != "fuzzed":
            case.path_parameters["guild_id"] = str(live.guild_a if own == "own" else live.guild_b)
        headers = {"X-CSRF-Token": csrf} if with_csrf and case.method == "POST" else {}
        response = case.call(base_url=live.url, session=http, headers=headers)
        seen.add(response.status_code)
        assert response.status_code < 500, (case.path, response.text[:300])
        guild = (case.path_parameters or {}).get("guild_id")
        if guild is not None and str(guild) != str(live.guild_a):
            assert response.status_code in (400, 401, 403, 404, 405), (guild, response.status_code)
            assert str(live.guild_a) not in response.text
        if response.status_code == 200 and "report" in case.path:
            assert response.json()["guild_id"] == live.guild_a

    check()
    reached = {200, 409} if operation.method.upper() == "POST" else {200}  # 409: refused with the command's words
    assert seen & reached, f"the fuzz never reached guild A's own answer: {sorted(seen)}"
