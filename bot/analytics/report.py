"""The report model: every METRICS.md figure for a period, with history, built from the rollups.

``build_report`` (any period) and ``weekly_figures`` (one local week, for the weekly summary)
are the only entry points; /report, the CLI, the CSV export and the summary all call them, so
the numbers agree. Pure arithmetic lives in ``metrics.py``; SQL in ``bot/storage/analytics.py``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from bot.analytics import metrics as m
from bot.analytics import next_step as ns
from bot.analytics.stats import Rate, median
from bot.analytics.streaks import Streak, top_streaks
from bot.analytics.weaker_side import HISTORY_WEEKS, HeadlineFigure, WeakerSide, weaker_side
from bot.core.localtime import occurrence_at, zone
from bot.storage.analytics import AnalyticsRepository, PostRow
from bot.storage.database import Database

log = logging.getLogger(__name__)

EVIDENCE_DAYS = 90
"""Rate by content and best time to post use the posts of the 90 days ending with the period."""
PEAK_DAYS = 28
STREAK_LOOKBACK_DAYS = 120
"""Streaks (current and longest) are counted within the last 120 days."""
SETTLED_AFTER = timedelta(days=1)
"""A week's figures stop changing 24 h after it ends (responders' window), except activation."""
FINAL_AFTER = timedelta(days=15)
"""A week's figures stop changing 14 days after it ends (retention window) plus the 24 h W."""
SECTIONS = ("overview", "posts", "timing", "content", "members")
PERIOD_CHOICES = ("week", "last week", "28 days", "90 days")


# -- periods ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Period:
    """Local days start..end (inclusive) in the guild's time zone."""

    start: date
    end: date
    label: str

    @property
    def first_day(self) -> int:
        return self.start.toordinal()

    @property
    def last_day(self) -> int:
        return self.end.toordinal()

    @property
    def days(self) -> int:
        return self.last_day - self.first_day + 1

    @property
    def is_week(self) -> bool:
        return self.days == 7 and self.start.weekday() == 0

    def previous(self) -> Period:
        delta = timedelta(days=self.days)
        return Period(self.start - delta, self.end - delta, f"before {self.label}")


def week_of(day: date) -> Period:
    start = day - timedelta(days=day.weekday())
    year, week, _ = start.isocalendar()
    return Period(start, start + timedelta(days=6), f"{year}-W{week:02d}")


ISO_WEEK = re.compile(r"^(\d{4})-?W(\d{1,2})$", re.IGNORECASE)


def parse_period(text: str, today: date) -> Period:
    """'week', 'last week', '28 days', '90 days' or an ISO week such as '2026-W47'."""
    cleaned = " ".join(text.strip().lower().replace("_", " ").split())
    if cleaned in ("week", "this week"):
        return dataclasses.replace(week_of(today), label="this week")
    if cleaned == "last week":
        return dataclasses.replace(week_of(today - timedelta(days=7)), label="last week")
    days = re.fullmatch(r"(\d{1,3}) ?d(?:ays?)?", cleaned)
    if days and 1 <= int(days.group(1)) <= 366:
        n = int(days.group(1))
        return Period(today - timedelta(days=n - 1), today, f"last {n} days")
    iso = ISO_WEEK.match(cleaned.replace(" ", ""))
    if iso:
        try:
            start = date.fromisocalendar(int(iso.group(1)), int(iso.group(2)), 1)
        except ValueError as exc:
            raise ValueError(f"{text!r} is not a week: ISO weeks run from W01 to W52 or W53") from exc
        return week_of(start)
    raise ValueError(f"{text!r} is not a period: use week, last week, 28 days, 90 days or an ISO week like 2026-W47")


# -- the figures of one period ----------------------------------------------------------------
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

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PeriodFigures:
        known = {f.name for f in dataclasses.fields(cls)}
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


