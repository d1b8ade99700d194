"""The shared progress bar: drawn on a terminal, silent in a pipe or a log, and what
`hearth db rebuild-rollups` shows with it."""

from __future__ import annotations

import asyncio
import io
import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.core.progress import ENV, Progress, terminal
from tests.unit.analytics_fixtures import GuildBuilder


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


class Ticks:
    """A clock for the redraw rate: moves only when told."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_bar_belongs_on_a_terminal_or_where_it_is_forced(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV, raising=False)
    pipe, tty = io.StringIO(), FakeTerminal()
    assert terminal(pipe) is None
    assert terminal(tty) is tty
    monkeypatch.setenv(ENV, "1")
    assert terminal(pipe) is pipe
    monkeypatch.setenv(ENV, "0")
    assert terminal(pipe) is None


def test_the_bar_redraws_on_one_line_at_most_five_times_a_second() -> None:
    out, ticks = FakeTerminal(), Ticks()
    bar = Progress("copy", total=4, stream=out, clock=ticks)
    bar.advance(note="guild 1: a long note")
    bar.advance(note="guild 2")  # same instant: not redrawn
    assert out.getvalue() == "\rcopy [#######.......................]  25.0%  guild 1: a long note"
    ticks.now = 0.5
    bar.advance(note="short")
    drawn = out.getvalue().split("\r")[-1]
    assert drawn.rstrip() == "copy [######################........]  75.0%  short"
    assert len(drawn) == len("copy [#######.......................]  25.0%  guild 1: a long note")  # blanked
    bar.finish()
    last = out.getvalue().split("\r")[-1]
    assert last.endswith("\n") and last.rstrip() == "copy [##############################] 100.0%  short"
    bar.finish()  # once only
    assert out.getvalue().count("\n") == 1


def test_total_can_grow_and_the_fraction_never_passes_one() -> None:
    bar = Progress("x", total=2, stream=None)
    bar.advance(3)
    assert bar.fraction == 1.0
    bar.add(4)
    assert bar.fraction == pytest.approx(0.5)
    assert Progress("empty", stream=None).fraction == 0.0


def test_without_a_terminal_nothing_is_written_even_at_the_end() -> None:
    with Progress("rebuild", total=3, stream=None) as bar:
        bar.advance(3)
    assert bar.fraction == 1.0


def test_an_error_leaves_the_bar_where_it_stopped_and_ends_the_line() -> None:
    out = FakeTerminal()
    with pytest.raises(RuntimeError), Progress("rebuild", total=4, stream=out, clock=Ticks()) as bar:
        bar.advance()
        raise RuntimeError("disk full")
    assert out.getvalue().endswith(" 25.0%\n")
    assert "100.0%" not in out.getvalue()


def _database(tmp_path: Path) -> str:
    mon = datetime(2026, 6, 1, tzinfo=UTC)

    async def build() -> None:
        g = await GuildBuilder.open(tmp_path)
        for d in range(21):
            pid = await g.post(mon + timedelta(days=d, hours=9))
            await g.act(1 + d % 3, mon + timedelta(days=d, hours=10), "reaction", post_id=pid)
        await GuildBuilder.close_all()

    asyncio.run(build())
    return str(tmp_path / "a.db")


def test_rebuild_rollups_shows_progress_on_a_terminal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.cli.main import main

    db = _database(tmp_path)
    monkeypatch.setenv(ENV, "1")  # as on a terminal
    assert main(["db", "rebuild-rollups", "--db", db]) == 0
    captured = capsys.readouterr()
    assert captured.err.startswith("\rrebuild-rollups [")
    assert captured.err.endswith("\n")
    assert (
        captured.err.split("\r")[-1].rstrip()
        == "rebuild-rollups [##############################] 100.0%  guild 1: done"
    )
    assert "guild 1: member days" in captured.err or "guild 1: week of" in captured.err
    assert captured.out.startswith("rebuilt rollups from raw activities")  # the result stays on stdout


def test_rebuild_rollups_is_quiet_in_a_pipe_and_in_the_logs(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    from bot.cli.main import main

    db = _database(tmp_path)
    monkeypatch.delenv(ENV, raising=False)
    with caplog.at_level(logging.DEBUG):
        assert main(["db", "rebuild-rollups", "--db", db]) == 0
    captured = capsys.readouterr()
    assert captured.err == ""  # stderr is captured, not a terminal: no bar
    assert captured.out.count("\n") == 1
    assert not [r for r in caplog.records if "week of" in r.getMessage() or "%" in r.getMessage()]
