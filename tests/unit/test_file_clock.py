"""The clock a test moves for ``hearth run`` processes (``HEARTH_CLOCK_FILE``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

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


def test_a_running_clock_moves_with_the_wall_clock_from_its_set_point(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import bot.core.clock as clock_module

    wall = [1_800_000_000.0]
    monkeypatch.setattr(clock_module.time, "time", lambda: wall[0])
    path = tmp_path / "clock"
    nine = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    FileClock.write(path, nine, running=True)
    clock = FileClock(path)
    assert clock.now() == nine and clock.set_point == nine
    wall[0] += 12.5  # real seconds pass: the time runs, the set point stays (nothing to acknowledge)
    assert clock.now() == nine + timedelta(seconds=12.5) and clock.set_point == nine
    FileClock.write(path, nine + timedelta(minutes=1))  # stopped again, one minute on
    wall[0] += 100
    assert clock.now() == clock.set_point == nine + timedelta(minutes=1)
