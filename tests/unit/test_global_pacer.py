"""Hearth's pacing under Discord's global limit: even spacing between the moments requests start."""

from __future__ import annotations

import asyncio
import itertools

from bot.core.http_stats import GlobalPacer, HttpStats, trace_config


class Time:
    """A monotonic clock the pacer's sleeps move, plus a way to stall it (a busy event loop)."""

    def __init__(self) -> None:
        self.now = 100.0
        self.stall = 0.0  # added once to the next wake-up

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        deadline = self.now + seconds  # sleepers wake in deadline order, time jumps to each
        await asyncio.sleep(0)
        self.now = max(self.now, deadline) + self.stall
        self.stall = 0.0


async def started(pacer: GlobalPacer, t: Time, n: int) -> list[float]:
    starts: list[float] = []

    async def request() -> None:
        await pacer.wait("https://discord.com/api/v10/channels/1/messages")
        starts.append(t.now)

    await asyncio.gather(*(request() for _ in range(n)))
    return starts


def gaps(starts: list[float]) -> list[float]:
    return [round(b - a, 6) for a, b in itertools.pairwise(starts)]


async def test_requests_start_evenly_spaced_at_the_share_of_the_limit() -> None:
    t = Time()
    pacer = GlobalPacer(10, t.clock, t.sleep)
    starts = await started(pacer, t, 6)
    assert min(gaps(starts)) >= 0.1 - 1e-9
    assert starts[-1] - starts[0] < 0.5 + 0.05  # and no slower than that


async def test_a_stalled_loop_does_not_release_the_overdue_requests_in_a_burst() -> None:
    t = Time()
    pacer = GlobalPacer(10, t.clock, t.sleep)
    t.stall = 2.0  # the event loop is busy for two seconds while five requests wait for their slots
    starts = await started(pacer, t, 6)
    assert starts[-1] - starts[0] > 2.0
    assert min(gaps(starts)) >= 0.1 - 1e-9, gaps(starts)


async def test_a_global_429_holds_every_later_request_past_its_retry_after() -> None:
    t = Time()
    pacer = GlobalPacer(10, t.clock, t.sleep)
    await started(pacer, t, 1)
    pacer.refused(1.0)
    refused_at = t.now
    starts = await started(pacer, t, 3)
    assert starts[0] >= refused_at + 1.0 and min(gaps(starts)) >= 0.1 - 1e-9


def test_the_trace_tells_the_pacer_about_a_global_429_only() -> None:
    stats = HttpStats()
    assert stats.record(429, {"X-RateLimit-Global": "true", "Retry-After": "1"}) is True
    assert stats.record(429, {"X-RateLimit-Scope": "user"}) is False
    assert stats.record(403) is False and stats.record(200) is False
    assert (stats.rate_limited, stats.global_rate_limited, stats.forbidden) == (2, 1, 1)
    assert trace_config(stats, GlobalPacer(10)).on_request_end
