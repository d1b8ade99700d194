"""Counting Discord's refusals (every 401, 403 and 429, for ``/hearth status``) and pacing requests.

discord.py retries a 429 by itself and raises Forbidden for a 403, so neither reaches Hearth's
code as a number. An aiohttp trace on discord.py's HTTP session (``Client(http_trace=...)``) sees
every answer. Discord bans an IP (Cloudflare) after 10,000 invalid requests (401, 403, 429) in
10 minutes; ``invalid_last_10_min`` shows how near this process is.

The same trace paces requests under Discord's global limit (50 requests/s per bot, across every
process): ``GlobalPacer`` spaces requests evenly, so a top-of-the-hour herd of posts goes out as
fast as the limit allows without a 429 storm (a burst sent before the first 429 arrives would
otherwise all come back 429). With several processes it reserves each request's slot on the
bot's one timeline in PostgreSQL (``Timeline``, ``bot.storage.pace``), so together they use the
whole limit whichever process has the work; alone, or while that timeline cannot be reached, it
keeps to its shards' share. Interaction callbacks and webhook follow-ups are not bound by the
global limit and are not paced.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Awaitable
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any, Protocol

import aiohttp

log = logging.getLogger(__name__)

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
MARGIN = 0.9  # of the limit: for the processes' clocks and requests the pacer does not see
UNPACED = ("/interactions/", "/webhooks/")
CLAIM_TIMEOUT_S = 1.0  # a reservation slower than this: the timeline is unreachable
FALLBACK_S = 10.0  # then the process keeps to its own share this long before it tries again
RECLAIMS = 3  # fresh slots a request takes when the one it reserved went by unused


class Timeline(Protocol):
    """The bot's request timeline shared by its processes (``bot.storage.pace.PaceRepository``)."""

    def claim(self, interval: float) -> Awaitable[float]:
        """Reserve the next slot; the seconds until it starts."""

    def hold(self, seconds: float) -> Awaitable[None]:
        """Nothing more starts, in any process, before ``seconds`` from now."""


