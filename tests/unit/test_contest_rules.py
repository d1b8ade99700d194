"""Submission-contest rules: phases, entry checks, the tally and ties."""

from __future__ import annotations

import pytest

from bot.core.limits import RuleError
from bot.features.contests import rules as rules


def test_phases_must_be_sensible() -> None:
    rules.check_phases("2d", "1d")
    with pytest.raises(RuleError, match="submission period"):
        rules.check_phases("0m", "1d")
    with pytest.raises(RuleError, match="voting period"):
        rules.check_phases("1d", "30m")
    with pytest.raises(RuleError, match="submission period"):
        rules.check_phases("400d", "1d")


def test_entry_needs_something() -> None:
    with pytest.raises(RuleError, match="needs text, an attachment"):
        rules.check_entry("   ", None)
    assert rules.check_entry(None, 1000) is None
    assert rules.check_entry("  my haiku ", None) == "my haiku"


def test_oversized_attachment_names_both_sizes() -> None:
    with pytest.raises(RuleError, match=r"9.0 MiB; entries can be at most 8.0 MiB"):
        rules.check_entry(None, 9 * 1024 * 1024)
    with pytest.raises(RuleError, match=r"at most 2\.0 MiB"):
        rules.check_entry(None, 3 * 1024 * 1024, size_limit=2 * 1024 * 1024)


@pytest.mark.parametrize("text", ["hi @everyone", "look @here", "for <@&123>", "<@1> <@2> <@3> <@!4>"])
def test_mention_laden_entries_are_refused(text: str) -> None:
    with pytest.raises(RuleError, match="mention"):
        rules.check_entry(text, None)


def test_a_few_member_mentions_are_fine() -> None:
    assert rules.check_entry("with <@1> and <@2>", None) == "with <@1> and <@2>"


def test_voting_mode_switches_to_buttons_beyond_ten_entries() -> None:
    assert rules.voting_mode(10) == "poll"
    assert rules.voting_mode(11) == "buttons"
    assert rules.voting_mode(3, "buttons") == "buttons"


def test_tally_counts_votes_and_ignores_self_and_removed_votes() -> None:
    entries = [(10, 1, 500), (11, 2, 501), (12, 3, 502)]
    votes = {600: 10, 601: 10, 602: 11, 500: 10, 603: 99}  # 500 votes for own entry; 99 was removed
    result = rules.tally(entries, votes)
    assert [(s.number, s.votes) for s in result.standings] == [(1, 2), (2, 1), (3, 0)]
    assert [s.entry_id for s in result.winners] == [10]
    assert result.ignored_self_votes == 1
    assert not result.tied


def test_a_tie_is_a_shared_win() -> None:
    result = rules.tally([(10, 1, 500), (11, 2, 501), (12, 3, 502)], {600: 10, 601: 11})
    assert result.tied
    assert [s.number for s in result.winners] == [1, 2]


def test_no_votes_means_no_winner() -> None:
    result = rules.tally([(10, 1, 500)], {})
    assert result.winners == [] and not result.tied


def test_poll_answers_fit_discords_limit() -> None:
    text = rules.poll_answer_text(3, "Ada", "a very long entry " * 10)
    assert text.startswith("#3 · Ada · a very long") and len(text) == 55
    assert rules.poll_answer_text(1, None, None) == "#1"
