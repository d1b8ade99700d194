"""Every sentence Hearth writes for the weaker side, the next step and the summary reads as a
moderator would write it: no name said twice across a seam, no lowercase sentence start, no
"1 members", no stray punctuation, figure names lowercased inside a sentence.

The sentences come from the real functions over a grid of inputs (counts of 0, 1, 2 and many,
ties, every rule), so a new wording or a new branch is checked without listing its text here.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from datetime import date

import pytest

from bot.analytics.next_step import RULES, GroupEvidence, NextStepInput
from bot.analytics.report import HEADLINES
from bot.analytics.weaker_side import HeadlineFigure, weaker_side
from bot.features.summary.content import FigureLine, PostLine, SummaryContent, ThinData, Winner, render

FIGURE_NAMES = [spec.name for spec in HEADLINES]
PLURAL_NOUNS = (
    "members|posts|figures|activities|pairs|days|weeks|points|votes|responses|times|minutes|hours|replies|entries"
)


def seams(text: str) -> list[str]:
    """What is wrong with one generated text (a line that may hold several sentences)."""
    problems = []
    plain = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text).replace("**", "")
    plain = re.sub(r"`[^`]*`", "CODE", plain)
    plain = re.sub(r"^(?:• |⚠️ |Next step: )", "", plain)
    for start in re.finditer(r"(?:^|[.!?]\s+)([^\s])", plain):
        if start.group(1).islower():
            problems.append(f"sentence starts lowercase: …{plain[max(0, start.start() - 20) : start.end() + 20]}…")
    for twice in re.finditer(r"\b([A-Za-z][\w-]*)\W+\1\b", plain, flags=re.IGNORECASE):
        problems.append(f"word said twice in a row: {twice.group(0)!r}")
    for single in re.finditer(rf"(?<![\d.,])\b1 (?:[a-z]+ )?(?:{PLURAL_NOUNS})\b", plain):
        problems.append(f"singular count with a plural noun: {single.group(0)!r}")
    for name in FIGURE_NAMES:
        for hit in re.finditer(re.escape(name), plain):
            before = plain[: hit.start()].rstrip()
            if before and not before.endswith((".", "!", "?")):
                problems.append(f"capitalised figure name inside a sentence: {name!r}")
    for bad in ("  ", " ,", " .", " :", " ;", "..", ",.", ":.", ";.", ".,", "::", ". .", "()"):
        if bad in plain:
            problems.append(f"stray punctuation {bad!r}")
    if not re.search(r"[.!?)]$", plain):
        problems.append("does not end like a sentence")
    return problems


def test_the_checker_catches_the_seams_the_issue_names() -> None:
    old = (
        "**Weaker side: engagement.** engagement is the weaker side: 2 of 4 engagement figures are below "
        "their 8-week median, against 0 of 3 optimization figures; worst: Stickiness is 50% worse than its median."
    )
    found = " | ".join(seams(old))
    assert "sentence starts lowercase" in found
    assert "word said twice in a row" in found
    assert "capitalised figure name" in found
    assert "singular count" in seams("Posts drew 1 active members.")[0]
    assert seams("Fine: 2 of 4 figures, 1 member and 1 of 3 posts.") == []


# -- the weaker side ---------------------------------------------------------------------------
def _figures(opt_falls: tuple[float | None, ...], eng_falls: tuple[float | None, ...]) -> list[HeadlineFigure]:
    """Figures whose value sits `fall` below (positive) or above a median of 1.0 (None: unplaced)."""
    figs = []
    for side, falls in (("optimization", opt_falls), ("engagement", eng_falls)):
        names = [s for s in HEADLINES if s.side == side]
        for spec, fall in zip(names, falls, strict=False):
            value = None if fall is None else 1.0 - fall
            figs.append(HeadlineFigure(spec.name, side, value, [1.0, 1.0, 1.0]))  # type: ignore[arg-type]
    return figs


def weaker_sentences() -> Iterator[str]:
    falls = (None, -0.2, 0.0, 0.3, 0.5)
    for opt in itertools.product(falls, repeat=2):
        for eng in itertools.product(falls, repeat=2):
            result = weaker_side(_figures(opt, eng))
            if result is not None:
                yield result.markdown
    zero = weaker_side([HeadlineFigure("Stickiness", "engagement", 0.2, [0.0, 0.0]), *_figures((0.0,), ())])
    assert zero is not None
    yield zero.markdown


def test_weaker_side_sentences_read_as_one_sentence() -> None:
    sentences = list(weaker_sentences())
    assert len(sentences) > 50
    for text in sentences:
        assert seams(text) == [], text
        side = "engagement" if text.startswith("**Engagement") else "optimization"
        assert text.lower().count(side) == 1, f"side named more than once: {text}"


# -- the next step -----------------------------------------------------------------------------
def next_step_inputs() -> Iterator[NextStepInput]:
    for n in (0, 1, 2, 7):
        slow = GroupEvidence("Tue 09:00-12:00", posts=max(n, 3), responders=n, base=100)
        fast = GroupEvidence("Tue 18:00-21:00", posts=3 + n, responders=60, base=100)
        quiz = GroupEvidence("trivia", posts=3 + n, responders=80, base=100)
        ask = GroupEvidence("question", posts=9, responders=n, base=100)
        for busiest in (None, "Sat 18:00-21:00"):
            yield NextStepInput(
                best_slot=fast,
                current_slot=slow,
                kinds=(quiz, ask),
                busiest_slot=busiest,
                busiest_untested_slot="Sun 15:00-18:00",
                busiest_untested_activities=n,
                first_response_minutes=60.0 + 40 * n,
                on_time=n,
                due=max(n, 2) + 1,
                replies=max(n, 1),
                member_replies=min(n, 1),
                pairs=n,
                returning=min(n, 1),
                previously_active=max(n, 1),
                active=max(n, 1),
                communicators=min(n, 1),
                stickiness=0.25,
                mau=max(n, 1),
            )
    yield NextStepInput(
        worst_figure="Member-to-member replies", worst_median=0.95, replies=20, member_replies=18, pairs=1
    )
    yield NextStepInput(survey_due=True)


def test_every_next_step_sentence_reads_cleanly() -> None:
    seen = set()
    for x in next_step_inputs():
        for name, rule in RULES.items():
            text = rule(x)
            if text is not None:
                seen.add(name)
                assert seams(text) == [], f"{name}: {text}"
    assert seen == set(RULES), f"rules never exercised: {set(RULES) - seen}"


# -- the summary -------------------------------------------------------------------------------
def _content(count: int, thin: ThinData | None) -> SummaryContent:
    reason = weaker_side(_figures((0.3, 0.0), (0.5, 0.2)))
    assert reason is not None
    return SummaryContent(
        guild_id=1,
        week_start=date(2026, 3, 2),
        timezone="Europe/Berlin",
        figures=[FigureLine("Participation rate", "optimization", 0.1, 0.2)],
        weaker_side=reason.side,
        weaker_reason=reason.markdown,
        next_step=RULES["returning"](NextStepInput(returning=count, previously_active=max(count, 1))),
        best_post=PostLine("trivia", None, "https://discord.com/channels/1/2/3", 1.0, count, max(count, 1)),
        worst_post=PostLine("question", "fun", None, 0.0, 0, max(count, 1)),
        streaks=[(11, count or 1)],
        winners=[Winner("Trivia", (11,), f"{count} point{'s' if count != 1 else ''}")],
        thin=thin,
    )


@pytest.mark.parametrize("count", [0, 1, 2, 12])
def test_summary_sentences_read_cleanly(count: int) -> None:
    versions = [_content(count, None)]
    for weeks, has_schedule in itertools.product((0, 1, 2), (False, True)):
        versions.append(_content(count, ThinData(weeks, count, count, count, has_schedule)))
    for content in versions:
        rendered = render(content)
        texts = [line for line in rendered.description.split("\n") if line]
        for name, value, _ in rendered.fields:
            if name in ("Optimization", "Engagement"):
                continue  # figure lines ("Participation rate: **10%** ↓ −10.0 pts") are not sentences
            texts += [line for line in value.split("\n") if line]
        for text in texts:
            problems = seams(text)
            if text.startswith(("Best: ", "Worst: ", "Trivia: ", "<@")):
                problems = [p for p in problems if "does not end like a sentence" not in p]
            assert problems == [], text
