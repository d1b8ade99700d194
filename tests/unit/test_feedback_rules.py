"""Feedback and pulse rules without Discord: what a text, a reason, a comment and a cadence must be."""

from __future__ import annotations

from datetime import datetime

import pytest

from bot.features.feedback import rules as fb
from bot.features.pulse import rules as pulse
from bot.platform.sealing import Sealer, SealError


@pytest.mark.parametrize(
    ("text", "message"),
    [("", "empty"), ("   \n ", "empty"), ("too short", "at least 10"), ("x" * 1501, "limit is 1500")],
)
def test_feedback_text_is_checked_with_a_clear_message(text: str, message: str) -> None:
    with pytest.raises(fb.FeedbackInputError, match=message):
        fb.check_text(text)


def test_feedback_text_is_trimmed_and_kinds_are_known() -> None:
    assert fb.check_text("  A channel for pets please  ") == "A channel for pets please"
    assert fb.check_kind("Idea") == "idea"
    with pytest.raises(fb.FeedbackInputError, match="idea, problem, praise"):
        fb.check_kind("rant")


def test_a_decline_needs_a_reason_and_every_reason_has_a_limit() -> None:
    with pytest.raises(fb.FeedbackInputError, match="needs a reason"):
        fb.check_reason("declined", "  ")
    assert fb.check_reason("planned", "") is None
    with pytest.raises(fb.FeedbackInputError, match="limit is 500"):
        fb.check_reason("done", "x" * 501)
    with pytest.raises(fb.FeedbackInputError, match="already planned"):
        fb.check_change("planned", "planned")


def test_pulse_comment_is_optional_but_length_checked() -> None:
    assert pulse.check_comment("   ") is None
    assert pulse.check_comment(" More events ") == "More events"
    with pytest.raises(pulse.PulseInputError, match="limit is 500"):
        pulse.check_comment("x" * 501)
    with pytest.raises(pulse.PulseInputError, match="1 to 14 days"):
        pulse.check_open_days(30)
    with pytest.raises(pulse.PulseInputError, match="0 to 10"):
        pulse.check_score(11)


def test_next_survey_keeps_the_local_day_or_takes_the_months_last() -> None:
    assert pulse.next_survey(datetime(2026, 1, 31, 9, 0), "month") == datetime(2026, 2, 28, 9, 0)
    assert pulse.next_survey(datetime(2026, 11, 15, 9, 0), "quarter") == datetime(2027, 2, 15, 9, 0)
    with pytest.raises(pulse.PulseInputError):
        pulse.next_survey(datetime(2026, 1, 1), "week")


def test_sealed_ids_open_only_with_the_same_key_and_context() -> None:
    key = Sealer("a-long-enough-secret-key")
    token = key.seal(1234567890, "feedback-author:1")
    assert key.unseal(token, "feedback-author:1") == 1234567890
    assert "1234567890" not in token
    assert token != key.seal(1234567890, "feedback-author:1")  # a fresh nonce each time: unlinkable
    with pytest.raises(SealError):
        key.unseal(token, "feedback-author:2")  # another guild
    with pytest.raises(SealError):
        Sealer("another-long-enough-secret").unseal(token, "feedback-author:1")
    assert not Sealer(None).available and not Sealer("short").available
    with pytest.raises(SealError, match="HEARTH_SECRET_KEY"):
        Sealer(None).tag("scope", 1)
