"""A/B tests over scheduled posts: balanced random arm assignment and the verdict.

Assignment: upcoming posts are split into blocks of 2 (or 4), each holding equally many A and
B posts in an order shuffled by `random.Random(seed)`; so the arms never drift apart by more
than one post, and the order is unpredictable yet reproducible from the stored seed. An odd
trailing post gets one random arm.

Verdict: each arm's rate is pooled over its posts (sum of responders / sum of active bases);
its interval and the difference B − A's come from post-to-post variation (METRICS v2: the
cluster-robust variance of ``bot.analytics.stats.pooled_estimate``, Welch degrees of freedom),
because posts differ far more than coin flips. "A wins" or "B wins" only when both arms have at
least `min_posts_per_arm` posts and the interval excludes 0; otherwise "inconclusive", with a
rough estimate of how many more posts per arm would settle it, from the observed variation.
Without per-post figures (only totals), Newcombe's interval over pairs is the fallback.
docs/experiments.md says the same for moderators.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass
from typing import Literal

from bot.analytics.stats import (
    Rate,
    difference_interval,
    pooled_difference,
    pooled_estimate,
    pooled_posts_needed,
    posts_needed,
)

log = logging.getLogger(__name__)

Arm = Literal["A", "B"]
Outcome = Literal["A wins", "B wins", "inconclusive"]


def assign_arms(posts: int, seed: int | str, block_size: int = 2) -> list[Arm]:
    """Arms for the next `posts` posts, in balanced, randomly ordered blocks (reproducible)."""
    if block_size not in (2, 4):
        raise ValueError(f"block_size must be 2 or 4, got {block_size}")
    if posts < 0:
        raise ValueError(f"posts must be non-negative, got {posts}")
    rng = random.Random(seed)
    arms: list[Arm] = []
    full, rest = divmod(posts, block_size)
    for _ in range(full):
        block: list[Arm] = ["A", "B"] * (block_size // 2)
        rng.shuffle(block)
        arms.extend(block)
    if rest:
        # A partial block stays as balanced as it can: pairs of A/B plus one random arm if odd.
        tail: list[Arm] = ["A", "B"] * (rest // 2)
        if rest % 2:
            tail.append(rng.choice(("A", "B")))
        rng.shuffle(tail)
        arms.extend(tail)
    return arms


@dataclass(frozen=True)
class ArmResult:
    """One arm's totals over its posts: post count, summed responders, summed active base, and
    each post's (responders, base) for the post-level interval."""

    posts: int
    responders: int
    base: int
    per_post: tuple[tuple[int, int], ...] = ()


@dataclass(frozen=True)
class Verdict:
    """The result of an A/B test so far, ready to render."""

    a: Rate
    b: Rate
    a_interval: tuple[float, float]
    b_interval: tuple[float, float]
    difference: float | None  # rate B − rate A; None while an arm has no base
    difference_interval: tuple[float, float] | None
    outcome: Outcome
    more_posts_needed: int | None  # 0 once decided; None when it cannot be estimated


def verdict(a: ArmResult, b: ArmResult, min_posts_per_arm: int = 3) -> Verdict:
    """Compare arm B with arm A (see module docstring for the rule)."""
    rate_a, rate_b = Rate(a.responders, a.base), Rate(b.responders, b.base)
    if rate_a.denominator == 0 or rate_b.denominator == 0:
        return Verdict(rate_a, rate_b, rate_a.interval, rate_b.interval, None, None, "inconclusive", None)
    if a.per_post and b.per_post:
        return _post_level_verdict(a, b, min_posts_per_arm)
    diff, low, high = difference_interval(rate_a, rate_b)
    enough_posts = a.posts >= min_posts_per_arm and b.posts >= min_posts_per_arm
    outcome: Outcome = "inconclusive"
    if enough_posts and low > 0:
        outcome = "B wins"
    elif enough_posts and high < 0:
        outcome = "A wins"
    if outcome != "inconclusive":
        more: int | None = 0
    else:
        more = posts_needed(rate_a, rate_b, a.posts, b.posts)
        if more is not None:
            more = max(more, min_posts_per_arm - a.posts, min_posts_per_arm - b.posts, 1)
    return Verdict(rate_a, rate_b, rate_a.interval, rate_b.interval, diff, (low, high), outcome, more)


def _post_level_verdict(a: ArmResult, b: ArmResult, min_posts_per_arm: int) -> Verdict:
    ea, eb = pooled_estimate(a.per_post), pooled_estimate(b.per_post)
    d = pooled_difference(ea, eb)
    enough_posts = a.posts >= min_posts_per_arm and b.posts >= min_posts_per_arm
    outcome: Outcome = "inconclusive"
    if d is not None and enough_posts and d.low > 0:
        outcome = "B wins"
    elif d is not None and enough_posts and d.high < 0:
        outcome = "A wins"
    more: int | None = 0
    if outcome == "inconclusive":
        # With fewer than 2 posts an arm shows no variation yet: the pairs give a first (low) estimate.
        more = pooled_posts_needed(ea, eb) if d is not None else posts_needed(ea.rate, eb.rate, a.posts, b.posts)
        if more is not None:
            more = max(more, min_posts_per_arm - a.posts, min_posts_per_arm - b.posts, 1)
    value = (eb.rate.value or 0.0) - (ea.rate.value or 0.0)
    bounds = None if d is None else (d.low, d.high)
    return Verdict(ea.rate, eb.rate, ea.interval, eb.interval, value, bounds, outcome, more)
