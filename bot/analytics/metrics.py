"""Every METRICS.md figure as a pure function of plain inputs (sets, counts, times).

Each figure is computed here and only here; the report model (report.py) feeds these functions
from the rollups, so /report, the CLI, the CSV export and the weekly summary agree. A figure that
cannot be computed is ``None`` ("not enough data yet"), never a made-up number.
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from bot.analytics.stats import (
    Difference,
    PooledEstimate,
    Rate,
    median,
    pooled_difference,
    pooled_estimate,
    pooled_rate,
)

log = logging.getLogger(__name__)

RESPONSE_WINDOW_MS = 24 * 3600 * 1000
"""W in Responders(post, W): 24 hours."""
BASE_DAYS = 28
"""The active base is the members active in the 28 local days before the post's day."""
MIN_POSTS_TO_RECOMMEND = 3
"""A group with fewer posts is shown but never recommended."""
SLOT_HOURS = 3
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
WARM_UP_DAYS = 28
"""A post with fewer recorded days than this before its local day is warming up (METRICS v2)."""


def warming_up(local_day: int, recording_start: int | None) -> bool:
    """True when fewer than WARM_UP_DAYS recorded days precede ``local_day`` (incomplete base)."""
    return recording_start is None or local_day - recording_start < WARM_UP_DAYS


def ratio(numerator: float, denominator: float) -> float | None:
    """numerator / denominator, or None when the denominator is 0."""
    return None if not denominator else numerator / denominator


# -- per post ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class PostFigures:
    """One Hearth post's figures (METRICS "Responders", "Participation rate")."""

    post_id: int
    kind: str
    tag: str | None
    posted_at: int
    local_day: int
    local_hour_of_week: int
    responders: int
    base: int
    member_count: int | None
    first_response_ms: int | None
    scheduled: bool = False
    warming_up: bool = False  # fewer than 28 recorded days before its day: the base is incomplete
    sharers: int = 0  # distinct members who forwarded it inside the guild within W (bot.analytics.shares)

    @property
    def rate(self) -> Rate:
        """Responders / active base (the headline rate)."""
        return Rate(self.responders, self.base)

    @property
    def share_rate(self) -> Rate:
        """Sharers / active base: "shares seen in this server" (forwards elsewhere can't be seen)."""
        return Rate(min(self.sharers, self.base), self.base)

    @property
    def established(self) -> bool:
        return not self.warming_up

    @property
    def reach(self) -> float | None:
        """Responders / member count at post time; None when the count is unknown, 0 or stale."""
        if not self.member_count or self.responders > self.member_count:
            return None
        return self.responders / self.member_count

    @property
    def first_response_minutes(self) -> float | None:
        return None if self.first_response_ms is None else (self.first_response_ms - self.posted_at) / 60000


def window_responders(responders: Iterable[tuple[int, int]], posted_at: int) -> dict[int, int]:
    """member -> first response time, for responders within W (24 h) of the post."""
    end = posted_at + RESPONSE_WINDOW_MS
    return {member: at for member, at in responders if at < end}


def active_base(base_members: set[int] | int, responders: Iterable[int]) -> int:
    """Size of (active in the 28 days before the post) ∪ (its responders).

    A member who joins and answers the same day responds without being in the 28-day base; the
    union keeps responders <= base so a rate never exceeds 1. ``base_members`` may be the set,
    or an int count when the caller already knows which responders are outside it (then pass
    those outsiders as ``responders``).
    """
    if isinstance(base_members, int):
        return base_members + len(set(responders))
    return len(base_members | set(responders))


def first_response(window: Mapping[int, int]) -> int | None:
    return min(window.values()) if window else None


def participation_median(posts: Sequence[PostFigures]) -> float | None:
    """Median of established posts' participation rates (warming-up posts and empty bases left out)."""
    return median(v for p in posts if p.established and (v := p.rate.value) is not None)


