"""The local Discord's OAuth2: authorize page, code exchange, user routes, refresh and revoke."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import aiohttp
import pytest
import pytest_asyncio

from bot.sandbox.localdiscord import LocalDiscord
from bot.sandbox.localdiscord.testing import ManualClock, build_community

REDIRECT = "http://127.0.0.1:9999/callback"


@pytest_asyncio.fixture
async def server():
    clock = ManualClock()
    async with LocalDiscord(clock=clock) as s:
        s.oauth.redirect_uris.add(REDIRECT)
        s.test_clock = clock  # type: ignore[attr-defined]
        yield s


@pytest_asyncio.fixture
async def http():
    async with aiohttp.ClientSession() as session:
        yield session


def params(server: LocalDiscord, **extra: str) -> dict[str, str]:
    base = {"client_id": str(server.oauth.client_id), "redirect_uri": REDIRECT, "response_type": "code",
            "scope": "identify guilds", "state": "s-123"}
    return {**base, **extra}


async def authorize(http: aiohttp.ClientSession, server: LocalDiscord, user_id: int, **extra: str) -> dict[str, str]:
    async with http.post(server.base_url + "/oauth2/authorize", data={**params(server, **extra),
                         "user_id": str(user_id)}, allow_redirects=False) as resp:
        assert resp.status == 302, await resp.text()
        location = resp.headers["Location"]
    assert location.startswith(REDIRECT + "?")
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


async def exchange(http, server, code, redirect_uri=REDIRECT, secret=None):
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri,
            "client_id": str(server.oauth.client_id), "client_secret": secret or server.oauth.client_secret}
    async with http.post(server.api_base + "/oauth2/token", data=data) as resp:
        return resp.status, await resp.json()


async def test_authorize_page_offers_the_people_and_echoes_state(server, http):
    world = build_community(server)
    async with http.get(server.base_url + "/oauth2/authorize", params=params(server)) as resp:
        assert resp.status == 200
        page = await resp.text()
    assert "Log in as maya" in page and "Log in as olga" in page and "Log in as alice" in page
    assert 'value="s-123"' in page
    got = await authorize(http, server, world.moderator.id)
    assert got["state"] == "s-123" and got["code"]


async def test_unregistered_redirect_and_unknown_client_are_error_pages(server, http):
    async with http.get(server.base_url + "/oauth2/authorize",
                        params=params(server, redirect_uri="https://evil.example/cb"), allow_redirects=False) as resp:
        assert resp.status == 400 and "redirect_uri" in await resp.text()
    async with http.get(server.base_url + "/oauth2/authorize", params=params(server, client_id="1"),
                        allow_redirects=False) as resp:
        assert resp.status == 400


async def test_cancel_redirects_with_access_denied(server, http):
    async with http.post(server.base_url + "/oauth2/authorize", data={**params(server), "cancel": "1"},
                         allow_redirects=False) as resp:
        query = parse_qs(urlsplit(resp.headers["Location"]).query)
    assert query["error"] == ["access_denied"] and query["state"] == ["s-123"]


async def test_code_exchange_user_routes_and_single_use(server, http):
    world = build_community(server)
    code = (await authorize(http, server, world.moderator.id))["code"]
    status, tokens = await exchange(http, server, code)
    assert status == 200 and tokens["token_type"] == "Bearer" and tokens["scope"] == "identify guilds"
    bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
    async with http.get(server.api_base + "/users/@me", headers=bearer) as resp:
        me = await resp.json()
    assert me["id"] == str(world.moderator.id) and me["username"] == "maya"
    async with http.get(server.api_base + "/users/@me/guilds", headers=bearer) as resp:
        guilds = await resp.json()
    assert [g["id"] for g in guilds] == [str(world.guild.id)]
    assert int(guilds[0]["permissions"]) & (1 << 5) and guilds[0]["owner"] is False
    # A user token opens only the user routes.
    async with http.get(server.api_base + f"/guilds/{world.guild.id}", headers=bearer) as resp:
        assert resp.status == 401
    status, body = await exchange(http, server, code)
    assert status == 400 and body == {"error": "invalid_grant", "error_description": 'Invalid "code" in request.'}


async def test_exchange_checks_redirect_uri_secret_and_expiry(server, http):
    world = build_community(server)
    code = (await authorize(http, server, world.alice.id))["code"]
    status, body = await exchange(http, server, code, secret="wrong")
    assert status == 401 and body == {"error": "invalid_client"}
    status, body = await exchange(http, server, code, redirect_uri="http://127.0.0.1:9999/other")
    assert status == 400 and body["error_description"] == 'Invalid "redirect_uri" in request.'
    late = (await authorize(http, server, world.alice.id))["code"]
    server.test_clock.advance(timedelta(minutes=11))
    status, body = await exchange(http, server, late)
    assert status == 400 and body["error"] == "invalid_grant"


async def test_plain_member_permissions_and_scope(server, http):
    world = build_community(server)
    code = (await authorize(http, server, world.alice.id, scope="identify"))["code"]
    _, tokens = await exchange(http, server, code)
    bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
    async with http.get(server.api_base + "/users/@me/guilds", headers=bearer) as resp:
        assert resp.status == 401  # no guilds scope
    code = (await authorize(http, server, world.alice.id))["code"]
    _, tokens = await exchange(http, server, code)
    async with http.get(server.api_base + "/users/@me/guilds",
                        headers={"Authorization": f"Bearer {tokens['access_token']}"}) as resp:
        guilds = await resp.json()
    assert not int(guilds[0]["permissions"]) & (1 << 5)


async def test_refresh_and_revoke(server, http):
    world = build_community(server)
    code = (await authorize(http, server, world.owner.id))["code"]
    _, tokens = await exchange(http, server, code)
    client = {"client_id": str(server.oauth.client_id), "client_secret": server.oauth.client_secret}
    async with http.post(server.api_base + "/oauth2/token", data={
            **client, "grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}) as resp:
        fresh = await resp.json()
    assert resp.status == 200 and fresh["access_token"] != tokens["access_token"]
    async with http.get(server.api_base + "/users/@me",
                        headers={"Authorization": f"Bearer {tokens['access_token']}"}) as resp:
        assert resp.status == 401  # the old access token ended with its refresh
    async with http.post(server.api_base + "/oauth2/token", data={
            **client, "grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}) as resp:
        assert resp.status == 400 and (await resp.json())["error"] == "invalid_grant"
    async with http.post(server.api_base + "/oauth2/token/revoke",
                         data={**client, "token": fresh["access_token"]}) as resp:
        assert resp.status == 200
    async with http.get(server.api_base + "/users/@me",
                        headers={"Authorization": f"Bearer {fresh['access_token']}"}) as resp:
        assert resp.status == 401 and await resp.json() == {"message": "401: Unauthorized", "code": 0}


@pytest.mark.parametrize("grant_type", ["password", ""])
async def test_unsupported_grant_type(server, http, grant_type):
    data = {"grant_type": grant_type, "client_id": str(server.oauth.client_id),
            "client_secret": server.oauth.client_secret}
    async with http.post(server.api_base + "/oauth2/token", data=data) as resp:
        assert resp.status == 400 and (await resp.json()) == {"error": "unsupported_grant_type"}


async def test_role_change_reaches_the_bot(server, start_bot_here):
    import discord

    world = build_community(server)
    intents = discord.Intents.default()
    intents.members = True
    runner = await start_bot_here(server, intents=intents)
    await server.set_roles(world.moderator, [])
    await server.wait_until(
        lambda: runner.bot.get_guild(world.guild.id).get_member(world.moderator.id).roles == [
            runner.bot.get_guild(world.guild.id).default_role], timeout=5)
    await runner.stop()


@pytest_asyncio.fixture
async def start_bot_here():
    from bot.sandbox.localdiscord.testing import run_bot

    async def start(server, **kwargs):
        return await run_bot(server, **kwargs)

    return start
