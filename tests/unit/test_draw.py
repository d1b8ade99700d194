"""The commit-reveal giveaway draw: determinism, exclusion, small pools, verification."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.features.giveaways.draw import commitment, draw_winners, new_seed, verify

SEED = "hearth-demo"


def test_worked_example_from_the_docs() -> None:
    # docs/giveaway-draw.md: pool 101, 204, 305, 407 (550 excluded, 101 entered twice).
    assert commitment(SEED) == "0cf6679cb1888f5d80f01aacee616517cd538828b2a871f9e53bcd7f9647eb65"
    assert draw_winners(SEED, [305, 101, 204, 101, 407, 550], 2, exclude=[550]) == [407, 305]


def test_first_winner_follows_the_documented_formula() -> None:
    pool = [101, 204, 305, 407]
    h = int(hashlib.sha256(f"{SEED}:0".encode()).hexdigest(), 16)
    assert draw_winners(SEED, pool, 1) == [pool[h % len(pool)]]


def test_same_seed_and_entrants_give_same_winners_whatever_the_entry_order() -> None:
    entrants = list(range(1000, 1050))
    first = draw_winners(SEED, entrants, 5)
    again = draw_winners(SEED, reversed(entrants), 5)
    assert first == again
    assert len(set(first)) == 5


def test_different_seeds_give_different_draws() -> None:
    entrants = list(range(1000, 1100))
    assert draw_winners("seed-one", entrants, 3) != draw_winners("seed-two", entrants, 3)


def test_excluded_members_never_win() -> None:
    entrants = list(range(1, 11))
    winners = draw_winners(SEED, entrants, 10, exclude=[3, 4])
    assert sorted(winners) == [1, 2, 5, 6, 7, 8, 9, 10]


def test_fewer_entrants_than_winners_gives_everyone_once() -> None:
    winners = draw_winners(SEED, [7, 8, 7], 5)
    assert sorted(winners) == [7, 8]


def test_no_entrants_or_no_winners_asked_gives_nobody() -> None:
    assert draw_winners(SEED, [], 3) == []
    assert draw_winners(SEED, [1, 2], 0) == []


def test_negative_count_is_refused() -> None:
    with pytest.raises(ValueError):
        draw_winners(SEED, [1], -1)


def test_new_seeds_are_64_hex_characters_and_differ() -> None:
    a, b = new_seed(), new_seed()
    assert len(a) == 64 and int(a, 16) >= 0
    assert a != b


def test_verify_reproduces_the_draw_for_the_committed_seed() -> None:
    seed = new_seed()
    published = commitment(seed)
    entrants = [11, 22, 33, 44, 55]
    assert verify(seed, published.upper(), entrants, 2, exclude=[33]) == draw_winners(seed, entrants, 2, [33])


def test_verify_rejects_a_seed_that_does_not_match_the_commitment() -> None:
    published = commitment(new_seed())
    with pytest.raises(ValueError, match="does not match"):
        verify(new_seed(), published, [1, 2, 3], 1)
    with pytest.raises(ValueError):
        verify(SEED, "not hex at all é", [1, 2, 3], 1)


@given(
    seed=st.text(max_size=20),
    entrants=st.lists(st.integers(min_value=1, max_value=2**63 - 1), max_size=40),
    exclude=st.lists(st.integers(min_value=1, max_value=2**63 - 1), max_size=5),
    count=st.integers(min_value=0, max_value=50),
)
def test_draw_returns_distinct_eligible_members(
    seed: str, entrants: list[int], exclude: list[int], count: int
) -> None:
    winners = draw_winners(seed, entrants, count, exclude)
    pool = set(entrants) - set(exclude)
    assert len(winners) == len(set(winners)) == min(count, len(pool))
    assert set(winners) <= pool


def test_standalone_check_script_in_the_docs_agrees_with_the_bot(tmp_path: Path) -> None:
    doc = (Path(__file__).parents[2] / "docs" / "giveaway-draw.md").read_text(encoding="utf-8")
    script = doc.split("```python\n", 1)[1].split("```", 1)[0]
    assert len([line for line in script.splitlines() if line.strip()]) <= 10
    path = tmp_path / "draw_check.py"
    path.write_text(script, encoding="utf-8")
    seed = new_seed()
    entrants = [900, 17, 450, 17, 3, 88, 1201]

    def run(published: str) -> subprocess.CompletedProcess[str]:
        args = [sys.executable, str(path), seed, published, "3", ",".join(map(str, entrants)), "88"]
        return subprocess.run(args, capture_output=True, text=True, timeout=30, check=False)

    ok = run(commitment(seed))
    assert ok.returncode == 0, ok.stderr
    assert [int(x) for x in ok.stdout.split()] == draw_winners(seed, entrants, 3, exclude=[88])
    bad = run(commitment("another seed"))
    assert bad.returncode != 0
    assert "does not match" in bad.stderr
