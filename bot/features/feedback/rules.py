"""Feedback rules without Discord: kinds, statuses, what a text must be, and who may do what."""

from __future__ import annotations

from dataclasses import dataclass

KINDS = ("idea", "problem", "praise")
STATUSES = ("open", "review", "planned", "done", "declined")
MODERATOR_STATUSES = ("review", "planned", "done", "declined")
ANSWERING = frozenset({"planned", "done", "declined"})
STATUS_LABELS = {
    "open": "new",
    "review": "under review",
    "planned": "planned",
    "done": "done",
    "declined": "declined",
}
TEXT_MIN = 10
TEXT_MAX = 1500
REASON_MAX = 500
DIGEST_ITEM_CHARS = 160


class FeedbackInputError(ValueError):
    """Input a member must fix; ``str()`` is what they are told."""


@dataclass(frozen=True)
class Submission:
    kind: str
    text: str
    anonymous: bool


def check_kind(kind: str) -> str:
    value = (kind or "").strip().lower()
    if value not in KINDS:
        raise FeedbackInputError(f"Pick a kind: {', '.join(KINDS)}.")
    return value


def check_text(text: str | None) -> str:
    value = (text or "").strip()
    if not value:
        raise FeedbackInputError("Your feedback is empty: write what you'd like the moderators to know.")
    if len(value) < TEXT_MIN:
        raise FeedbackInputError(f"Say a little more: feedback needs at least {TEXT_MIN} characters.")
    if len(value) > TEXT_MAX:
        raise FeedbackInputError(
            f"Your feedback is {len(value)} characters; the limit is {TEXT_MAX}. Shorten it and send again."
        )
    return value


def check_reason(status: str, reason: str | None) -> str | None:
    """A reason is required to decline, optional otherwise; always length-checked."""
    value = (reason or "").strip() or None
    if status == "declined" and value is None:
        raise FeedbackInputError("A decline needs a reason: the member is told why.")
    if value is not None and len(value) > REASON_MAX:
        raise FeedbackInputError(f"The reason is {len(value)} characters; the limit is {REASON_MAX}.")
    return value


def check_status(status: str) -> str:
    if status not in MODERATOR_STATUSES:
        raise FeedbackInputError(f"Unknown status {status!r}: use {', '.join(MODERATOR_STATUSES)}.")
    return status


def check_change(current: str, new: str) -> None:
    if current == new:
        raise FeedbackInputError(f"This item is already {STATUS_LABELS[new]}.")


def shorten(text: str, limit: int = DIGEST_ITEM_CHARS) -> str:
    one_line = " ".join(text.split())
    return one_line if len(one_line) <= limit else one_line[: limit - 1].rstrip() + "…"


def status_message(number: int, kind: str, status: str, reason: str | None, guild_name: str) -> str:
    """The DM an author gets on a status change (named or anonymous alike)."""
    text = f"Your {kind} #{number} in **{guild_name}** is now **{STATUS_LABELS[status]}**."
    if reason:
        text += f"\nReason: {reason}"
    return text
