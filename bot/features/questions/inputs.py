"""Checks on what moderators and members type: question text, tags, schedules, upload sizes.

Each failure is an ``InvalidInput`` whose text says what to fix; the cog shows it as is.
"""

from __future__ import annotations

from datetime import time

from bot.core.localtime import parse_time_of_day, parse_weekdays
from bot.features.questions.bank import MAX_IMPORT_BYTES, validate_question_text, validate_tag


class InvalidInput(ValueError):
    """Input a moderator or member can fix; ``str()`` says what to fix (the cog shows it as is)."""


def clean_question_text(text: str) -> str:
    try:
        return validate_question_text(text)
    except ValueError as exc:
        raise InvalidInput(f"That question can't be used: {exc}.") from exc


def clean_tag(tag: str | None) -> str | None:
    try:
        return validate_tag(tag)
    except ValueError as exc:
        raise InvalidInput(f"That tag can't be used: {exc}.") from exc


def parse_schedule(time_text: str, days_text: str, tag: str | None) -> tuple[time, frozenset[int], str | None]:
    """Validate /question schedule's inputs; InvalidInput says what to fix."""
    try:
        at = parse_time_of_day(time_text)
    except ValueError as exc:
        raise InvalidInput(f"{exc}.") from exc
    try:
        days = parse_weekdays(days_text)
    except ValueError as exc:
        raise InvalidInput(str(exc)) from exc
    return at, days, clean_tag(tag)


def import_size_problem(size: int) -> str | None:
    """Refuse an upload by its size before downloading it."""
    if size > MAX_IMPORT_BYTES:
        return (
            f"That file is {size / 1024:.0f} KB; question files can be at most {MAX_IMPORT_BYTES // 1024} KB. "
            "Split it into smaller files."
        )
    return None