@dataclass(frozen=True)
class Headline:
    spec: HeadlineSpec
    value: float | None
    previous: float | None
    history: list[float | None]  # the 8 weeks before the period's week, oldest first

    @property
    def change(self) -> float | None:
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

    @property
    def best_post(self) -> m.PostFigures | None:
        rated = [p for p in self.posts if p.rate.value is not None]
        return max(rated, key=lambda p: (p.rate.value, p.responders)) if rated else None

    @property
    def worst_post(self) -> m.PostFigures | None:
        best = self.best_post
        rated = [p for p in self.posts if p.rate.value is not None and p is not best]
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


# -- scope: who is excluded, when is now ------------------------------------------------------
class Excluded(frozenset[int]):
    """Opted-out member ids, with the fingerprint of the guild's opt-out list they came from."""

    key: str | None = None

    @classmethod
    def of(cls, ids: Collection[int], key: str) -> Excluded:
        found = cls(ids)
        found.key = key
        return found


def exclusion_key(excluded: Collection[int]) -> str:
    """A short fingerprint of the opted-out set a rollup row was computed without.

    For an ``Excluded`` it is the fingerprint of the guild's opt-out list (stable whatever
    window the candidate ids came from); for a plain set, of the ids themselves.
    """
    key = getattr(excluded, "key", None)
    if key is not None:
        return key
    if not excluded:
        return "none"
    digest = hashlib.sha256(",".join(map(str, sorted(excluded))).encode()).hexdigest()
    return digest[:24]


@dataclass(frozen=True)
class Scope:
    guild_id: int
    tz: str
    now: datetime
    excluded: frozenset[int] = frozenset()
    member_count: int | None = None  # the live member count, used for periods that include today
    excl_key: str = ""

    def __post_init__(self) -> None:
        if not self.excl_key:
            object.__setattr__(self, "excl_key", exclusion_key(self.excluded))

    @property
    def today(self) -> date:
        return self.now.astimezone(zone(self.tz)).date()

    @property
    def now_ms(self) -> int:
        return int(self.now.timestamp() * 1000)

    def midnight_ms(self, day: date) -> int:
        """UTC ms of local midnight starting ``day`` (DST-correct)."""
        return int(occurrence_at(day, time(0), self.tz).timestamp() * 1000)


