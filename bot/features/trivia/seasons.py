"""Trivia seasons and leaderboard periods, in the guild's local time (DST-correct).

Seasons follow the calendar: a "month" season ends at local midnight on the first of the next
month, a "quarter" season on the first of January, April, July or October. Leaderboard periods
(week, month, season, all time) start at local midnight; a week starts on Monday (METRICS.md).
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, time

from bot.core.localtime import zone

log = logging.getLogger(__name__)

SEASON_LENGTHS = ("month", "quarter")
PERIODS = ("week", "month", "season", "all")
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _local_midnight(day: date, tz: str) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=zone(tz)).astimezone(UTC)


def _first_of_next(day: date, months: int) -> date:
    """The first day of the next block of ``months`` months (calendar-aligned) after ``day``'s block."""
    index = (day.year * 12 + day.month - 1) // months * months + months
    return date(index // 12, index % 12 + 1, 1)


def season_end_after(moment: datetime, length: str, tz: str) -> datetime:
    """The first season boundary strictly after ``moment``: local midnight starting a month or quarter."""
    if length not in SEASON_LENGTHS:
        raise ValueError(f"season length must be one of {', '.join(SEASON_LENGTHS)}, not {length!r}")
    months = 1 if length == "month" else 3
    local = moment.astimezone(zone(tz)).date()
    boundary = _local_midnight(_first_of_next(local, months), tz)
    while boundary <= moment:  # moment is exactly on (or, by zone quirks, after) a boundary
        boundary = _local_midnight(_first_of_next(boundary.astimezone(zone(tz)).date(), months), tz)
    return boundary


def period_start(period: str, now: datetime, tz: str, season_start: datetime | None = None) -> datetime:
    """Where a leaderboard period begins: this local week (Monday) or month, the season, or ever."""
    local = now.astimezone(zone(tz)).date()
    if period == "week":
        return _local_midnight(date.fromordinal(local.toordinal() - local.weekday()), tz)
    if period == "month":
        return _local_midnight(local.replace(day=1), tz)
    if period == "season":
        if season_start is None:
            raise ValueError("no season has started yet")
        return season_start
    if period == "all":
        return EPOCH
    raise ValueError(f"period must be one of {', '.join(PERIODS)}, not {period!r}")


def period_label(period: str) -> str:
    return {"week": "this week", "month": "this month", "season": "this season", "all": "all time"}[period]
