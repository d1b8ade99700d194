"""Time as a dependency, so tests can jump a day or a DST change in milliseconds."""

from __future__ import annotations

import os
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

    The writer replaces the file whole (``os.replace``); a read happens only when the file changed.
    """

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._seen: tuple[int, int] | None = None
        self._now = datetime.fromtimestamp(0, UTC)
        self.now()

    def now(self) -> datetime:
        stat = os.stat(self.path)
        if (stat.st_ino, stat.st_mtime_ns) != self._seen:
            self._seen = (stat.st_ino, stat.st_mtime_ns)
            self._now = datetime.fromisoformat(self.path.read_text().strip()).astimezone(UTC)
        return self._now

    @staticmethod
    def write(path: Path | str, moment: datetime) -> None:
        """Set the time of every process reading ``path`` (atomically)."""
        partial = Path(f"{path}.partial")
        partial.write_text(moment.astimezone(UTC).isoformat())
        os.replace(partial, path)


def to_ms(moment: datetime) -> int:
    """UTC epoch milliseconds, the unit every stored time uses."""
    return int(moment.timestamp() * 1000)


def from_ms(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC)