class ReportBuilder:
    """Computes figures for one scope, caching base sets and post figures within one report."""

    def __init__(self, repo: AnalyticsRepository, scope: Scope) -> None:
        self.repo = repo
        self.scope = scope
        self._base_sets: dict[int, set[int]] = {}
        self._posts: dict[int, m.PostFigures] = {}
        self._weeks: dict[int, PeriodFigures] = {}

    # -- posts ----------------------------------------------------------------------------
    async def post_figures(self, posts: Sequence[PostRow]) -> list[m.PostFigures]:
        """Per-post figures: final rollups when fresh, otherwise computed now the same way."""
        s = self.scope
        missing = [p for p in posts if p.id not in self._posts]
        cached = await self.repo.post_rollups(s.guild_id, [p.id for p in missing], s.excl_key)
        live: list[PostRow] = []
        for p in missing:
            row = cached.get(p.id)
            if row is not None and row.final:
                self._posts[p.id] = _post(p, row.responders, row.base, row.first_response_ms)
            else:
                live.append(p)
        if live:
            responders = await self.repo.responders(s.guild_id, [p.id for p in live], s.excluded)
            for p in live:
                window = m.window_responders(responders[p.id], p.posted_at)
                base = await self._rolled_base(p.local_day, set(window))
                if base is None:
                    base = m.active_base(await self._base_set(p.local_day), window)
                self._posts[p.id] = _post(p, len(window), base, m.first_response(window))
        return [self._posts[p.id] for p in posts]

    async def _rolled_base(self, day: int, responders: set[int]) -> int | None:
        """The active base from the nightly rollup: MAU of the day before the post is exactly
        the distinct members of the 28 days before it; responders outside it are looked up."""
        s = self.scope
        rolled = await self.repo.day_rollups(s.guild_id, day - 1, day - 1, s.excl_key)
        if day - 1 not in rolled:
            return None
        window = list(range(day - m.BASE_DAYS, day))
        inside = await self.repo.member_days_of(s.guild_id, responders, window)
        return m.active_base(rolled[day - 1].mau, responders - set(inside))

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
        posts = await self.post_figures(await self.repo.posts_between(g, since_ms, until_ms))

        sums = await self.repo.member_sums(g, period.first_day, through, s.excluded)
        prev = period.previous()
        previously = await self.repo.active_members(g, prev.first_day, prev.last_day, s.excluded)
        back = m.returning(previously, set(sums))
        days = list(range(through - 27, through + 1))
        rolled = await self.repo.day_rollups(g, days[0], through, s.excl_key)
        if len(rolled) == len(days):  # every day of the 28 rolled up with today's opt-outs
            daily = {d: r.dau for d, r in rolled.items()}
            mau, wau = rolled[through].mau, rolled[through].wau
        else:
            daily = await self.repo.daily_active(g, days[0], through, s.excluded)
            mau = await self.repo.distinct_active(g, days[0], through, s.excluded)
            wau = (
                len(sums)
                if period.first_day == through - 6
                else await self.repo.distinct_active(g, through - 6, through, s.excluded)
            )
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
            dau=(sum(daily.get(d, 0) for d in days) / len(days)) if mau else None,
            wau=wau,
            mau=mau,
            stickiness=m.stickiness(daily, days, mau),
            active=len(sums),
            communicators=sum(1 for v in sums.values() if v.messages > 0),
            replies=sum(v.replies for v in sums.values()),
            member_replies=sum(v.member_replies for v in sums.values()),
            pairs=await self.repo.reply_pair_count(g, period.first_day, through, s.excluded),
            returning=back.numerator,
            previously_active=back.denominator,
            joins=len(joins),
            leaves=len(leaves),
            member_count=member_count,
            activated=act.activated.numerator,
            activation_base=act.activated.denominator,
            retained=act.retained.numerator,
            retention_base=act.retained.denominator,
        )
        return figures, posts

    async def week(self, monday: date) -> PeriodFigures:
        """One week's figures: stored once settled (24 h after it ends, responders' window closed),
        with activation and retention recomputed until the week is final (their windows closed)."""
        s = self.scope
        key = monday.toordinal()
        if key in self._weeks:
            return self._weeks[key]
        stored = await self.repo.settled_week_rollups(s.guild_id, [key], s.excl_key)
        if key in stored:
            final, data = stored[key]
            figures = PeriodFigures.from_dict(data)
            if not final:
                figures = await self._with_activation(figures, week_of(monday))
                if self.week_is_final(monday):
                    await self.repo.save_week_rollup(s.guild_id, key, figures.to_dict(), True, s.excl_key, s.now_ms)
        else:
            figures, _ = await self.period(week_of(monday))
            if self.week_is_settled(monday):
                final = self.week_is_final(monday)
                await self.repo.save_week_rollup(s.guild_id, key, figures.to_dict(), final, s.excl_key, s.now_ms)
        self._weeks[key] = figures
        return figures

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
        return [
            PeriodFigures.from_dict(cached[w.toordinal()]) if w.toordinal() in cached else await self.week(w)
            for w in weeks
        ]

    # -- other sections -----------------------------------------------------------------------
    async def peak(self, through: int) -> dict[int, int]:
        s = self.scope
        first = through - PEAK_DAYS + 1
        stored: dict[int, int] | None = None
        scan_from = first
        if s.excluded:
            # Opted-out members' hours: stored by the nightly job for rolled-up days, scanned for the rest.
            rolled = await self.repo.day_rollups(s.guild_id, first, through, s.excl_key)
            while scan_from in rolled:
                scan_from += 1
            if scan_from > first:
                stored = await self.repo.stored_excluded_hours(s.guild_id, first, scan_from - 1, s.excl_key)
                if scan_from <= through:
                    fresh = await self.repo.excluded_hour_counts(
                        s.guild_id,
                        s.excluded,
                        s.midnight_ms(date.fromordinal(scan_from) - timedelta(days=1)),
                        s.midnight_ms(date.fromordinal(through) + timedelta(days=2)),
                    )
                    for day, how, n in fresh:
                        if scan_from <= day <= through:
                            stored[how] = stored.get(how, 0) + n
        return await self.repo.hour_of_week_counts(
            s.guild_id,
            first,
            through,
            s.excluded,
            s.midnight_ms(date.fromordinal(first) - timedelta(days=1)),
            s.midnight_ms(date.fromordinal(through) + timedelta(days=2)),
            stored,
        )

    async def days(self, first_day: int, last_day: int) -> list[DayFigures]:
        """Per-day windows: the nightly rollups when fresh, else the same pass run now."""
        s = self.scope
        rolled = await self.repo.day_rollups(s.guild_id, first_day, last_day, s.excl_key)
        if len(rolled) == last_day - first_day + 1:
            return [
                DayFigures(d, r.dau, r.wau, r.mau, r.base_before, r.communicators) for d, r in sorted(rolled.items())
            ]
        rows = await self.repo.member_day_rows(s.guild_id, first_day - 28, last_day)
        windows, _ = m.day_windows(rows, first_day, last_day, set(s.excluded))
        return [DayFigures(d, w.dau, w.wau, w.mau, w.base_before, w.communicators) for d, w in windows.items()]

    async def streaks(self, n: int = 5) -> list[Streak]:
        """Top current response streaks: walk back from today while anyone's streak is alive."""
        s = self.scope
        today = s.today.toordinal()
        started_today = await self.repo.response_members_on(s.guild_id, today, s.excluded)
        yesterday = await self.repo.response_members_on(s.guild_id, today - 1, s.excluded)
        alive = started_today | yesterday
        if not alive:
            return []
        current = dict.fromkeys(alive, 1)
        for member in started_today & yesterday:
            current[member] = 2
        # Members still running at the day before: today's responders who also answered
        # yesterday, and yesterday's responders (a streak isn't broken until a day is missed).
        still = (started_today & yesterday) | (yesterday - started_today)
        day = today - 2
        while still and day > today - STREAK_LOOKBACK_DAYS:
            # Look up only the members still running (primary-key lookups), a week at a time.
            days = list(range(max(day - 6, today - STREAK_LOOKBACK_DAYS + 1), day + 1))
            found = await self.repo.member_days_of(s.guild_id, still, days, responses_only=True)
            for d in reversed(days):
                still = {member for member in still if d in found.get(member, ())}
                for member in still:
                    current[member] += 1
                if not still:
                    break
            day = days[0] - 1
        ranked = sorted(current, key=lambda k: -current[k])
        cutoff = current[ranked[min(n, len(ranked)) - 1]]
        candidates = [k for k in ranked if current[k] >= cutoff][:200]
        lookback = list(range(today - STREAK_LOOKBACK_DAYS + 1, today + 1))
        days = await self.repo.member_days_of(s.guild_id, candidates, lookback, responses_only=True)
        return top_streaks(days, today, n)


