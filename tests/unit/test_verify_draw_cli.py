"""`hearth verify-draw` recomputes a draw from what Hearth published."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli.main import main
from bot.features.giveaways.draw import commitment, draw_winners


def test_verify_draw_prints_the_winners_of_the_worked_example(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    entrants = tmp_path / "entrants.txt"
    entrants.write_text("305\n101\n204\n101\n407\n550\n")
    code = main(
        [
            "verify-draw",
            "--seed",
            "hearth-demo",
            "--commitment",
            commitment("hearth-demo"),
            "--entrants",
            str(entrants),
            "--winners",
            "2",
            "--exclude",
            "550",
        ]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert out.splitlines()[-2:] == ["407", "305"]  # docs/giveaway-draw.md's worked example


def test_verify_draw_matches_a_reroll_with_excluded_winners(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ids = list(range(1000, 1030))
    entrants = tmp_path / "e.txt"
    entrants.write_text("\n".join(map(str, ids)))
    first = draw_winners("abc", ids, 2)
    code = main(
        [
            "verify-draw",
            "--seed",
            "abc",
            "--commitment",
            commitment("abc"),
            "--entrants",
            str(entrants),
            "--winners",
            "1",
            "--exclude",
            ",".join(map(str, first)),
        ]
    )
    assert code == 0
    assert capsys.readouterr().out.splitlines()[-1] == str(draw_winners("abc", ids, 1, exclude=first)[0])


def test_verify_draw_rejects_a_seed_that_does_not_match(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    entrants = tmp_path / "e.txt"
    entrants.write_text("1\n2\n")
    code = main(
        ["verify-draw", "--seed", "x", "--commitment", commitment("y"), "--entrants", str(entrants), "--winners", "1"]
    )
    assert code == 1
    assert "does not match" in capsys.readouterr().err


def test_verify_draw_reports_an_unreadable_entrants_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        [
            "verify-draw",
            "--seed",
            "x",
            "--commitment",
            commitment("x"),
            "--entrants",
            str(tmp_path / "missing.txt"),
            "--winners",
            "1",
        ]
    )
    assert code == 2
    assert "cannot read" in capsys.readouterr().err
