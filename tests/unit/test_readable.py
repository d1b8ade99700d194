"""Discord markup for a terminal: mentions as names, timestamps as local times, the names file."""

from __future__ import annotations

import argparse
import io
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.core.readable import Names, names_file, readable

NAMES = Names(users={11: "maya", 12: "Ölga, the owner"}, roles={21: "Moderator"}, channels={31: "general"})
BERLIN = ZoneInfo("Europe/Berlin")


def test_mentions_become_names_and_unknown_ones_their_bare_id() -> None:
    text = "Right: <@11> (+920), <@!12> (+706), <@99> · role <@&21> in <#31>; <@&98> <#97>"
    assert readable(text, NAMES) == (
        "Right: @maya (+920), @Ölga, the owner (+706), @99 · role @Moderator in #general; @&98 #97"
    )
    assert readable("no markup <here> or <@abc>", NAMES) == "no markup <here> or <@abc>"


def test_timestamps_read_as_local_times_and_relative_ones_against_now() -> None:
    at = int(datetime(2026, 11, 30, 17, 0, tzinfo=UTC).timestamp())
    now = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
    assert readable(f"<t:{at}:f>", Names(), BERLIN) == "30 Nov 2026 18:00"
    assert readable(f"<t:{at}:d> <t:{at}:t> <t:{at}>", Names(), BERLIN) == "30 Nov 2026 18:00 30 Nov 2026 18:00"
    assert readable(f"closes <t:{at}:R>", Names(), BERLIN, now) == "closes in 9 hours"
    assert readable(f"<t:{at - 86400 * 3}:R>", Names(), BERLIN, now) == "3 days ago"
    assert readable(f"<t:{at}:R>", Names(), BERLIN) == "30 Nov 2026 18:00"  # no now: the date


def test_the_names_file_round_trips_and_is_found_beside_the_database(tmp_path: Path) -> None:
    text = NAMES.to_csv()
    assert text.splitlines()[0] == "kind,id,name"
    assert text == NAMES.to_csv()  # sorted: the same names always write the same bytes
    assert Names.from_csv(text) == NAMES
    assert Names.from_csv("kind,id,name\nuser,x,bad\nplanet,1,Mars\nuser,5,\n") == Names()
    database = tmp_path / "hearth.db"
    assert Names.beside(database) == Names()  # no file: no names
    names_file(database).write_text(text, encoding="utf-8")
    assert names_file(database).name == "hearth.names.csv"
    assert Names.beside(database) == NAMES


def test_hearth_report_shows_names_on_a_terminal_and_raw_mentions_elsewhere(monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.cli.report import _names_wanted

    class Stdout(io.StringIO):
        def __init__(self, tty: bool) -> None:
            super().__init__()
            self.tty = tty

        def isatty(self) -> bool:
            return self.tty

    def wanted(tty: bool, **args: object) -> bool:
        monkeypatch.setattr("sys.stdout", Stdout(tty))
        return _names_wanted(argparse.Namespace(**{"mentions": "auto", "out": None, **args}))

    assert wanted(True)
    assert not wanted(False)  # a pipe or a file: the text as Hearth posts it
    assert not wanted(True, out="report.txt")
    assert wanted(False, mentions="names")
    assert not wanted(True, mentions="raw")
