"""Voice of members (METRICS v2): feedback flow, time to a first answer, and the pulse survey's NPS.

Pure figures over plain rows (``FeedbackFact``, ``SurveyFact``), so the report, the weekly
summary, the CLI and the sandbox compute them one way. The feedback and pulse features hand
their rows in through ``bot.storage.feedback`` / ``bot.storage.pulse``; analytics reads those
repositories (storage is below analytics) and never imports a feature.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from bot.analytics.stats import Z95, median
from bot.storage.database import Database
from bot.storage.feedback import FeedbackRepository
from bot.storage.pulse import PulseRepository

MIN_RESPONSES = 10
"""An NPS is shown only from 10 responses on (METRICS v2); below, "not enough answers to show"."""
ANSWERED = ("planned", "done", "declined")
"""Statuses that answer an item (a decline counts only with a reason; a reason is required)."""
NO_SURVEY_DAYS = 90
"""When no pulse survey closed in this many days, "run a pulse survey" is a valid next step."""
MS_PER_HOUR = 3_600_000


@dataclass(frozen=True)
class Nps:
    """A pulse survey's result: counts, NPS in points (-100..100) and its 95% interval."""

    promoters: int
    passives: int
    detractors: int

    @property
    def responses(self) -> int:
        return self.promoters + self.passives + self.detractors

    @property
    def shown(self) -> bool:
        return self.responses >= MIN_RESPONSES

    @property
    def value(self) -> float | None:
        n = self.responses
        if n < MIN_RESPONSES:
            return None
        return 100.0 * (self.promoters - self.detractors) / n

    @property
    def interval(self) -> tuple[float, float] | None:
        """Adjusted Wald interval (Rocks 2016): 3/4 pseudo-promoter and -detractor, 3/2 pseudo-passive.

        The plain Wald interval collapses to zero width when everyone answers alike and
        undercovers for small n; the adjusted one keeps close to 95% coverage from 10 answers.
        """
        if self.value is None:
            return None
        n = self.responses + 3
        p = (self.promoters + 0.75) / n
        d = (self.detractors + 0.75) / n
        centre = p - d
        half = Z95 * math.sqrt(max(p + d - centre * centre, 0.0) / n)
        return (max(-100.0, 100 * (centre - half)), min(100.0, 100 * (centre + half)))


def score_group(score: int) -> str:
    """promoter (9-10), passive (7-8) or detractor (0-6)."""
    if not 0 <= score <= 10:
        raise ValueError(f"a pulse score is 0 to 10, got {score}")
    return "promoter" if score >= 9 else "passive" if score >= 7 else "detractor"


def nps_of(scores: Iterable[int]) -> Nps:
    groups = [score_group(s) for s in scores]
    return Nps(groups.count("promoter"), groups.count("passive"), groups.count("detractor"))


@dataclass(frozen=True)
class FeedbackFact:
    """One feedback item as analytics sees it: no author, no text."""

    item_id: int
    created_at: int  # UTC ms
    status: str  # open, review, planned, done, declined
    first_answer_at: int | None  # first move to planned, done or declined (UTC ms)
    declined_without_reason: bool = False
    local_day: int = 0  # local day (ordinal) of created_at


@dataclass(frozen=True)
class SurveyFact:
    """One closed pulse survey."""

    survey_id: int
    closed_day: int  # local day (ordinal) it closed
    result: Nps


@dataclass(frozen=True)
class FeedbackWeek:
    week_start: date
    submitted: int
    answered: int  # of those submitted that week, answered by now


@dataclass(frozen=True)
class SurveyPoint:
    survey_id: int
    closed_on: date
    result: Nps

    @property
    def nps(self) -> float | None:
        return self.result.value


