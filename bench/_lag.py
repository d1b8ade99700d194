"""The event-loop stall meter of the benchmarks, importable by a client process without the local Discord."""

from __future__ import annotations

import asyncio
import time

TICK = 0.002


class LagMeter:
    """A ticker task: the longest time the event loop let it wait beyond its sleep (wall), and the
    most CPU the loop's thread spent between two ticks (``max_busy``: the stall our code caused;
    on a shared machine the wall lag also counts time the OS gave to other processes)."""

    def __init__(self) -> None:
        self.max_lag = 0.0
        self.max_busy = 0.0
        self._task: asyncio.Task[None] | None = None

    async def _tick(self) -> None:
        while True:
            before, cpu = time.perf_counter(), time.thread_time()
            await asyncio.sleep(TICK)
            self.max_lag = max(self.max_lag, time.perf_counter() - before - TICK)
            self.max_busy = max(self.max_busy, time.thread_time() - cpu)

    async def __aenter__(self) -> LagMeter:
        self._task = asyncio.create_task(self._tick())
        await asyncio.sleep(0)
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._task is not None
        self._task.cancel()