def _post(p: PostRow, responders: int, base: int, first_ms: int | None) -> m.PostFigures:
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
    )


# -- next step ----------------------------------------------------------------------------
NO_NEXT_STEP = "Not enough data yet for a next step: keep posting and check back next week."


def _evidence(g: m.GroupRate | None) -> ns.GroupEvidence | None:
    return None if g is None else ns.GroupEvidence(g.key, g.posts, g.rate.numerator, g.rate.denominator)


def next_step_input(
    weaker: WeakerSide | None, best: m.BestTime, by_kind: Sequence[m.GroupRate], figures: PeriodFigures, peak: dict
) -> ns.NextStepInput:
    """The evidence the next-step rules (bot/analytics/next_step.py) choose from, out of the report."""
    grid = m.slot_grid(peak)
    busiest = max(grid.items(), key=lambda kv: (kv[1], -kv[0][0], -kv[0][1]))[0] if grid else None
    return ns.NextStepInput(
        weaker_side=weaker.side if weaker is not None else None,
        worst_figure=weaker.worst.name if weaker is not None else None,
        worst_median=median(list(weaker.worst.history)[-8:]) if weaker is not None else None,
        current_slot=_evidence(best.current),
        best_slot=_evidence(best.best),
        busiest_slot=m.slot_label(busiest) if busiest is not None and grid[busiest] > 0 else None,
        busiest_untested_slot=m.slot_label(best.next_test) if best.next_test is not None else None,
        busiest_untested_activities=grid.get(best.next_test, 0) if best.next_test is not None else 0,
        kinds=[e for g in by_kind if (e := _evidence(g)) is not None],
        first_response_minutes=figures.first_response_minutes,
        on_time=figures.on_time,
        due=figures.due,
        replies=figures.replies,
        member_replies=figures.member_replies,
        pairs=figures.pairs,
        returning=figures.returning,
        previously_active=figures.previously_active,
        active=figures.active,
        communicators=figures.communicators,
        stickiness=figures.stickiness,
        mau=figures.mau,
    )


