"""The report: every METRICS.md figure for a period, with history, built from the rollups.

``build_report`` (any period) and ``weekly_figures`` (one local week, for the weekly summary)
are the only entry points; /report, the CLI, the CSV export and the summary all call them, so
the numbers agree. ``post_figures`` gives chosen posts the same per-post figures. The model is
in ``model.py``, periods in ``period.py``, the figures in ``builder.py`` and the other sections
in ``sections.py``; pure arithmetic in ``metrics.py``; SQL in ``bot/storage/analytics``.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Collection, Sequence
from datetime import date, datetime, timedelta

from bot.analytics import metrics as m
from bot.analytics import sections, shares, voice, welcome, word_of_mouth
from bot.analytics.builder import ReportBuilder
from bot.analytics.model import (
    HEADLINES,
    NPS_HEADLINE,
    SECTIONS,
    Headline,
    HeadlineSpec,
    PeriodFigures,
    Report,
    WeeklyReport,
)
from bot.analytics.period import PERIOD_CHOICES, Period, comparison_label, parse_period, same_time_before, week_of
from bot.analytics.scope import Scope, exclusion_key
from bot.analytics.weaker_side import weaker_side
from bot.storage.analytics import AnalyticsRepository
from bot.storage.database import Database

# The entry points are defined here; the names the views use with them are kept importable
# from here too (their homes: model.py, period.py).
__all__ = [
    "HEADLINES",
    "PERIOD_CHOICES",
    "SECTIONS",
    "Period",
    "Report",
    "WeeklyReport",
    "build_report",
    "parse_period",
    "post_figures",
    "week_of",
    "weekly_figures",
]

EVIDENCE_DAYS = 90
"""Rate by content and best time to post use the posts of the 90 days ending with the period."""


async def build_report(
    db: Database | AnalyticsRepository,
    guild_id: int,
    period: Period,
    tz: str,
    *,
    now: datetime,
    excluded: Collection[int] = (),
    member_count: int | None = None,
    with_days: bool = False,
    with_streaks: bool = True,
) -> Report:
    """Every figure of ``period`` for one guild (opted-out members in ``excluded`` never count)."""
    repo = db if isinstance(db, AnalyticsRepository) else AnalyticsRepository(db)
    await repo.settle()  # every activity committed so far is in the rollups it reads
    scope = Scope(guild_id, tz, now, frozenset(excluded), member_count, exclusion_key(excluded))
    b = ReportBuilder(repo, scope)
    if period.is_week and b.week_is_settled(period.start):
        figures = await b.week(period.start)  # stored by the nightly job once the week has settled
        posts = await b.post_figures(
            await repo.posts_between(
                guild_id, scope.midnight_ms(period.start), scope.midnight_ms(period.end + timedelta(days=1))
            )
        )
    else:
        figures, posts = await b.period(period)
    compared_with = "previous"
    if figures.partial:
        # METRICS v2 "Partial weeks": the period in progress against its previous period up to the
        # same local weekday and time, never against a complete one; and the report says so.
        until = same_time_before(now, tz, period.days)
        past = ReportBuilder(repo, dataclasses.replace(scope, now=until, member_count=None), as_of=True)
        previous, _ = await past.period(period.previous())
        figures = dataclasses.replace(figures, compared_through_ms=scope.now_ms)
        compared_with = comparison_label(period)
    elif period.is_week:
        previous = await b.week(period.start - timedelta(days=7))
    else:
        previous, _ = await b.period(period.previous())
    # The 8 weeks before the period's last week: a week is placed against its own past weeks.
    history = await b.history(period.end)
    voice_figures = await voice.load_voice(
        repo.db, guild_id, first_day=period.first_day, last_day=period.last_day, today=scope.today.toordinal(),
        now_ms=int(now.timestamp() * 1000),
    )

    def headlines_of(week: PeriodFigures, before: PeriodFigures, past: list[PeriodFigures]) -> list[Headline]:
        versus = compared_with if week is figures else "previous"
        found = [dataclasses.replace(headline(spec, week, before, past), compared_with=versus) for spec in HEADLINES]
        if voice_figures.surveys:  # NPS "where measured": the latest survey closed by each week's end
            found.append(
                Headline(
                    NPS_HEADLINE,
                    voice.nps_as_of(voice_figures, week.last_day),
                    voice.nps_as_of(voice_figures, before.last_day),
                    [None if h.warming_up else voice.nps_as_of(voice_figures, h.last_day) for h in past],
                    compared_with=versus,
                )
            )
        return found

    headlines = headlines_of(figures, previous, history)
    # Weaker side and next step: a complete, established week against its own established past
    # (METRICS v2); for a period in progress, the last complete week.
    if figures.partial:
        placed_week, placed_past = (history[-1], history[:-1]) if history else (None, [])
        placed = headlines_of(placed_week, placed_week, placed_past) if placed_week else []
    else:
        placed_week, placed = figures, headlines
    if placed_week is None or placed_week.warming_up:
        weak, placed_week = None, None
    else:
        weak = weaker_side(h.as_figure() for h in placed)
    through = figures.through_day
    evidence_end = scope.midnight_ms(date.fromordinal(max(through, period.first_day)) + timedelta(days=1))
    evidence_start = scope.midnight_ms(date.fromordinal(through - EVIDENCE_DAYS + 1))
    evidence = await b.post_figures(await repo.posts_between(guild_id, evidence_start, evidence_end))
    peak, organic = await sections.peak(repo, scope, through) if through >= period.first_day else ({}, {})
    by_kind = m.rates_by(evidence, lambda p: p.kind)
    by_tag = m.rates_by(evidence, lambda p: p.tag)
    schedules = await repo.scheduled_slots(guild_id)
    kind = advised_kind(evidence, [k for k, _, _ in schedules])
    schedule_hours = [_hour_of_week(t, d) for k, t, d in schedules if k == kind]
    same_kind = [p for p in evidence if p.kind == kind]
    current = m.current_slot(same_kind, [h for h in schedule_hours if h is not None])
    best = m.best_time(evidence, current, organic, kind)
    days = (
        await sections.day_figures(repo, scope, period.first_day, through)
        if with_days and through >= period.first_day
        else []
    )
    streaks = await sections.current_streaks(repo, scope, as_of=period.last_day) if with_streaks else []
    return Report(
        guild_id=guild_id,
        timezone=tz,
        period=period,
        generated_at=now,
        figures=figures,
        previous=previous,
        history=history,
        headlines=headlines,
        weaker=weak,
        posts=posts,
        evidence_posts=evidence,
        by_kind=by_kind,
        by_tag=by_tag,
        best_time=best,
        peak=peak,
        organic_peak=organic,
        streaks=streaks,
        next_step=sections.next_step(
            weak, best, by_kind, placed_week or figures, organic, survey_due=voice_figures.survey_due
        ),
        weaker_week=placed_week,
        days=days,
        voice=voice_figures,
        shares=shares.share_figures(posts, evidence, await shares.published_posts(repo.db, guild_id, posts)),
        word_of_mouth=await word_of_mouth.load_word_of_mouth(
            repo.db, guild_id, first_day=period.first_day, last_day=through, today=scope.today.toordinal(),
            excluded=excluded,
        ),
        welcome=await welcome.load_welcome(
            repo.db, guild_id, last_day=through, today=scope.today.toordinal(),
            recording_start=await b.recording_start(), excluded=excluded,
        ),
    )


async def post_figures(
    db: Database | AnalyticsRepository,
    guild_id: int,
    post_ids: Sequence[int],
    tz: str,
    *,
    now: datetime,
    excluded: Collection[int] = (),
) -> list[m.PostFigures]:
    """Per-post figures of chosen posts (e.g. an A/B test's), in posting order.

    The same function as /report's per-post table (``ReportBuilder.post_figures``: nightly
    rollups when fresh, else computed live), so a post shows the same rate everywhere. Pass
    ``excluded`` from ``rollups.excluded_members`` so the rollups' opt-out fingerprint matches.
    """
    if not post_ids:
        return []
    repo = db if isinstance(db, AnalyticsRepository) else AnalyticsRepository(db)
    await repo.settle()
    scope = Scope(guild_id, tz, now, frozenset(excluded), None, exclusion_key(excluded))
    return await ReportBuilder(repo, scope).post_figures(await repo.posts_by_id(guild_id, post_ids))


def headline(
    spec: HeadlineSpec, figures: PeriodFigures, previous: PeriodFigures, history: list[PeriodFigures]
) -> Headline:
    """One headline: warming-up weeks flagged, and reach (labelled) while no post is established."""
    value = getattr(figures, spec.key)
    shown_as = None
    if spec.key == "participation_median" and figures.posts and not figures.established_posts:
        value, shown_as = figures.reach_median, "reach"
    return Headline(
        spec,
        value,
        getattr(previous, spec.key),
        [None if h.warming_up else getattr(h, spec.key) for h in history],
        warming_up=figures.warming_up,
        shown_as=shown_as,
    )


def advised_kind(posts: Sequence[m.PostFigures], schedule_kinds: Sequence[str]) -> str:
    """The post kind best time is advised for: questions when the guild schedules or posts them,
    else its most scheduled kind, else its most posted kind (METRICS v2 "within one post kind")."""
    kinds = [*schedule_kinds, *(p.kind for p in posts)]
    if not kinds or m.DEFAULT_BEST_TIME_KIND in kinds:
        return m.DEFAULT_BEST_TIME_KIND
    counts = Counter(schedule_kinds or kinds)
    return max(counts, key=lambda k: (counts[k], k))


def _hour_of_week(local_time: str, weekdays: str) -> int | None:
    days = [int(d) for d in weekdays.split(",") if d != ""]
    if not days:
        return None
    return days[0] * 24 + int(local_time.split(":")[0])


async def weekly_figures(
    db: Database | AnalyticsRepository,
    guild_id: int,
    week_start: date,
    tz: str,
    *,
    now: datetime,
    excluded: Collection[int] = (),
    member_count: int | None = None,
) -> WeeklyReport:
    """The weekly summary's one call: the local week starting on Monday ``week_start``.

    Returns headline figures with week-over-week change and 8-week history, the weaker side,
    best and worst post, rate by kind/tag, best time to post and the next step's evidence.
    """
    if week_start.weekday() != 0:
        raise ValueError(f"{week_start} is not a Monday: weeks start on Monday")
    return await build_report(
        db, guild_id, week_of(week_start), tz, now=now, excluded=excluded, member_count=member_count, with_days=False
    )
