"""Time as a dependency, so tests can jump a day or a DST change in milliseconds."""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Protocol


class Clock(Protocol):
    """Anything that tells the current time as an aware UTC datetime."""

    def now(self) -> datetime: ...


class SystemClock:
    """The real wall clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class FakeClock:
    """A clock that only moves when a test moves it."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("FakeClock needs an aware datetime")
        self._now = start.astimezone(UTC)

    def now(self) -> datetime:
        return self._now

    def set(self, moment: datetime) -> None:
        self._now = moment.astimezone(UTC)

    def advance(self, delta: timedelta | None = None, **kwargs: float) -> datetime:
        """Move forward by ``delta`` or by ``timedelta(**kwargs)``; returns the new time."""
        self._now += delta if delta is not None else timedelta(**kwargs)
        return self._now


class FileClock:
    """The time written in a file (ISO 8601), for tests that run ``hearth run`` as a real process
    against the local Discord and move its clock from outside (``HEARTH_CLOCK_FILE``).

    The file holds a moment, stopped (``2026-03-02T09:00:00+00:00``), or running with the wall
    clock from a given wall-clock time (``2026-03-02T09:00:00+00:00 running-since 1764601200.5``:
    a herd of posts takes real seconds, and a post that waits its turn is really late). The writer
    replaces the file whole (``os.replace``); a read happens only when the file changed.
    ``set_point`` is the moment last written: what a process acknowledges having dealt with.
    """

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._seen: tuple[int, int] | None = None
        self._set = datetime.fromtimestamp(0, UTC)
        self._since: float | None = None
        self.now()

    def now(self) -> datetime:
        stat = os.stat(self.path)
        if (stat.st_ino, stat.st_mtime_ns) != self._seen:
            self._seen = (stat.st_ino, stat.st_mtime_ns)
            moment, _, since = self.path.read_text().strip().partition(" running-since ")
            self._set = datetime.fromisoformat(moment).astimezone(UTC)
            self._since = float(since) if since else None
        if self._since is None:
            return self._set
        return self._set + timedelta(seconds=max(0.0, time.time() - self._since))

    @property
    def set_point(self) -> datetime:
        self.now()
        return self._set

    @staticmethod
    def write(path: Path | str, moment: datetime, *, running: bool = False) -> None:
        """Set the time of every process reading ``path`` (atomically); ``running``: from now on it
        runs with the wall clock."""
        partial = Path(f"{path}.partial")
        text = moment.astimezone(UTC).isoformat()
        partial.write_text(f"{text} running-since {time.time():.6f}" if running else text)
        os.replace(partial, path)


def to_ms(moment: datetime) -> int:
    """UTC epoch milliseconds, the unit every stored time uses."""
    return int(moment.timestamp() * 1000)


def from_ms(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC)