def reach_median(posts: Sequence[PostFigures]) -> float | None:
    """Median reach (responders / member count) of the posts that know their member count."""
    return median(v for p in posts if (v := p.reach) is not None)


def pooled_participation(posts: Sequence[PostFigures]) -> Rate:
    return pooled_rate((p.responders, p.base) for p in posts)


def last_post_rate(posts: Sequence[PostFigures]) -> float | None:
    return posts[-1].rate.value if posts else None


def first_response_median(posts: Sequence[PostFigures]) -> float | None:
    """Median minutes from post to first responder, over posts that got one within W."""
    return median(m for p in posts if (m := p.first_response_minutes) is not None)


# -- content ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class GroupRate:
    """Pooled participation of a group of posts (a kind, a tag, a slot) with its 95% interval.

    The rate pools the group's established posts; warming-up posts are left out and counted in
    ``warming_up_posts``. A group with only warming-up posts pools those and is ``warming_up``
    (shown marked, never recommended). The interval reflects post-to-post variation
    (``stats.pooled_estimate``).
    """

    key: str
    posts: int  # posts in the rate
    rate: Rate
    estimate: PooledEstimate | None = None
    warming_up_posts: int = 0
    warming_up: bool = False

    @property
    def interval(self) -> tuple[float, float]:
        return self.rate.interval if self.estimate is None else self.estimate.interval

    @property
    def recommendable(self) -> bool:
        return not self.warming_up and self.posts >= MIN_POSTS_TO_RECOMMEND and self.rate.denominator > 0


def group_rate(key: str, posts: Sequence[PostFigures]) -> GroupRate:
    """One group's pooled rate over its established posts (or its warming-up ones if it has no other)."""
    established = [p for p in posts if p.established]
    used = established or list(posts)
    estimate = pooled_estimate((p.responders, p.base) for p in used)
    return GroupRate(
        key, len(used), estimate.rate, estimate, len(posts) - len(established), warming_up=not established
    )


def rates_by(posts: Iterable[PostFigures], key: Callable[[PostFigures], str | None]) -> list[GroupRate]:
    """Pooled rate per group (sum responders / sum bases), best first; posts without a key skipped.

    Established groups come first (best first), groups with only warming-up posts after them.
    """
    groups: dict[str, list[PostFigures]] = defaultdict(list)
    for post in posts:
        k = key(post)
        if k is not None:
            groups[k].append(post)
    result = [group_rate(k, ps) for k, ps in groups.items()]
    result.sort(key=lambda g: (g.warming_up, -(g.rate.value or 0.0), -g.posts, g.key))
    return result


# -- timing -----------------------------------------------------------------------------------
def slot_of(hour_of_week: int) -> tuple[int, int]:
    """(weekday 0 = Monday, 3-hour slot 0..7) of a local hour of week."""
    return hour_of_week // 24, (hour_of_week % 24) // SLOT_HOURS


def slot_label(slot: tuple[int, int]) -> str:
    day, part = slot
    return f"{WEEKDAYS[day]} {part * SLOT_HOURS:02d}:00-{part * SLOT_HOURS + SLOT_HOURS:02d}:00"


def slot_grid(hour_counts: Mapping[int, int]) -> dict[tuple[int, int], int]:
    """Peak grid (hour of week -> activities) folded into weekday × 3-hour slots."""
    grid: Counter[tuple[int, int]] = Counter()
    for how, n in hour_counts.items():
        grid[slot_of(how)] += n
    return dict(grid)


DEFAULT_BEST_TIME_KIND = "question"
"""Best time compares slots within one post kind: the advised schedule's, questions by default."""


