"""Logging in to a dashboard over plain HTTP, through the local Discord's authorize form (no browser)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import aiohttp


def client() -> aiohttp.ClientSession:
    """A client that keeps cookies for 127.0.0.1 (aiohttp's default jar ignores IP hosts)."""
    return aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))


async def log_in(http: aiohttp.ClientSession, dashboard_url: str, discord_url: str, user_id: int) -> None:
    """/login -> the local Discord's authorize form as ``user_id`` -> /callback; the session cookie is in ``http``."""
    async with http.get(dashboard_url + "/login", allow_redirects=False) as start:
        assert start.status == 302, start.status
        query = {k: v[0] for k, v in parse_qs(urlsplit(start.headers["Location"]).query).items()}
    async with http.post(discord_url + "/oauth2/authorize", data={**query, "user_id": str(user_id)},
                         allow_redirects=False) as authorized:
        assert authorized.status == 302, await authorized.text()
        callback = authorized.headers["Location"]
    async with http.get(callback, allow_redirects=False) as done:
        assert done.status == 302 and done.headers["Location"] == "/", await done.text()
