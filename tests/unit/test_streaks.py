"""Current and longest response streaks, and the streak leaderboard."""

from __future__ import annotations

from datetime import date

from bot.analytics.streaks import Streak, current_and_longest, top_streaks

TODAY = date(2026, 3, 10).toordinal()


def days_ago(*offsets: int) -> list[int]:
    return [TODAY - o for o in offsets]


def test_streak_including_today_counts_today() -> None:
    assert current_and_longest(days_ago(0, 1, 2), TODAY) == (3, 3)


def test_streak_is_kept_while_today_has_no_response_yet() -> None:
    assert current_and_longest(days_ago(1, 2, 3), TODAY) == (3, 3)


def test_missing_a_full_day_breaks_the_current_streak() -> None:
    # Responded 2, 3, 4 days ago; nothing yesterday or today.
    assert current_and_longest(days_ago(2, 3, 4), TODAY) == (0, 3)


def test_streak_across_a_missed_day_starts_again() -> None:
    # Today and yesterday, a gap 2 days ago, then a 4-day run before it.
    assert current_and_longest(days_ago(0, 1, 3, 4, 5, 6), TODAY) == (2, 4)


def test_repeated_days_count_once_and_no_days_is_no_streak() -> None:
    assert current_and_longest(days_ago(0, 0, 1, 1), TODAY) == (2, 2)
    assert current_and_longest([], TODAY) == (0, 0)


def test_days_after_today_are_ignored() -> None:
    assert current_and_longest([TODAY + 1, TODAY + 2], TODAY) == (0, 0)


def test_top_streaks_orders_by_current_then_longest_then_member() -> None:
    member_days = {
        30: days_ago(0, 1),  # current 2, longest 2
        10: days_ago(1, 2, 3),  # current 3
        20: days_ago(0, 1, 5, 6, 7, 8),  # current 2, longest 4
        40: days_ago(5, 6),  # no current streak
        50: days_ago(0, 1),  # same as 30
    }
    assert top_streaks(member_days, TODAY, n=3) == [Streak(10, 3, 3), Streak(20, 2, 4), Streak(30, 2, 2)]
    assert [s.member_id for s in top_streaks(member_days, TODAY)] == [10, 20, 30, 50]