def next_step(
    weaker: WeakerSide | None, best: m.BestTime, by_kind: Sequence[m.GroupRate], figures: PeriodFigures, peak: dict
) -> NextStep:
    """One concrete next step drawn from the figures (METRICS "Weaker side"), never a generic tip.

    The rules are ``bot.analytics.next_step.choose_next_step``; ``evidence["rule"]`` names the one
    that fired (absent when none had its evidence, and the text says so).
    """
    evidence = next_step_input(weaker, best, by_kind, figures, peak)
    step = ns.choose_next_step(evidence)
    if step is None:
        return NextStep(NO_NEXT_STEP)
    return NextStep(step.text, {"rule": step.rule, "worst": evidence.worst_figure})


# -- entry points -------------------------------------------------------------------------
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
    if period.is_week:
        previous = await b.week(period.start - timedelta(days=7))
    else:
        previous, _ = await b.period(period.previous())
    # The 8 weeks before the period's last week: a week is placed against its own past weeks.
    history = await b.history(period.end)
    headlines = [
        Headline(
            spec,
            getattr(figures, spec.key),
            getattr(previous, spec.key),
            [getattr(h, spec.key) for h in history],
        )
        for spec in HEADLINES
    ]
    weak = weaker_side(h.as_figure() for h in headlines)
    through = figures.through_day
    evidence_end = scope.midnight_ms(date.fromordinal(max(through, period.first_day)) + timedelta(days=1))
    evidence_start = scope.midnight_ms(date.fromordinal(through - EVIDENCE_DAYS + 1))
    evidence = await b.post_figures(await repo.posts_between(guild_id, evidence_start, evidence_end))
    peak = await b.peak(through) if through >= period.first_day else {}
    by_kind = m.rates_by(evidence, lambda p: p.kind)
    by_tag = m.rates_by(evidence, lambda p: p.tag)
    schedule_hours = [_hour_of_week(t, d) for _, t, d in await repo.scheduled_slots(guild_id)]
    best = m.best_time(evidence, m.current_slot(evidence, [h for h in schedule_hours if h is not None]), peak)
    days = await b.days(period.first_day, through) if with_days and through >= period.first_day else []
    streaks = await b.streaks() if with_streaks else []
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
        streaks=streaks,
        next_step=next_step(weak, best, by_kind, figures, peak),
        days=days,
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
    scope = Scope(guild_id, tz, now, frozenset(excluded), None, exclusion_key(excluded))
    return await ReportBuilder(repo, scope).post_figures(await repo.posts_by_id(guild_id, post_ids))


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
