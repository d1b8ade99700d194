"""Giveaway rules without Discord: limits, entry requirements, the results text, rerolls.

The draw itself is draw.py beside it (commit–reveal, docs/giveaway-draw.md); this module
decides who may enter, which winners a reroll keeps, and what a results post must publish so
anyone can recompute it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.core.limits import RuleError, bounded_duration
from bot.features.giveaways.draw import draw_winners

log = logging.getLogger(__name__)

MIN_DURATION = timedelta(minutes=1)
MAX_DURATION = timedelta(days=60)
MAX_WINNERS = 50
MAX_PRIZE_LENGTH = 200
MAX_REQUIREMENT_DAYS = 3650


@dataclass(frozen=True)
class Requirements:
    """What a member needs to enter; every field is optional."""

    role_id: int | None = None
    min_days_in_server: int | None = None
    min_account_age_days: int | None = None

    @property
    def any(self) -> bool:
        return bool(self.role_id or self.min_days_in_server or self.min_account_age_days)


@dataclass(frozen=True)
class MemberFacts:
    """What the requirements are checked against, taken from the member at the moment they enter."""

    role_ids: frozenset[int]
    joined_at: datetime | None
    created_at: datetime


def check_duration(text: str) -> timedelta:
    return bounded_duration(text, "giveaway duration", MIN_DURATION, MAX_DURATION)


def check_winner_count(count: int) -> int:
    if count < 1 or count > MAX_WINNERS:
        raise RuleError(f"A giveaway has between 1 and {MAX_WINNERS} winners (you gave {count}).")
    return count


def check_prize(prize: str) -> str:
    prize = " ".join(prize.split())
    if not prize:
        raise RuleError("Name the prize.")
    if len(prize) > MAX_PRIZE_LENGTH:
        raise RuleError(f"Keep the prize under {MAX_PRIZE_LENGTH} characters (it has {len(prize)}).")
    if re.search(r"@(everyone|here)|<@[!&]?\d+>", prize):
        raise RuleError("The prize can't contain mentions; describe it in words.")
    return prize


def check_requirements(requirements: Requirements) -> Requirements:
    for value, name in (
        (requirements.min_days_in_server, "days in the server"),
        (requirements.min_account_age_days, "account age in days"),
    ):
        if value is not None and not 0 <= value <= MAX_REQUIREMENT_DAYS:
            raise RuleError(f"The minimum {name} must be between 0 and {MAX_REQUIREMENT_DAYS} (you gave {value}).")
    return requirements


def describe_requirements(requirements: Requirements) -> list[str]:
    """One line per requirement, as shown on the giveaway post before anyone enters."""
    lines = []
    if requirements.role_id:
        lines.append(f"the <@&{requirements.role_id}> role")
    if requirements.min_days_in_server:
        lines.append(f"at least {requirements.min_days_in_server} day(s) in this server")
    if requirements.min_account_age_days:
        lines.append(f"a Discord account at least {requirements.min_account_age_days} day(s) old")
    return lines


def missing_requirement(
    requirements: Requirements, member: MemberFacts, now: datetime, *, role_exists: bool = True
) -> str | None:
    """The exact requirement the member misses (a sentence for them), or None if they may enter."""
    if requirements.role_id:
        if not role_exists:
            return (
                "This giveaway requires a role that no longer exists, so nobody can enter right now. "
                "Ask a moderator to cancel it and start a new one."
            )
        if requirements.role_id not in member.role_ids:
            return f"You need the <@&{requirements.role_id}> role to enter this giveaway."
    if requirements.min_days_in_server:
        needed = timedelta(days=requirements.min_days_in_server)
        if member.joined_at is None or now - member.joined_at < needed:
            since = "" if member.joined_at is None else f" (you joined {_days_ago(now - member.joined_at)})"
            return f"You need to have been in this server for {requirements.min_days_in_server} day(s){since}."
    if requirements.min_account_age_days:
        age = now - member.created_at
        if age < timedelta(days=requirements.min_account_age_days):
            return (
                f"Your Discord account must be at least {requirements.min_account_age_days} day(s) old "
                f"(it is {_days_ago(age, suffix=False)})."
            )
    return None


def _days_ago(delta: timedelta, *, suffix: bool = True) -> str:
    days = delta.days
    text = "less than a day" if days < 1 else f"{days} day(s)"
    return f"{text} ago" if suffix else text


@dataclass(frozen=True)
class Reroll:
    """A reroll's outcome: the winners now, who was drawn, who was replaced, and the excluded ids."""

    current: list[int]
    drawn: list[int]
    replaced: list[int]
    excluded: list[int]


def reroll(
    seed: str,
    entrants: Iterable[int],
    current: list[int],
    ever_won: Iterable[int],
    *,
    replace: int | None = None,
    count: int | None = None,
) -> Reroll:
    """Draw new winners excluding everyone who already won this giveaway.

    With ``replace``: that winner is dropped and ``count`` (default 1) new winners take the place.
    Without: every current winner is replaced by ``count`` (default: as many as there are) new ones.
    """
    if replace is not None and replace not in current:
        raise RuleError(f"<@{replace}> is not a current winner of this giveaway.")
    if count is not None and not 1 <= count <= MAX_WINNERS:
        raise RuleError(f"Draw between 1 and {MAX_WINNERS} new winners (you asked for {count}).")
    excluded = sorted(set(ever_won) | set(current))
    if replace is not None:
        replaced = [replace]
        kept = [w for w in current if w != replace]
        wanted = count or 1
    else:
        replaced = list(current)
        kept = []
        wanted = count or max(len(current), 1)
    drawn = draw_winners(seed, entrants, wanted, exclude=excluded)
    if not drawn:
        raise RuleError("Everyone who entered has already won this giveaway; there is nobody left to draw.")
    return Reroll(current=kept + drawn, drawn=drawn, replaced=replaced, excluded=excluded)


def entrants_file(entrants: Iterable[int]) -> str:
    """The entrants as published with the results: distinct ids, sorted ascending, one per line."""
    return "".join(f"{member_id}\n" for member_id in sorted(set(entrants)))


def parse_id_list(text: str) -> list[int]:
    """Ids from an entrants file or an --exclude value: whitespace/comma separated, '#' comments."""
    ids: list[int] = []
    for line in text.splitlines():
        line = line.split("#", 1)[0]
        for token in re.split(r"[\s,]+", line.strip()):
            if not token:
                continue
            if not token.isdigit():
                raise ValueError(f"{token!r} is not a member id")
            ids.append(int(token))
    return ids


def outcome_note(entrant_count: int, winner_count: int) -> str | None:
    """What the results must say when the draw could not fill every place."""
    if entrant_count == 0:
        return "Nobody entered, so there are no winners."
    if entrant_count <= winner_count:
        return f"Only {entrant_count} member(s) entered for {winner_count} prize(s), so every entrant wins."
    return None
