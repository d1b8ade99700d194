"""The bot's shared request timeline (``bot.storage.pace``, migration 0240) on both backends, and
``GlobalPacer`` reserving its slots there: several processes together keep one rate, whichever of
them has the work, and fall back to their own share when the timeline cannot be reached."""

from __future__ import annotations

import asyncio
import itertools
import time

import pytest

from bot.core.http_stats import GlobalPacer
from bot.storage import Database
from bot.storage.pace import PaceRepository


async def test_reservations_take_consecutive_slots_one_interval_apart(db: Database) -> None:
    pace = PaceRepository(db)
    first = await pace.claim(0.5)
    assert first == 0.0  # an idle timeline: now
    started = time.monotonic()
    waits = [await pace.claim(0.5) for _ in range(4)]
    took = time.monotonic() - started
    # each reservation is half a second after the previous one, less the time the claims took
    for n, wait in enumerate(waits, start=1):
        assert 0.5 * n - took - 0.01 < wait <= 0.5 * n, waits


async def test_two_connections_reserving_at_once_never_get_the_same_slot(db: Database, database_url: str) -> None:
    other = await Database.open(database_url)  # a second process's connection pool
    try:
        a, b = PaceRepository(db), PaceRepository(other)
        assert await db.fetchval("SELECT COUNT(*) FROM global_pace") == 0  # made at the first reservation
        await a.claim(0.1)
        await a.hold(10.0)  # the timeline's next slot is 10 s ahead: every claim below queues after it
        base = await db.fetchval("SELECT next_us FROM global_pace WHERE name = 'discord'")
        started = time.monotonic()
        waits = await asyncio.gather(*(p.claim(0.1) for p in [a, b] * 10))
        took = time.monotonic() - started
        # Each claim took exactly one slot after the previous one: 20 slots, the timeline 2 s further.
        assert await db.fetchval("SELECT next_us FROM global_pace WHERE name = 'discord'") == base + 2_000_000
        assert all(10.0 - took - 0.05 < w <= 12.0 for w in waits), (waits, took)
        assert max(waits) - min(waits) > 1.9 - took - 0.05  # spread over the 20 slots, not piled on one
    finally:
        await other.close()


async def test_a_hold_moves_the_timeline_past_a_global_429_for_every_process(db: Database) -> None:
    pace = PaceRepository(db)
    await pace.claim(0.1)
    await pace.hold(3.0)
    wait = await pace.claim(0.1)
    assert 2.8 < wait <= 3.0
    await pace.hold(0.5)  # a shorter hold never pulls the timeline back
    assert 2.8 < await pace.claim(0.1) <= 3.1


class Time:
    def __init__(self) -> None:
        self.now = 100.0

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        deadline = self.now + seconds  # sleepers wake in deadline order, time jumps to each
        await asyncio.sleep(0)
        self.now = max(self.now, deadline)


class FakeTimeline:
    """One timeline for several pacers, on the test's clock."""

    def __init__(self, t: Time) -> None:
        self.t, self.next, self.down, self.holds = t, 0.0, False, []

    async def claim(self, interval: float) -> float:
        if self.down:
            raise ConnectionError("database restarting")
        slot = max(self.next, self.t.now)
        self.next = slot + interval
        return slot - self.t.now

    async def hold(self, seconds: float) -> None:
        self.holds.append(seconds)
        self.next = max(self.next, self.t.now + seconds)


URL = "https://discord.com/api/v10/channels/1/messages"


async def test_a_process_alone_on_the_timeline_uses_the_whole_bot_limit_not_its_shard_share() -> None:
    t = Time()
    busy, idle = GlobalPacer.for_share(2, 4, 20), GlobalPacer.for_share(2, 4, 20)
    for pacer in (busy, idle):
        pacer._clock, pacer._sleep = t.clock, t.sleep
        pacer.timeline = FakeTimeline(t)
    idle.timeline = busy.timeline  # one bot, one timeline
    start = t.now
    for _ in range(36):  # the busy process's requests while the other has none
        await busy.wait(URL)
    assert t.now - start == pytest.approx(35 / 18)  # 18/s: the bot's 20/s less the 10% margin, not 9/s
    assert busy.reserved == 36 and busy.shared


async def test_two_processes_share_slots_and_never_start_closer_than_the_bot_interval() -> None:
    t = Time()
    timeline = FakeTimeline(t)
    pacers = [GlobalPacer.for_share(2, 4, 20) for _ in range(2)]
    starts: list[float] = []
    for pacer in pacers:
        pacer._clock, pacer._sleep, pacer.timeline = t.clock, t.sleep, timeline

    async def request(pacer: GlobalPacer) -> None:
        await pacer.wait(URL)
        starts.append(t.now)

    await asyncio.gather(*(request(pacers[n % 4 == 0]) for n in range(40)))  # uneven: 30 and 10
    starts.sort()
    gaps = [b - a for a, b in itertools.pairwise(starts)]
    assert min(gaps) >= 1 / 18 - 1e-9
    assert starts[-1] - starts[0] == pytest.approx(39 / 18)


async def test_an_unreachable_timeline_falls_back_to_the_shard_share_and_comes_back() -> None:
    t = Time()
    pacer = GlobalPacer.for_share(2, 4, 20)
    timeline = FakeTimeline(t)
    pacer._clock, pacer._sleep, pacer.timeline = t.clock, t.sleep, timeline
    timeline.down = True
    start = t.now
    for _ in range(10):
        await pacer.wait(URL)
    assert pacer.fallbacks == 1 and not pacer.shared
    assert t.now - start == pytest.approx(9 / 9)  # its own share: 9/s (half the shards)
    assert "own share only" in pacer.summary()
    timeline.down = False
    t.now += 10
    await pacer.wait(URL)
    assert pacer.shared and pacer.reserved == 1


async def test_a_global_429_is_held_on_the_shared_timeline_too() -> None:
    t = Time()
    pacer = GlobalPacer.for_share(2, 4, 20)
    timeline = FakeTimeline(t)
    pacer._clock, pacer._sleep, pacer.timeline = t.clock, t.sleep, timeline
    await pacer.wait(URL)
    pacer.refused(2.0)
    await asyncio.gather(*pacer._holds)
    assert timeline.holds == [2.0]
    before = t.now
    await pacer.wait(URL)
    assert t.now - before >= 2.0


async def test_a_slot_that_went_by_during_a_stall_is_not_used_late() -> None:
    """A stalled loop must not send on a slot that passed meanwhile (it would land beside another
    process's on-time request): it takes a fresh slot."""
    t = Time()
    timeline = FakeTimeline(t)
    pacer = GlobalPacer.for_share(2, 4, 20)
    pacer._clock, pacer._sleep, pacer.timeline = t.clock, t.sleep, timeline
    timeline.next = t.now + 0.5  # another process holds the next half second

    async def stalled_sleep(seconds: float) -> None:
        t.now += seconds + 1.0  # the loop wakes a second late
        await asyncio.sleep(0)

    pacer._sleep = stalled_sleep
    await pacer.wait(URL)
    assert pacer.late_slots >= 1 and pacer.reserved >= 2
    assert timeline.next > t.now - 1 / 18  # it started on a slot reserved after the stall
