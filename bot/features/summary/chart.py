"""The weekly summary's picture: optimization on the left, engagement on the right, 8 weeks each.

It draws the series it is given (computed by bot/analytics) and computes nothing itself. Rates
are drawn in percent; a minutes series (time to first response) gets its own right-hand axis.
A week without a value is a gap in the line, never a zero.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.charts.style import ENGAGEMENT_COLOUR, OPTIMIZATION_COLOUR, PALETTE, new_figure, to_png

log = logging.getLogger(__name__)

WEEKS_SHOWN = 8
MARKERS = ("o", "s", "^", "D")


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float | None]  # one per week, oldest first
    unit: str = "%"  # "%" for rates in 0..1, "min" for minutes


@dataclass(frozen=True)
class SummaryChart:
    """Week labels (oldest first) and each side's series, aligned with the labels."""

    weeks: Sequence[str]
    optimization: Sequence[Series] = field(default_factory=tuple)
    engagement: Sequence[Series] = field(default_factory=tuple)
    timezone: str = "UTC"


def _points(values: Sequence[float | None], scale: float) -> list[float]:
    return [math.nan if v is None else v * scale for v in values]


def _panel(ax, title: str, colour: str, series: Sequence[Series], weeks: Sequence[str]) -> None:  # type: ignore[no-untyped-def]
    xs = list(range(len(weeks)))
    handles = []
    minutes_ax = None
    for i, s in enumerate(series):
        values = list(s.values)[-len(weeks) :]
        if all(v is None for v in values):
            continue
        style = {"marker": MARKERS[i % len(MARKERS)], "color": PALETTE[(i + 2) % len(PALETTE)], "label": s.name}
        if s.unit == "min":
            minutes_ax = minutes_ax or ax.twinx()
            (line,) = minutes_ax.plot(xs, _points(values, 1.0), linestyle="--", **style)
            minutes_ax.set_ylabel("minutes")
            minutes_ax.set_ylim(bottom=0)
            minutes_ax.grid(False)
        else:
            (line,) = ax.plot(xs, _points(values, 100.0), **style)
        handles.append(line)
    ax.set_title(title, loc="left", color=colour, fontweight="bold")
    ax.set_ylabel("%")
    ax.set_ylim(0, 105)
    ax.set_xticks(xs, list(weeks), rotation=45, ha="right", fontsize=9)
    if handles:
        ax.legend(handles=handles, fontsize=8, loc="best", frameon=False)
    else:
        ax.text(0.5, 0.5, "no data yet", ha="center", va="center", transform=ax.transAxes)


def summary_chart(chart: SummaryChart) -> bytes:
    """A two-panel PNG of the last 8 weeks: optimization (left) and engagement (right)."""
    weeks = list(chart.weeks)[-WEEKS_SHOWN:]
    fig, (left, right) = new_figure(10.0, 4.2, ncols=2)  # type: ignore[misc]
    _panel(left, "Optimization", OPTIMIZATION_COLOUR, chart.optimization, weeks)
    _panel(right, "Engagement", ENGAGEMENT_COLOUR, chart.engagement, weeks)
    fig.supxlabel(f"week starting (local time, {chart.timezone})", fontsize=10)
    return to_png(fig)
