"""Giveaway rules: limits, requirements, rerolls and what the results publish."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.core.limits import RuleError, human_duration, parse_duration
from bot.features.giveaways import rules as rules
from bot.features.giveaways.draw import commitment, draw_winners, verify

NOW = datetime(2025, 3, 1, 12, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("30m", timedelta(minutes=30)),
        ("2h", timedelta(hours=2)),
        ("1d12h", timedelta(days=1, hours=12)),
        ("1w", timedelta(weeks=1)),
        ("1W 2d", timedelta(days=9)),
    ],
)
def test_durations_parse(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "soon", "10", "5x", "-2h", "2h later"])
def test_unreadable_durations_explain_the_accepted_forms(text: str) -> None:
    with pytest.raises(RuleError, match=r"e\.g\. 30m"):
        parse_duration(text)


@pytest.mark.parametrize("text", ["0m", "0h", "61d", "100w"])
def test_zero_and_absurd_giveaway_durations_are_refused(text: str) -> None:
    with pytest.raises(RuleError, match="between 1m and"):
        rules.check_duration(text)


def test_human_duration_round_trips() -> None:
    assert human_duration(parse_duration("1d12h30m")) == "1d 12h 30m"


@pytest.mark.parametrize("count", [0, -1, 51, 10_000])
def test_absurd_winner_counts_are_refused(count: int) -> None:
    with pytest.raises(RuleError, match="between 1 and 50"):
        rules.check_winner_count(count)


def test_prize_with_mentions_is_refused() -> None:
    with pytest.raises(RuleError, match="mentions"):
        rules.check_prize("Nitro @everyone")
    assert rules.check_prize("  Steam   key ") == "Steam key"


def member(roles: set[int] = frozenset(), joined_days: float | None = 30, age_days: float = 400) -> rules.MemberFacts:
    joined = None if joined_days is None else NOW - timedelta(days=joined_days)
    return rules.MemberFacts(frozenset(roles), joined, NOW - timedelta(days=age_days))


def test_member_meeting_every_requirement_may_enter() -> None:
    req = rules.Requirements(role_id=7, min_days_in_server=7, min_account_age_days=30)
    assert rules.missing_requirement(req, member({7}), NOW) is None


def test_each_missing_requirement_is_named_exactly() -> None:
    req = rules.Requirements(role_id=7, min_days_in_server=7, min_account_age_days=30)
    assert rules.missing_requirement(req, member(set()), NOW) == "You need the <@&7> role to enter this giveaway."
    assert "7 day(s)" in (rules.missing_requirement(req, member({7}, joined_days=2), NOW) or "")
    assert "at least 30 day(s) old" in (rules.missing_requirement(req, member({7}, age_days=3), NOW) or "")


def test_a_deleted_required_role_blocks_entry_with_an_explanation() -> None:
    req = rules.Requirements(role_id=7)
    message = rules.missing_requirement(req, member({7}), NOW, role_exists=False)
    assert message is not None and "no longer exists" in message


def test_requirements_are_described_for_the_post() -> None:
    req = rules.Requirements(role_id=7, min_days_in_server=3, min_account_age_days=90)
    assert rules.describe_requirements(req) == [
        "the <@&7> role",
        "at least 3 day(s) in this server",
        "a Discord account at least 90 day(s) old",
    ]
    assert rules.describe_requirements(rules.Requirements()) == []


def test_negative_requirement_days_are_refused() -> None:
    with pytest.raises(RuleError, match="between 0 and"):
        rules.check_requirements(rules.Requirements(min_days_in_server=-1))


ENTRANTS = list(range(100, 120))


def test_reroll_replacing_one_winner_keeps_the_others_and_excludes_past_winners() -> None:
    first = draw_winners("s", ENTRANTS, 3)
    outcome = rules.reroll("s", ENTRANTS, first, first, replace=first[1])
    assert len(outcome.drawn) == 1 and outcome.drawn[0] not in first
    assert outcome.current == [first[0], first[2], outcome.drawn[0]]
    assert outcome.drawn == verify("s", commitment("s"), ENTRANTS, 1, exclude=outcome.excluded)


def test_reroll_without_replace_draws_a_fresh_set_excluding_everyone_who_won() -> None:
    first = draw_winners("s", ENTRANTS, 2)
    second = rules.reroll("s", ENTRANTS, first, first)
    third = rules.reroll("s", ENTRANTS, second.current, first + second.drawn)
    assert len(second.current) == 2 and not set(second.current) & set(first)
    assert not set(third.current) & (set(first) | set(second.drawn))


def test_reroll_of_someone_who_is_not_a_winner_is_refused() -> None:
    with pytest.raises(RuleError, match="not a current winner"):
        rules.reroll("s", ENTRANTS, [101], [101], replace=999)


def test_reroll_with_nobody_left_says_so() -> None:
    with pytest.raises(RuleError, match="nobody left"):
        rules.reroll("s", [1, 2], [1, 2], [1, 2])


def test_entrants_file_is_sorted_distinct_and_parses_back() -> None:
    text = rules.entrants_file([305, 101, 204, 101])
    assert text == "101\n204\n305\n"
    assert rules.parse_id_list(text + "# comment\n407, 550") == [101, 204, 305, 407, 550]
    with pytest.raises(ValueError, match="not a member id"):
        rules.parse_id_list("12 abc")


def test_outcome_note_for_too_few_entrants() -> None:
    assert rules.outcome_note(0, 3) == "Nobody entered, so there are no winners."
    assert "every entrant wins" in (rules.outcome_note(2, 3) or "")
    assert rules.outcome_note(5, 3) is None
