"""Small-sample statistics for participation rates: Wilson and Newcombe intervals, medians.

Hearth's rates are small counts (a few dozen responders out of a few hundred active members,
a handful of posts per group), so every interval here is a score interval that behaves well
for small n and never leaves [0, 1] (rates) or [-1, 1] (differences of rates).
"""

from __future__ import annotations

import logging
import math
import statistics
from collections.abc import Iterable
from dataclasses import dataclass

log = logging.getLogger(__name__)

Z95 = 1.959964
"""Two-sided 95% standard normal quantile."""


def wilson_interval(successes: int, trials: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion; (0.0, 1.0) when there are no trials.

    Chosen over the textbook p ± z·se (Wald) interval because Wald collapses to a zero-width
    interval at 0/n or n/n and undercovers badly for small n; Wilson does neither.
    """
    _check_counts(successes, trials)
    if trials == 0:
        return (0.0, 1.0)
    p = successes / trials
    z2 = z * z
    denom = 1.0 + z2 / trials
    centre = (p + z2 / (2 * trials)) / denom
    half = z * math.sqrt(p * (1.0 - p) / trials + z2 / (4 * trials * trials)) / denom
    # Exact at the edges (avoids 1e-17 rounding leaking outside [0, 1] or past p itself).
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == trials else min(1.0, centre + half)
    return (low, high)


def _check_counts(numerator: int, denominator: int) -> None:
    if numerator < 0 or denominator < 0:
        raise ValueError(f"counts must be non-negative, got {numerator}/{denominator}")
    if numerator > denominator:
        raise ValueError(f"numerator {numerator} exceeds denominator {denominator}")


@dataclass(frozen=True)
class Rate:
    """A proportion kept as its counts, so rates can be pooled and given honest intervals."""

    numerator: int
    denominator: int

    def __post_init__(self) -> None:
        _check_counts(self.numerator, self.denominator)

    @property
    def value(self) -> float | None:
        """The point estimate, or None when there is nothing to divide by."""
        if self.denominator == 0:
            return None
        return self.numerator / self.denominator

    @property
    def interval(self) -> tuple[float, float]:
        """95% Wilson interval; (0.0, 1.0) when the denominator is 0."""
        return wilson_interval(self.numerator, self.denominator)


def pooled_rate(pairs: Iterable[tuple[int, int]]) -> Rate:
    """Pool (numerator, denominator) pairs as sum of numerators / sum of denominators.

    This is METRICS.md's "pooled" rate: big posts weigh more than small ones, unlike a mean of
    per-post rates.
    """
    num = 0
    den = 0
    for n, d in pairs:
        _check_counts(n, d)
        num += n
        den += d
    return Rate(num, den)


def median(values: Iterable[float]) -> float | None:
    """Median of the values (mean of the middle two for an even count); None when empty."""
    data = list(values)
    if not data:
        return None
    return float(statistics.median(data))


def difference_interval(a: Rate, b: Rate, z: float = Z95) -> tuple[float, float, float]:
    """Difference b − a of two independent rates with Newcombe's hybrid score interval.

    Returns (difference, low, high). This is method 10 of Newcombe (1998, Statistics in
    Medicine 17:873-890): each rate gets its Wilson interval (la, ua), (lb, ub) and

        low  = d − sqrt((pb − lb)² + (ua − pa)²)
        high = d + sqrt((ub − pb)² + (pa − la)²)

    Why this one: it keeps close to nominal 95% coverage for small counts and for rates near
    0 or 1 (where the Wald difference interval fails), it needs no iteration, and because each
    piece stays inside its Wilson interval the result always lies within [-1, 1].
    Raises ValueError when either rate has a zero denominator (no estimate to compare).
    """
    pa, pb = a.value, b.value
    if pa is None or pb is None:
        raise ValueError("both rates need a non-zero denominator to be compared")
    la, ua = wilson_interval(a.numerator, a.denominator, z)
    lb, ub = wilson_interval(b.numerator, b.denominator, z)
    d = pb - pa
    low = d - math.sqrt((pb - lb) ** 2 + (ua - pa) ** 2)
    high = d + math.sqrt((ub - pb) ** 2 + (pa - la) ** 2)
    return (d, max(-1.0, min(low, d)), min(1.0, max(high, d)))


def intervals_overlap(x: tuple[float, float], y: tuple[float, float]) -> bool:
    """True when the closed intervals (low, high) share at least one point.

    Touching counts as overlapping: "non-overlapping 95% intervals" is meant to be strict.
    """
    return x[0] <= y[1] and y[0] <= x[1]


def posts_needed(a: Rate, b: Rate, posts_a: int, posts_b: int) -> int | None:
    """Rough additional posts per arm before the b − a interval would exclude 0.

    Assumes the observed rates hold and each post brings about the same base as so far, so
    the interval's half-width on the side facing 0 shrinks like 1/sqrt(posts): each arm needs
    about posts × (half-width / |difference|)² posts in total. Returns the larger of the two
    arms' shortfalls (so giving both arms that many more posts is enough), 0 when the interval
    already excludes 0, and None when the observed difference is 0 (no number of posts would
    do) or an arm has no posts or no base yet. An estimate to plan with, not a promise.
    """
    if posts_a <= 0 or posts_b <= 0 or a.denominator == 0 or b.denominator == 0:
        return None
    d, low, high = difference_interval(a, b)
    if d == 0:
        return None
    if low > 0 or high < 0:
        return 0
    half_width = (d - low) if d > 0 else (high - d)
    factor = (half_width / abs(d)) ** 2
    extra = max(math.ceil(posts * factor - posts - 1e-9) for posts in (posts_a, posts_b))
    return max(1, extra)
