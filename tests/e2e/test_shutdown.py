"""Stopping Hearth while an answer is on its way: one short log line, never a traceback or an
"exception was never retrieved" from the error handler's own reply on a closed session."""

from __future__ import annotations

import asyncio
import gc
import logging
from typing import Any

import pytest

from tests.e2e.conftest import World

HEARTH_LOGGERS = ("bot", "cogs", "discord", "asyncio")


class LoopErrors:
    """What reaches the event loop's exception handler ("Task exception was never retrieved", ...)."""

    def __init__(self) -> None:
        self.seen: list[dict[str, Any]] = []
        self.loop = asyncio.get_running_loop()
        self.previous = self.loop.get_exception_handler()
        self.loop.set_exception_handler(lambda loop, context: self.seen.append(context))

    def restore(self) -> None:
        gc.collect()  # a failed task that nobody awaited reports itself when it is collected
        self.loop.set_exception_handler(self.previous)


async def test_stopping_while_a_deferred_report_waits_on_a_slow_followup_logs_one_line(
    world: World, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("bot.app.SHUTDOWN_GRACE_SECONDS", 0.0)  # no waiting out the grace period
    for name in ("bot.app", "bot.core.tree"):  # a tool that configured logging earlier may have disabled them
        monkeypatch.setattr(logging.getLogger(name), "disabled", False)
    await world.command(world.moderator, "hearth setup", timezone="UTC")
    slow = world.server.hold_next(method="POST", path="/webhooks/*")  # the report's followup
    result = await world.server.run_command(world.moderator, world.general, "report", {})
    await result.response()  # deferred ("thinking"), then the report, then its followup...
    assert slow.arrived is not None
    await asyncio.wait_for(slow.arrived.wait(), 10)  # ...which Discord is slow to take
    errors = LoopErrors()
    caplog.clear()
    try:
        with caplog.at_level(logging.INFO):
            await world.stop()  # what SIGTERM does to `hearth run`
            slow.release()
            await asyncio.sleep(0)
    finally:
        errors.restore()
    assert errors.seen == [], [c.get("message") for c in errors.seen]
    hearth = [r for r in caplog.records if r.name.startswith(HEARTH_LOGGERS)]  # not the local Discord's server
    undelivered = [r for r in hearth if "not delivered" in r.getMessage()]
    assert [r.getMessage() for r in undelivered] == [
        "/report still running after 0 s at shutdown: cut short, its answer is not delivered"
    ]
    assert undelivered[0].levelno == logging.WARNING and undelivered[0].exc_info is None
    assert not [r for r in hearth if r.levelno >= logging.ERROR], [r.getMessage() for r in hearth]
    assert not [r for r in hearth if "Session is closed" in r.getMessage() or r.exc_info]
