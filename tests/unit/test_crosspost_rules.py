"""Publishing rules: which posts are offered and Discord's 10 publishes an hour per channel."""

from __future__ import annotations

from bot.features.shares import rules

MIN = 60_000


def test_welcomes_are_never_offered_and_other_posts_are() -> None:
    assert not rules.offered("welcome")
    assert all(rules.offered(k) for k in ("question", "poll", "trivia", "summary", "giveaway"))


def test_ten_publishes_fit_in_an_hour_and_the_eleventh_waits_for_the_first_to_age_out() -> None:
    now = 100 * rules.HOUR_MS
    nine = [now - 59 * MIN + n * MIN for n in range(9)]
    assert rules.publish_wait_ms(nine, now) == 0
    ten = [now - 50 * MIN + n * MIN for n in range(10)]
    assert rules.publish_wait_ms(ten, now) == 10 * MIN
    assert rules.publish_wait_ms(ten, now + 10 * MIN) == 0
    old = [now - 2 * rules.HOUR_MS] * 20  # older than the hour: they don't count
    assert rules.publish_wait_ms(old + nine, now) == 0


def test_minutes_are_rounded_up() -> None:
    assert rules.minutes_text(1) == "1 minute"
    assert rules.minutes_text(50 * MIN) == "50 minutes"
    assert rules.minutes_text(50 * MIN + 1) == "51 minutes"
