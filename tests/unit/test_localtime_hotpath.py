"""The recorder's one-conversion helper agrees with local_day and hour_of_week, DST days included."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.core.localtime import day_and_hour_of_week, hour_of_week, local_day


def test_day_and_hour_of_week_matches_the_separate_functions_across_a_dst_change() -> None:
    start = datetime(2026, 3, 7, 0, 30, tzinfo=UTC)  # New York springs forward on 2026-03-08
    for tz in ("America/New_York", "Europe/Berlin", "Asia/Kolkata", "UTC"):
        for hours in range(0, 72, 1):
            moment = start + timedelta(hours=hours, minutes=7)
            assert day_and_hour_of_week(moment, tz) == (local_day(moment, tz), hour_of_week(moment, tz))