@dataclass(frozen=True)
class VoiceFigures:
    """The report's ``voice`` section: feedback flow, time to answer, NPS trend."""

    submitted: int = 0  # in the period
    answered: int = 0  # of those, answered (planned, done, declined with a reason)
    open_items: int = 0  # open now (not planned, done or declined), any age
    open_over_week: int = 0  # open now and older than 7 days
    declined_without_reason: int = 0  # must stay 0
    median_hours_to_answer: float | None = None  # items first answered in the period
    weeks: tuple[FeedbackWeek, ...] = ()  # feedback flow, oldest first
    surveys: tuple[SurveyPoint, ...] = ()  # closed surveys up to the period's end, oldest first
    days_since_survey: int | None = None  # None: no survey ever closed
    extras: dict[str, str] = field(default_factory=dict)

    @property
    def latest(self) -> SurveyPoint | None:
        return self.surveys[-1] if self.surveys else None

    @property
    def nps_change(self) -> float | None:
        """Change of the NPS since the previous survey (points), when both are shown."""
        if len(self.surveys) < 2:
            return None
        now, before = self.surveys[-1].nps, self.surveys[-2].nps
        return None if now is None or before is None else now - before

    @property
    def survey_due(self) -> bool:
        return self.days_since_survey is None or self.days_since_survey > NO_SURVEY_DAYS


def nps_as_of(v: VoiceFigures, day: int) -> float | None:
    """The NPS headline's value (-1..1) as of local day ``day``: the latest survey closed by then."""
    closed = [p for p in v.surveys if p.closed_on.toordinal() <= day]
    if not closed or closed[-1].nps is None:
        return None
    return closed[-1].nps / 100


def is_answered(f: FeedbackFact) -> bool:
    return f.first_answer_at is not None and not f.declined_without_reason


def voice_figures(
    items: Sequence[FeedbackFact],
    surveys: Sequence[SurveyFact],
    *,
    first_day: int,
    last_day: int,
    today: int,
    now_ms: int,
    weeks: int = 8,
) -> VoiceFigures:
    """The voice figures of the local days [first_day, last_day], as of ``today`` / ``now_ms``."""
    in_period = [f for f in items if first_day <= f.local_day <= last_day]
    answered_in = [
        (f.first_answer_at - f.created_at) / MS_PER_HOUR
        for f in items
        if f.first_answer_at is not None and f.first_answer_at >= f.created_at
        and first_day <= f.local_day <= last_day
    ]
    open_now = [f for f in items if f.status in ("open", "review")]
    last_monday = last_day - date.fromordinal(last_day).weekday()
    flow = []
    for k in range(weeks - 1, -1, -1):
        start = last_monday - 7 * k
        week = [f for f in items if start <= f.local_day < start + 7]
        flow.append(FeedbackWeek(date.fromordinal(start), len(week), sum(is_answered(f) for f in week)))
    closed = sorted((s for s in surveys if s.closed_day <= last_day), key=lambda s: (s.closed_day, s.survey_id))
    return VoiceFigures(
        submitted=len(in_period),
        answered=sum(is_answered(f) for f in in_period),
        open_items=len(open_now),
        open_over_week=sum(1 for f in open_now if now_ms - f.created_at > 7 * 24 * MS_PER_HOUR),
        declined_without_reason=sum(f.declined_without_reason for f in items),
        median_hours_to_answer=median(answered_in) if answered_in else None,
        weeks=tuple(flow),
        surveys=tuple(SurveyPoint(s.survey_id, date.fromordinal(s.closed_day), s.result) for s in closed),
        days_since_survey=(today - closed[-1].closed_day) if closed else None,
    )


def nps_text(result: Nps) -> str:
    """"NPS +23 (95% +5 to +41, 31 answers)" or "not enough answers to show"."""
    if result.value is None or result.interval is None:
        return f"not enough answers to show ({result.responses} of {MIN_RESPONSES} needed)"
    low, high = result.interval
    return f"NPS {result.value:+.0f} (95% {low:+.0f} to {high:+.0f}, {result.responses} answers)"


