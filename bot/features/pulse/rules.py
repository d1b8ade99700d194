"""Pulse survey rules without Discord: cadence, how long a survey is open, what a comment may be."""

from __future__ import annotations

import calendar
from datetime import datetime

QUESTION = "How likely are you to recommend this server to a friend?"
COMMENT_PROMPT = "What's one thing that would make it better?"
EVERY_MONTHS = {"month": 1, "quarter": 3}
DEFAULT_OPEN_DAYS = 7
MIN_OPEN_DAYS = 1
MAX_OPEN_DAYS = 14
COMMENT_MAX = 500
SCORES = range(11)


class PulseInputError(ValueError):
    """Input a moderator or member must fix; ``str()`` is what they are told."""


def check_every(every: str) -> str:
    if every not in EVERY_MONTHS:
        raise PulseInputError("Pick how often: `month` or `quarter`.")
    return every


def check_open_days(days: int) -> int:
    if not MIN_OPEN_DAYS <= days <= MAX_OPEN_DAYS:
        raise PulseInputError(f"A survey stays open {MIN_OPEN_DAYS} to {MAX_OPEN_DAYS} days (you gave {days}).")
    return days


def check_score(score: int) -> int:
    if score not in SCORES:
        raise PulseInputError("A pulse answer is a number from 0 to 10.")
    return score


def check_comment(text: str | None) -> str | None:
    """Optional: empty means no comment; too long is refused with the limit."""
    value = (text or "").strip()
    if not value:
        return None
    if len(value) > COMMENT_MAX:
        raise PulseInputError(f"Your comment is {len(value)} characters; the limit is {COMMENT_MAX}.")
    return value


def add_months(moment: datetime, months: int) -> datetime:
    """The same local day and time ``months`` later, on the month's last day when it is shorter."""
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def next_survey(after_local: datetime, every: str) -> datetime:
    return add_months(after_local, EVERY_MONTHS[check_every(every)])
