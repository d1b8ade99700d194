"""Duration parsing shared by polls and contests."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.durations import DurationError, format_duration, parse_duration


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("30m", timedelta(minutes=30)),
        ("2h", timedelta(hours=2)),
        ("1d", timedelta(days=1)),
        ("1w", timedelta(weeks=1)),
        ("1d12h", timedelta(hours=36)),
        ("1h 30m", timedelta(minutes=90)),
        ("2 days", timedelta(days=2)),
        (" 3 Hours ", timedelta(hours=3)),
        ("1w2d3h4m", timedelta(weeks=1, days=2, hours=3, minutes=4)),
    ],
)
def test_durations_in_the_usual_spellings_parse(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "30", "abc", "2x", "1h1h", "h", "-1h", "1h and 2m", "0h", "1.5h"])
def test_anything_else_is_refused_with_how_to_write_it(text: str) -> None:
    with pytest.raises(DurationError, match=r"30m|zero|empty"):
        parse_duration(text)


@pytest.mark.parametrize(
    ("duration", "text"),
    [
        (timedelta(minutes=90), "1h 30m"),
        (timedelta(hours=36), "1d 12h"),
        (timedelta(days=7), "1w"),
        (timedelta(days=32), "32d"),
        (timedelta(0), "0m"),
    ],
)
def test_format_is_the_shortest_exact_form(duration: timedelta, text: str) -> None:
    assert format_duration(duration) == text


@given(st.integers(min_value=1, max_value=60 * 24 * 400))
def test_format_and_parse_round_trip(minutes: int) -> None:
    duration = timedelta(minutes=minutes)
    assert parse_duration(format_duration(duration)) == duration
