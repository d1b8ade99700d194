"""Welcome rules (pure): the text, the batching window, arms by join order and the verdict."""

from __future__ import annotations

from dataclasses import dataclass

from bot.analytics.stats import Rate
from bot.features.experiments.rules import ArmResult, Verdict, assign_arms, verdict

BATCH_WINDOW_MS = 3 * 60_000
"""During a join wave, at most one welcome message per 3 minutes; later joiners wait for the next."""
MAX_PER_MESSAGE = 40
"""Mentions per welcome message (a message holds 2,000 characters; a mention takes about 22)."""
MESSAGE_LIMIT = 600
ACTIVATION_DAYS = 7
MIN_JOINERS_PER_ARM = 10
PLACEHOLDER = "{member}"


def check_message(text: str) -> str:
    text = text.strip()
    if not text:
        raise ValueError("The welcome message is empty.")
    if len(text) > MESSAGE_LIMIT:
        raise ValueError(f"The welcome message has {len(text)} characters; keep it under {MESSAGE_LIMIT}.")
    return text


def render(template: str, mentions: list[str], question_url: str | None) -> str:
    """The welcome: the moderator's text with ``{member}`` as the newcomers' mentions (or them first),
    then the question of the day and an invitation to reply."""
    who = ", ".join(mentions)
    body = template.replace(PLACEHOLDER, who) if PLACEHOLDER in template else f"{who} {template}"
    if question_url:
        tail = f"Today's question is here: {question_url}. Reply to this message to say hi!"
    else:
        tail = "Reply to this message to say hi!"
    return f"{body}\n\n{tail}"


def next_send_ms(last_sent_ms: int | None, now_ms: int) -> int:
    """When the next welcome message may go out: now, or one window after the last one."""
    if last_sent_ms is None or now_ms >= last_sent_ms + BATCH_WINDOW_MS:
        return now_ms
    return last_sent_ms + BATCH_WINDOW_MS


def arm_at(position: int, joiners: int, seed: str) -> str | None:
    """The arm of the ``position``-th welcomed joiner of a test (balanced blocks by join order)."""
    if not 0 <= position < joiners:
        return None
    return assign_arms(joiners, seed)[position]


@dataclass(frozen=True)
class ArmActivation:
    joiners: int  # welcomed joiners whose first week has passed
    activated: int

    @property
    def rate(self) -> Rate:
        return Rate(self.activated, self.joiners)


def welcome_verdict(a: ArmActivation, b: ArmActivation) -> Verdict:
    """Activation of arm B against arm A; each joiner is one independent unit."""
    return verdict(
        ArmResult(a.joiners, a.activated, a.joiners),
        ArmResult(b.joiners, b.activated, b.joiners),
        min_posts_per_arm=MIN_JOINERS_PER_ARM,
    )
