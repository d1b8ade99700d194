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

from bot.analytics.stats import Rate, intervals_overlap, median, pooled_rate

log = logging.getLogger(__name__)

RESPONSE_WINDOW_MS = 24 * 3600 * 1000
"""W in Responders(post, W): 24 hours."""
BASE_DAYS = 28
"""The active base is the members active in the 28 local days before the post's day."""
MIN_POSTS_TO_RECOMMEND = 3
"""A group with fewer posts is shown but never recommended."""
SLOT_HOURS = 3
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


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
    sharers: int = 0  # distinct members who forwarded it inside the guild within W (bot.analytics.shares)

    @property
    def rate(self) -> Rate:
        """Responders / active base (the headline rate)."""
        return Rate(self.responders, self.base)

    @property
    def share_rate(self) -> Rate:
        """Sharers / active base: "shares seen in this server" (METRICS "Share rate")."""
        return Rate(min(self.sharers, self.base), self.base)

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
    """Median of per-post participation rates (posts with an empty base have no rate)."""
    return median(v for p in posts if (v := p.rate.value) is not None)


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
    """Pooled participation of a group of posts (a kind, a tag, a slot) with its 95% interval."""

    key: str
    posts: int
    rate: Rate

    @property
    def recommendable(self) -> bool:
        return self.posts >= MIN_POSTS_TO_RECOMMEND and self.rate.denominator > 0


def rates_by(posts: Iterable[PostFigures], key: Callable[[PostFigures], str | None]) -> list[GroupRate]:
    """Pooled rate per group (sum responders / sum bases), best first; posts without a key skipped."""
    groups: dict[str, list[PostFigures]] = defaultdict(list)
    for post in posts:
        k = key(post)
        if k is not None:
            groups[k].append(post)
    result = [GroupRate(k, len(ps), pooled_participation(ps)) for k, ps in groups.items()]
    result.sort(key=lambda g: (-(g.rate.value or 0.0), -g.posts, g.key))
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


@dataclass(frozen=True)
class BestTime:
    """METRICS "Best time to post": a recommendation only with non-overlapping 95% intervals."""

    slots: list[GroupRate]  # every slot with posts, best first
    current: GroupRate | None  # the current schedule's slot
    best: GroupRate | None  # best recommendable slot
    recommended: GroupRate | None  # set only when best beats current with non-overlapping intervals
    next_test: tuple[int, int] | None  # busiest untested slot from the peak grid
    message: str


def best_time(
    posts: Sequence[PostFigures], current_slot: tuple[int, int] | None, peak: Mapping[int, int]
) -> BestTime:
    """Apply METRICS' rule to the posts' slots, the current schedule's slot and the peak grid."""
    slots = rates_by(posts, lambda p: slot_label(slot_of(p.local_hour_of_week)))
    by_label = {g.key: g for g in slots}
    current = by_label.get(slot_label(current_slot)) if current_slot is not None else None
    candidates = [g for g in slots if g.recommendable]
    best = candidates[0] if candidates else None
    recommended = None
    if (
        best is not None
        and current is not None
        and best.key != current.key
        and current.rate.denominator > 0
        and (best.rate.value or 0.0) > (current.rate.value or 0.0)
        and not intervals_overlap(best.rate.interval, current.rate.interval)
    ):
        recommended = best
    tested = {slot_of(p.local_hour_of_week) for p in posts}
    untested = [(n, s) for s, n in slot_grid(peak).items() if s not in tested and n > 0]
    next_test = max(untested, key=lambda x: (x[0], -x[1][0], -x[1][1]))[1] if untested else None
    if recommended is not None:
        assert current is not None
        message = (
            f"Post {recommended.key}: {_pct(recommended.rate)} of active members responded "
            f"({recommended.posts} posts), against {_pct(current.rate)} at the current slot {current.key}."
        )
    else:
        message = "Not enough evidence yet for a better slot."
        if next_test is not None:
            message += f" Next test: {slot_label(next_test)}, the busiest slot without a post."
    return BestTime(slots, current, best, recommended, next_test, message)


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
