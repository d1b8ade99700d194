"""The clock a test moves for ``hearth run`` processes (``HEARTH_CLOCK_FILE``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

from bot.core.clock import FileClock


def test_every_reader_sees_the_time_the_writer_set(tmp_path: Path) -> None:
    path = tmp_path / "clock"
    monday = datetime(2026, 3, 2, 9, 1, tzinfo=UTC)
    FileClock.write(path, monday)
    clock = FileClock(path)
    assert clock.now() == monday
    FileClock.write(path, monday + timedelta(days=1))
    assert clock.now() == monday + timedelta(days=1)
    FileClock.write(path, datetime(2026, 3, 3, 10, 1, tzinfo=timezone(timedelta(hours=1))))
    assert clock.now() == monday + timedelta(days=1) and clock.now().tzinfo == UTC
    assert not (tmp_path / "clock.partial").exists()
