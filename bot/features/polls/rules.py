"""Poll rules without Discord: parse and check input, apply a vote, tally with ties and percentages.

The limits are Discord's native poll limits; anonymous polls use the same ones so a poll can
switch kind without being rewritten.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta

from bot.core.durations import DurationError, format_duration, parse_duration

MIN_OPTIONS = 2
MAX_OPTIONS = 10
MAX_OPTION_CHARS = 55
MAX_QUESTION_CHARS = 300
NATIVE_MIN = timedelta(hours=1)
NATIVE_MAX = timedelta(days=32)
ANONYMOUS_MIN = timedelta(minutes=1)
ANONYMOUS_MAX = timedelta(days=32)
DEFAULT_DURATION = "1d"

_SPACES = re.compile(r"\s+")


class PollInputError(ValueError):
    """Bad poll input; ``str()`` names the rule that was broken and how to fix it."""


@dataclass(frozen=True)
class PollSpec:
    """A checked poll, ready to post."""

    question: str
    options: tuple[str, ...]
    duration: timedelta
    multi: bool
    anonymous: bool

    @property
    def native_hours(self) -> int:
        """Discord wants whole hours; Hearth ends the poll itself at the exact time."""
        return max(1, math.ceil(self.duration.total_seconds() / 3600))


def _clean(text: str) -> str:
    return _SPACES.sub(" ", text).strip()


def parse_options(text: str) -> list[str]:
    """Options separated by new lines (when there are any) or by commas; blanks are dropped."""
    parts = text.splitlines() if "\n" in text.strip() else text.split(",")
    return [cleaned for cleaned in (_clean(p) for p in parts) if cleaned]


def check_question(question: str) -> str:
    cleaned = _clean(question)
    if not cleaned:
        raise PollInputError("The question is empty: write what you want to ask.")
    if len(cleaned) > MAX_QUESTION_CHARS:
        raise PollInputError(
            f"The question is {len(cleaned)} characters; polls allow at most {MAX_QUESTION_CHARS}. Shorten it."
        )
    return cleaned


def check_options(options: Sequence[str]) -> tuple[str, ...]:
    if len(options) < MIN_OPTIONS:
        raise PollInputError(
            f"A poll needs at least {MIN_OPTIONS} options (got {len(options)}); separate them with commas or new lines."
        )
    if len(options) > MAX_OPTIONS:
        raise PollInputError(f"A poll can have at most {MAX_OPTIONS} options (got {len(options)}); remove some.")
    seen: dict[str, int] = {}
    for number, option in enumerate(options, start=1):
        if len(option) > MAX_OPTION_CHARS:
            raise PollInputError(
                f"Option {number} ({option[:20]}…) is {len(option)} characters; "
                f"options allow at most {MAX_OPTION_CHARS}. Shorten it."
            )
        key = option.casefold()
        if key in seen:
            raise PollInputError(
                f"Options {seen[key]} and {number} are the same ({option}); every option must be different."
            )
        seen[key] = number
    return tuple(options)


def check_duration(text: str | None, anonymous: bool) -> timedelta:
    try:
        duration = parse_duration(text or DEFAULT_DURATION)
    except DurationError as exc:
        raise PollInputError(f"The duration: {exc}.") from exc
    low, high = (ANONYMOUS_MIN, ANONYMOUS_MAX) if anonymous else (NATIVE_MIN, NATIVE_MAX)
    if not low <= duration <= high:
        kind = "Anonymous polls" if anonymous else "Native Discord polls"
        raise PollInputError(
            f"{kind} run from {format_duration(low)} to {format_duration(high)}; "
            f"{format_duration(duration)} is outside that."
        )
    return duration


def build_spec(question: str, options: str, duration: str | None, *, multi: bool, anonymous: bool) -> PollSpec:
    """Check everything a moderator typed; the first problem found is raised as PollInputError."""
    return PollSpec(
        check_question(question),
        check_options(parse_options(options)),
        check_duration(duration, anonymous),
        multi,
        anonymous,
    )


# -- anonymous votes ------------------------------------------------------------------------------
@dataclass(frozen=True)
class VoteChange:
    before: frozenset[int]
    after: frozenset[int]

    @property
    def withdrawn(self) -> bool:
        return bool(self.before) and not self.after


def apply_vote(current: Iterable[int], option: int | None, *, multi: bool) -> VoteChange:
    """A click: ``option`` None withdraws; single-choice moves (or withdraws on the same option); multi toggles."""
    before = frozenset(current)
    if option is None:
        after: frozenset[int] = frozenset()
    elif multi:
        after = before - {option} if option in before else before | {option}
    else:
        after = frozenset() if before == {option} else frozenset({option})
    return VoteChange(before, after)


def describe_vote(change: VoteChange, options: Sequence[str]) -> str:
    """The ephemeral confirmation a voter sees (only their own choice, never counts)."""
    if not change.after:
        return "Your vote is withdrawn." if change.before else "You have no vote on this poll."
    chosen = ", ".join(f"**{options[i]}**" for i in sorted(change.after))
    verb = "Your votes" if len(change.after) > 1 else "Your vote"
    return f"{verb}: {chosen}. Results stay hidden until the poll closes; click again to change or withdraw."


# -- results --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Tally:
    options: tuple[str, ...]
    counts: tuple[int, ...]
    voters: int

    @property
    def total_votes(self) -> int:
        return sum(self.counts)

    @property
    def percentages(self) -> tuple[float, ...]:
        """Share of voters who chose each option (sums to 100 for single choice, can exceed it for multi)."""
        if self.voters <= 0:
            return tuple(0.0 for _ in self.counts)
        return tuple(100.0 * c / self.voters for c in self.counts)

    @property
    def winners(self) -> tuple[int, ...]:
        """Indexes of the most-voted options (several on a tie, none without votes)."""
        top = max(self.counts, default=0)
        return () if top == 0 else tuple(i for i, c in enumerate(self.counts) if c == top)

    @property
    def tie(self) -> bool:
        return len(self.winners) > 1


def tally(options: Sequence[str], counts: Sequence[int], voters: int | None = None) -> Tally:
    """Counts per option; ``voters`` defaults to the total (right for single choice)."""
    if len(counts) != len(options):
        raise ValueError("one count per option")
    counts = tuple(max(0, int(c)) for c in counts)
    total = sum(counts)
    # A member has at least one vote, and no option has more voters than there are voters.
    voters = total if voters is None else max(int(voters), max(counts, default=0))
    return Tally(tuple(options), counts, min(voters, total) if total else 0)


def winner_line(result: Tally) -> str:
    if not result.winners:
        return "No votes were cast."
    names = [result.options[i] for i in result.winners]
    votes = result.counts[result.winners[0]]
    unit = "vote" if votes == 1 else "votes"
    if result.tie:
        return f"Tie between {', '.join(f'**{n}**' for n in names)} ({votes} {unit} each)."
    return f"Winner: **{names[0]}** ({votes} {unit})."


@dataclass(frozen=True)
class Participation:
    """METRICS.md: responders over the active base (headline) and over the member count at post time."""

    responders: int
    active_base: int
    member_count: int | None

    @property
    def rate(self) -> float | None:
        return self.responders / self.active_base if self.active_base else None

    @property
    def reach(self) -> float | None:
        return self.responders / self.member_count if self.member_count else None


def percent(value: float | None) -> str:
    if value is None:
        return "n/a"
    share = 100 * value
    return f"{share:.0f}%" if share >= 10 or share == 0 else f"{share:.1f}%"