@dataclass(frozen=True)
class BestTime:
    """METRICS v2 "Best time to post": slots compared within one kind, a recommendation only when
    the difference from the current slot has a 95% post-level interval above zero."""

    slots: list[GroupRate]  # every slot with posts of the kind, best first (warming-up-only slots last)
    current: GroupRate | None  # the current schedule's slot (None when it has no post of the kind yet)
    best: GroupRate | None  # best recommendable slot
    recommended: GroupRate | None  # set only when best − current has a 95% interval above zero
    next_test: tuple[int, int] | None  # busiest organic slot without a post
    message: str
    kind: str = DEFAULT_BEST_TIME_KIND
    current_slot: tuple[int, int] | None = None
    difference: Difference | None = None  # best − current, when both have rates

    @property
    def current_label(self) -> str | None:
        return None if self.current_slot is None else slot_label(self.current_slot)


def best_time(
    posts: Sequence[PostFigures],
    current_slot: tuple[int, int] | None,
    peak: Mapping[int, int],
    kind: str = DEFAULT_BEST_TIME_KIND,
) -> BestTime:
    """Apply METRICS' rule to one kind's posts, the current schedule's slot and the organic peak grid."""
    mine = [p for p in posts if p.kind == kind]
    slots = rates_by(mine, lambda p: slot_label(slot_of(p.local_hour_of_week)))
    by_label = {g.key: g for g in slots}
    current = by_label.get(slot_label(current_slot)) if current_slot is not None else None
    candidates = [g for g in slots if g.recommendable]
    best = candidates[0] if candidates else None
    recommended = None
    diff = None
    if best is not None and current is not None and best.key != current.key and not current.warming_up:
        assert best.estimate is not None and current.estimate is not None
        diff = pooled_difference(current.estimate, best.estimate)
        if diff is not None and diff.low > 0:
            recommended = best
    tested = {slot_of(p.local_hour_of_week) for p in mine}
    untested = [(n, s) for s, n in slot_grid(peak).items() if s not in tested and n > 0]
    next_test = max(untested, key=lambda x: (x[0], -x[1][0], -x[1][1]))[1] if untested else None
    if recommended is not None:
        assert current is not None
        message = (
            f"Post {kind}s {recommended.key}: {_pct(recommended.rate)} of active members responded "
            f"({recommended.posts} posts), against {_pct(current.rate)} at the current slot {current.key}."
        )
    else:
        message = f"Not enough evidence yet for a better {kind} slot."
        if next_test is not None:
            message += f" Next test: {slot_label(next_test)}, the busiest slot without a post (organic activity)."
    return BestTime(slots, current, best, recommended, next_test, message, kind, current_slot, diff)


def current_slot(posts: Sequence[PostFigures], schedule_hours: Iterable[int] = ()) -> tuple[int, int] | None:
    """The slot the current schedule posts in: the most used slot among scheduled posts (ties:
    the latest), else the first active schedule's hour of week, else None."""
    counts: Counter[tuple[int, int]] = Counter()
    latest: dict[tuple[int, int], int] = {}
    for p in posts:
        if p.scheduled:
            s = slot_of(p.local_hour_of_week)
            counts[s] += 1
            latest[s] = max(latest.get(s, 0), p.posted_at)
    if counts:
        return max(counts, key=lambda s: (counts[s], latest[s]))
    for how in schedule_hours:
        return slot_of(how)
    return None


def _pct(rate: Rate) -> str:
    return "n/a" if rate.value is None else f"{rate.value:.1%}"


# -- engagement -------------------------------------------------------------------------------
def stickiness(daily_active: Mapping[int, int], days: Sequence[int], mau: int) -> float | None:
    """Mean DAU over ``days`` (days without activity count as 0) / MAU over the same days."""
    if not days or not mau:
        return None
    mean_dau = sum(daily_active.get(d, 0) for d in days) / len(days)
    return mean_dau / mau


def communicator_share(communicators: int, active: int) -> Rate:
    return Rate(communicators, active)


def member_reply_share(member_replies: int, replies: int) -> Rate:
    """Replies to another member (not the bot, not oneself) / all replies."""
    return Rate(member_replies, replies)


