"""Counting Discord's refusals (every 401, 403 and 429, for ``/hearth status``) and pacing requests.

discord.py retries a 429 by itself and raises Forbidden for a 403, so neither reaches Hearth's
code as a number. An aiohttp trace on discord.py's HTTP session (``Client(http_trace=...)``) sees
every answer. Discord bans an IP (Cloudflare) after 10,000 invalid requests (401, 403, 429) in
10 minutes; ``invalid_last_10_min`` shows how near this process is.

The same trace paces requests under Discord's global limit (50 requests/s per bot, across every
process): ``GlobalPacer`` spaces this process's requests evenly at its share of the limit, so
a top-of-the-hour herd of posts goes out as fast as the limit allows without a 429 storm (a
burst sent before the first 429 arrives would otherwise all come back 429). Interaction
callbacks and webhook follow-ups are not bound by the global limit and are not paced.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import aiohttp

INVALID = (401, 403, 429)
WINDOW_S = 600.0


@dataclass
class HttpStats:
    unauthorized: int = 0  # 401
    forbidden: int = 0  # 403
    rate_limited: int = 0  # 429
    global_rate_limited: int = 0  # 429 with the global flag
    _invalid_at: deque[float] = field(default_factory=deque)

    def record(self, status: int, headers: Any = None) -> bool:
        """Count an answer; True if it was a global 429."""
        if status not in INVALID:
            return False
        global_429 = False
        if status == 401:
            self.unauthorized += 1
        elif status == 403:
            self.forbidden += 1
        else:
            self.rate_limited += 1
            if headers is not None and (
                headers.get("X-RateLimit-Global") == "true" or headers.get("X-RateLimit-Scope") == "global"
            ):
                self.global_rate_limited += 1
                global_429 = True
        now = time.monotonic()
        self._invalid_at.append(now)
        while self._invalid_at and self._invalid_at[0] < now - WINDOW_S:
            self._invalid_at.popleft()
        return global_429

    @property
    def invalid_last_10_min(self) -> int:
        cutoff = time.monotonic() - WINDOW_S
        return sum(1 for t in self._invalid_at if t >= cutoff)

    def summary(self) -> str:
        return (
            f"{self.unauthorized} × 401, {self.forbidden} × 403, {self.rate_limited} × 429 "
            f"({self.global_rate_limited} global); {self.invalid_last_10_min} of Discord's 10,000 invalid "
            "requests per 10 minutes"
        )


GLOBAL_PER_SECOND = 50
UNPACED = ("/interactions/", "/webhooks/")


class GlobalPacer:
    """Spaces requests ``1 / per_second`` apart (per process), in the order they were made.

    The spacing holds between the moments requests really start, so a stalled event loop never
    turns into a burst (the overdue requests would otherwise all start together when it resumes),
    and a global 429 moves every later start past its ``retry_after`` (requests already waiting
    must not run into it too).
    """

    def __init__(self, per_second: float, clock: Any = time.monotonic, sleep: Any = asyncio.sleep) -> None:
        self.interval = 1.0 / per_second
        self._clock, self._sleep = clock, sleep
        self._next = 0.0  # the next free slot
        self._last = -self.interval  # when the latest request started
        self.waited = 0.0

    @classmethod
    def for_share(cls, shards_here: int, shard_count: int, limit: int = GLOBAL_PER_SECOND) -> GlobalPacer:
        """This process's share of the bot's global limit: proportional to the shards it runs, with
        a 10% margin for the processes' clocks and requests the pacer does not see."""
        return cls(max(1.0, 0.9 * limit * shards_here / max(shard_count, 1)))

    async def wait(self, url: str) -> None:
        if any(part in url for part in UNPACED):
            return
        now = self._clock()
        slot = max(now, self._next)
        self._next = slot + self.interval
        while (start := max(slot, self._last + self.interval)) > now:
            self.waited += start - now
            await self._sleep(start - now)
            now = self._clock()
        self._last = now

    def refused(self, retry_after: float) -> None:
        """Discord answered a global 429: nothing more starts before ``retry_after`` seconds."""
        resume = self._clock() + retry_after
        self._next = max(self._next, resume)
        self._last = max(self._last, resume - self.interval)


def trace_config(stats: HttpStats, pacer: GlobalPacer | None = None) -> aiohttp.TraceConfig:
    """An aiohttp trace that paces requests (``pacer``) and records every answer's status in ``stats``."""
    trace = aiohttp.TraceConfig()

    if pacer is not None:

        async def on_request_start(
            _session: aiohttp.ClientSession, _context: SimpleNamespace, params: aiohttp.TraceRequestStartParams
        ) -> None:
            await pacer.wait(str(params.url))

        trace.on_request_start.append(on_request_start)

    async def on_request_end(
        _session: aiohttp.ClientSession, _context: SimpleNamespace, params: aiohttp.TraceRequestEndParams
    ) -> None:
        headers = params.response.headers
        if stats.record(params.response.status, headers) and pacer is not None:
            pacer.refused(_retry_after(headers))

    trace.on_request_end.append(on_request_end)
    return trace


def _retry_after(headers: Any) -> float:
    """Seconds until a global 429 frees a slot: ``Retry-After`` (whole seconds on Discord's global
    answers; the body's exact ``retry_after`` is discord.py's to read), at most 60."""
    try:
        return min(60.0, max(0.0, float(headers.get("Retry-After", 1))))
    except ValueError:
        return 1.0
