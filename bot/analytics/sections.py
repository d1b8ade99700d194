"""The report's sections besides the period figures: peak hours, per-day windows, streaks, next step.

Each is one function of the repository and the scope (or of figures already built), called
once per report by ``bot.analytics.report.build_report``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from bot.analytics import metrics as m
from bot.analytics import next_step as ns
from bot.analytics.model import DayFigures, NextStep, PeriodFigures
from bot.analytics.scope import Scope
from bot.analytics.stats import median
from bot.analytics.streaks import Streak, top_streaks
from bot.analytics.weaker_side import WeakerSide
from bot.storage.analytics import AnalyticsRepository

PEAK_DAYS = 28
STREAK_LOOKBACK_DAYS = 120
"""Streaks (current and longest) are counted within the last 120 days."""
STREAK_ROWS_PER_READ = 1_000
"""About how many member days one read of the streak walk asks for."""


async def peak(repo: AnalyticsRepository, s: Scope, through: int) -> tuple[dict[int, int], dict[int, int]]:
    """(all, organic) activities per local hour of week over the PEAK_DAYS days ending ``through``;
    organic leaves out responses to Hearth posts (the grid slots to test are picked from)."""
    first = through - PEAK_DAYS + 1
    stored: dict[int, tuple[int, int]] | None = None
    scan_from = first
    if s.excluded:
        # Opted-out members' hours: stored by the nightly job for rolled-up days, scanned for the rest.
        rolled = await repo.day_rollups(s.guild_id, first, through, s.excl_key)
        while scan_from in rolled:
            scan_from += 1
        if scan_from > first:
            stored = await repo.stored_excluded_hours(s.guild_id, first, scan_from - 1, s.excl_key)
            if scan_from <= through:
                # Only the opted-out members with days there have hours to take out (one index
                # seek each, instead of every opted-out id against each raw activity of the days).
                present = await repo.members_active_between(s.guild_id, s.excluded, scan_from, through)
                fresh = await repo.excluded_hour_counts(
                    s.guild_id,
                    present,
                    s.midnight_ms(date.fromordinal(scan_from) - timedelta(days=1)),
                    s.midnight_ms(date.fromordinal(through) + timedelta(days=2)),
                )
                for day, how, n, r in fresh:
                    if scan_from <= day <= through:
                        was = stored.get(how, (0, 0))
                        stored[how] = (was[0] + n, was[1] + r)
    return await repo.hour_of_week_counts(
        s.guild_id,
        first,
        through,
        s.excluded,
        s.midnight_ms(date.fromordinal(first) - timedelta(days=1)),
        s.midnight_ms(date.fromordinal(through) + timedelta(days=2)),
        stored,
    )


async def day_figures(repo: AnalyticsRepository, s: Scope, first_day: int, last_day: int) -> list[DayFigures]:
    """Per-day windows: the nightly rollups when fresh, else the same pass run now."""
    rolled = await repo.day_rollups(s.guild_id, first_day, last_day, s.excl_key)
    if len(rolled) == last_day - first_day + 1:
        return [DayFigures(d, r.dau, r.wau, r.mau, r.base_before, r.communicators) for d, r in sorted(rolled.items())]
    rows = await repo.member_day_rows(s.guild_id, first_day - 28, last_day)
    windows, _ = m.day_windows(rows, first_day, last_day, set(s.excluded))
    return [DayFigures(d, w.dau, w.wau, w.mau, w.base_before, w.communicators) for d, w in windows.items()]


async def current_streaks(
    repo: AnalyticsRepository, s: Scope, n: int = 5, as_of: int | None = None
) -> list[Streak]:
    """Top current response streaks as of ``as_of`` (the period's end; default today): walk back
    from that day while anyone's streak is alive, continuing from the runs the nightly job stored
    (``response_runs``) once the walk reaches their day."""
    today = s.today.toordinal() if as_of is None else min(as_of, s.today.toordinal())
    started_today = await repo.response_members_on(s.guild_id, today, s.excluded)
    yesterday = await repo.response_members_on(s.guild_id, today - 1, s.excluded)
    stored = await _stored_runs(repo, s, today, {today: started_today, today - 1: yesterday})
    current = await _walk(repo, s, today, started_today, yesterday, stored)
    if not current:
        return []
    first = today - STREAK_LOOKBACK_DAYS + 1
    ranked = sorted(current, key=lambda k: -current[k])
    cutoff = current[ranked[min(n, len(ranked)) - 1]]
    candidates = [k for k in ranked if current[k] >= cutoff][:200]
    # A current streak is its days (back from today, or from yesterday without a response
    # today); their longest streaks need only the days of the lookback before the day it broke.
    run = {k: range(today - current[k] + 1, today + 1) if k in started_today else range(today - current[k], today)
           for k in candidates}
    older = list(range(first, max(r.start - 1 for r in run.values())))
    found = await repo.member_days_of(s.guild_id, candidates, older, responses_only=True) if older else {}
    return top_streaks({k: set(run[k]) | found.get(k, set()) for k in candidates}, today, n)


async def response_runs(repo: AnalyticsRepository, s: Scope, day: int) -> tuple[dict[int, int], tuple[int, int]]:
    """Each responder of ``day``'s run of response days ending that day (within the lookback), and
    the responders of that day and the day before: what the nightly job stores for reports."""
    started = await repo.response_members_on(s.guild_id, day, s.excluded)
    before = await repo.response_members_on(s.guild_id, day - 1, s.excluded)
    current = await _walk(repo, s, day, started, before, None)
    return {k: current[k] for k in started}, (len(started), len(before))


async def _stored_runs(
    repo: AnalyticsRepository, s: Scope, today: int, read: dict[int, set[int]]
) -> tuple[int, dict[int, int]] | None:
    """The nightly runs (their day, member -> run) when they can continue a walk from ``today``:
    stored under today's opt-out list for a day before it in the lookback, and that day's and
    the day before's responders still as many as member_days holds (rows can arrive late, a
    forgotten member leaves). ``read``: responders of days already read."""
    stored = await repo.response_runs(s.guild_id, s.excl_key)
    if stored is None:
        return None
    day, (responders, before), runs = stored
    if not today - STREAK_LOOKBACK_DAYS < day < today or len(runs) != responders:
        return None
    for d, count in ((day, responders), (day - 1, before)):
        live = len(read[d]) if d in read else await repo.responder_count(s.guild_id, d, s.excluded)
        if live != count:
            return None
    return day, runs


async def _walk(
    repo: AnalyticsRepository, s: Scope, today: int, started_today: set[int], yesterday: set[int],
    stored: tuple[int, dict[int, int]] | None,
) -> dict[int, int]:
    """member -> current streak as of ``today`` of everyone responding today or yesterday.
    ``stored`` (day, member -> run ending that day): the walk reads raw days down to that day only."""
    current = dict.fromkeys(started_today | yesterday, 1)
    for member in started_today & yesterday:
        current[member] = 2
    # Members still running at the day before: yesterday's responders (a streak isn't broken
    # until a day is missed).
    still = set(yesterday)
    first = today - STREAK_LOOKBACK_DAYS + 1
    floor = first if stored is None else stored[0]
    day = today - 2
    while still and day >= floor:
        # A day at a time while many members are still running (most streaks end within days:
        # that day's responders, by day), then only theirs (by-member index), up to a week at a
        # time once few are left.
        if len(still) > STREAK_ROWS_PER_READ:  # one day's responders, read by day
            still &= await repo.response_members_on(s.guild_id, day, s.excluded)
            for member in still:
                current[member] += 1
            day -= 1
            continue
        span = max(1, min(7, STREAK_ROWS_PER_READ // len(still)))
        days = list(range(max(day - span + 1, floor), day + 1))
        found = await repo.member_days_of(s.guild_id, still, days, responses_only=True)
        for d in reversed(days):
            still = {member for member in still if d in found.get(member, ())}
            for member in still:
                current[member] += 1
            if not still:
                break
        day = days[0] - 1
    if stored is not None:
        # Everyone left responded on the stored day (day + 1): their run ending there goes on
        # for run - 1 days before it, counted down to the lookback's first day at most.
        for member in still:
            current[member] += max(0, min(stored[1].get(member, 1) - 1, day - first + 1))
    return current


NO_NEXT_STEP = "Not enough data yet for a next step: keep posting and check back next week."


def _evidence(g: m.GroupRate | None) -> ns.GroupEvidence | None:
    if g is None or g.warming_up:
        return None
    variance = None if g.estimate is None or g.estimate.posts < 2 else g.estimate.variance
    return ns.GroupEvidence(g.key, g.posts, g.rate.numerator, g.rate.denominator, variance)


def next_step_input(
    weaker: WeakerSide | None,
    best: m.BestTime,
    by_kind: Sequence[m.GroupRate],
    figures: PeriodFigures,
    peak: dict,
    survey_due: bool = False,
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
        survey_due=survey_due,
    )


def next_step(
    weaker: WeakerSide | None,
    best: m.BestTime,
    by_kind: Sequence[m.GroupRate],
    figures: PeriodFigures,
    peak: dict,
    *,
    survey_due: bool = False,
) -> NextStep:
    """One concrete next step drawn from the figures (METRICS "Weaker side"), never a generic tip.

    The rules are ``bot.analytics.next_step.choose_next_step``; ``evidence["rule"]`` names the one
    that fired (absent when none had its evidence, and the text says so).
    """
    evidence = next_step_input(weaker, best, by_kind, figures, peak, survey_due)
    step = ns.choose_next_step(evidence)
    if step is None:
        return NextStep(NO_NEXT_STEP)
    return NextStep(step.text, {"rule": step.rule, "worst": evidence.worst_figure})
