"""Post-level intervals (METRICS v2): on overdispersed posts the cluster-robust interval covers
the true pooled rate 93-97% of the time at 95%; Wilson over member x post pairs does not."""

from __future__ import annotations

import random

from bot.analytics.stats import pooled_difference, pooled_estimate, pooled_posts_needed, t_quantile, wilson_interval

GROUPS = 1000
POSTS = 30
TRUE_RATE = 0.09
CONCENTRATION = 85.0  # Beta(a, b) with a + b = 85: per-post rates vary about 4x more than binomial


def _group(rng: random.Random) -> list[tuple[int, int]]:
    posts = []
    for _ in range(POSTS):
        base = rng.randint(120, 400)
        p = rng.betavariate(TRUE_RATE * CONCENTRATION, (1 - TRUE_RATE) * CONCENTRATION)
        posts.append((sum(rng.random() < p for _ in range(base)), base))
    return posts


def _coverage() -> tuple[float, float, float]:
    rng = random.Random(19)
    robust = wilson = 0
    dispersion = []
    for _ in range(GROUPS):
        posts = _group(rng)
        est = pooled_estimate(posts)
        low, high = est.interval
        robust += low <= TRUE_RATE <= high
        wl, wh = wilson_interval(est.rate.numerator, est.rate.denominator)
        wilson += wl <= TRUE_RATE <= wh
        p = est.rate.value or 0.0
        dispersion.append(est.variance / (p * (1 - p) / est.rate.denominator))
    return robust / GROUPS, wilson / GROUPS, sorted(dispersion)[GROUPS // 2]


def test_post_level_interval_covers_95_percent_and_wilson_over_pairs_does_not() -> None:
    robust, wilson, dispersion = _coverage()
    assert dispersion > 3  # the simulated posts are overdispersed like Hearth's (about 4x binomial)
    assert 0.93 <= robust <= 0.97, robust
    assert wilson < 0.93, wilson  # treating every member-post pair as independent: too narrow


def test_t_quantile_matches_the_table() -> None:
    for df, expected in ((1, 12.706), (2, 4.303), (3, 3.182), (5, 2.571), (10, 2.228), (29, 2.045), (1000, 1.962)):
        assert abs(t_quantile(df) - expected) < 0.005 * expected


def test_difference_and_posts_needed_use_post_variation() -> None:
    a = pooled_estimate([(10, 100), (30, 100), (12, 100), (28, 100)])  # 20%, very uneven posts
    b = pooled_estimate([(25, 100), (35, 100), (22, 100), (38, 100)])  # 30%
    diff = pooled_difference(a, b)
    assert diff is not None and abs(diff.value - 0.10) < 1e-9
    assert diff.low < 0 < diff.high  # inconclusive: posts vary too much for 4 posts each
    need = pooled_posts_needed(a, b)
    assert need is not None and need > 0
    steady_a = pooled_estimate([(20, 100)] * 4)
    steady_b = pooled_estimate([(30, 100)] * 4)
    # Identical posts: never narrower than the binomial of the pairs, and here clear.
    steady = pooled_difference(steady_a, steady_b)
    assert steady is not None and steady.low > 0 and pooled_posts_needed(steady_a, steady_b) == 0
