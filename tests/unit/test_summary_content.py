"""The summary's layout from a content dataclass, the thin-data version, and the chart."""

from __future__ import annotations

from datetime import date

from bot.features.summary.chart import Series, SummaryChart, summary_chart
from bot.features.summary.content import (
    FigureLine,
    PostLine,
    SummaryContent,
    ThinData,
    Winner,
    format_change,
    format_value,
    message_url,
    render,
)

MONDAY = date(2026, 3, 2)


def full_content(**changes: object) -> SummaryContent:
    base = {
        "guild_id": 1,
        "week_start": MONDAY,
        "timezone": "Europe/Berlin",
        "figures": [
            FigureLine("Participation rate", "optimization", 0.125, 0.10),
            FigureLine("Time to first response", "optimization", 14.0, 20.0, "min", higher_is_better=False),
            FigureLine("Posts on schedule", "optimization", 1.0, 1.0),
            FigureLine("Returning members", "engagement", 0.4, 0.55),
            FigureLine("Member-to-member replies", "engagement", None, 0.2),
        ],
        "weaker_side": "engagement",
        "weaker_reason": "**Engagement is the weaker side**, with 2 of 2 figures below their 8-week median.",
        "next_step": "Only 8.0% of replies were members answering each other (4 of 50): try a submission contest.",
        "best_post": PostLine("trivia", None, message_url(1, 2, 3), 0.3, 12, 40),
        "worst_post": PostLine("question", "fun", message_url(1, 2, 4), 0.05, 2, 40),
        "streaks": [(11, 6), (12, 1)],
        "winners": [Winner("Trivia", (11,), "40 points"), Winner("Contest “Cats”", (12, 13), "3 votes")],
        "warnings": ["Only 2 questions left in the bank"],
    }
    base.update(changes)
    return SummaryContent(**base)  # type: ignore[arg-type]


def test_values_and_week_over_week_arrows() -> None:
    assert format_value(0.125, "%") == "12%"
    assert format_value(0.05, "%") == "5.0%"
    assert format_value(None, "%") == "n/a"
    assert format_value(14.2, "min") == "14 min"
    assert format_value(150, "min") == "2.5 h"
    assert format_change(0.125, 0.10, "%") == "↑ +2.5 pts"
    assert format_change(0.40, 0.55, "%") == "↓ −15.0 pts"
    assert format_change(0.401, 0.40, "%") == "→"
    assert format_change(14, 20, "min") == "↓ −6 min"
    assert format_change(0.4, None, "%") == ""


def test_full_summary_leads_with_the_weaker_side_and_the_next_step() -> None:
    r = render(full_content())
    assert r.title == "Weekly summary · 2–8 Mar 2026"
    assert r.description.startswith("**Engagement is the weaker side**, with 2 of 2 figures")
    assert "**Next step:** Only 8.0% of replies" in r.description
    fields = {name: value for name, value, _ in r.fields}
    assert "Participation rate: **12%** ↑ +2.5 pts" in fields["Optimization"]
    assert "Time to first response (lower is better): **14 min** ↓ −6 min" in fields["Optimization"]
    assert "Posts on schedule: **100%** →" in fields["Optimization"]
    assert "Member-to-member replies: **n/a**" in fields["Engagement"]
    assert (
        "Best: [Trivia](https://discord.com/channels/1/2/3): 30% of 40 active members (12)"
        in fields["Posts of the week"]
    )
    assert "Worst: [Question · fun](https://discord.com/channels/1/2/4)" in fields["Posts of the week"]
    assert fields["Top streaks"] == "<@11> 6 days · <@12> 1 day"
    assert fields["Winners of the week"] == "Trivia: <@11> (40 points)\nContest “Cats”: <@12>, <@13> (3 votes)"
    assert fields["Needs a moderator"] == "⚠️ Only 2 questions left in the bank"
    assert "Europe/Berlin" in r.footer


def test_late_summary_says_so() -> None:
    assert render(full_content(late=True)).footer.startswith("Posted late")


def test_thin_summary_explains_what_it_will_show_and_what_to_do_without_zeros() -> None:
    thin = full_content(
        figures=[],
        weaker_side=None,
        next_step=None,
        best_post=None,
        worst_post=None,
        winners=[],
        thin=ThinData(weeks_with_data=1, active=2, posts=0, responses=0, has_post_schedule=False),
    )
    r = render(thin)
    assert "last week it saw 2 active members." in r.description
    assert "this summary will show participation per post" in r.description
    todo = dict((n, v) for n, v, _ in r.fields)["To get there"]
    assert "`/question schedule`" in todo
    assert "Give it 2 more weeks of activity" in todo
    text = r.description + "".join(v for _, v, _ in r.fields)
    assert "0%" not in text and " 0 " not in text and "n/a" not in text


def test_thin_summary_with_a_schedule_counts_the_posts() -> None:
    r = render(full_content(thin=ThinData(weeks_with_data=2, active=5, posts=1, responses=3, has_post_schedule=True)))
    todo = dict((n, v) for n, v, _ in r.fields)["To get there"]
    assert "Hearth posted 1 time last week" in todo
    assert "Give it 1 more week of activity" in todo
    assert "5 active members, 1 Hearth post, 3 responses to them" in r.description


def test_chart_is_a_png_even_with_gaps_and_empty_sides() -> None:
    weeks = [f"W{i}" for i in range(9)]
    chart = SummaryChart(
        weeks,
        optimization=[
            Series("Participation rate", [None, 0.1, 0.2, None, 0.15, 0.1, 0.12, 0.2, 0.3]),
            Series("Time to first response", [None] * 5 + [30, 20, 10, 12], unit="min"),
        ],
        engagement=[Series("Returning members", [None] * 9)],
        timezone="Europe/Berlin",
    )
    png = summary_chart(chart)
    assert png.startswith(b"\x89PNG") and len(png) > 5000


def test_experiments_field_only_when_there_is_something_to_say() -> None:
    assert "Experiments" not in [n for n, _, _ in render(full_content()).fields]
    lines = [f"A/B test `t{i}` is running: {i} of 6 posts so far." for i in range(7)]
    for content in (full_content(experiments=lines), full_content(experiments=lines, thin=ThinData(1))):
        fields = render(content).fields
        names = [n for n, _, _ in fields]
        assert names.index("Experiments") == names.index("Needs a moderator") - 1  # just before the warnings
        shown = dict((n, v) for n, v, _ in fields)["Experiments"]
        assert shown.splitlines() == lines[:5]  # at most five lines
