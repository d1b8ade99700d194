"""``hearth run`` with ``[dashboard] enabled``: a real process against the local Discord serves the bot and
the dashboard together; a moderator logs in and sees the guild; SIGTERM stops both cleanly."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import aiohttp

from bot.dashboard.config import CALLBACK_PATH
from bot.sandbox.dashboard import free_port
from bot.sandbox.localdiscord import LocalDiscord
from bot.sandbox.localdiscord.testing import build_community
from tests.dashboard.oauth_login import client, log_in

ROOT = Path(__file__).resolve().parents[2]
SESSION_SECRET = "run-test-session-secret-0123456789abcdef"


async def answering(url: str, process: asyncio.subprocess.Process, tries: int = 300) -> None:
    """Until the dashboard answers (it starts once the bot is ready), or the process died (0.1 s a try)."""
    async with aiohttp.ClientSession() as http:
        for _ in range(tries):
            assert process.returncode is None, "hearth run exited"
            try:
                async with http.get(url + "/") as answer:
                    if answer.status == 200:
                        return
            except aiohttp.ClientConnectionError:
                pass
            await asyncio.sleep(0.1)
    raise AssertionError(f"the dashboard never answered at {url}")


async def test_hearth_run_serves_the_dashboard_and_stops_cleanly(tmp_path: Path) -> None:
    async with LocalDiscord() as server:
        community = build_community(server)
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        server.oauth.redirect_uris.add(url + CALLBACK_PATH)
        (tmp_path / "config.toml").write_text(
            f'[bot]\ndata_dir = "{tmp_path / "data"}"\n'
            f'[discord]\napi_base = "{server.api_base}"\ngateway_url = "{server.gateway_url}"\n'
            f'[dashboard]\nenabled = true\nhost = "127.0.0.1"\nport = {port}\npublic_url = "{url}"\n'
            f'client_id = "{server.oauth.client_id}"\n'
        )
        env = {**os.environ, "DISCORD_TOKEN": server.token, "PYTHONPATH": str(ROOT),
               "HEARTH_SESSION_SECRET": SESSION_SECRET, "DISCORD_CLIENT_SECRET": server.oauth.client_secret}
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", cwd=tmp_path, env=env,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        )
        try:
            await server.wait_connected(timeout=20)
            await answering(url, process)
            guild = community.guild
            async with client() as http:
                await log_in(http, url, server.base_url, community.moderator.id)
                async with http.get(url + "/") as start:
                    assert f'href="/g/{guild.id}/"' in await start.text()  # the guild picker
                async with http.get(f"{url}/g/{guild.id}/schedules") as page:
                    assert page.status == 200 and guild.name in await page.text()
                async with http.get(f"{url}/api/v1/guilds/{guild.id}/schedules") as api:
                    assert api.status == 200 and await api.json() == {"schedules": []}
            async with client() as stranger, stranger.get(f"{url}/g/{guild.id}/", allow_redirects=False) as anonymous:
                assert anonymous.status == 302 and anonymous.headers["Location"].startswith("/login")
        finally:
            process.send_signal(signal.SIGTERM)
            output, _ = await asyncio.wait_for(process.communicate(), 30)
        log = output.decode()
        assert process.returncode == 0, log
        assert "Traceback" not in log, log
        for secret in (server.token, SESSION_SECRET, server.oauth.client_secret):
            assert secret not in log
        async with aiohttp.ClientSession() as http:  # the port is closed with the bot
            try:
                async with http.get(url + "/"):
                    raise AssertionError("the dashboard still answers after hearth run stopped")
            except aiohttp.ClientConnectionError:
                pass
        assert not server.unknown_routes
