"""`hearth sandbox` end to end, small: the real bot, the local Discord, a simulated community."""

from __future__ import annotations

import asyncio
import importlib.util
from pathlib import Path

import pytest

from bot.cli import build_parser, main
from bot.sandbox.cli import run
from bot.sandbox.community import CommunitySettings

FEATURES = {  # post kind -> the command that makes it, when the build has it
    "question": "cogs.questions",
    "poll": "cogs.polls",
    "giveaway": "cogs.giveaways",
    "trivia": "cogs.games",
}


def available(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


async def test_a_small_sandbox_exercises_every_feature_and_writes_its_outputs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
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
        assert any(k.startswith(f"{kind}:") for k in stats.responses), f"nobody responded to a {kind}"
    # The live session was printed: the moderator's commands and what Hearth posted.
    assert "maya runs /hearth setup" in text
    assert "Hearth in #general:" in text
    assert "members on the" in text
    check_outputs(tmp_path)
    if available("bot.report_cli"):
        # The printed report is the one `hearth report` gives on the same database.
        capsys.readouterr()
        code = await asyncio.to_thread(main, ["report", "--db", str(tmp_path / "hearth.db")])
        assert code == 0
        cli_report = capsys.readouterr().out.strip()
        assert "Participation rate" in cli_report
        assert cli_report in [p.strip() for p in printed]
        assert (tmp_path / "report.txt").read_text(encoding="utf-8").strip() == cli_report


def check_outputs(folder: Path) -> None:
    """A normal Hearth database, PNG charts a person can open, and CSV files."""
    assert (folder / "hearth.db").exists()
    pngs = list(folder.glob("**/*.png"))
    assert pngs and all(p.read_bytes().startswith(b"\x89PNG") for p in pngs)
    assert list(folder.glob("**/*.csv"))


def test_the_command_line_knows_the_sandbox() -> None:
    args = build_parser().parse_args(["sandbox", "--members", "50", "--weeks", "2", "--seed", "3", "--out", "x"])
    assert (args.members, args.weeks, args.seed, args.out, args.serve) == (50, 2, 3, "x", False)
