"""`hearth sandbox` end to end, small: the real bot, the local Discord, a simulated community."""

from __future__ import annotations

import asyncio
import importlib.util
import re
import sqlite3
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.cli.main import build_parser, main
from bot.core.clock import FakeClock
from bot.sandbox.community import CommunitySettings
from bot.sandbox.story import run

FEATURES = {  # post kind -> the command that makes it, when the build has it
    "question": "cogs.questions",
    "poll": "cogs.polls",
    "giveaway": "cogs.giveaways",
    "trivia": "cogs.trivia",
    "game": "cogs.number_game",
    "contest": "cogs.contests",
    "summary": "cogs.summary",
    "survey": "cogs.pulse",
}
ACTIVITIES = {  # activity kind -> the feature that records it
    "message": "cogs.tracking",
    "reaction": "cogs.tracking",
    "poll_vote": "cogs.polls",
    "trivia_answer": "cogs.trivia",
    "giveaway_entry": "cogs.giveaways",
    "contest_entry": "cogs.contests",
    "contest_vote": "cogs.contests",
    "game_play": "cogs.number_game",
    "feedback": "cogs.feedback",
    "survey_answer": "cogs.pulse",
}


RAW_MENTION = re.compile(r"<(@!?|@&|#)\d+>")


def available(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


async def test_a_small_sandbox_exercises_every_feature_and_writes_its_outputs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    printed: list[str] = []
    community = CommunitySettings(members=20, weeks=1, seed=11, response_rate=0.6)
    stats = await run(community, tmp_path, say=printed.append)
    text = "\n".join(printed)

    assert stats.events > 100
    assert not stats.failed
    for kind, module in FEATURES.items():
        if not available(module):
            continue
        assert stats.posts[kind] >= 1, f"no {kind} was posted"
        if kind != "summary":
            assert any(k.startswith(f"{kind}:") for k in stats.responses), f"nobody responded to a {kind}"
    # The live session was printed: the moderator's commands and what Hearth posted.
    assert "maya runs /hearth setup" in text
    assert "Hearth in #general:" in text
    assert "members on the" in text
    # A terminal renders no Discord markup: the printout names members, roles and channels.
    assert not RAW_MENTION.search(text), RAW_MENTION.search(text)
    assert not re.search(r"<t:\d+", text), "a raw Discord timestamp in the printout"
    assert "Moderator role: @Moderator" in text
    check_outputs(tmp_path)
    check_every_feature_ran(tmp_path / "hearth.db", text)
    check_opt_out_is_respected(tmp_path / "hearth.db", stats.opted_out)
    check_voice_of_members(tmp_path, stats)
    if available("bot.cli.report"):
        # The printed report is the one `hearth report` gives on the same database, at the same
        # moment: the sandbox's report is as of its simulated clock (streaks, "last week").
        capsys.readouterr()
        monkeypatch.setattr("bot.cli.report.SystemClock", lambda: FakeClock(stats.report_at))
        code = await asyncio.to_thread(main, ["report", "--db", str(tmp_path / "hearth.db")])
        assert code == 0
        cli_report = capsys.readouterr().out.strip()  # not a terminal: raw mentions, as Hearth posts them
        assert "Participation rate" in cli_report
        assert (tmp_path / "report.txt").read_text(encoding="utf-8").strip() == cli_report
        # On a terminal (--mentions names, what auto picks there) it names members from the names
        # file the sandbox wrote beside its database: the very report the sandbox printed.
        code = await asyncio.to_thread(main, ["report", "--db", str(tmp_path / "hearth.db"), "--mentions", "names"])
        assert code == 0
        named = capsys.readouterr().out.strip()
        assert named in [p.strip() for p in printed]
        assert RAW_MENTION.search(cli_report) and not RAW_MENTION.search(named)


def check_every_feature_ran(database: Path, text: str) -> None:
    """Issue 12: every kind of post, every kind of activity, an A/B test with arms, an opt-out."""
    with sqlite3.connect(database) as db:
        posts = {kind for (kind,) in db.execute("SELECT DISTINCT kind FROM posts")}
        activities = {kind for (kind,) in db.execute("SELECT DISTINCT kind FROM activities")}
        arms = {arm for (arm,) in db.execute("SELECT DISTINCT arm FROM posts WHERE experiment_id IS NOT NULL")}
        optouts = db.execute("SELECT count(*) FROM privacy_optouts").fetchone()[0]
    for kind, module in FEATURES.items():
        if available(module):
            assert kind in posts, f"no {kind} post in the database"
    for kind, module in ACTIVITIES.items():
        if available(module):
            assert kind in activities, f"no {kind} activity in the database"
    if available("cogs.experiments"):
        assert arms, "no post of the A/B test"
        assert arms <= {"A", "B"}
        assert "maya runs /experiment status name:morning-vs-evening" in text
        assert "Arm A: 09:00" in text and "Arm B: 19:00" in text
        assert any(v in text for v in ("A wins", "B wins", "inconclusive so far"))
    if available("cogs.privacy"):
        assert optouts == 1
    if available("cogs.summary"):
        assert "maya runs /summary preview" in text
    if available("cogs.streaks"):
        assert "runs /streak" in text and "streak" in text.split("runs /streak", 1)[1]


def check_opt_out_is_respected(database: Path, opted_out: dict[int, datetime]) -> None:
    """The member who ran /privacy optout kept chatting, but Hearth recorded nothing after it."""
    if not available("cogs.privacy"):
        return
    assert len(opted_out) == 1
    ((member_id, at),) = opted_out.items()
    with sqlite3.connect(database) as db:
        before, after = db.execute(
            "SELECT sum(at < ?), sum(at >= ?) FROM activities WHERE member_id = ?",
            (int(at.timestamp() * 1000),) * 2 + (member_id,),
        ).fetchone()
    assert before and not after


def check_voice_of_members(folder: Path, stats: Any) -> None:
    """Issue 21: feedback sent and answered, the abusive anonymous sender blocked, a pulse survey closed,
    and the report's voice section."""
    if not available("cogs.feedback"):
        return
    assert stats.commands["feedback send"] >= 3
    assert stats.commands["feedback block"] == 1 and stats.commands["feedback refused (blocked)"] == 1
    assert sum(stats.commands[f"feedback {s}"] for s in ("planned", "done", "declined", "review")) >= 1
    with sqlite3.connect(folder / "hearth.db") as db:
        blocks = db.execute("SELECT count(*) FROM feedback_blocks").fetchone()[0]
        surveys = db.execute("SELECT count(*) FROM pulse_surveys WHERE status = 'closed'").fetchone()[0]
    assert blocks == 1 and surveys >= 1
    report = (folder / "report.txt").read_text(encoding="utf-8")
    assert "**Voice of members**" in report and "Pulse survey (" in report


def check_outputs(folder: Path) -> None:
    """A normal Hearth database, PNG charts a person can open, and CSV files."""
    assert (folder / "hearth.db").exists()
    pngs = list(folder.glob("**/*.png"))
    assert pngs and all(p.read_bytes().startswith(b"\x89PNG") for p in pngs)
    assert list(folder.glob("**/*.csv"))


def test_the_command_line_knows_the_sandbox() -> None:
    args = build_parser().parse_args(["sandbox", "--members", "50", "--weeks", "2", "--seed", "3", "--out", "x"])
    assert (args.members, args.weeks, args.seed, args.out, args.serve) == (50, 2, 3, "x", False)


async def test_the_same_seed_and_today_give_the_same_files(tmp_path: Path) -> None:
    """Two runs with one seed and one --today write byte-identical reports, CSVs and charts."""
    community = CommunitySettings(members=15, weeks=1, seed=5)
    outputs = []
    for name in ("first", "second"):
        printed: list[str] = []
        stats = await run(community, tmp_path / name, say=printed.append, today=date(2026, 11, 30))
        assert not stats.failed
        files = {
            p.relative_to(tmp_path / name).as_posix(): p.read_bytes()
            for p in sorted((tmp_path / name).iterdir())
            if not p.name.startswith("hearth.db")
        }
        story = [line for line in printed if "done in" not in line and "Finished in" not in line]
        outputs.append((files, [line.replace(str(tmp_path / name), "<out>") for line in story]))
    (first, first_story), (second, second_story) = outputs
    assert "report.txt" in first and any(name.endswith(".csv") for name in first)
    assert first.keys() == second.keys()
    for name in first:
        assert first[name] == second[name], f"{name} differs between two runs with the same seed"
    assert first_story == second_story  # the printed story too, bar the timings


def test_today_must_be_a_date(capsys: pytest.CaptureFixture[str]) -> None:
    for bad in ("30.11.2026", "2026-02-30", "20261130", "tomorrow"):
        assert main(["sandbox", "--today", bad, "--out", "unused"]) == 2
        assert "--today must be a date like 2026-11-30" in capsys.readouterr().err


def test_today_picks_the_monday_of_its_week() -> None:
    from bot.sandbox.runner import default_end

    # Sunday 29 Nov and Monday 30 Nov 2026 (Berlin, UTC+1): the live session is Monday 08:30 local.
    assert default_end("Europe/Berlin", date(2026, 11, 30)) == datetime(2026, 11, 30, 7, 30, tzinfo=UTC)
    assert default_end("Europe/Berlin", date(2026, 12, 6)) == datetime(2026, 11, 30, 7, 30, tzinfo=UTC)
    assert default_end("Europe/Berlin", date(2026, 11, 29)) == datetime(2026, 11, 23, 7, 30, tzinfo=UTC)
