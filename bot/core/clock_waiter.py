"""Waiting for a moment on the injectable clock, so game timers run in milliseconds in tests.

With the system clock ``sleep_until`` really sleeps. With a test clock nothing moves by itself:
a sleeper waits until a test moves the clock and calls ``wake_due()``. A sleeper can pass an
``interrupt`` event (a stopped round) and a ``parked`` event that is set while it waits and
cleared the instant it is woken, so a test can wait until every game has moved on and parked
again ("settled") instead of sleeping.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from datetime import datetime

from bot.core.clock import Clock, SystemClock

log = logging.getLogger(__name__)


@dataclass(eq=False)
class _Sleeper:
    deadline: datetime
    event: asyncio.Event
    parked: asyncio.Event | None


class ClockWaiter:
    def __init__(self, clock: Clock, *, real_time: bool | None = None) -> None:
        self.clock = clock
        self.real_time = isinstance(clock, SystemClock) if real_time is None else real_time
        self._sleepers: list[_Sleeper] = []

    @property
    def sleeping(self) -> int:
        return len(self._sleepers)

    async def sleep_until(
        self, deadline: datetime, interrupt: asyncio.Event | None = None, parked: asyncio.Event | None = None
    ) -> bool:
        """Wait until the clock reaches ``deadline``: True then, False if ``interrupt`` was set first."""
        if interrupt is not None and interrupt.is_set():
            return False
        if self.clock.now() >= deadline:
            return True
        if self.real_time:
            return await self._sleep_real(deadline, interrupt)
        sleeper = _Sleeper(deadline, asyncio.Event(), parked)
        self._sleepers.append(sleeper)
        if parked is not None:
            parked.set()
        waits = [asyncio.ensure_future(sleeper.event.wait())]
        if interrupt is not None:
            waits.append(asyncio.ensure_future(interrupt.wait()))
        try:
            await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiting in waits:
                waiting.cancel()
            with contextlib.suppress(ValueError):
                self._sleepers.remove(sleeper)
            if parked is not None:
                parked.clear()
        return not (interrupt is not None and interrupt.is_set()) and self.clock.now() >= deadline

    async def _sleep_real(self, deadline: datetime, interrupt: asyncio.Event | None) -> bool:
        stop = interrupt or asyncio.Event()
        while (remaining := (deadline - self.clock.now()).total_seconds()) > 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=remaining)
            if stop.is_set():
                return False
        return True

    def wake_due(self) -> int:
        """Wake every sleeper whose deadline the clock has reached; returns how many woke."""
        now = self.clock.now()
        woken = 0
        for sleeper in list(self._sleepers):
            if sleeper.deadline <= now:
                self._sleepers.remove(sleeper)
                if sleeper.parked is not None:
                    sleeper.parked.clear()
                sleeper.event.set()
                woken += 1
        return woken
