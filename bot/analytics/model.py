"""The report model: the figures of one period, the headlines and the Report every view shows.

Plain frozen dataclasses (no I/O); ``bot.analytics.builder`` and ``bot.analytics.report`` fill them.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from bot.analytics import metrics as m
from bot.analytics.period import Period
from bot.analytics.stats import Rate
from bot.analytics.streaks import Streak
from bot.analytics.weaker_side import HeadlineFigure, WeakerSide

if TYPE_CHECKING:
    from bot.analytics.shares import ShareFigures
    from bot.analytics.voice import VoiceFigures
    from bot.analytics.welcome import WelcomeComparison
    from bot.analytics.word_of_mouth import WordOfMouth

SECTIONS = ("overview", "posts", "timing", "content", "members", "voice")
FIGURES_VERSION = 2
"""Stored weekly figures (analytics_weeks) of another version are recomputed, never shown."""


@dataclass(frozen=True)
class PeriodFigures:
    """Every headline and overview figure of one period; None means "not enough data yet"."""

    first_day: int
    last_day: int
    through_day: int  # last day with data taken into account (today for a period in progress)
    posts: int = 0
    responders: int = 0  # sum over posts (pooled numerator)
    base: int = 0  # sum of active bases (pooled denominator)
    participation_median: float | None = None
    last_post_rate: float | None = None
    first_response_minutes: float | None = None
    on_time: int = 0
    due: int = 0
    dau: float | None = None  # mean DAU over the 28 days ending at through_day
    wau: int = 0
    mau: int = 0
    stickiness: float | None = None
    active: int = 0  # distinct active members in the period
    communicators: int = 0
    replies: int = 0
    member_replies: int = 0
    pairs: int = 0
    returning: int = 0
    previously_active: int = 0
    joins: int = 0
    leaves: int = 0
    member_count: int | None = None
    activated: int = 0
    activation_base: int = 0
    retained: int = 0
    retention_base: int = 0
    # -- version 2 ------------------------------------------------------------------------------
    recording_start: int | None = None  # the guild's first local day with a recorded activity
    warming_up: bool = False  # some day of the period is within the first 28 recorded days
    established_posts: int = 0  # posts with 28 recorded days before them (in the median)
    reach_median: float | None = None  # median responders / member count (headline while warming up)
    mutual_pairs: int = 0  # conversation pairs with replies both ways
    partial: bool = False  # the period is in progress (through_day is today)
    compared_through_ms: int | None = None  # for a partial period: data up to this instant only
    version: int = FIGURES_VERSION

    # Rates as properties: one definition each, no stored copies to drift.
    @property
    def participation_pooled(self) -> float | None:
        return Rate(self.responders, self.base).value

    @property
    def on_schedule(self) -> float | None:
        return Rate(self.on_time, self.due).value

    @property
    def communicator_share(self) -> float | None:
        return m.communicator_share(self.communicators, self.active).value

    @property
    def member_reply_share(self) -> float | None:
        return m.member_reply_share(self.member_replies, self.replies).value

    @property
    def returning_share(self) -> float | None:
        return Rate(self.returning, self.previously_active).value

    @property
    def activation(self) -> float | None:
        return Rate(self.activated, self.activation_base).value

    @property
    def retention(self) -> float | None:
        return Rate(self.retained, self.retention_base).value

    @property
    def net(self) -> int:
        return self.joins - self.leaves

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @property
    def conversation_pairs(self) -> int:
        return self.pairs

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PeriodFigures:
        known = {f.name for f in dataclasses.fields(cls)}
        data = {"version": 1, **data}  # stored before version 2: no version key
        return cls(**{k: v for k, v in data.items() if k in known})


@dataclass(frozen=True)
class HeadlineSpec:
    key: str  # PeriodFigures attribute
    name: str
    side: str
    higher_is_better: bool = True
    unit: str = "%"


HEADLINES = (
    HeadlineSpec("participation_median", "Participation rate", "optimization"),
    HeadlineSpec("first_response_minutes", "Time to first response", "optimization", False, "min"),
    HeadlineSpec("on_schedule", "Posts on schedule", "optimization"),
    HeadlineSpec("returning_share", "Returning members", "engagement"),
    HeadlineSpec("member_reply_share", "Member-to-member replies", "engagement"),
    HeadlineSpec("stickiness", "Stickiness", "engagement"),
    HeadlineSpec("communicator_share", "Communicators", "engagement"),
)


NPS_HEADLINE = HeadlineSpec("nps", "NPS", "engagement", True, "nps")
"""The pulse survey's NPS as an engagement headline "where measured" (METRICS v2): value -1..1 (shown
as points), from the latest survey closed by each week's end; added to a report's headlines only
when a survey has closed, and not part of HEADLINES (it is not a PeriodFigures attribute)."""


@dataclass(frozen=True)
class Headline:
    spec: HeadlineSpec
    value: float | None
    previous: float | None
    history: list[float | None]  # the 8 weeks before the period's week, oldest first
    warming_up: bool = False  # the period is within the guild's first 28 recorded days
    shown_as: str | None = None  # "reach": no established post yet, so the headline shows reach
    compared_with: str = "previous"  # a period in progress: "the same time last week" (METRICS v2)

    @property
    def name(self) -> str:
        if self.shown_as == "reach":
            return "Participation rate (warming up: reach shown, responders / member count)"
        return f"{self.spec.name} (warming up)" if self.warming_up else self.spec.name

    @property
    def change(self) -> float | None:
        if self.shown_as is not None:
            return None  # reach against last week's participation would compare two figures
        return m.change(self.value, self.previous)

    def as_figure(self) -> HeadlineFigure:
        return HeadlineFigure(
            self.spec.name,
            self.spec.side,  # type: ignore[arg-type]
            self.value,
            [v for v in self.history if v is not None],
            self.spec.higher_is_better,
        )


@dataclass(frozen=True)
class NextStep:
    text: str
    evidence: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Report:
    """What /report, the CLI, the CSV and the weekly summary show. ``WeeklyReport`` for a week."""

    guild_id: int
    timezone: str
    period: Period
    generated_at: datetime
    figures: PeriodFigures
    previous: PeriodFigures
    history: list[PeriodFigures]  # 8 weeks before the period's (last) week, oldest first
    headlines: list[Headline]
    weaker: WeakerSide | None
    posts: list[m.PostFigures]  # the period's posts, in order
    evidence_posts: list[m.PostFigures]  # posts of the evidence window (90 days)
    by_kind: list[m.GroupRate]
    by_tag: list[m.GroupRate]
    best_time: m.BestTime
    peak: dict[int, int]  # local hour of week -> activities, last 28 days
    streaks: list[Streak]
    next_step: NextStep
    days: list[DayFigures]
    experiments: list[str] = field(default_factory=list)
    """Lines about running and recently ended A/B tests, filled by the caller (the /report cog):
    the experiments feature lives outside analytics, which only shows its lines."""
    organic_peak: dict[int, int] = field(default_factory=dict)
    """The peak grid without responses to Hearth posts (METRICS v2): the one used to pick slots."""
    weaker_week: PeriodFigures | None = None
    """The complete week the weaker side and next step were placed from (None: not placed)."""
    # Figures other features add (one optional field each; None when the feature has no data).
    voice: VoiceFigures | None = None
    """Voice of members (bot.analytics.voice): feedback flow, time to answer, NPS trend."""
    shares: ShareFigures | None = None
    """Share rate, "shares seen in this server" (bot.analytics.shares): pooled, by kind/tag, best post."""
    word_of_mouth: WordOfMouth | None = None
    """Joins by source, invited vs other members' activation and retention (bot.analytics.word_of_mouth)."""
    welcome: WelcomeComparison | None = None
    """Activation of members who joined while the welcome was on vs off (bot.analytics.welcome)."""

    @property
    def established_posts(self) -> list[m.PostFigures]:
        return [p for p in self.posts if p.established and p.rate.value is not None]

    @property
    def best_post(self) -> m.PostFigures | None:
        """The period's best established post (warming-up rates are never a "best")."""
        rated = self.established_posts
        return max(rated, key=lambda p: (p.rate.value, p.responders)) if rated else None

    @property
    def worst_post(self) -> m.PostFigures | None:
        best = self.best_post
        rated = [p for p in self.established_posts if p is not best]
        return min(rated, key=lambda p: (p.rate.value, p.responders)) if rated else None


WeeklyReport = Report


@dataclass(frozen=True)
class DayFigures:
    local_day: int
    dau: int
    wau: int
    mau: int
    base_before: int
    communicators: int

    @property
    def date(self) -> date:
        return date.fromordinal(self.local_day)
