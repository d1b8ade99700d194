"""The dashboard on a local Discord: ``hearth sandbox --serve`` and the browser tests.

The local Discord's OAuth2 client is the application itself; the dashboard's callback is
registered as a redirect, and its authorize page offers the moderator, the owner and a plain
member. A sandbox run has no operator secret, so it makes a strong random session secret for
itself (per run; cookies die with it).
"""

from __future__ import annotations

import secrets
import socket
from typing import Any

from bot.dashboard.backend import from_bot
from bot.dashboard.config import CALLBACK_PATH, DashboardConfig, session_key
from bot.dashboard.server import RunningDashboard, start_dashboard
from bot.sandbox.localdiscord import LocalDiscord


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


async def serve_dashboard(
    server: LocalDiscord, bot: Any, *, port: int | None = None, login_as: list[int] | None = None,
    rights_cache_seconds: float = 30.0,
) -> RunningDashboard:
    """Start the dashboard for ``bot`` (running against ``server``); returns it with its URL."""
    port = port or free_port()
    public_url = f"http://127.0.0.1:{port}"
    server.oauth.redirect_uris.add(public_url + CALLBACK_PATH)
    if login_as is not None:
        server.oauth.login_user_ids = login_as
    config = DashboardConfig(
        host="127.0.0.1", port=port, public_url=public_url, client_id=str(server.oauth.client_id),
        client_secret=server.oauth.client_secret, session_key=session_key(secrets.token_urlsafe(32)),
        rights_cache_seconds=rights_cache_seconds,
    )
    backend = from_bot(bot, bot.settings, server.token, rights_cache_seconds=rights_cache_seconds)
    return await start_dashboard(backend, config, server.api_base)
