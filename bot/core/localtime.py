"""Local time, computed once in Python (DST-correct), never in SQL.

Days are stored as ``date.toordinal()`` in the guild's time zone and the hour of week as
0..167 with 0 = Monday 00:00 local, so reports group by plain integers.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@lru_cache(maxsize=512)
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def valid_timezone(name: str) -> bool:
    """True for an IANA zone name; any user text is safe (a folder or an over-long name is just False)."""
    try:
        zone(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # "America" is a folder; 300 chars is too long a path
        return False
    return True


def local_day(moment: datetime, tz: str) -> int:
    return moment.astimezone(zone(tz)).date().toordinal()


def hour_of_week(moment: datetime, tz: str) -> int:
    local = moment.astimezone(zone(tz))
    return local.weekday() * 24 + local.hour


def day_and_hour_of_week(moment: datetime, tz: str) -> tuple[int, int]:
    """``local_day`` and ``hour_of_week`` with one time-zone conversion (the recorder's hot path)."""
    local = moment.astimezone(zone(tz))
    return local.toordinal(), local.weekday() * 24 + local.hour


SLOT_MS = 900_000
"""The local-hour cache's slot: 15 minutes of UTC, aligned on the epoch (so on every UTC quarter hour)."""
EXACT_MS_LIMIT = 2**42
"""Below this many ms (the year 2109), ``to_ms(moment)`` is in ``moment``'s slot (``LocalHours``)."""
_MISSING = object()


class LocalHours:
    """``day_and_hour_of_week`` for many instants (the recorder's hot path), remembered per time zone
    and 15-minute UTC slot where that is exact, computed as ``day_and_hour_of_week`` otherwise.

    A slot is remembered only when the zone's UTC offset is the same at its first and its last
    microsecond and is a whole number of quarter hours: then the slot is 15 aligned minutes of local
    time too, inside one local hour and one local day. A slot with an offset change in it (DST), or
    with an offset such as 1900's local mean time (+00:53:28 in Berlin), is computed instant by
    instant. (Two changes within one slot would hide from that check: no zone in tzdata has two
    changes under 15 minutes apart; tests/unit/test_local_hours.py checks the installed tzdata.)
    At most ``max_slots`` slots are kept: a full cache starts again empty, so a long-running bot
    keeps only what it meets (activities come in time order: a few zones' current slots).
    """

    def __init__(self, max_slots: int = 4096) -> None:
        self._slots: dict[tuple[str, int], tuple[int, int] | None] = {}
        self._max_slots = max_slots

    def day_and_hour_of_week(self, moment: datetime, at_ms: int, tz: str) -> tuple[int, int]:
        """``day_and_hour_of_week(moment, tz)``, where ``at_ms`` is ``to_ms(moment)``."""
        # to_ms is int(timestamp * 1000): below EXACT_MS_LIMIT the float is within 1 us of the
        # instant's exact milliseconds (two roundings) and an instant is whole microseconds, so
        # at_ms is those milliseconds rounded toward zero, or one off for a whole millisecond. A
        # slot starts on a whole second, exact in a float: so at_ms is in the instant's slot, except
        # possibly at 0 and, before 1970 (rounded up), at a slot's first millisecond.
        if 0 < at_ms < EXACT_MS_LIMIT or (-EXACT_MS_LIMIT < at_ms < 0 and at_ms % SLOT_MS):
            key = (tz, at_ms // SLOT_MS)
            found = self._slots.get(key, _MISSING)
            if found is _MISSING:
                found = self._remember(key)
            if found is not None:
                return found  # type: ignore[return-value]
        return day_and_hour_of_week(moment, tz)

    def _remember(self, key: tuple[str, int]) -> tuple[int, int] | None:
        tz, slot = key
        first = datetime.fromtimestamp(slot * (SLOT_MS // 1000), UTC)
        last = first + timedelta(milliseconds=SLOT_MS, microseconds=-1)
        offset = first.astimezone(zone(tz)).utcoffset()
        exact = offset == last.astimezone(zone(tz)).utcoffset() and offset % timedelta(minutes=15) == timedelta(0)
        found = day_and_hour_of_week(first, tz) if exact else None
        if len(self._slots) >= self._max_slots:
            self._slots.clear()
        self._slots[key] = found
        return found


def utc_hour(moment: datetime) -> int:
    return int(moment.timestamp()) // 3600


def day_from_ordinal(ordinal: int) -> date:
    return date.fromordinal(ordinal)


def week_start(day: date) -> date:
    """The Monday of ``day``'s week (weeks start on Monday 00:00 local)."""
    return day - timedelta(days=day.weekday())


def _echo(text: str, limit: int = 40) -> str:
    """User text quoted back in an error, cut short so the answer stays short."""
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")


def parse_time_of_day(text: str) -> time:
    """'9:00', '09:00', '18:30', '6pm', '6:30 pm' -> time; ValueError with a clear reason."""
    cleaned = text.strip().lower().replace(" ", "")
    match = re.fullmatch(r"(\d{1,2})(?::(\d{2}))?(am|pm)?", cleaned)
    if not match:
        raise ValueError(f"{_echo(text)} is not a time: use 24-hour HH:MM such as 09:00 or 18:30")
    hour, minute, meridiem = int(match.group(1)), int(match.group(2) or 0), match.group(3)
    if meridiem:
        if not 1 <= hour <= 12:
            raise ValueError(f"{_echo(text)} is not a time: with am/pm the hour must be 1 to 12")
        hour = hour % 12 + (12 if meridiem == "pm" else 0)
    elif match.group(2) is None:
        raise ValueError(f"{_echo(text)} is not a time: use 24-hour HH:MM such as 09:00 or 18:30")
    if hour > 23 or minute > 59:
        raise ValueError(f"{_echo(text)} is not a time of day: hours go 0-23 and minutes 0-59")
    return time(hour, minute)


def parse_weekdays(text: str) -> frozenset[int]:
    """'daily', 'weekdays', 'weekends', 'mon,wed,fri', 'tue-thu' -> weekday numbers (0 = Monday)."""
    cleaned = text.strip().lower()
    presets = {"daily": range(7), "every day": range(7), "weekdays": range(5), "weekends": (5, 6)}
    if cleaned in presets:
        return frozenset(presets[cleaned])
    days: set[int] = set()
    for part in filter(None, (p.strip() for p in re.split(r"[,\s]+", cleaned))):
        if "-" in part:
            first, _, last = part.partition("-")
            start, end = _weekday(first, text), _weekday(last, text)
            span = range(start, end + 1) if start <= end else [*range(start, 7), *range(0, end + 1)]
            days.update(span)
        else:
            days.add(_weekday(part, text))
    if not days:
        raise ValueError("Pick at least one day: for example 'daily', 'weekdays' or 'mon,wed,fri'.")
    return frozenset(days)


def _weekday(part: str, original: str) -> int:
    """'mon', 'tues', 'wednesday' -> 0..6: at least three letters of a weekday's name."""
    for number, name in enumerate(WEEKDAY_NAMES):
        if len(part) >= 3 and name.lower().startswith(part):
            return number
    raise ValueError(f"{_echo(part)} in {_echo(original)} is not a weekday: use mon, tue, wed, thu, fri, sat, sun")


def format_weekdays(days: Iterable[int]) -> str:
    ordered = sorted(set(days))
    if ordered == list(range(7)):
        return "daily"
    if ordered == list(range(5)):
        return "weekdays"
    if ordered == [5, 6]:
        return "weekends"
    return ", ".join(WEEKDAY_NAMES[d][:3] for d in ordered)


def occurrence_at(day: date, at: time, tz: str) -> datetime:
    """The UTC instant of local ``at`` on ``day``.

    A time skipped by a spring-forward change is taken with the pre-change offset (02:30 becomes
    03:30 daylight time); a repeated fall-back time is its first instance. Either way one
    instant per local date, which is what keys an occurrence.
    """
    return datetime.combine(day, at, tzinfo=zone(tz)).astimezone(UTC)


def occurrences_between(
    start: datetime, end: datetime, at: time, weekdays: frozenset[int], tz: str
) -> Iterator[tuple[date, datetime]]:
    """(local date, UTC instant) of each occurrence with start < instant <= end, in order."""
    day = start.astimezone(zone(tz)).date() - timedelta(days=1)
    last = end.astimezone(zone(tz)).date() + timedelta(days=1)
    while day <= last:
        if day.weekday() in weekdays:
            due = occurrence_at(day, at, tz)
            if start < due <= end:
                yield day, due
        day += timedelta(days=1)


def next_occurrence(after: datetime, at: time, weekdays: frozenset[int], tz: str) -> tuple[date, datetime] | None:
    """The first occurrence strictly after ``after`` (None when no weekday is set)."""
    if not weekdays:
        return None
    return next(occurrences_between(after, after + timedelta(days=8), at, weekdays, tz), None)


def latest_occurrence(
    at_or_before: datetime, at: time, weekdays: frozenset[int], tz: str
) -> tuple[date, datetime] | None:
    """The last occurrence at or before ``at_or_before`` within the previous 8 days."""
    found = None
    for found in occurrences_between(at_or_before - timedelta(days=8), at_or_before, at, weekdays, tz):  # noqa: B007
        pass
    return found
