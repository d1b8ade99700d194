"""Submission-contest rules without Discord: phase limits, entry checks, the tally and ties."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import timedelta

from bot.core.limits import RuleError, bounded_duration

log = logging.getLogger(__name__)

MIN_SUBMIT = timedelta(minutes=10)
MAX_SUBMIT = timedelta(days=30)
MIN_VOTE = timedelta(hours=1)  # a native poll runs at least an hour
MAX_VOTE = timedelta(days=14)
MAX_THEME_LENGTH = 200
MAX_ENTRY_TEXT = 1500
MAX_ENTRY_MENTIONS = 3
DEFAULT_MAX_ATTACHMENT = 8 * 1024 * 1024
POLL_MAX_ANSWERS = 10
POLL_ANSWER_LENGTH = 55

_MASS_MENTION = re.compile(r"@(everyone|here)\b")
_ROLE_MENTION = re.compile(r"<@&\d+>")
_USER_MENTION = re.compile(r"<@!?\d+>")


def check_phases(submit_for: str, vote_for: str) -> tuple[timedelta, timedelta]:
    return (
        bounded_duration(submit_for, "submission period", MIN_SUBMIT, MAX_SUBMIT),
        bounded_duration(vote_for, "voting period", MIN_VOTE, MAX_VOTE),
    )


def check_theme(theme: str) -> str:
    theme = " ".join(theme.split())
    if not theme:
        raise RuleError("Give the contest a theme.")
    if len(theme) > MAX_THEME_LENGTH:
        raise RuleError(f"Keep the theme under {MAX_THEME_LENGTH} characters (it has {len(theme)}).")
    if _MASS_MENTION.search(theme) or _ROLE_MENTION.search(theme) or _USER_MENTION.search(theme):
        raise RuleError("The theme can't contain mentions.")
    return theme


def check_entry(
    text: str | None,
    attachment_size: int | None,
    *,
    size_limit: int = DEFAULT_MAX_ATTACHMENT,
) -> str | None:
    """Validate a submission; returns the cleaned text (None when there is only an attachment)."""
    cleaned = (text or "").strip() or None
    if cleaned is None and attachment_size is None:
        raise RuleError("An entry needs text, an attachment, or both.")
    if cleaned is not None:
        if len(cleaned) > MAX_ENTRY_TEXT:
            raise RuleError(f"Keep your entry under {MAX_ENTRY_TEXT} characters (it has {len(cleaned)}).")
        if _MASS_MENTION.search(cleaned) or _ROLE_MENTION.search(cleaned):
            raise RuleError("Entries can't contain @everyone, @here or role mentions.")
        if len(_USER_MENTION.findall(cleaned)) > MAX_ENTRY_MENTIONS:
            raise RuleError(f"Entries can mention at most {MAX_ENTRY_MENTIONS} members.")
    if attachment_size is not None and attachment_size > size_limit:
        raise RuleError(
            f"That file is {_mib(attachment_size)}; entries can be at most {_mib(size_limit)}. "
            "Shrink it or share a link in the text."
        )
    return cleaned


def _mib(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MiB"


def voting_mode(entry_count: int, preferred: str = "auto") -> str:
    """ "poll" (Discord's native poll) for up to 10 entries, else "buttons" (one per entry)."""
    if preferred == "buttons" or entry_count > POLL_MAX_ANSWERS:
        return "buttons"
    return "poll"


@dataclass(frozen=True)
class Standing:
    entry_id: int
    number: int
    author_id: int
    votes: int


@dataclass(frozen=True)
class Result:
    standings: list[Standing]  # most votes first, then entry number
    winners: list[Standing]  # more than one when tied
    ignored_self_votes: int

    @property
    def tied(self) -> bool:
        return len(self.winners) > 1


def tally(
    entries: Iterable[tuple[int, int, int]],
    votes: Mapping[int, int],
) -> Result:
    """Count votes per entry. ``entries``: (entry id, number, author) of entries still standing;
    ``votes``: voter -> entry id. Votes for one's own entry or for a removed entry don't count.
    The winners are every entry with the most votes (a tie is a shared win); no votes, no winner.
    """
    standing = {entry_id: (number, author) for entry_id, number, author in entries}
    counts = dict.fromkeys(standing, 0)
    ignored = 0
    for voter, entry_id in votes.items():
        if entry_id not in standing:
            continue
        if standing[entry_id][1] == voter:
            ignored += 1
            continue
        counts[entry_id] += 1
    standings = sorted(
        (Standing(e, standing[e][0], standing[e][1], n) for e, n in counts.items()),
        key=lambda s: (-s.votes, s.number),
    )
    top = standings[0].votes if standings else 0
    winners = [s for s in standings if s.votes == top] if top > 0 else []
    return Result(standings, winners, ignored)


def poll_answer_text(number: int, author_name: str | None, text: str | None) -> str:
    """A poll answer (≤ 55 characters): "#3 · Ada · first words of the entry"."""
    parts = [f"#{number}"]
    if author_name:
        parts.append(author_name)
    if text:
        parts.append(" ".join(text.split()))
    joined = " · ".join(parts)
    return joined if len(joined) <= POLL_ANSWER_LENGTH else joined[: POLL_ANSWER_LENGTH - 1] + "…"
