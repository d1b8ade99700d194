"""Sessions in headless Chromium: one that has expired (by the injectable clock) is sent to login, and
logout ends a session for good, even if a copy of its cookie comes back."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from bot.dashboard.security import SESSION_MAX_AGE
from tests.browser.conftest import Site

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def session_cookie(v: Any) -> dict[str, Any]:
    return next(c for c in await v.context.cookies() if c["name"] == "hearth_session")


async def test_an_expired_session_is_sent_to_login(site: Site, visitor: Any) -> None:
    v = await visitor()
    await v.login("maya")
    page = f"{site.url}/g/{site.guild_a.id}/"
    clock = site.world.clock
    logged_in_at = clock.now()
    try:
        clock.set(logged_in_at + timedelta(seconds=SESSION_MAX_AGE - 60))
        assert (await v.context.request.get(page, max_redirects=0)).status == 200  # still inside 8 hours
        clock.set(logged_in_at + timedelta(seconds=SESSION_MAX_AGE + 1))
        expired = await v.context.request.get(page, max_redirects=0)
        assert expired.status == 302 and expired.headers["location"] == f"/login?next=%2Fg%2F{site.guild_a.id}%2F"
        api = await v.context.request.get(f"{site.url}/api/v1/guilds/{site.guild_a.id}/report")
        assert api.status == 401
        await v.goto("/")
        assert await v.page.locator("#login").count() == 1  # the start page offers login again
    finally:
        clock.set(logged_in_at)
    assert (await v.context.request.get(page, max_redirects=0)).status == 302  # cleared, not revived


async def test_logout_clears_the_session_and_a_copied_cookie_is_refused(site: Site, visitor: Any) -> None:
    v = await visitor()
    await v.login("maya")
    page = f"{site.url}/g/{site.guild_a.id}/"
    copied = await session_cookie(v)
    await v.goto(f"/g/{site.guild_a.id}/")
    await v.page.click("#logout")
    await v.page.wait_for_selector("#login")
    after = [c for c in await v.context.cookies() if c["name"] == "hearth_session"]
    assert not after or after[0]["value"] != copied["value"]
    answer = await v.context.request.get(page, max_redirects=0)
    assert answer.status == 302 and answer.headers["location"].startswith("/login")
    await v.context.add_cookies([copied])  # someone kept the cookie from before logout
    replayed = await v.context.request.get(page, max_redirects=0)
    assert replayed.status == 302 and replayed.headers["location"].startswith("/login")
    api = await v.context.request.get(f"{site.url}/api/v1/guilds/{site.guild_a.id}/report")
    assert api.status == 401
