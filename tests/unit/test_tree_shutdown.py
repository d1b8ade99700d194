"""The error handler once Hearth is shutting down: one short line, no traceback, no reply attempt
on the closed session (the end-to-end case is tests/e2e/test_shutdown.py)."""

from __future__ import annotations

import logging
from types import SimpleNamespace
from typing import Any

import pytest
from discord import app_commands

from bot.core.tree import report_error, send_ephemeral


class Followup:
    def __init__(self) -> None:
        self.sent: list[str] = []

    async def send(self, message: str, **_: Any) -> None:
        raise RuntimeError("Session is closed")


@pytest.fixture(autouse=True)
def tree_logger_enabled(monkeypatch: pytest.MonkeyPatch) -> None:
    """A tool that configured logging earlier in the run (import-linter) may have disabled it."""
    monkeypatch.setattr(logging.getLogger("bot.core.tree"), "disabled", False)


def interaction(closed: bool) -> Any:
    return SimpleNamespace(
        id=42,
        client=SimpleNamespace(is_closed=lambda: closed),
        command=SimpleNamespace(qualified_name="report"),
        response=SimpleNamespace(is_done=lambda: True),
        followup=Followup(),
    )


async def test_an_error_after_the_client_closed_is_one_line_without_a_reply(caplog: pytest.LogCaptureFixture) -> None:
    command: Any = SimpleNamespace(qualified_name="report", name="report")
    error = app_commands.CommandInvokeError(command, RuntimeError("Session is closed"))
    with caplog.at_level(logging.INFO):
        await report_error(interaction(closed=True), error)
    assert [(r.levelno, r.getMessage(), r.exc_info) for r in caplog.records] == [
        (logging.WARNING, "/report: answer not delivered, Hearth is shutting down (Session is closed)", None)
    ]


async def test_a_closed_session_while_replying_is_quiet_only_at_shutdown(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO):
        await send_ephemeral(interaction(closed=True), "Something went wrong")
    assert [r.getMessage() for r in caplog.records] == [
        "/report: answer not delivered, Hearth is shutting down (Session is closed)"
    ]
    with pytest.raises(RuntimeError):  # while running, that is a bug and stays loud
        await send_ephemeral(interaction(closed=False), "Something went wrong")
