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


# -- post-level intervals (METRICS v2 "Pooled rate of a group of posts") -------------------------
def t_quantile(df: float, p: float = 0.975) -> float:
    """Student's t quantile: exact for 1 and 2 degrees of freedom, else the Cornish-Fisher series
    (Abramowitz & Stegun 26.7.5), within 0.1% of the table from 3 degrees of freedom on."""
    if df <= 0:
        raise ValueError("degrees of freedom must be positive")
    if df == 1:
        return math.tan(math.pi * (p - 0.5))
    if df == 2:
        return (2 * p - 1) * math.sqrt(2 / (4 * p * (1 - p)))
    z = statistics.NormalDist().inv_cdf(p)
    g1 = (z**3 + z) / 4
    g2 = (5 * z**5 + 16 * z**3 + 3 * z) / 96
    g3 = (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / 384
    g4 = (79 * z**9 + 776 * z**7 + 1482 * z**5 - 1920 * z**3 - 945 * z) / 92160
    return z + g1 / df + g2 / df**2 + g3 / df**3 + g4 / df**4


@dataclass(frozen=True)
class PooledEstimate:
    """Σ responders / Σ bases of a group of posts with its post-level variance.

    The variance is cluster-robust (each post is a cluster; the linearised ratio estimator,
    CR1 small-sample factor n/(n-1)), never below the binomial variance of the pairs, so a
    group of posts that vary more than coin flips gets the wider interval it needs, and a group
    that varies less is never claimed more precise than its pairs allow.
    """

    rate: Rate
    posts: int
    variance: float  # of the pooled rate; inf when it cannot be estimated (fewer than 2 posts)

    @property
    def df(self) -> int:
        return max(1, self.posts - 1)

    @property
    def interval(self) -> tuple[float, float]:
        """95% interval: the rate ± t(posts − 1)·se, within [0, 1]; Wilson for a single post."""
        if self.rate.denominator == 0:
            return (0.0, 1.0)
        if self.posts < 2:
            return self.rate.interval
        p = self.rate.numerator / self.rate.denominator
        half = t_quantile(self.df) * math.sqrt(self.variance)
        return (max(0.0, p - half), min(1.0, p + half))


def pooled_estimate(pairs: Iterable[tuple[int, int]]) -> PooledEstimate:
    """Pooled rate of posts given as (responders, base) with its cluster-robust variance."""
    data = [(n, d) for n, d in pairs]
    rate = pooled_rate(data)
    k = len(data)
    if k < 2 or rate.denominator == 0:
        return PooledEstimate(rate, k, math.inf)
    p = rate.numerator / rate.denominator
    total = rate.denominator
    residuals = sum((n - p * d) ** 2 for n, d in data)
    robust = k / (k - 1) * residuals / (total * total)
    binomial = p * (1 - p) / total
    return PooledEstimate(rate, k, max(robust, binomial))


@dataclass(frozen=True)
class Difference:
    """b − a of two pooled rates with a 95% interval from post-level variation (Welch)."""

    value: float
    low: float
    high: float
    half_width: float

    @property
    def excludes_zero(self) -> bool:
        return self.low > 0 or self.high < 0


def pooled_difference(a: PooledEstimate, b: PooledEstimate) -> Difference | None:
    """The difference of two groups' pooled rates; None when either has no rate or fewer than 2 posts."""
    pa, pb = a.rate.value, b.rate.value
    if pa is None or pb is None or a.posts < 2 or b.posts < 2:
        return None
    var = a.variance + b.variance
    d = pb - pa
    if var == 0:
        return Difference(d, d, d, 0.0)
    # Welch–Satterthwaite degrees of freedom.
    df = var * var / (a.variance**2 / a.df + b.variance**2 / b.df)
    half = t_quantile(df) * math.sqrt(var)
    return Difference(d, max(-1.0, d - half), min(1.0, d + half), half)


def pooled_posts_needed(a: PooledEstimate, b: PooledEstimate) -> int | None:
    """Rough additional posts per arm before the post-level b − a interval would exclude 0.

    The half-width shrinks like 1/sqrt(posts), so each arm needs about posts × (half-width /
    |difference|)² posts in total; returns the larger shortfall, 0 when the interval already
    excludes 0, None when it can't be estimated yet (an arm with fewer than 2 posts, or no
    observed difference). An estimate to plan with, not a promise.
    """
    diff = pooled_difference(a, b)
    if diff is None or diff.value == 0:
        return None
    if diff.excludes_zero:
        return 0
    factor = (diff.half_width / abs(diff.value)) ** 2
    extra = max(math.ceil(posts * factor - posts - 1e-9) for posts in (a.posts, b.posts))
    return max(1, extra)
