"""The next-step choice: each rule's branch, the order by weaker side, and never a generic tip."""

from __future__ import annotations

import dataclasses
import re

import pytest

from bot.analytics.next_step import (
    COMMUNICATORS,
    FIRST_RESPONSE,
    MEMBER_REPLIES,
    NPS,
    ON_SCHEDULE,
    PARTICIPATION,
    RETURNING,
    STICKINESS,
    GroupEvidence,
    NextStepInput,
    choose_next_step,
)

# A strong evening slot against a weak morning one: 30/100 vs 5/100, intervals far apart.
EVENING = GroupEvidence("Tue 18:00-21:00", posts=4, responders=30, base=100)
MORNING = GroupEvidence("Tue 09:00-12:00", posts=6, responders=5, base=100)
TRIVIA = GroupEvidence("trivia", posts=5, responders=40, base=120)
QUESTION = GroupEvidence("question", posts=12, responders=10, base=200)


def pick(**fields: object) -> tuple[str, str]:
    step = choose_next_step(NextStepInput(**fields))  # type: ignore[arg-type]
    assert step is not None
    return step.rule, step.text


def test_slot_rule_names_both_slots_the_ratio_and_the_counts() -> None:
    rule, text = pick(weaker_side="optimization", worst_figure=PARTICIPATION, best_slot=EVENING, current_slot=MORNING)
    assert rule == "slot"
    assert text == (
        "Posts at Tue 18:00-21:00 drew 6.0x the rate of Tue 09:00-12:00 ones (30% against 5.0% of active "
        "members, 4 and 6 posts): move the daily schedule there."
    )


def test_slot_rule_needs_non_overlapping_intervals_and_three_posts() -> None:
    close = GroupEvidence("Tue 18:00-21:00", posts=4, responders=7, base=100)
    few = dataclasses.replace(EVENING, posts=2)
    for best in (close, few):
        step = choose_next_step(
            NextStepInput(weaker_side="optimization", worst_figure=PARTICIPATION, best_slot=best, current_slot=MORNING)
        )
        assert step is None


def test_slot_rule_against_a_slot_with_no_responses() -> None:
    silent = GroupEvidence("Mon 06:00-09:00", posts=5, responders=0, base=150)
    _, text = pick(weaker_side="optimization", best_slot=EVENING, current_slot=silent)
    assert "drew responses, against none for Mon 06:00-09:00 ones" in text


def test_kind_rule_compares_the_best_kind_with_the_most_posted_one() -> None:
    rule, text = pick(weaker_side="optimization", worst_figure=PARTICIPATION, kinds=[QUESTION, TRIVIA])
    assert rule == "kind"
    assert text.startswith("Trivia posts drew 6.7x the rate of question posts (33% against 5.0%")
    assert "5 and 12 posts): post trivia in place of every other question." in text


def test_kind_rule_skips_kinds_with_too_few_posts() -> None:
    assert choose_next_step(NextStepInput(kinds=[QUESTION, dataclasses.replace(TRIVIA, posts=2)])) is None


def test_on_schedule_rule_when_posts_missed_their_slot() -> None:
    rule, text = pick(weaker_side="optimization", worst_figure=ON_SCHEDULE, on_time=3, due=7)
    assert rule == "on_schedule"
    assert text.startswith("Only 3 of 7 scheduled posts went out on time")
    assert choose_next_step(NextStepInput(worst_figure=ON_SCHEDULE, on_time=7, due=8)) is None


def test_first_response_rule_suggests_the_busiest_slot_unless_already_there() -> None:
    rule, text = pick(
        weaker_side="optimization",
        worst_figure=FIRST_RESPONSE,
        first_response_minutes=95,
        busiest_slot="Sat 18:00-21:00",
        current_slot=MORNING,
    )
    assert rule == "first_response"
    assert text == (
        "Posts waited a median of 95 minutes for their first response: post at Sat 18:00-21:00, "
        "the busiest time of the last 28 days."
    )
    assert "2.5 hours" in pick(first_response_minutes=150, busiest_slot="Sat 18:00-21:00")[1]
    already = NextStepInput(first_response_minutes=95, busiest_slot=MORNING.key, current_slot=MORNING)
    assert choose_next_step(already) is None
    assert choose_next_step(NextStepInput(first_response_minutes=20, busiest_slot="Sat 18:00-21:00")) is None


def test_untested_slot_rule_when_there_is_no_winner_yet() -> None:
    rule, text = pick(
        weaker_side="optimization", busiest_untested_slot="Sun 15:00-18:00", busiest_untested_activities=212
    )
    assert rule == "untested_slot"
    assert text.startswith("Test a post at Sun 15:00-18:00: members made 212 activities there")


