"""The one next step a summary names (METRICS.md "Weaker side"): a pure choice over the figures.

Input is the week's figures plus the evidence behind them (slot comparison, rate by kind with
intervals, replies between members, returning members, ...). Output is one sentence that names
the numbers it rests on, or None when no rule has the evidence it needs: a generic tip is never
made up. Rules for the weaker side come first, starting with the rule for its worst figure; then
the other side's rules.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from bot.analytics.stats import PooledEstimate, Rate, pooled_difference

log = logging.getLogger(__name__)

Side = Literal["optimization", "engagement"]

MIN_POSTS = 3
"""A group (slot, kind) with fewer posts is never recommended (METRICS "Rate by content")."""
ON_SCHEDULE_TARGET = 0.8
"""Below this share of scheduled posts on time, fixing the schedule comes first."""
SLOW_FIRST_RESPONSE_MINUTES = 60.0
"""A median wait for the first response at or above this is worth a different posting time."""
LOW_MEMBER_REPLY_SHARE = 0.25
LOW_COMMUNICATOR_SHARE = 0.5

# Headline figure names, as the analytics report names them.
PARTICIPATION = "Participation rate"
FIRST_RESPONSE = "Time to first response"
ON_SCHEDULE = "Posts on schedule"
RETURNING = "Returning members"
MEMBER_REPLIES = "Member-to-member replies"
STICKINESS = "Stickiness"
COMMUNICATORS = "Communicators"
NPS = "NPS"


@dataclass(frozen=True)
class GroupEvidence:
    """Pooled participation of a group of posts (a slot or a content kind)."""

    key: str
    posts: int
    responders: int
    base: int
    variance: float | None = None  # post-level variance of the pooled rate (None: binomial)

    @property
    def rate(self) -> Rate:
        return Rate(self.responders, self.base)

    @property
    def estimate(self) -> PooledEstimate:
        p = self.rate.value or 0.0
        binomial = p * (1 - p) / self.base if self.base else float("inf")
        return PooledEstimate(self.rate, self.posts, binomial if self.variance is None else self.variance)

    @property
    def recommendable(self) -> bool:
        return self.posts >= MIN_POSTS and self.base > 0


def beats(better: GroupEvidence, worse: GroupEvidence) -> bool:
    """True when better − worse has a 95% post-level interval above zero."""
    diff = pooled_difference(worse.estimate, better.estimate)
    return diff is not None and diff.low > 0


@dataclass(frozen=True)
class NextStepInput:
    """What the next step may rest on; every field is optional evidence (None / 0 = unknown)."""

    weaker_side: Side | None = None
    worst_figure: str | None = None  # the weaker side's worst figure (a name above)
    worst_median: float | None = None  # that figure's 8-week median, for "fell from" wording
    # Optimization evidence.
    current_slot: GroupEvidence | None = None  # the slot the schedule posts in now
    best_slot: GroupEvidence | None = None  # the best slot with enough posts
    busiest_slot: str | None = None  # busiest slot of the 28-day peak grid
    busiest_untested_slot: str | None = None  # busiest slot without a Hearth post yet
    busiest_untested_activities: int = 0
    kinds: Sequence[GroupEvidence] = field(default_factory=tuple)  # rate by content kind
    first_response_minutes: float | None = None
    on_time: int = 0
    due: int = 0
    # Engagement evidence.
    replies: int = 0
    member_replies: int = 0
    pairs: int = 0
    returning: int = 0
    previously_active: int = 0
    active: int = 0
    communicators: int = 0
    stickiness: float | None = None
    mau: int = 0
    survey_due: bool = False  # no pulse survey closed in the last 90 days (bot.analytics.voice)


@dataclass(frozen=True)
class NextStep:
    text: str
    rule: str  # which rule chose it (for tests and the log)


def _plural(count: int, noun: str, many: str | None = None) -> str:
    """'1 member', '3 members', '1 activity' / '2 activities' (with ``many``)."""
    return f"{count} {noun if count == 1 else many or noun + 's'}"


def _pct(value: float) -> str:
    return f"{value:.0%}" if value >= 0.095 or value == 0 else f"{value:.1%}"


def _times(better: Rate, worse: Rate) -> str:
    """'2.4x the rate of' or, against a rate of zero, 'responses where ... drew none'."""
    assert better.value is not None and worse.value is not None
    return f"{better.value / worse.value:.1f}x the rate of" if worse.value > 0 else "responses, against none for"


# -- optimization rules ------------------------------------------------------------------------
def slot_rule(x: NextStepInput) -> str | None:
    """A slot whose difference from the current one has a 95% interval above zero: move there."""
    best, current = x.best_slot, x.current_slot
    if best is None or current is None or best.key == current.key or not best.recommendable or current.base == 0:
        return None
    b, c = best.rate, current.rate
    if not beats(best, current):
        return None
    return (
        f"Posts at {best.key} drew {_times(b, c)} {current.key} ones ({_pct(b.value or 0)} against "
        f"{_pct(c.value or 0)} of active members, {best.posts} and {current.posts} posts): "
        "move the daily schedule there."
    )


def kind_rule(x: NextStepInput) -> str | None:
    """A content kind whose difference from the most-posted other kind has a 95% interval above zero."""
    ready = [k for k in x.kinds if k.recommendable]
    if len(ready) < 2:
        return None
    top = max(ready, key=lambda k: (k.rate.value or 0.0, k.posts))
    others = [k for k in ready if k.key != top.key]
    usual = max(others, key=lambda k: (k.posts, -(k.rate.value or 0.0)))
    t, u = top.rate, usual.rate
    if not beats(top, usual):
        return None
    return (
        f"{top.key.capitalize()} posts drew {_times(t, u)} {usual.key} posts ({_pct(t.value or 0)} against "
        f"{_pct(u.value or 0)} of active members, {top.posts} and {usual.posts} posts): "
        f"post {top.key} in place of every other {usual.key}."
    )


def on_schedule_rule(x: NextStepInput) -> str | None:
    """Scheduled posts that did not go out on time: fix that before anything else is measurable."""
    if x.due < 2 or x.on_time / x.due >= ON_SCHEDULE_TARGET:
        return None
    return (
        f"Only {x.on_time} of {x.due} scheduled posts went out on time: fix what the warnings below name "
        "(channel access, an empty bank) so members can count on them."
    )


def first_response_rule(x: NextStepInput) -> str | None:
    """Slow first responses: post when members are around (the busiest slot)."""
    minutes = x.first_response_minutes
    if minutes is None or minutes < SLOW_FIRST_RESPONSE_MINUTES or x.busiest_slot is None:
        return None
    wait = f"{minutes / 60:.1f} hours" if minutes >= 120 else f"{minutes:.0f} minutes"
    if x.current_slot is not None and x.current_slot.key == x.busiest_slot:
        return None  # already posting at the busiest time: a different slot would not help
    return (
        f"Posts waited a median of {wait} for their first response: post at {x.busiest_slot}, "
        "the busiest time of the last 28 days."
    )


def untested_slot_rule(x: NextStepInput) -> str | None:
    """No clear winner yet: test the busiest slot without a Hearth post."""
    if x.busiest_untested_slot is None or x.busiest_untested_activities <= 0:
        return None
    return (
        f"Test a post at {x.busiest_untested_slot}: members made "
        f"{_plural(x.busiest_untested_activities, 'activity', 'activities')} there in the last 28 days "
        "and Hearth has not posted there yet."
    )


# -- engagement rules --------------------------------------------------------------------------
def member_reply_rule(x: NextStepInput) -> str | None:
    """Few replies between members: a submission contest gets members reacting to each other."""
    if x.replies <= 0:
        return None
    share = x.member_replies / x.replies
    pairs = f", {x.pairs} pair{'s' if x.pairs != 1 else ''} of members" if x.pairs else ""
    counts = f"({x.member_replies} of {x.replies}{pairs})"
    advice = "try a submission contest, where members vote on and reply to each other's entries."
    if x.worst_figure == MEMBER_REPLIES and x.worst_median is not None and share >= LOW_MEMBER_REPLY_SHARE:
        # A healthy share that slipped: say it slipped, against the guild's own median.
        return (
            f"Members answering each other fell to {_pct(share)} of replies {counts}, below their 8-week "
            f"median of {_pct(x.worst_median)}: {advice}"
        )
    lead = "Only " if share < 0.5 else ""
    return f"{lead}{_pct(share)} of replies were members answering each other {counts}: {advice}"


def returning_rule(x: NextStepInput) -> str | None:
    """Members not coming back: give them a reason at the time they are around."""
    if x.previously_active <= 0:
        return None
    share = x.returning / x.previously_active
    came = (
        f"{_pct(share)} of the {_plural(x.previously_active, 'member')} active the week before came back "
        f"({x.returning})"
    )
    if x.busiest_slot is not None:
        return f"{came}: schedule a daily question at {x.busiest_slot}, when most of them are around."
    return f"{came}: start the daily number game (`/game schedule`), so a streak gives them a reason to return."


def communicator_rule(x: NextStepInput) -> str | None:
    """Members who only react: an answer thread makes a one-line reply easy."""
    if x.active <= 0:
        return None
    share = x.communicators / x.active
    lead = "Only " if share < LOW_COMMUNICATOR_SHARE else ""
    return (
        f"{lead}{_pct(share)} of active members ({x.communicators} of {x.active}) sent a message: "
        "ask a question with an answer thread, where a one-line reply is easy."
    )


def stickiness_rule(x: NextStepInput) -> str | None:
    """Members come rarely: something new every day."""
    if x.stickiness is None or x.mau <= 0:
        return None
    daily = x.stickiness * x.mau
    when = f" at {x.busiest_slot}" if x.busiest_slot else ""
    return (
        f"Stickiness is {_pct(x.stickiness)} (about {daily:.1f} of {_plural(x.mau, 'monthly member')} on a given day): "
        f"post something every day, for example a daily question{when}."
    )


def pulse_rule(x: NextStepInput) -> str | None:
    """Nobody asked members lately how they feel: a pulse survey measures it (and the NPS follows it)."""
    if not x.survey_due:
        return None
    return (
        "Ask members how they feel: no pulse survey in the last 90 days. Run one with "
        "`/pulse schedule every: month`; from 10 answers it gives the NPS, to follow week by week."
    )


Rule = Callable[[NextStepInput], str | None]

RULES: dict[str, Rule] = {
    "slot": slot_rule,
    "kind": kind_rule,
    "on_schedule": on_schedule_rule,
    "first_response": first_response_rule,
    "untested_slot": untested_slot_rule,
    "member_replies": member_reply_rule,
    "returning": returning_rule,
    "communicators": communicator_rule,
    "stickiness": stickiness_rule,
    "pulse": pulse_rule,
}

BY_FIGURE: dict[str, tuple[str, ...]] = {
    PARTICIPATION: ("slot", "kind", "untested_slot"),
    FIRST_RESPONSE: ("first_response", "slot"),
    ON_SCHEDULE: ("on_schedule",),
    MEMBER_REPLIES: ("member_replies",),
    COMMUNICATORS: ("communicators", "member_replies"),
    RETURNING: ("returning",),
    STICKINESS: ("stickiness", "returning"),
    NPS: ("pulse", "member_replies"),
}

BY_SIDE: dict[Side, tuple[str, ...]] = {
    "optimization": ("on_schedule", "slot", "kind", "first_response", "untested_slot"),
    "engagement": ("member_replies", "returning", "communicators", "stickiness", "pulse"),
}


def _order(x: NextStepInput) -> list[str]:
    """Rule names in the order they are tried (each once)."""
    first: Side = x.weaker_side or "optimization"
    other: Side = "engagement" if first == "optimization" else "optimization"
    names = list(BY_FIGURE.get(x.worst_figure or "", ())) + list(BY_SIDE[first]) + list(BY_SIDE[other])
    return list(dict.fromkeys(names))


def choose_next_step(x: NextStepInput) -> NextStep | None:
    """The first rule, in the weaker side's order, that has the evidence for a sentence."""
    for name in _order(x):
        text = RULES[name](x)
        if text is not None:
            log.debug("next step from rule %s", name)
            return NextStep(text, name)
    return None
