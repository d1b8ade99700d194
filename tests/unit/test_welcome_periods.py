"""Welcomed vs not-welcomed periods, pure: who falls in which period, warm-up, rejoins, exclusions."""

from __future__ import annotations

from bot.analytics.welcome import during, welcome_comparison
from bot.storage.invites import JoinRow

DAY = 86_400_000


def join(member: int, day: int, source: str = "unknown") -> JoinRow:
    return JoinRow(1, member, day * DAY + 1, day, source, "none", None, None, 0, 0)


def test_a_join_is_welcomed_while_a_period_is_open_and_not_after_it_closed() -> None:
    periods = [(10 * DAY, 20 * DAY), (30 * DAY, None)]
    assert not during(10 * DAY - 1, periods) and during(10 * DAY, periods) and not during(20 * DAY, periods)
    assert during(10**15, periods)


def test_groups_warm_up_rejoins_and_excluded_members() -> None:
    periods = [(50 * DAY, 60 * DAY)]
    joins = [join(1, 5), join(2, 40), join(3, 41), join(4, 52), join(5, 53), join(2, 55), join(6, 54)]
    active = {2: {41: 1}, 4: {52: 1}, 5: {70: 1}}  # 5 is active only after their first week
    got = welcome_comparison(
        joins, periods, active, first_day=0, last_day=100, today=101, recording_start=0, excluded={6}
    )
    assert got.warming_up == 1  # member 1 joined in the first 28 recorded days
    assert (got.welcomed.activated.numerator, got.welcomed.activated.denominator) == (1, 2)  # 4 yes, 5 no
    assert (got.not_welcomed.activated.numerator, got.not_welcomed.activated.denominator) == (1, 2)  # 2 once, 3
    assert got.difference("activated") is not None


def test_a_week_still_in_progress_is_not_counted_yet() -> None:
    got = welcome_comparison(
        [join(1, 95)], [(0, None)], {1: {96: 1}}, first_day=0, last_day=100, today=100, recording_start=0
    )
    assert got.welcomed.activated.denominator == 0 and got.difference("activated") is None