def test_member_reply_rule_names_the_share_and_suggests_a_contest() -> None:
    rule, text = pick(
        weaker_side="engagement",
        worst_figure=MEMBER_REPLIES,
        replies=50,
        member_replies=4,
        pairs=3,
        returning=1,
        previously_active=10,
    )
    assert rule == "member_replies"
    assert text.startswith("Only 8.0% of replies were members answering each other (4 of 50, 3 pairs of members)")
    assert text.endswith("try a submission contest, where members vote on and reply to each other's entries.")


def test_returning_rule_with_and_without_a_busy_slot() -> None:
    rule, text = pick(
        weaker_side="engagement",
        worst_figure=RETURNING,
        returning=9,
        previously_active=22,
        busiest_slot="Wed 18:00-21:00",
    )
    assert rule == "returning"
    assert text == (
        "41% of the 22 members active the week before came back (9): schedule a daily question at "
        "Wed 18:00-21:00, when most of them are around."
    )
    _, text = pick(weaker_side="engagement", worst_figure=RETURNING, returning=9, previously_active=22)
    assert "start the daily number game" in text


def test_communicator_rule() -> None:
    rule, text = pick(weaker_side="engagement", worst_figure=COMMUNICATORS, active=20, communicators=6)
    assert rule == "communicators"
    assert text.startswith("Only 30% of active members (6 of 20) sent a message")


def test_stickiness_rule() -> None:
    rule, text = pick(weaker_side="engagement", worst_figure=STICKINESS, stickiness=0.1, mau=40)
    assert rule == "stickiness"
    assert text.startswith("Stickiness is 10% (about 4.0 of 40 monthly members on a given day)")


def test_the_weaker_sides_worst_figure_comes_first() -> None:
    evidence = NextStepInput(
        best_slot=EVENING, current_slot=MORNING, replies=50, member_replies=4, returning=9, previously_active=22
    )
    assert choose_next_step(dataclasses.replace(evidence, weaker_side="optimization")).rule == "slot"  # type: ignore[union-attr]
    eng = dataclasses.replace(evidence, weaker_side="engagement")
    assert choose_next_step(eng).rule == "member_replies"  # type: ignore[union-attr]
    assert choose_next_step(dataclasses.replace(eng, worst_figure=RETURNING)).rule == "returning"  # type: ignore[union-attr]


def test_falls_back_to_the_other_side_when_the_weaker_side_has_no_evidence() -> None:
    rule, _ = pick(weaker_side="engagement", worst_figure=STICKINESS, best_slot=EVENING, current_slot=MORNING)
    assert rule == "slot"


def test_without_evidence_there_is_no_step_rather_than_a_generic_tip() -> None:
    assert choose_next_step(NextStepInput()) is None
    assert choose_next_step(NextStepInput(weaker_side="engagement", worst_figure=MEMBER_REPLIES)) is None


@pytest.mark.parametrize(
    "fields",
    [
        {"best_slot": EVENING, "current_slot": MORNING},
        {"kinds": [QUESTION, TRIVIA]},
        {"on_time": 1, "due": 5},
        {"first_response_minutes": 70, "busiest_slot": "Fri 18:00-21:00"},
        {"busiest_untested_slot": "Fri 18:00-21:00", "busiest_untested_activities": 3},
        {"replies": 3, "member_replies": 2},
        {"returning": 1, "previously_active": 4},
        {"active": 4, "communicators": 1},
        {"stickiness": 0.2, "mau": 5},
    ],
)
def test_every_step_names_a_number(fields: dict[str, object]) -> None:
    _, text = pick(**fields)
    assert re.search(r"\d", text), text


def test_member_reply_step_says_a_healthy_share_slipped_against_its_median() -> None:
    from bot.analytics.next_step import MEMBER_REPLIES, NextStepInput, member_reply_rule

    step = member_reply_rule(
        NextStepInput(
            weaker_side="engagement",
            worst_figure=MEMBER_REPLIES,
            worst_median=0.95,
            replies=356,
            member_replies=324,
            pairs=307,
        )
    )
    assert step == (
        "Members answering each other fell to 91% of replies (324 of 356, 307 pairs of members), below their "
        "8-week median of 95%: try a submission contest, where members vote on and reply to each other's entries."
    )


def test_pulse_rule_fires_when_no_survey_ran_in_90_days() -> None:
    rule, text = pick(weaker_side="engagement", survey_due=True)
    assert rule == "pulse" and "/pulse schedule" in text and "90 days" in text
    assert choose_next_step(NextStepInput(weaker_side="engagement")) is None  # a survey ran lately: no tip


def test_a_falling_nps_after_a_recent_survey_turns_to_conversation() -> None:
    rule, _ = pick(weaker_side="engagement", worst_figure=NPS, replies=10, member_replies=2)
    assert rule == "member_replies"
