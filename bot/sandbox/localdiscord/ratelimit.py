"""Discord's global rate limit: 50 requests per second per bot token, shared by all its connections.

Over the limit Discord answers ``429`` with ``"global": true`` in the body and
``X-RateLimit-Global: true`` / ``X-RateLimit-Scope: global`` headers, and ``retry_after`` in
seconds until the window frees a slot. Interaction callbacks and webhook (follow-up) routes are
not bound by it. One local Discord serves one bot token, so every process of a bot shares this
window, as on Discord. Off until ``enable()`` (the test harness bursts past 50/s); the herd tests
turn it on, with a lowered limit where they must.
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
        self._sent: deque[float] = deque()
        self.refused = 0
        self.served = 0

    def enable(self, per_second: int = GLOBAL_PER_SECOND) -> None:
        self.per_second = per_second
        self._sent.clear()

    def check(self, path: str) -> web.Response | None:
        """None if the request may go on, else Discord's global 429."""
        if self.per_second is None or path.startswith(EXEMPT_PREFIXES):
            return None
        now = time.monotonic()
        while self._sent and self._sent[0] <= now - 1.0:
            self._sent.popleft()
        if len(self._sent) < self.per_second:
            self._sent.append(now)
            self.served += 1
            return None
        self.refused += 1
        retry_after = round(max(0.001, self._sent[0] + 1.0 - now), 3)
        body = {"message": "You are being rate limited.", "retry_after": retry_after, "global": True, "code": 0}
        headers = {
            "Content-Type": "application/json",
            "Retry-After": str(max(1, round(retry_after))),
            "X-RateLimit-Global": "true",
            "X-RateLimit-Scope": "global",
            "Via": "1.1 google",  # Discord's 429s come through its proxy; discord.py treats one without as a ban
        }
        return web.Response(status=429, body=json.dumps(body).encode(), headers=headers)
