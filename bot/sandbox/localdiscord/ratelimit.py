"""Discord's global rate limit: 50 requests per second per bot token, shared by all its connections.

Over the limit Discord answers ``429`` with ``"global": true`` in the body and
``X-RateLimit-Global: true`` / ``X-RateLimit-Scope: global`` headers, and ``retry_after`` in
seconds until the window frees a slot. Interaction callbacks and webhook (follow-up) routes are
not bound by it. The window is kept per token (the ``Authorization`` header: ``Bot <token>`` or an
OAuth2 ``Bearer``; a request without one is counted by the address it came from, as Discord limits
unauthenticated requests by IP), so every connection and every process of one bot shares one
window, and another token never spends it. Off until ``enable()`` (the test harness bursts past
50/s); the herd tests turn it on, with a lowered limit where they must.
"""

from __future__ import annotations

import json
import time
from collections import deque

from aiohttp import web

GLOBAL_PER_SECOND = 50
EXEMPT_PREFIXES = ("/interactions/", "/webhooks/")


class GlobalRateLimit:
    def __init__(self) -> None:
        self.per_second: int | None = None
        self._sent: dict[str, deque[float]] = {}  # token (or address) -> its requests in the last second
        self.refused = 0
        self.served = 0
        self.served_by: dict[str, int] = {}  # token (or address) -> requests served under the limit
        self.refused_by: dict[str, int] = {}
        self.last_served: dict[str, float] = {}  # token -> time.monotonic() of its latest served request

    def enable(self, per_second: int = GLOBAL_PER_SECOND) -> None:
        self.per_second = per_second
        self._sent.clear()

    def check(self, path: str, key: str = "") -> web.Response | None:
        """None if the request may go on, else Discord's global 429. ``key``: whose limit it is (the
        request's token, or its address without one)."""
        if self.per_second is None or path.startswith(EXEMPT_PREFIXES):
            return None
        now = time.monotonic()
        sent = self._sent.setdefault(key, deque())
        while sent and sent[0] <= now - 1.0:
            sent.popleft()
        if len(sent) < self.per_second:
            sent.append(now)
            self.served += 1
            self.served_by[key] = self.served_by.get(key, 0) + 1
            self.last_served[key] = now
            return None
        self.refused += 1
        self.refused_by[key] = self.refused_by.get(key, 0) + 1
        retry_after = round(max(0.001, sent[0] + 1.0 - now), 3)
        body = {"message": "You are being rate limited.", "retry_after": retry_after, "global": True, "code": 0}
        headers = {
            "Content-Type": "application/json",
            "Retry-After": str(max(1, round(retry_after))),
            "X-RateLimit-Global": "true",
            "X-RateLimit-Scope": "global",
            "Via": "1.1 google",  # Discord's 429s come through its proxy; discord.py treats one without as a ban
        }
        return web.Response(status=429, body=json.dumps(body).encode(), headers=headers)
