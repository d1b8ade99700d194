"""Point discord.py at a Discord API and gateway other than Discord's own.

discord.py reads both addresses from process-wide class attributes at call time, so one
function sets them. Operators use it for HTTP and gateway proxies; the sandbox and the
end-to-end tests use it to reach the local Discord on 127.0.0.1.
"""

from __future__ import annotations

import yarl
from discord.gateway import DiscordWebSocket
from discord.http import Route

DISCORD_API_BASE = "https://discord.com/api/v10"
DISCORD_GATEWAY_URL = "wss://gateway.discord.gg/"


def apply_endpoints(api_base: str = DISCORD_API_BASE, gateway_url: str = DISCORD_GATEWAY_URL) -> None:
    """Send every REST call to ``api_base`` and open the gateway at ``gateway_url``."""
    Route.BASE = api_base.rstrip("/")
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)


def current_endpoints() -> tuple[str, str]:
    """The REST base and gateway URL discord.py will use now."""
    return Route.BASE, str(DiscordWebSocket.DEFAULT_GATEWAY)
