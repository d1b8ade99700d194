"""The figures behind each number of a report: per post, per period and per (stored) week.

``ReportBuilder`` is the one place a period's figures are computed; the report, the nightly
rollups and the A/B tests' per-post figures all use it, so a figure never has two definitions.
Pure arithmetic lives in ``metrics.py``; SQL in ``bot/storage/analytics``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta

from bot.analytics import metrics as m
from bot.analytics.model import FIGURES_VERSION, PeriodFigures
from bot.analytics.period import Period, week_of
from bot.analytics.scope import Scope
from bot.analytics.weaker_side import HISTORY_WEEKS
from bot.core.localtime import zone
from bot.storage.analytics import AnalyticsRepository, PostRollup, PostRow, Window, WindowCounts

SETTLED_AFTER = timedelta(days=1)
"""A week's figures stop changing 24 h after it ends (responders' window), except activation."""
FINAL_AFTER = timedelta(days=15)
"""A week's figures stop changing 14 days after it ends (retention window) plus the 24 h W."""


@dataclasses.dataclass(frozen=True)
class _Counts:
    period: WindowCounts
    previously_active: int
    daily: dict[int, int]
    mau: int
    wau: int


class ReportBuilder:
    """Computes figures for one scope, caching base sets and post figures within one report."""

    def __init__(self, repo: AnalyticsRepository, scope: Scope, *, as_of: bool = False) -> None:
        """``as_of``: the scope's ``now`` is an instant in the past and what was recorded after it is
        left out (the previous period of a period in progress, compared like for like)."""
        self.repo = repo
        self.scope = scope
        self.as_of = as_of
        self._base_sets: dict[int, set[int]] = {}
        self._posts: dict[int, m.PostFigures] = {}
        self._weeks: dict[int, PeriodFigures] = {}
        self._start: int | None = None
        self._start_known = False

    async def recording_start(self) -> int | None:
        """The guild's first local day with a recorded activity (METRICS "Recording start")."""
        if not self._start_known:
            self._start = await self.repo.first_day(self.scope.guild_id)
            self._start_known = True
        return self._start

    # -- posts ----------------------------------------------------------------------------
    async def post_figures(self, posts: Sequence[PostRow]) -> list[m.PostFigures]:
        """Per-post figures: final rollups when fresh, otherwise computed now the same way."""
        s = self.scope
        start = await self.recording_start()
        missing = [p for p in posts if p.id not in self._posts]
        cached = await self.repo.post_rollups(s.guild_id, [p.id for p in missing], s.excl_key)
        cut = s.now_ms if self.as_of else None
        live: list[PostRow] = []
        for p in missing:
            row = cached.get(p.id)
            if row is not None and row.final and (cut is None or p.posted_at + m.RESPONSE_WINDOW_MS <= cut):
                self._posts[p.id] = _post(p, row.responders, row.base, row.first_response_ms, start)
            else:
                live.append(p)
        if live:
            responders = await self.repo.responders(s.guild_id, [p.id for p in live], s.excluded)
            for p in live:
                window = m.window_responders(_before(responders[p.id], cut), p.posted_at)
                base = await self._base_as_of(p, cached.get(p.id), responders[p.id], set(window))
                if base is None:
                    base = await self._rolled_base(p.local_day, set(window))
                if base is None:
                    base = m.active_base(await self._base_set(p.local_day), window)
                self._posts[p.id] = _post(p, len(window), base, m.first_response(window), start)
        if missing:
            sharers = await self.repo.sharers(s.guild_id, [p.id for p in missing], s.excluded)
            for p in missing:
                count = len(m.window_responders(_before(sharers[p.id], cut), p.posted_at))
                if count:
                    self._posts[p.id] = dataclasses.replace(self._posts[p.id], sharers=count)
        return [self._posts[p.id] for p in posts]

    async def _base_as_of(
        self, p: PostRow, row: PostRollup | None, everyone: list[tuple[int, int]], before: set[int]
    ) -> int | None:
        """The base of a post cut at the instant, from its final rollup: the final base less the
        responders who came after the instant and are not in the 28-day base (looked up; fewer
        than the responders before it, else None and ``_rolled_base`` looks those up)."""
        if not self.as_of or row is None or not row.final:
            return None
        late = set(m.window_responders(everyone, p.posted_at)) - before
        if len(late) >= len(before):
            return None
        window = list(range(p.local_day - m.BASE_DAYS, p.local_day))
        inside = await self.repo.member_days_of(self.scope.guild_id, late, window) if late else {}
        return row.base - (len(late) - len(inside))

    async def _rolled_base(self, day: int, responders: set[int]) -> int | None:
        """The active base from the nightly rollup: MAU of the day before the post is exactly
        the distinct members of the 28 days before it; responders outside it are looked up."""
        s = self.scope
        rolled = await self.repo.day_rollups(s.guild_id, day - 1, day - 1, s.excl_key)
        if day - 1 not in rolled:
            return None
        inside = await self.repo.members_active_between(s.guild_id, responders, day - m.BASE_DAYS, day - 1)
        return m.active_base(rolled[day - 1].mau, responders - inside)

    async def _base_set(self, day: int) -> set[int]:
        if day not in self._base_sets:
            self._base_sets[day] = await self.repo.active_members(
                self.scope.guild_id, day - m.BASE_DAYS, day - 1, self.scope.excluded
            )
        return self._base_sets[day]

    # -- one period -------------------------------------------------------------------------
    async def period(self, period: Period) -> tuple[PeriodFigures, list[m.PostFigures]]:
        """Every figure of the period (the one function behind each number)."""
        s = self.scope
        g = s.guild_id
        through = min(period.last_day, s.today.toordinal())
        if through < period.first_day:
            return PeriodFigures(period.first_day, period.last_day, through), []
        since_ms = s.midnight_ms(period.start)
        until_ms = s.midnight_ms(date.fromordinal(through) + timedelta(days=1))
        # As of an instant (``as_of``): its day counts up to the instant only, from raw activities.
        cut = s.now_ms if self.as_of and through == s.today.toordinal() else None
        day_ms = s.midnight_ms(date.fromordinal(through))
        if cut is not None:
            until_ms = cut
        posts = await self.post_figures(await self.repo.posts_between(g, since_ms, until_ms))

        start = await self.recording_start()
        window28 = list(range(through - 27, through + 1))
        # Stickiness: mean DAU over the last 28 days on or after recording start (METRICS v2).
        days = [d for d in window28 if start is None or d >= start] or window28
        c = await self._counts(period, through, start, cut, day_ms)
        statuses = await self.repo.occurrence_statuses(g, since_ms, until_ms)
        joins = await self.repo.membership_events(g, "join", since_ms, until_ms, s.excluded)
        leaves = await self.repo.membership_events(g, "leave", since_ms, until_ms, s.excluded)
        act = await self._activation(joins)
        member_count = (
            s.member_count
            if through == s.today.toordinal() and s.member_count is not None
            else await self.repo.latest_member_count(g, until_ms)
        )
        figures = PeriodFigures(
            first_day=period.first_day,
            last_day=period.last_day,
            through_day=through,
            posts=len(posts),
            responders=sum(p.responders for p in posts),
            base=sum(p.base for p in posts),
            participation_median=m.participation_median(posts),
            last_post_rate=m.last_post_rate(posts),
            first_response_minutes=m.first_response_median(posts),
            on_time=statuses.get("posted", 0),
            due=sum(statuses.get(k, 0) for k in ("posted", "late", "missed", "failed")),
            dau=(sum(c.daily.get(d, 0) for d in days) / len(days)) if c.mau else None,
            wau=c.wau,
            mau=c.mau,
            stickiness=m.stickiness(c.daily, days, c.mau),
            active=c.period.active,
            communicators=c.period.communicators,
            replies=c.period.replies,
            member_replies=c.period.member_replies,
            pairs=c.period.pairs,
            mutual_pairs=c.period.mutual_pairs,
            returning=c.period.returning,
            previously_active=c.previously_active,
            joins=len(joins),
            leaves=len(leaves),
            member_count=member_count,
            activated=act.activated.numerator,
            activation_base=act.activated.denominator,
            retained=act.retained.numerator,
            retention_base=act.retained.denominator,
            recording_start=start,
            warming_up=m.warming_up(period.first_day, start),
            established_posts=sum(1 for p in posts if p.established),
            reach_median=m.reach_median(posts),
            partial=through == s.today.toordinal() and through <= period.last_day,
            compared_through_ms=cut,
        )
        return figures, posts

    async def _counts(self, period: Period, through: int, start: int | None, cut: int | None, day_ms: int) -> _Counts:
        """The period's distinct-member figures, DAU of the 28 days to ``through``, WAU and MAU:
        from the nightly gap rows plus the raw rows after them (``spans``; ``cut``: the day
        ``through`` only up to that instant), else summed from member_days now; both give the
        same numbers."""
        s = self.scope
        g = s.guild_id
        prev = period.previous()
        windows = [
            Window(period.first_day, through, prev.first_day),
            Window(prev.first_day, prev.last_day),
            Window(through - 27, through),
            Window(through - 6, through),
        ]
        spans = await self.repo.span_counts(
            g, windows, (through - 27, through), s.excluded, start, None if cut is None else (day_ms, cut)
        )
        if spans is not None:
            now, before, mau, wau = spans.windows
            return _Counts(now, before.active, spans.daily, mau.active, wau.active)
        window28 = list(range(through - 27, through + 1))
        if cut is None:
            sums = await self.repo.member_sums(g, period.first_day, through, s.excluded)
        else:
            sums = await self.repo.member_sums_until(g, period.first_day, through - 1, day_ms, cut, s.excluded)
        previously = await self.repo.active_members(g, prev.first_day, prev.last_day, s.excluded)
        back = m.returning(previously, set(sums))
        rolled = await self.repo.day_rollups(g, window28[0], through, s.excl_key) if cut is None else {}
        if cut is not None:  # the 27 days before from the rollups, the instant's day up to it from raw rows
            before_cut = await self.repo.day_rollups(g, window28[0], through - 1, s.excl_key)
            if len(before_cut) == len(window28) - 1:
                daily = {d: r.dau for d, r in before_cut.items()}
            else:
                daily = await self.repo.daily_active(g, window28[0], through - 1, s.excluded)
            mau, wau, daily[through] = await self.repo.distinct_active_until(
                g, (window28[0], through - 6, through), through - 1, day_ms, cut, s.excluded
            )
        elif len(rolled) == len(window28):  # every day of the 28 rolled up with today's opt-outs
            daily = {d: r.dau for d, r in rolled.items()}
            mau, wau = rolled[through].mau, rolled[through].wau
        else:
            daily = await self.repo.daily_active(g, window28[0], through, s.excluded)
            mau = await self.repo.distinct_active(g, window28[0], through, s.excluded)
            wau = (
                len(sums)
                if period.first_day == through - 6
                else await self.repo.distinct_active(g, through - 6, through, s.excluded)
            )
        if cut is None:
            pairs, mutual = await self.repo.reply_pair_counts(g, period.first_day, through, s.excluded)
        else:
            pairs, mutual = await self.repo.reply_pair_counts_until(
                g, period.first_day, through - 1, day_ms, cut, s.excluded
            )
        counts = WindowCounts(
            active=len(sums),
            communicators=sum(1 for v in sums.values() if v.messages > 0),
            returning=back.numerator,
            replies=sum(v.replies for v in sums.values()),
            member_replies=sum(v.member_replies for v in sums.values()),
            pairs=pairs,
            mutual_pairs=mutual,
        )
        return _Counts(counts, back.denominator, daily, mau, wau)

    async def week(self, monday: date) -> PeriodFigures:
        """One week's figures: stored once settled (24 h after it ends, responders' window closed),
        with activation and retention recomputed until the week is final (their windows closed).

        Never writes: the nightly job (``RollupJob``) stores weeks; a report only reads.
        """
        s = self.scope
        key = monday.toordinal()
        if key in self._weeks:
            return self._weeks[key]
        stored = await self.repo.settled_week_rollups(s.guild_id, [key], s.excl_key)
        figures = None
        if key in stored:
            final, data = stored[key]
            figures = PeriodFigures.from_dict(data)
            if figures.version != FIGURES_VERSION:
                figures = None
            elif not final:
                figures = await self._with_activation(figures, week_of(monday))
        if figures is None:
            figures, _ = await self.period(week_of(monday))
        self._weeks[key] = figures
        return figures

    async def store_week(self, monday: date) -> None:
        """Compute and store a settled week (the nightly job; final once its windows closed)."""
        if not self.week_is_settled(monday):
            return
        s = self.scope
        key = monday.toordinal()
        stored = await self.repo.settled_week_rollups(s.guild_id, [key], s.excl_key)
        if key in stored and stored[key][0] and stored[key][1].get("version") == FIGURES_VERSION:
            return  # final and current: nothing changes any more
        figures = await self.week(monday)
        await self.repo.save_week_rollup(
            s.guild_id, key, figures.to_dict(), self.week_is_final(monday), s.excl_key, s.now_ms
        )

    async def _with_activation(self, figures: PeriodFigures, period: Period) -> PeriodFigures:
        s = self.scope
        since_ms = s.midnight_ms(period.start)
        until_ms = s.midnight_ms(period.end + timedelta(days=1))
        joins = await self.repo.membership_events(s.guild_id, "join", since_ms, until_ms, s.excluded)
        act = await self._activation(joins)
        return dataclasses.replace(
            figures,
            activated=act.activated.numerator,
            activation_base=act.activated.denominator,
            retained=act.retained.numerator,
            retention_base=act.retained.denominator,
        )

    async def _activation(self, joins: list[tuple[int, int]]) -> m.Activation:
        join_days = sorted({d for _, d in joins})
        window = sorted({d + k for d in join_days for k in range(14)})
        members = {j for j, _ in joins}
        active_days = await self.repo.member_days_of(self.scope.guild_id, members, window) if joins else {}
        return m.activation(joins, active_days, self.scope.today.toordinal())

    def _week_end(self, monday: date) -> datetime:
        return datetime.combine(monday + timedelta(days=7), time(0), tzinfo=zone(self.scope.tz))

    def week_is_settled(self, monday: date) -> bool:
        return self.scope.now >= self._week_end(monday) + SETTLED_AFTER

    def week_is_final(self, monday: date) -> bool:
        return self.scope.now >= self._week_end(monday) + FINAL_AFTER

    async def history(self, before: date) -> list[PeriodFigures]:
        """The HISTORY_WEEKS weeks before the week containing ``before``, oldest first."""
        monday = before - timedelta(days=before.weekday())
        weeks = [monday - timedelta(weeks=k) for k in range(HISTORY_WEEKS, 0, -1)]
        cached = await self.repo.week_rollups(self.scope.guild_id, [w.toordinal() for w in weeks], self.scope.excl_key)
        found = []
        for w in weeks:
            figures = PeriodFigures.from_dict(cached[w.toordinal()]) if w.toordinal() in cached else None
            if figures is None or figures.version != FIGURES_VERSION:
                figures = await self.week(w)
            found.append(figures)
        return found


def _before(members: list[tuple[int, int]], cut_ms: int | None) -> list[tuple[int, int]]:
    """(member, first time) pairs recorded before the instant (all of them without one)."""
    return members if cut_ms is None else [(member, at) for member, at in members if at < cut_ms]


def _post(p: PostRow, responders: int, base: int, first_ms: int | None, start: int | None) -> m.PostFigures:
    return m.PostFigures(
        post_id=p.id,
        kind=p.kind,
        tag=p.tag,
        posted_at=p.posted_at,
        local_day=p.local_day,
        local_hour_of_week=p.local_hour_of_week,
        responders=responders,
        base=base,
        member_count=p.member_count,
        first_response_ms=first_ms,
        scheduled=p.schedule_id is not None,
        warming_up=m.warming_up(p.local_day, start),
    )
