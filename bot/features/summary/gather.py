"""From the analytics report of one week to the summary's content: formatting, no arithmetic.

Every figure comes from one ``weekly_figures`` call (bot/analytics/report.py), the same report
/report and the CLI show; the next step is the report's (bot/analytics/next_step.py). This module
only picks what the summary shows, adds what is not a figure (post links, winners, warnings) and
decides between the full and the thin-data version.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from bot.analytics import shares, welcome, word_of_mouth
from bot.analytics.report import HEADLINES, Report, weekly_figures
from bot.analytics.rollups import excluded_members
from bot.features.experiments.service import experiment_lines
from bot.features.feedback.service import digest_between
from bot.features.summary.chart import Series, SummaryChart
from bot.features.summary.content import FigureLine, PostLine, SummaryContent, ThinData, Winner, message_url
from bot.features.summary.service import SCHEDULE_KIND, SummaryService, week_bounds
from bot.storage.analytics import AnalyticsRepository
from bot.storage.feedback import FeedbackRepository

if TYPE_CHECKING:
    from bot.platform.services import SharedServices

log = logging.getLogger(__name__)

HISTORY_DAYS = 7 * 9 + 28
"""Opt-out candidates: members seen since the start of the 8-week history's base window (as /report)."""
MAX_STREAKS = 3


@dataclass(frozen=True)
class Extras:
    """What the summary shows that is not an analytics figure."""

    links: dict[int, str]  # post id -> message link
    winners: list[Winner]
    warnings: list[str]
    has_post_schedule: bool
    late: bool = False
    experiments: tuple[str, ...] = ()
    you_said: tuple[str, ...] = ()


def _weeks_with_data(report: Report) -> int:
    weeks = [*report.history, report.figures]
    return sum(1 for w in weeks if w.active > 0 or w.posts > 0)


def _post_line(report: Report, best: bool, links: dict[int, str]) -> PostLine | None:
    post = report.best_post if best else report.worst_post
    if post is None:
        return None
    return PostLine(post.kind, post.tag, links.get(post.post_id), post.rate.value, post.responders, post.base)


def chart_of(report: Report) -> SummaryChart:
    """The headline series of the 8 weeks ending with the report's week, oldest first."""
    weeks = [*report.history, report.figures][-8:]
    labels = [date.fromordinal(w.first_day).strftime("%d %b") for w in weeks]
    sides: dict[str, list[Series]] = {"optimization": [], "engagement": []}
    for spec in HEADLINES:
        sides[spec.side].append(Series(spec.name, [getattr(w, spec.key) for w in weeks], spec.unit))
    return SummaryChart(labels, sides["optimization"], sides["engagement"], report.timezone)


def content_from_report(report: Report, extras: Extras) -> SummaryContent:
    """The summary's content: the full version once the weaker side can be told, else the thin one."""
    f = report.figures
    common = {
        "guild_id": report.guild_id,
        "week_start": report.period.start,
        "timezone": report.timezone,
        "streaks": [(s.member_id, s.current) for s in report.streaks if s.current > 0][:MAX_STREAKS],
        "winners": extras.winners,
        "warnings": extras.warnings,
        "experiments": extras.experiments,
        "late": extras.late,
        "you_said": extras.you_said,
    }
    if report.weaker is None:
        thin = ThinData(
            weeks_with_data=_weeks_with_data(report),
            active=f.active,
            posts=f.posts,
            responses=f.responders,
            has_post_schedule=extras.has_post_schedule,
        )
        return SummaryContent(**common, thin=thin)  # type: ignore[arg-type]
    figures = [
        FigureLine(h.name if h.compared_with == "previous" else f"{h.name} (vs {h.compared_with})", h.spec.side,
                   h.value, h.previous if h.change is not None else None, h.spec.unit, h.spec.higher_is_better)
        for h in report.headlines
    ]
    step = report.next_step
    return SummaryContent(
        **common,  # type: ignore[arg-type]
        figures=figures,
        weaker_side=report.weaker.side,
        weaker_reason=report.weaker.markdown,
        next_step=step.text if step.evidence.get("rule") else None,
        best_post=_post_line(report, True, extras.links),
        worst_post=_post_line(report, False, extras.links),
        chart=chart_of(report),
        best_shared=shares.best_line(report.shares) if report.shares is not None and report.shares.best else None,
        word_of_mouth=" ".join(
            line
            for line in (word_of_mouth.summary_line(report.word_of_mouth), welcome.summary_line(report.welcome))
            if line
        )
        or None,
    )


class SummaryGatherer:
    """Builds a guild's summary content for a week from the bot's shared services."""

    def __init__(self, bot: SharedServices, service: SummaryService) -> None:
        self.bot = bot
        self.service = service
        self.repo = AnalyticsRepository(bot.db)

    async def report(self, guild_id: int, monday: date) -> Report:
        await self.bot.recorder.flush()
        tz = (await self.bot.guilds_repo.get(guild_id)).timezone
        excluded = await excluded_members(
            self.repo, self.bot.privacy.opted_out_members, guild_id, monday.toordinal() - HISTORY_DAYS
        )
        return await weekly_figures(
            self.repo,
            guild_id,
            monday,
            tz,
            now=self.bot.clock.now(),
            excluded=excluded,
            member_count=self.bot.member_count(guild_id),
        )

    async def content(self, guild_id: int, monday: date, *, late: bool = False) -> SummaryContent:
        report = await self.report(guild_id, monday)
        bounds = week_bounds(monday, report.timezone)
        links: dict[int, str] = {}
        for post in (report.best_post, report.worst_post):
            if post is not None:
                stored = await self.bot.posts.get(guild_id, post.post_id)
                if stored is not None:
                    links[post.post_id] = message_url(guild_id, stored.channel_id, stored.message_id)
        schedules = await self.bot.scheduler.repo.list(guild_id)
        extras = Extras(
            links=links,
            winners=await self.service.winners(guild_id, bounds.since_ms, bounds.until_ms),
            warnings=await self.service.warnings(guild_id, self.bot.warnings_for),
            has_post_schedule=any(s.kind != SCHEDULE_KIND for s in schedules),
            late=late,
            experiments=tuple(await experiment_lines(self.bot, guild_id)),
            you_said=tuple(
                (await digest_between(FeedbackRepository(self.bot.db), guild_id, bounds.since_ms, bounds.until_ms))
                .lines()
            ),
        )
        return content_from_report(report, extras)
