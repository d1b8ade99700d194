"""The dashboard's report cache: requests that arrive while a report is being built share that one
build (50 moderators on an expired cache cost one build, not 50); a write during a build is never
hidden by that build's result; a client that goes away does not cancel the build for the others."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import pytest

from bot.core.clock import FakeClock
from bot.dashboard import backend as backend_module
from bot.dashboard.backend import Backend


class Builds:
    """Stands in for report_from_database: each build waits until the test lets it finish."""

    def __init__(self) -> None:
        self.started = 0
        self.release = asyncio.Event()

    async def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self.started += 1
        number = self.started
        await self.release.wait()
        return SimpleNamespace(number=number)


@pytest.fixture
def builds(monkeypatch: pytest.MonkeyPatch) -> Builds:
    found = Builds()
    monkeypatch.setattr(backend_module, "report_from_database", found)
    monkeypatch.setattr(backend_module, "report_json", lambda report: {"build": report.number})
    return found


def make_backend() -> Backend:
    async def get(_: int) -> Any:
        return SimpleNamespace(timezone="UTC")

    return Backend(
        db=None, clock=FakeClock(datetime(2026, 3, 2, tzinfo=UTC)), guilds=lambda: SimpleNamespace(get=get),
        privacy=SimpleNamespace(opted_out_members=None), scheduler=None, experiments=lambda: None,
        rights=None, facts=None,  # type: ignore[arg-type]
    )


async def test_concurrent_requests_share_one_build(builds: Builds) -> None:
    backend = make_backend()
    waiting = [asyncio.create_task(backend.report_data(1, "last week")) for _ in range(50)]
    await asyncio.sleep(0)
    builds.release.set()
    assert [await w for w in waiting] == [{"build": 1}] * 50
    assert builds.started == 1
    assert await backend.report_data(1, "last week") == {"build": 1}  # cached now
    assert await backend.report_data(1, "28 days") == {"build": 2}  # another period is its own report
    assert builds.started == 2


async def test_a_write_during_a_build_is_not_hidden_by_its_result(builds: Builds) -> None:
    backend = make_backend()
    first = asyncio.create_task(backend.report_data(1, "last week"))
    await asyncio.sleep(0)
    backend.forget_reports(1)  # e.g. a schedule paused while the report was being built
    second = asyncio.create_task(backend.report_data(1, "last week"))
    await asyncio.sleep(0)
    builds.release.set()
    assert await first == {"build": 1} and await second == {"build": 2}
    assert await backend.report_data(1, "last week") == {"build": 2}  # the build from before the write is not kept
    assert builds.started == 2


async def test_a_client_that_leaves_does_not_cancel_the_build_for_the_others(builds: Builds) -> None:
    backend = make_backend()
    leaving = asyncio.create_task(backend.report_data(1, "last week"))
    staying = asyncio.create_task(backend.report_data(1, "last week"))
    await asyncio.sleep(0)
    leaving.cancel()
    await asyncio.sleep(0)
    builds.release.set()
    assert await staying == {"build": 1}
    assert leaving.cancelled() and builds.started == 1


class Monotonic:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


async def test_an_expired_report_is_answered_while_one_rebuild_runs_but_never_past_twice_its_age(
    builds: Builds,
) -> None:
    backend = make_backend()
    backend.monotonic = clock = Monotonic()
    builds.release.set()
    assert await backend.report_data(1, "last week") == {"build": 1}
    builds.release.clear()
    clock.now += backend.report_cache_seconds + 1  # expired
    assert await backend.report_data(1, "last week") == {"build": 1}  # answered at once; a rebuild started
    await asyncio.sleep(0)
    assert await backend.report_data(1, "last week") == {"build": 1}
    await asyncio.sleep(0)
    assert builds.started == 2  # one rebuild for both
    builds.release.set()
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    assert await backend.report_data(1, "last week") == {"build": 2}

    builds.release.clear()
    clock.now += 2 * backend.report_cache_seconds + 1  # too old to answer even while rebuilding
    waiting = asyncio.create_task(backend.report_data(1, "last week"))
    await asyncio.sleep(0)
    assert not waiting.done()
    builds.release.set()
    assert await waiting == {"build": 3}

    backend.forget_reports(1)  # a write: nothing old is answered
    builds.release.clear()
    waiting = asyncio.create_task(backend.report_data(1, "last week"))
    await asyncio.sleep(0)
    assert not waiting.done()
    builds.release.set()
    assert await waiting == {"build": 4}
