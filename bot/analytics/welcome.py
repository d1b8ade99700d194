"""Welcomed vs not-welcomed periods (METRICS v2 "New-member activation"): the first-week
activation and next-week retention of members who joined while the welcome was on, against those
who joined while it was off, with member-level 95% intervals (Wilson per group, Newcombe for the
difference).

Periods, not a randomized test: the two groups joined at different times (another season,
another source of joins, a busier server), so a difference is a hint, not a cause. The welcome
A/B test (``/experiment start factor:welcome``) is the causal comparison. Joins are assigned by
when they happened (intention to treat: a newcomer who joined while the welcome was on counts as
welcomed even if their welcome could not be posted). Joins of the guild's warm-up (fewer than 28
recorded days before the join) are left out and counted: the server was new then, which would
flatter or hurt whichever period it falls in.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.analytics import metrics as m
from bot.analytics.shares import rate_cells, rate_json, rate_text
from bot.analytics.stats import Rate, difference_interval
from bot.analytics.word_of_mouth import difference_json, difference_text
from bot.storage.database import Database
from bot.storage.invites import InviteRepository, JoinRow
from bot.storage.welcome import WelcomeRepository

WINDOW_DAYS = 90  # joins of the last 90 days up to the period's end, like content comparisons
LABEL = "periods compared, not a randomized test: the welcome A/B test is the causal comparison"
WELCOME_CSV_HEADER = ("figure", "group", "numerator", "denominator", "value", "low", "high")


@dataclass(frozen=True)
class WelcomeComparison:
    first_day: int  # the joins compared: local days first_day..last_day
    last_day: int
    welcomed: m.Activation  # joined while the welcome was on
    not_welcomed: m.Activation  # joined while it was off (or before it was ever set up)
    warming_up: int  # joiners left out: they joined in the guild's first 28 recorded days

    def difference(self, figure: str) -> tuple[float, float, float] | None:
        """Welcomed minus not welcomed for ``activated`` or ``retained``, with its 95% interval."""
        a, b = getattr(self.not_welcomed, figure), getattr(self.welcomed, figure)
        if not a.denominator or not b.denominator:
            return None
        return difference_interval(a, b)


def during(at_ms: int, periods: Sequence[tuple[int, int | None]]) -> bool:
    """Was the welcome on at ``at_ms``? ``periods``: (started_at, ended_at or None while on)."""
    return any(start <= at_ms and (end is None or at_ms < end) for start, end in periods)


def welcome_comparison(
    joins: Sequence[JoinRow],
    periods: Sequence[tuple[int, int | None]],
    active_days: dict[int, dict[int, int]],
    *,
    first_day: int,
    last_day: int,
    today: int,
    recording_start: int | None,
    excluded: Collection[int] = (),
) -> WelcomeComparison:
    """Pure: each member counts once, from their first join in the window (a rejoin is no new joiner)."""
    first: dict[int, JoinRow] = {}
    for j in sorted(joins, key=lambda j: j.joined_at):
        if j.member_id not in excluded and first_day <= j.local_day <= last_day:
            first.setdefault(j.member_id, j)
    on: list[tuple[int, int]] = []
    off: list[tuple[int, int]] = []
    warming = 0
    for j in first.values():
        if m.warming_up(j.local_day, recording_start):
            warming += 1
            continue
        (on if during(j.joined_at, periods) else off).append((j.member_id, j.local_day))
    days = {member: list(d) for member, d in active_days.items()}
    return WelcomeComparison(
        first_day, last_day, m.activation(on, days, today), m.activation(off, days, today), warming
    )


async def load_welcome(
    db: Database,
    guild_id: int,
    *,
    last_day: int,
    today: int,
    recording_start: int | None,
    excluded: Collection[int] = (),
) -> WelcomeComparison | None:
    """None when the welcome was never set up here, or no join was recorded (no members intent)."""
    periods = await WelcomeRepository(db).periods(guild_id)
    if not periods:
        return None
    first_day = last_day - WINDOW_DAYS + 1
    invites = InviteRepository(db)
    joins = await invites.joins_between(guild_id, first_day, last_day)
    if not joins:
        return None
    members = sorted({j.member_id for j in joins})
    active = await invites.active_days(guild_id, members, first_day, last_day + 13)
    return welcome_comparison(
        joins,
        periods,
        active,
        first_day=first_day,
        last_day=last_day,
        today=today,
        recording_start=recording_start,
        excluded=excluded,
    )


def _diff(figures: WelcomeComparison, figure: str) -> str:
    return difference_text(figures.difference(figure), "welcomed − not")


def welcome_lines(figures: WelcomeComparison | None) -> list[str]:
    if figures is None:
        return []
    lines = [
        f"**Welcomed vs not-welcomed periods** (joins of the last {WINDOW_DAYS} days; {LABEL})",
        f"Activation: joined while the welcome was on {rate_text(figures.welcomed.activated)}, while it was off "
        f"{rate_text(figures.not_welcomed.activated)}" + _diff(figures, "activated"),
        f"Next-week retention: on {rate_text(figures.welcomed.retained)}, off "
        f"{rate_text(figures.not_welcomed.retained)}" + _diff(figures, "retained"),
    ]
    if figures.warming_up:
        lines.append(f"{figures.warming_up} joiners of the server's first 28 recorded days are left out (warming up).")
    return lines


def summary_line(figures: WelcomeComparison | None) -> str | None:
    if figures is None:
        return None
    on, off = figures.welcomed.activated, figures.not_welcomed.activated
    if on.value is None or off.value is None:
        return None
    return (
        f"Activated in their first week: {on.value:.0%} of members who joined while the welcome was on, "
        f"{off.value:.0%} while it was off (periods, not a test)."
    )


def welcome_rows(figures: WelcomeComparison | None) -> list[tuple[Any, ...]]:
    if figures is None:
        return []

    def row(figure: str, group: str, rate: Rate) -> tuple[Any, ...]:
        return (figure, group, *rate_cells(rate))

    rows = []
    for figure in ("activated", "retained"):
        rows.append(row(figure, "welcome on", getattr(figures.welcomed, figure)))
        rows.append(row(figure, "welcome off", getattr(figures.not_welcomed, figure)))
    rows.append(("warming_up_joiners", "left out", figures.warming_up, None, None, None, None))
    return rows


def welcome_json(figures: WelcomeComparison | None) -> dict[str, Any] | None:
    if figures is None:
        return None
    out: dict[str, Any] = {
        "label": LABEL,
        "joins_from": date.fromordinal(figures.first_day).isoformat(),
        "joins_to": date.fromordinal(figures.last_day).isoformat(),
        "warming_up_joiners": figures.warming_up,
    }
    for figure in ("activated", "retained"):
        d = figures.difference(figure)
        out[figure] = {
            "welcome_on": rate_json(getattr(figures.welcomed, figure)),
            "welcome_off": rate_json(getattr(figures.not_welcomed, figure)),
            "difference": difference_json(d),
        }
    return out