async def load_voice(
    db: Database, guild_id: int, *, first_day: int, last_day: int, today: int, now_ms: int
) -> VoiceFigures:
    """The voice figures of one guild from its feedback and pulse tables (read only)."""
    feedback = FeedbackRepository(db)
    items = await feedback.items(guild_id)
    without_reason = await feedback.declined_without_reason(guild_id)
    facts = [
        FeedbackFact(i.id, i.created_at, i.status, i.first_answer_at, False, i.local_day) for i in items
    ]
    surveys = [
        SurveyFact(s.id, s.closed_day or 0, Nps(s.promoters or 0, s.passives or 0, s.detractors or 0))
        for s in await PulseRepository(db).closed_surveys(guild_id)
    ]
    figures = voice_figures(facts, surveys, first_day=first_day, last_day=last_day, today=today, now_ms=now_ms)
    return dataclasses.replace(figures, declined_without_reason=without_reason)


def voice_lines(v: VoiceFigures | None) -> list[str]:
    """The report's ``voice`` section as text lines."""
    if v is None:
        return ["**Voice of members**", "No feedback box or pulse survey data."]
    lines = ["**Voice of members**"]
    answered = f"{v.answered} answered (planned, done or declined with a reason)"
    lines.append(f"Feedback: {v.submitted} items in the period, {answered}")
    hours = v.median_hours_to_answer
    lines.append(
        "Median time to a first answer: " + ("no answers yet" if hours is None else f"{hours:.1f} h")
    )
    lines.append(
        f"Open now: {v.open_items} ({v.open_over_week} older than 7 days); declined without a reason: "
        f"{v.declined_without_reason}"
    )
    if any(w.submitted for w in v.weeks):
        lines.append("Per week: " + ", ".join(f"{w.week_start:%m-%d} {w.answered}/{w.submitted}" for w in v.weeks))
    latest = v.latest
    if latest is None:
        lines.append("Pulse survey: none closed yet.")
    else:
        change = v.nps_change
        since = "" if change is None else f", {change:+.0f} since the previous survey"
        lines.append(f"Pulse survey ({latest.closed_on}): {nps_text(latest.result)}{since}")
        lines.append(
            f"Promoters {latest.result.promoters}, passives {latest.result.passives}, "
            f"detractors {latest.result.detractors}"
        )
        trend = [f"{p.closed_on:%Y-%m-%d} {p.nps:+.0f}" for p in v.surveys[-8:] if p.nps is not None]
        if len(trend) > 1:
            lines.append("NPS trend: " + ", ".join(trend))
    if v.survey_due:
        lines.append(f"No pulse survey in the last {NO_SURVEY_DAYS} days.")
    return lines


VOICE_CSV_HEADER = (
    "row", "date", "feedback_submitted", "feedback_answered", "survey_id", "responses", "promoters", "passives",
    "detractors", "nps", "nps_low", "nps_high",
)


def voice_rows(v: VoiceFigures | None) -> list[tuple[object, ...]]:
    """Rows of the voice CSV: one per week of feedback flow, one per closed survey."""
    if v is None:
        return []
    rows: list[tuple[object, ...]] = [
        ("week", w.week_start.isoformat(), w.submitted, w.answered, None, None, None, None, None, None, None, None)
        for w in v.weeks
    ]
    for p in v.surveys:
        low, high = p.result.interval or (None, None)
        r = p.result
        rows.append(
            ("survey", p.closed_on.isoformat(), None, None, p.survey_id, r.responses, r.promoters, r.passives,
             r.detractors, r.value, low, high)
        )
    return rows


def voice_json(v: VoiceFigures | None) -> dict[str, object] | None:
    if v is None:
        return None
    return {
        "submitted": v.submitted,
        "answered": v.answered,
        "open": v.open_items,
        "open_over_week": v.open_over_week,
        "declined_without_reason": v.declined_without_reason,
        "median_hours_to_answer": v.median_hours_to_answer,
        "weeks": [{"week_start": w.week_start.isoformat(), "submitted": w.submitted, "answered": w.answered}
                  for w in v.weeks],
        "surveys": [
            {"survey_id": p.survey_id, "closed_on": p.closed_on.isoformat(), "responses": p.result.responses,
             "promoters": p.result.promoters, "passives": p.result.passives, "detractors": p.result.detractors,
             "nps": p.nps, "interval": list(p.result.interval) if p.result.interval else None}
            for p in v.surveys
        ],
        "nps_change": v.nps_change,
        "days_since_survey": v.days_since_survey,
    }