class GlobalPacer:
    """Spaces requests ``1 / per_second`` apart (per process), in the order they were made.

    The spacing holds between the moments requests really start, so a stalled event loop never
    turns into a burst (the overdue requests would otherwise all start together when it resumes),
    and a global 429 moves every later start past its ``retry_after`` (requests already waiting
    must not run into it too).

    With a shared ``timeline`` (several processes of one bot), each request first reserves its slot
    there at the whole bot's rate (``bot_per_second``): a process with more requests waiting takes
    more slots, one that idles or dies takes none, and the processes together never exceed the
    limit. If a reservation fails or takes over ``CLAIM_TIMEOUT_S``, the process keeps to its own
    share (``per_second``) for ``FALLBACK_S`` and then tries the timeline again.
    """

    def __init__(
        self,
        per_second: float,
        clock: Any = time.monotonic,
        sleep: Any = asyncio.sleep,
        *,
        bot_per_second: float | None = None,
    ) -> None:
        self.interval = 1.0 / per_second
        self.bot_interval = 1.0 / (bot_per_second or per_second)
        self._clock, self._sleep = clock, sleep
        self._next = 0.0  # the next free slot
        self._last = -self.interval  # when the latest request started
        self._held_until = 0.0  # after a global 429: nothing starts before this
        self.waited = 0.0
        self.timeline: Timeline | None = None
        self._fallback_until = 0.0
        self.reserved = 0  # requests paced through the shared timeline
        self.fallbacks = 0  # times the timeline could not be reached
        self.late_slots = 0  # reserved slots that went by unused (a fresh one was taken)
        self._holds: set[asyncio.Task[None]] = set()

    @classmethod
    def for_share(cls, shards_here: int, shard_count: int, limit: int = GLOBAL_PER_SECOND) -> GlobalPacer:
        """This process's share of the bot's global limit: proportional to the shards it runs, with
        a 10% margin (``MARGIN``) for the processes' clocks and requests the pacer does not see."""
        return cls(
            max(1.0, MARGIN * limit * shards_here / max(shard_count, 1)), bot_per_second=max(1.0, MARGIN * limit)
        )

    @property
    def shared(self) -> bool:
        """Reserving on the shared timeline now (not alone, not fallen back to its own share)."""
        return self.timeline is not None and self._clock() >= self._fallback_until

    async def wait(self, url: str) -> None:
        if any(part in url for part in UNPACED):
            return
        if self.shared and await self._reserve():
            return
        now = self._clock()
        slot = max(now, self._next)
        self._next = slot + self.interval
        await self._start_at(slot, self.interval)

    async def _reserve(self) -> bool:
        assert self.timeline is not None
        for attempt in range(RECLAIMS + 1):
            try:
                ahead = await asyncio.wait_for(self.timeline.claim(self.bot_interval), CLAIM_TIMEOUT_S)
            except Exception as exc:  # the database is down or slow: never hold Discord requests on it
                self.fallbacks += 1
                self._fallback_until = self._clock() + FALLBACK_S
                log.warning(
                    "the shared request timeline is unreachable (%s): keeping to this process's share of "
                    "Discord's global limit for %.0f s", type(exc).__name__, FALLBACK_S,
                )
                return False
            self.reserved += 1
            slot = self._clock() + ahead
            self._next = max(self._next, slot + self.bot_interval)  # a fallback request queues after it
            now = await self._wait_for(slot, self.bot_interval)
            # A slot that went by while this process could not use it (a stalled loop, a 429's hold)
            # belongs to the past: sent now, it would land beside another process's on-time request.
            if now - slot <= self.bot_interval or attempt == RECLAIMS:
                self._last = now
                return True
            self.late_slots += 1
        return True

    async def _start_at(self, slot: float, interval: float) -> None:
        self._last = await self._wait_for(slot, interval)

    async def _wait_for(self, slot: float, interval: float) -> float:
        """Sleep until ``slot``, ``interval`` after the latest start and past any 429's hold; the time then."""
        now = self._clock()
        while (start := max(slot, self._last + interval, self._held_until)) > now:
            self.waited += start - now
            await self._sleep(start - now)
            now = self._clock()
        return now

    def refused(self, retry_after: float) -> None:
        """Discord answered a global 429: nothing more starts before ``retry_after`` seconds (in every
        process, through the shared timeline)."""
        resume = self._clock() + retry_after
        self._next = max(self._next, resume)
        self._held_until = max(self._held_until, resume)
        if self.shared:
            task = asyncio.ensure_future(self._hold(retry_after))
            self._holds.add(task)
            task.add_done_callback(self._holds.discard)

    async def _hold(self, seconds: float) -> None:
        assert self.timeline is not None
        try:
            await asyncio.wait_for(self.timeline.hold(seconds), CLAIM_TIMEOUT_S)
        except Exception as exc:
            log.warning("could not hold the shared request timeline after a global 429: %s", type(exc).__name__)

    def summary(self) -> str:
        if self.timeline is None:
            return f"this process's share ({1 / self.interval:.0f}/s)"
        state = "shared with the bot's other processes" if self.shared else "⚠️ own share only (timeline unreachable)"
        return (
            f"{state}: {self.reserved:,} requests through the shared timeline"
            + (f", {self.fallbacks} fallbacks" if self.fallbacks else "")
        )


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
            pacer.refused(await _retry_after(params.response))

    trace.on_request_end.append(on_request_end)
    return trace


async def _retry_after(response: aiohttp.ClientResponse) -> float:
    """Seconds until a global 429 frees a slot: the body's exact ``retry_after`` (aiohttp keeps the
    body it read, so discord.py reads the same answer after this), else ``Retry-After`` (whole
    seconds on Discord's global answers, rounded up); at most 60."""
    try:
        body = await response.json(content_type=None)
        value = float(body["retry_after"])
    except Exception:
        try:
            value = float(response.headers.get("Retry-After", 1))
        except ValueError:
            value = 1.0
    return min(60.0, max(0.0, value))
