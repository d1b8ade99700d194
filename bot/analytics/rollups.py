"""The nightly analytics job: per-day windows, per-post figures and final weeks, stored.

It runs the same functions as a live report (``metrics.day_windows``, ``ReportBuilder``), so
a stored figure equals the one a report would compute. ``rebuild`` recomputes everything from
raw activities (``hearth db rebuild-rollups``).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable, Collection
from datetime import date, datetime, timedelta

from bot.analytics import metrics as m
from bot.analytics import sections
from bot.analytics.builder import ReportBuilder
from bot.analytics.scope import Excluded, Scope, exclusion_key
from bot.core.progress import Progress
from bot.storage.analytics import CUT_KEEP_DAYS, AnalyticsRepository, DayRollup, PostRollup

log = logging.getLogger(__name__)

NIGHTLY_DAYS = 3
"""The nightly job recomputes the last few complete days (and their posts) each run."""

ExcludedCheck = Callable[[int, set[int]], set[int]]
"""``privacy.opted_out_members``: which of these ids opted out in the guild."""
TimezoneOf = Callable[[int], Awaitable[str]]


async def excluded_members(
    repo: AnalyticsRepository, opted_out: ExcludedCheck, guild_id: int, since_day: int
) -> Excluded:
    """Opted-out members among those with rollup rows since ``since_day`` (a keyed-hash check).

    The result carries the fingerprint of the guild's opt-out list, which keys the rollups.
    """
    key = await repo.optout_key(guild_id)
    if key == "none":
        return Excluded.of((), key)
    # The recorder stores nothing about a member once they opt out, so the opted-out members
    # present in the rollups change only when the opt-out list does: cache by its fingerprint.
    cached = _EXCLUDED_CACHE.get((guild_id, key))
    if cached is None:
        cached = Excluded.of(opted_out(guild_id, await repo.known_members(guild_id, -(2**62))), key)
        if len(_EXCLUDED_CACHE) > 1000:
            _EXCLUDED_CACHE.clear()
        _EXCLUDED_CACHE[(guild_id, key)] = cached
    return cached


_EXCLUDED_CACHE: dict[tuple[int, str], Excluded] = {}


class RollupJob:
    def __init__(
        self, repo: AnalyticsRepository, timezone_of: TimezoneOf, opted_out: ExcludedCheck, now: Callable[[], datetime]
    ) -> None:
        self.repo = repo
        self._timezone_of = timezone_of
        self._opted_out = opted_out
        self._now = now

    async def run(self) -> None:
        """The nightly run: every guild, the last NIGHTLY_DAYS complete days and final weeks."""
        for guild_id in await self.repo.guilds_with_activity():
            try:
                await self.run_guild(guild_id)
            except Exception:
                log.exception("analytics rollups failed for guild %s", guild_id)

    async def run_guild(self, guild_id: int, first_day: int | None = None, progress: Progress | None = None) -> int:
        """Recompute days first_day..yesterday (default: the last NIGHTLY_DAYS); returns days stored."""
        tz = await self._timezone_of(guild_id)
        now = self._now()
        probe = Scope(guild_id, tz, now)
        last = probe.today.toordinal() - 1
        first = last - NIGHTLY_DAYS + 1 if first_day is None else first_day
        if first > last:
            return 0
        await self.repo.settle()
        excluded = await excluded_members(self.repo, self._opted_out, guild_id, first - 400)
        scope = Scope(guild_id, tz, now, excluded, excl_key=exclusion_key(excluded))
        mondays = _mondays(first, last)
        if progress is not None:
            progress.add(1 + len(mondays))
        await self._days_and_posts(scope, first, last)
        await self._spans(guild_id, first, last, scope.now_ms)
        await self._cut_days(scope, last)
        await self._response_runs(scope, last)
        if progress is not None:
            progress.advance(note=f"guild {guild_id}: days and posts")
        await self._weeks(scope, mondays, progress)
        return last - first + 1

    async def _days_and_posts(self, scope: Scope, first: int, last: int) -> None:
        g = scope.guild_id
        posts = await self.repo.posts_between(
            g, scope.midnight_ms(date.fromordinal(first)), scope.midnight_ms(date.fromordinal(last + 1))
        )
        responders = await self.repo.responders(g, [p.id for p in posts], scope.excluded)
        windows = {p.id: m.window_responders(responders[p.id], p.posted_at) for p in posts}
        by_day: dict[int, list[tuple[int, set[int]]]] = defaultdict(list)
        for p in posts:
            by_day[p.local_day].append((p.id, set(windows[p.id])))
        rows = await self.repo.member_day_rows(g, first - m.BASE_DAYS, last)
        days, bases = m.day_windows(rows, first, last, set(scope.excluded), by_day)
        hidden = await self.repo.excluded_hour_counts(
            g,
            scope.excluded,
            scope.midnight_ms(date.fromordinal(first - 1)),
            scope.midnight_ms(date.fromordinal(last + 2)),
        )
        async with self.repo.transaction():
            await self.repo.save_excluded_hours(g, first, last, hidden, scope.excl_key)
            await self.repo.save_day_rollups(
                g,
                [DayRollup(d, w.dau, w.wau, w.mau, w.base_before, w.communicators) for d, w in days.items()],
                scope.excl_key,
                scope.now_ms,
            )
            await self.repo.save_post_rollups(
                g,
                [
                    PostRollup(
                        p.id,
                        len(windows[p.id]),
                        bases[p.id],
                        m.first_response(windows[p.id]),
                        scope.now_ms >= p.posted_at + m.RESPONSE_WINDOW_MS,
                    )
                    for p in posts
                ],
                scope.excl_key,
                scope.now_ms,
            )

    async def _spans(self, guild_id: int, first: int, last: int, now_ms: int) -> None:
        """The gap rows behind distinct counts over any run of days (``spans``): the recomputed
        days and any stored day that rows arrived for since (a day's previous days change the
        days after it, so from there on), or from the guild's first day when they don't reach
        back that far (the first run after migration 0150, or after a forget)."""
        covered = await self.repo.span_coverage(guild_id)
        start = await self.repo.first_day(guild_id)
        if start is None:
            return
        if covered is not None and covered[0] <= start:
            stale = await self.repo.first_stale_span_day(guild_id, covered[0], covered[1])
            start = max(start, min(first, covered[1] + 1, covered[1] if stale is None else stale))
        await self.repo.store_spans(guild_id, start, last, now_ms)

    async def _cut_days(self, scope: Scope, last: int) -> None:
        """The rows a like-for-like comparison's cut day is read from (``cut_day``): the kept days
        whose rows are missing or no longer true (a new day, late rows, forget-me, a time zone
        change, the first run after migration 0260) and the days after them."""
        start = await self.repo.first_day(scope.guild_id)
        if start is None:
            return
        keep_from = last - CUT_KEEP_DAYS + 1
        days = range(max(start, keep_from), last + 1)
        bounds = {
            d: (scope.midnight_ms(date.fromordinal(d)), scope.midnight_ms(date.fromordinal(d + 1))) for d in days
        }
        due = await self.repo.cut_days_due(scope.guild_id, bounds)
        await self.repo.store_cut_days(
            scope.guild_id, {d: bounds[d] for d in due}, keep_from, scope.excluded, scope.now_ms
        )

    async def _response_runs(self, scope: Scope, last: int) -> None:
        """Each responder's run of response days ending ``last``: a report's streak walk reads only
        the raw days after it (``sections.current_streaks``)."""
        runs, responders = await sections.response_runs(self.repo, scope, last)
        await self.repo.save_response_runs(scope.guild_id, last, runs, responders, scope.excl_key, scope.now_ms)

    async def _weeks(self, scope: Scope, mondays: list[date], progress: Progress | None) -> None:
        builder = ReportBuilder(self.repo, scope)
        for monday in mondays:
            await builder.store_week(monday)  # computes and stores the settled (or final) week
            if progress is not None:
                progress.advance(note=f"guild {scope.guild_id}: week of {monday:%d %b %Y}")

    async def rebuild(
        self, guild_ids: Collection[int] | None = None, progress: Progress | None = None
    ) -> dict[int, int]:
        """Recompute the trigger rollups from raw activities, then every analytics rollup.

        ``progress`` counts a step per base statement of each guild, one for its days and posts
        and one per week (``hearth db rebuild-rollups`` draws it on a terminal).
        """
        bar = progress if progress is not None else Progress("rebuild", stream=None)
        guilds = list(guild_ids or await self.repo.guilds_with_activity())
        bar.add(len(guilds) * (self.repo.BASE_REBUILD_STEPS + 1))
        await self.repo.rebuild_base_rollups(on_step=lambda what: bar.advance(note=what))
        done: dict[int, int] = {}
        for guild_id in guilds:
            await self.repo.clear_analytics(guild_id)
            first = await self.repo.first_day(guild_id)
            if first is not None:
                done[guild_id] = await self.run_guild(guild_id, first_day=first, progress=bar)
            bar.advance(note=f"guild {guild_id}: done")
        return done


def _mondays(first: int, last: int) -> list[date]:
    """The weeks that settled or became final since the last runs: from 3 weeks before ``first``."""
    start = date.fromordinal(first - 21)
    monday = start - timedelta(days=start.weekday())
    weeks = []
    while monday.toordinal() <= last:
        weeks.append(monday)
        monday += timedelta(weeks=1)
    return weeks
