"""A progress bar for long commands: drawn on a terminal, silent everywhere else.

``hearth db rebuild-rollups``, the sandbox's backfill and ``hearth db copy`` share it. It draws
on standard error only when that is a terminal (or ``HEARTH_PROGRESS=1`` forces it), redraws at
most five times a second on one line, and never logs: run from cron, a container or a pipe, a
command leaves only its result line, no bar and no per-step log lines.

    with Progress("rebuild", total=len(steps), stream=terminal()) as bar:
        for step in steps:
            ...
            bar.advance(note=step.name)
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from types import TracebackType
from typing import TextIO

ENV = "HEARTH_PROGRESS"
"""Set to 1 to draw the bar even when standard error is not a terminal (0 or empty: only on one)."""
REDRAW_SECONDS = 0.2
WIDTH = 30


def terminal(stream: TextIO | None = None) -> TextIO | None:
    """``stream`` (default: standard error) when a bar belongs there, else None (draw nothing)."""
    stream = sys.stderr if stream is None else stream
    forced = os.environ.get(ENV, "").strip() not in ("", "0")
    try:
        tty = stream.isatty()
    except (AttributeError, ValueError):  # a closed or odd stream: no bar
        tty = False
    return stream if forced or tty else None


class Progress:
    """Counts steps towards ``total`` and draws ``label [####......]  42.0%  note`` on ``stream``.

    With ``stream=None`` it only counts. ``total`` may grow as work is discovered (``add``);
    the fraction never passes 100%. ``clock`` is injectable so tests control the redraw rate.
    """

    def __init__(
        self,
        label: str,
        total: float = 0,
        *,
        stream: TextIO | None,
        clock: Callable[[], float] = time.monotonic,
        interval: float = REDRAW_SECONDS,
    ) -> None:
        self.label = label
        self.total = float(total)
        self.done = 0.0
        self.note = ""
        self._stream = stream
        self._clock = clock
        self._interval = interval
        self._drawn_at: float | None = None
        self._width = 0  # length of the last line drawn, to blank what a shorter one leaves
        self._finished = False

    @property
    def fraction(self) -> float:
        if self.total <= 0:
            return 1.0 if self._finished else 0.0
        return min(max(self.done / self.total, 0.0), 1.0)

    def add(self, steps: float) -> None:
        """More work than first counted (e.g. each guild's weeks, once its first day is known)."""
        self.total += steps

    def advance(self, steps: float = 1, note: str | None = None) -> None:
        self.set(self.done + steps, note)

    def set(self, done: float, note: str | None = None) -> None:
        self.done = done
        if note is not None:
            self.note = note
        self._draw(force=False)

    def finish(self, note: str | None = None) -> None:
        """Draw 100% and end the line (only if a bar was drawn at all, so a pipe stays empty)."""
        if self._finished:
            return
        self._finished = True
        self.done = max(self.done, self.total)
        if note is not None:
            self.note = note
        if self._stream is not None:
            self._draw(force=True)
            self._stream.write("\n")
            self._stream.flush()

    def __enter__(self) -> Progress:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if exc_type is None:
            self.finish()
        elif self._stream is not None and self._drawn_at is not None:
            self._finished = True
            self._stream.write("\n")  # leave the bar where it stopped; the error prints below it
            self._stream.flush()

    def line(self) -> str:
        filled = int(self.fraction * WIDTH)
        note = f"  {self.note}" if self.note else ""
        return f"{self.label} [{'#' * filled}{'.' * (WIDTH - filled)}] {self.fraction:6.1%}{note}"

    def _draw(self, *, force: bool) -> None:
        if self._stream is None:
            return
        now = self._clock()
        if not force and self._drawn_at is not None and now - self._drawn_at < self._interval:
            return
        self._drawn_at = now
        text = self.line()
        self._stream.write("\r" + text + " " * max(self._width - len(text), 0))
        self._stream.flush()
        self._width = len(text)
