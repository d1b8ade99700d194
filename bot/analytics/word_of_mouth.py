"""Word of mouth (METRICS v2): where the period's joins came from, and whether invited members
activate and stay compared with everyone else's joins, with 95% intervals.

Sources (``bot.storage.invites`` rows, attributed by the invites feature): **member invites**
(an exact match credited to a member), **other invites** (exact, but the inviter earns nothing: a
bot's or an integration's invite, a self-invite, a rejoin, a forgotten inviter), **vanity URL**
and **unknown** (never guessed). Activation and retention follow "New-member activation".
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from bot.analytics import metrics as m
from bot.analytics.shares import rate_cells, rate_json, rate_text
from bot.analytics.stats import Rate, difference_interval
from bot.storage.database import Database
from bot.storage.invites import InviteRepository, JoinRow

SOURCE_LABELS = ("member invite", "other invite", "vanity URL", "unknown")
WOM_CSV_HEADER = ("figure", "group", "numerator", "denominator", "value", "low", "high")


def source_label(row: JoinRow) -> str:
    if row.source == "exact":
        return "member invite" if row.credited else "other invite"
    return "vanity URL" if row.source == "vanity" else "unknown"


@dataclass(frozen=True)
class WordOfMouth:
    joins_by_source: dict[str, int]
    invited: m.Activation  # joins credited to a member's invite
    others: m.Activation  # every other join

    @property
    def joins(self) -> int:
        return sum(self.joins_by_source.values())

    @property
    def share(self) -> Rate:
        """Joins credited to a member's invite over joins with a known invite (exact)."""
        member = self.joins_by_source.get("member invite", 0)
        return Rate(member, member + self.joins_by_source.get("other invite", 0))

    def difference(self, figure: str) -> tuple[float, float, float] | None:
        """Invited minus others for ``activated`` or ``retained``, with its 95% interval."""
        a, b = getattr(self.others, figure), getattr(self.invited, figure)
        if not a.denominator or not b.denominator:
            return None
        return difference_interval(a, b)


def word_of_mouth(
    joins: Sequence[JoinRow], active_days: dict[int, dict[int, int]], today: int, excluded: Collection[int] = ()
) -> WordOfMouth:
    rows = [j for j in joins if j.member_id not in excluded]
    counts = Counter(source_label(j) for j in rows)
    invited = [(j.member_id, j.local_day) for j in rows if j.credited]
    invited_ids = {member for member, _ in invited}
    others = [(j.member_id, j.local_day) for j in rows if j.member_id not in invited_ids]
    days = {member: list(d) for member, d in active_days.items()}
    return WordOfMouth(
        joins_by_source={label: counts.get(label, 0) for label in SOURCE_LABELS},
        invited=m.activation(invited, days, today),
        others=m.activation(others, days, today),
    )


async def load_word_of_mouth(
    db: Database, guild_id: int, *, first_day: int, last_day: int, today: int, excluded: Collection[int] = ()
) -> WordOfMouth | None:
    """The period's joins with their sources (None when no join was attributed: no members intent)."""
    repo = InviteRepository(db)
    joins = await repo.joins_between(guild_id, first_day, last_day)
    if not joins:
        return None
    members = sorted({j.member_id for j in joins})
    active = await repo.active_days(guild_id, members, first_day, last_day + 13)
    return word_of_mouth(joins, active, today, excluded)


def difference_text(d: tuple[float, float, float] | None, label: str) -> str:
    """``"; <label> +4.0 pts (95% ...)"``, or nothing while a group has no joiner to count."""
    if d is None:
        return ""
    value, low, high = d
    return f"; {label} {value * 100:+.1f} pts (95% {low * 100:+.1f} to {high * 100:+.1f})"


def difference_json(d: tuple[float, float, float] | None) -> dict[str, float] | None:
    return None if d is None else {"value": d[0], "low": d[1], "high": d[2]}


def _diff(figures: WordOfMouth, figure: str) -> str:
    return difference_text(figures.difference(figure), "invited − others")


def wom_lines(figures: WordOfMouth | None) -> list[str]:
    if figures is None:
        return []
    by = figures.joins_by_source
    lines = [
        "**Word of mouth**",
        f"Joins by source: {by['member invite']} member invites, {by['other invite']} other invites, "
        f"{by['vanity URL']} vanity URL, {by['unknown']} unknown",
        f"Joins credited to members, of joins with a known invite: {rate_text(figures.share)}",
        f"Activation: invited {rate_text(figures.invited.activated)}, others {rate_text(figures.others.activated)}"
        + _diff(figures, "activated"),
        f"Next-week retention: invited {rate_text(figures.invited.retained)}, "
        f"others {rate_text(figures.others.retained)}"
        + _diff(figures, "retained"),
    ]
    return lines


def summary_line(figures: WordOfMouth | None) -> str | None:
    """One line for the weekly summary: joins by source and invited members' activation."""
    if figures is None or not figures.joins:
        return None
    by = figures.joins_by_source
    line = (
        f"{figures.joins} joined: {by['member invite']} through members' invites, {by['other invite']} other "
        f"invites, {by['vanity URL']} vanity URL, {by['unknown']} unknown"
    )
    invited, others = figures.invited.activated, figures.others.activated
    if invited.value is not None and others.value is not None:
        line += f". Activated in their first week: invited {invited.value:.0%}, others {others.value:.0%}"
    return line + "."


def wom_rows(figures: WordOfMouth | None) -> list[tuple[Any, ...]]:
    if figures is None:
        return []
    rows: list[tuple[Any, ...]] = [
        ("joins", label, n, figures.joins, n / figures.joins if figures.joins else None, None, None)
        for label, n in figures.joins_by_source.items()
    ]

    def rate_row(figure: str, group: str, rate: Rate) -> tuple[Any, ...]:
        return (figure, group, *rate_cells(rate))

    rows.append(rate_row("member_share", "known invites", figures.share))
    for figure in ("activated", "retained"):
        rows.append(rate_row(figure, "invited", getattr(figures.invited, figure)))
        rows.append(rate_row(figure, "others", getattr(figures.others, figure)))
    return rows


def wom_json(figures: WordOfMouth | None) -> dict[str, Any] | None:
    if figures is None:
        return None

    out: dict[str, Any] = {"joins_by_source": dict(figures.joins_by_source), "member_share": rate_json(figures.share)}
    for figure in ("activated", "retained"):
        d = figures.difference(figure)
        out[figure] = {
            "invited": rate_json(getattr(figures.invited, figure)),
            "others": rate_json(getattr(figures.others, figure)),
            "difference": difference_json(d),
        }
    return out
