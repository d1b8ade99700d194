"""Starting a test: checking its name and arms, and planning the schedule's dates it runs on."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

from bot.core.localtime import occurrence_at, parse_time_of_day, zone
from bot.features.experiments.model import InvalidExperiment
from bot.features.polls.rules import PollSpec
from bot.features.questions.bank import validate_tag
from bot.storage.schedules import ScheduleRow

FACTORS = ("slot", "tag", "kind")
KINDS = ("question", "poll")
MIN_POSTS, MAX_POSTS = 4, 200
NAME_PATTERN = re.compile(r"[a-z0-9][a-z0-9 _-]{0,39}")
QUICK_POLL_OPTIONS = ("Yes", "No")  # plain text: the result chart's font has no emoji
QUICK_POLL_DURATION = timedelta(days=1)  # the same 24 h window as every other post


def normalise_name(text: str) -> str:
    name = " ".join(text.strip().lower().split())
    if not NAME_PATTERN.fullmatch(name):
        raise InvalidExperiment(
            "A test name is 1-40 letters, digits, spaces, `-` or `_`, starting with a letter or digit "
            "(e.g. `evening-slot`)."
        )
    return name


def parse_arms(factor: str, a: str, b: str) -> tuple[str, str]:
    """Check and normalise the two arms of a factor; they must differ."""
    if factor not in FACTORS:
        raise InvalidExperiment(f"`{factor}` is not a factor: use slot, tag or kind.")
    values = []
    for label, raw in (("A", a), ("B", b)):
        text = (raw or "").strip()
        if factor == "slot":
            try:
                values.append(parse_time_of_day(text).strftime("%H:%M"))
            except ValueError as exc:
                raise InvalidExperiment(f"Arm {label}: {exc}.") from exc
        elif factor == "tag":
            try:
                tag = validate_tag(text)
            except ValueError as exc:
                raise InvalidExperiment(f"Arm {label}: that tag can't be used: {exc}.") from exc
            if not tag:
                raise InvalidExperiment(f"Arm {label}: give a tag (a deck of questions, e.g. `fun`).")
            values.append(tag)
        else:
            kind = text.lower()
            if kind not in KINDS:
                raise InvalidExperiment(f"Arm {label}: `{text}` is not a kind; use `question` or `poll`.")
            values.append(kind)
    if values[0] == values[1]:
        raise InvalidExperiment(f"The arms must differ: both are `{values[0]}`.")
    return values[0], values[1]


def plan_dates(
    schedule: ScheduleRow,
    times: tuple[time, ...],
    now: datetime,
    tz: str,
    count: int,
    taken: set[str],
) -> list[date]:
    """The schedule's next ``count`` local dates on which every candidate time is still ahead.

    A date counts only when the schedule posts that weekday, no occurrence was claimed for it
    yet (posted or skipped), and each of ``times`` (the schedule's own and, for a slot test, both
    arms') is still in the future, so an arm is never assigned to a moment already gone.
    """
    found: list[date] = []
    day = now.astimezone(zone(tz)).date()
    for _ in range(count * 7 + 14):
        if (
            day.weekday() in schedule.weekdays
            and day.isoformat() not in taken
            and all(occurrence_at(day, t, tz) > now for t in times)
        ):
            found.append(day)
            if len(found) == count:
                break
        day += timedelta(days=1)
    return found


def quick_poll_spec(question_text: str) -> PollSpec:
    """A bank question as a one-day native Yes/No poll (the poll arm of a kind test)."""
    text = " ".join(question_text.split())
    if len(text) > 300:  # Discord's native poll question limit
        text = text[:299] + "…"
    return PollSpec(text, QUICK_POLL_OPTIONS, QUICK_POLL_DURATION, multi=False, anonymous=False)