def returning(previous: set[int], current: set[int]) -> Rate:
    """Of members active in the previous period, the share active again in this one."""
    return Rate(len(previous & current), len(previous))


@dataclass(frozen=True)
class Activation:
    activated: Rate  # share of joiners active within 7 days of joining
    retained: Rate  # share of joiners active in days 7-13 after joining


def activation(joins: Iterable[tuple[int, int]], active_days: Mapping[int, Iterable[int]], today: int) -> Activation:
    """New-member activation and next-week retention of the joiners (member, local join day).

    Days are local days: activation = any activity on join day .. join day + 6, retention = any
    on join day + 7 .. + 13. A joiner counts only once the window has fully passed (before
    ``today``), so a week still in progress is never reported lower than it will be. A member
    who joined twice counts once, from the first join.
    """
    first_join: dict[int, int] = {}
    for member, day in joins:
        first_join[member] = min(day, first_join.get(member, day))
    act_num = act_den = ret_num = ret_den = 0
    for member, joined in first_join.items():
        days = set(active_days.get(member, ()))
        if joined + 6 < today:
            act_den += 1
            act_num += any(joined <= d <= joined + 6 for d in days)
        if joined + 13 < today:
            ret_den += 1
            ret_num += any(joined + 7 <= d <= joined + 13 for d in days)
    return Activation(Rate(act_num, act_den), Rate(ret_num, ret_den))


def change(current: float | None, previous: float | None) -> float | None:
    """Week-over-week change (current − previous), None when either is missing."""
    if current is None or previous is None:
        return None
    return current - previous


# -- the nightly per-day pass ------------------------------------------------------------------
@dataclass(frozen=True)
class DayWindows:
    dau: int
    wau: int
    mau: int
    base_before: int
    communicators: int


def day_windows(
    rows: Iterable[tuple[int, int, int]],
    first_day: int,
    last_day: int,
    excluded: set[int],
    posts_by_day: Mapping[int, Sequence[tuple[int, set[int]]]] | None = None,
) -> tuple[dict[int, DayWindows], dict[int, int]]:
    """One pass over (local_day, member, messages) rows covering first_day − 28 .. last_day.

    Returns per-day DAU/WAU/MAU/base/communicators for first_day..last_day and the active base
    of each post in ``posts_by_day`` (day -> [(post id, responder ids)]): members active in the
    28 days before the post's day, united with its responders. Opted-out members are skipped.
    """
    by_day: dict[int, set[int]] = defaultdict(set)
    talkers: Counter[int] = Counter()
    for day, member, messages in rows:
        if member in excluded:
            continue
        by_day[day].add(member)
        if messages:
            talkers[day] += 1
    w7: Counter[int] = Counter()
    w28: Counter[int] = Counter()
    before: Counter[int] = Counter()

    def move(window: Counter[int], day: int, step: int) -> None:
        for m in by_day.get(day, ()):
            window[m] += step
            if not window[m]:
                del window[m]

    for d in range(first_day - 28, first_day):
        move(before, d, 1)
    for d in range(first_day - 27, first_day + 1):
        move(w28, d, 1)
    for d in range(first_day - 6, first_day + 1):
        move(w7, d, 1)
    days: dict[int, DayWindows] = {}
    bases: dict[int, int] = {}
    for day in range(first_day, last_day + 1):
        if day > first_day:
            move(w7, day, 1)
            move(w7, day - 7, -1)
            move(w28, day, 1)
            move(w28, day - 28, -1)
            move(before, day - 1, 1)
            move(before, day - 29, -1)
        days[day] = DayWindows(len(by_day.get(day, ())), len(w7), len(w28), len(before), talkers.get(day, 0))
        for post_id, responders in (posts_by_day or {}).get(day, ()):
            outside = {m for m in responders if m not in before and m not in excluded}
            bases[post_id] = active_base(len(before), outside)
    return days, bases
