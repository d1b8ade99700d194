"""Voice of members figures (METRICS v2): NPS with its interval, feedback flow, time to answer."""

from __future__ import annotations

from datetime import date

import pytest

from bot.analytics.voice import (
    FeedbackFact,
    Nps,
    SurveyFact,
    nps_of,
    nps_text,
    score_group,
    voice_figures,
    voice_lines,
)

H = 3_600_000


def test_score_groups_follow_the_nps_definition() -> None:
    assert [score_group(s) for s in (0, 6, 7, 8, 9, 10)] == [
        "detractor", "detractor", "passive", "passive", "promoter", "promoter",
    ]
    with pytest.raises(ValueError):
        score_group(11)


def test_nps_is_hidden_below_ten_answers() -> None:
    result = nps_of([10] * 9)
    assert result.value is None and result.interval is None
    assert nps_text(result) == "not enough answers to show (9 of 10 needed)"


def test_nps_value_and_interval() -> None:
    result = nps_of([10] * 12 + [8] * 5 + [3] * 3)  # 20 answers: 60% promoters, 15% detractors
    assert result.value == pytest.approx(45.0)
    low, high = result.interval or (0, 0)
    assert low < 45 < high and low >= -100 and high <= 100
    assert high - low > 20  # 20 answers cannot pin an NPS down tightly


def test_unanimous_answers_keep_a_nonzero_interval() -> None:
    low, high = Nps(10, 0, 0).interval or (0, 0)
    assert high == 100.0 and low < 90


def test_feedback_flow_and_median_time_to_answer() -> None:
    monday = date(2026, 3, 2).toordinal()
    t0 = 1_000 * H
    items = [
        FeedbackFact(1, t0, "planned", t0 + 2 * H, local_day=monday),
        FeedbackFact(2, t0, "declined", t0 + 4 * H, local_day=monday + 1),
        FeedbackFact(3, t0, "open", None, local_day=monday + 2),
        FeedbackFact(4, t0 - 800 * H, "review", None, local_day=monday - 30),
    ]
    v = voice_figures(
        items, [SurveyFact(1, monday - 40, nps_of([9] * 10)), SurveyFact(2, monday + 3, nps_of([0] * 10))],
        first_day=monday, last_day=monday + 6, today=monday + 6, now_ms=t0 + 24 * H,
    )
    assert (v.submitted, v.answered, v.open_items, v.open_over_week) == (3, 2, 2, 1)
    assert v.median_hours_to_answer == pytest.approx(3.0)
    assert v.weeks[-1].submitted == 3 and v.weeks[-1].answered == 2
    assert v.latest is not None and v.latest.nps == -100 and v.nps_change == -200
    assert not v.survey_due
    text = "\n".join(voice_lines(v))
    assert "NPS -100" in text and "-200 since the previous survey" in text
