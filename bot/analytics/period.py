"""Report periods: a run of local days, the ISO week of a day, and what /report accepts as a period."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from bot.core.localtime import occurrence_at, zone

PERIOD_CHOICES = ("week", "last week", "28 days", "90 days")


@dataclass(frozen=True)
class Period:
    """Local days start..end (inclusive) in the guild's time zone."""

    start: date
    end: date
    label: str

    @property
    def first_day(self) -> int:
        return self.start.toordinal()

    @property
    def last_day(self) -> int:
        return self.end.toordinal()

    @property
    def days(self) -> int:
        return self.last_day - self.first_day + 1

    @property
    def is_week(self) -> bool:
        return self.days == 7 and self.start.weekday() == 0

    def previous(self) -> Period:
        delta = timedelta(days=self.days)
        return Period(self.start - delta, self.end - delta, f"before {self.label}")


def same_time_before(now: datetime, tz: str, days: int) -> datetime:
    """The same local weekday and wall-clock time ``days`` local days before ``now`` (DST-correct):
    where a period in progress is compared with its previous period (METRICS v2 "Partial weeks")."""
    local = now.astimezone(zone(tz))
    return occurrence_at(local.date() - timedelta(days=days), local.time().replace(tzinfo=None), tz)


def comparison_label(period: Period) -> str:
    """How a period in progress is compared, as the report says it."""
    if period.is_week:
        return "the same time last week"
    return f"the previous {period.days} days up to the same time"


def week_of(day: date) -> Period:
    start = day - timedelta(days=day.weekday())
    year, week, _ = start.isocalendar()
    return Period(start, start + timedelta(days=6), f"{year}-W{week:02d}")


ISO_WEEK = re.compile(r"^(\d{4})-?W(\d{1,2})$", re.IGNORECASE)


def parse_period(text: str, today: date) -> Period:
    """'week', 'last week', '28 days', '90 days' or an ISO week such as '2026-W47'."""
    cleaned = " ".join(text.strip().lower().replace("_", " ").split())
    if cleaned in ("week", "this week"):
        return dataclasses.replace(week_of(today), label="this week")
    if cleaned == "last week":
        return dataclasses.replace(week_of(today - timedelta(days=7)), label="last week")
    days = re.fullmatch(r"(\d{1,3}) ?d(?:ays?)?", cleaned)
    if days and 1 <= int(days.group(1)) <= 366:
        n = int(days.group(1))
        return Period(today - timedelta(days=n - 1), today, f"last {n} days")
    iso = ISO_WEEK.match(cleaned.replace(" ", ""))
    if iso:
        try:
            start = date.fromisocalendar(int(iso.group(1)), int(iso.group(2)), 1)
        except ValueError as exc:
            raise ValueError(f"{text!r} is not a week: ISO weeks run from W01 to W52 or W53") from exc
        return week_of(start)
    raise ValueError(f"{text!r} is not a period: use week, last week, 28 days, 90 days or an ISO week like 2026-W47")
