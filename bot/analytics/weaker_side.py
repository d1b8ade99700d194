"""Which side, optimization or engagement, is weaker this week (METRICS.md "Weaker side").

Each headline figure is placed against the median of its own previous (up to) 8 weekly values.
The side with the larger share of its placed figures below their medians is the weaker side;
a tie in share goes to the side whose worst figure fell most (largest relative fall).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from bot.analytics.stats import median

log = logging.getLogger(__name__)

Side = Literal["optimization", "engagement"]
Placement = Literal["below", "above", "unplaced"]

HISTORY_WEEKS = 8
"""How many previous weeks a figure is compared against."""
MIN_HISTORY = 2
"""Fewer previous weeks than this and a figure is not placed at all."""


@dataclass(frozen=True)
class HeadlineFigure:
    """One headline figure this week, with its previous weekly values (oldest first)."""

    name: str
    side: Side
    value: float | None
    history: Sequence[float]  # previous up to 8 weekly values, oldest first
    higher_is_better: bool = True  # False for time to first response


@dataclass(frozen=True)
class WeakerSide:
    """The verdict: weaker side, share of figures below median per side, its worst figure."""

    side: Side
    optimization_share: float
    engagement_share: float
    worst: HeadlineFigure
    worst_fall: float  # relative fall of `worst`, positive = worse than its median
    reason: str  # one sentence, opening with `lead(side)`: "Engagement is the weaker side, with ..."

    @property
    def markdown(self) -> str:
        """The reason with its opening in bold, for the summary and the report."""
        opening = lead(self.side)
        if self.reason.startswith(opening):
            return f"**{opening}**{self.reason[len(opening) :]}"
        return self.reason


def _baseline(fig: HeadlineFigure) -> float | None:
    """Median of the last 8 history values, or None when the figure cannot be placed."""
    history = list(fig.history)[-HISTORY_WEEKS:]
    if fig.value is None or len(history) < MIN_HISTORY:
        return None
    return median(history)


def place(fig: HeadlineFigure) -> Placement:
    """Place a figure: "below" if strictly worse than its own median, "above" if at or better.

    "unplaced" when there is no value this week or fewer than 2 previous weeks.
    """
    fall = relative_fall(fig)
    if fall is None:
        return "unplaced"
    return "below" if fall > 0 else "above"


def relative_fall(fig: HeadlineFigure) -> float | None:
    """How far the figure is from its median, as a fraction of the median; positive = worse.

    (median − value) / |median| for higher-is-better figures, the opposite sign for
    lower-is-better ones. With a median of 0 the ratio is undefined: 0.0 when the value is also
    0, otherwise ±inf (a move away from zero in the worse or better direction). None when the
    figure cannot be placed.
    """
    base = _baseline(fig)
    if base is None or fig.value is None:
        return None
    change = (base - fig.value) if fig.higher_is_better else (fig.value - base)
    if base == 0:
        return 0.0 if change == 0 else math.copysign(math.inf, change)
    return change / abs(base)


@dataclass(frozen=True)
class _SideTally:
    side: Side
    below: int
    placed: int
    worst: HeadlineFigure | None
    worst_fall: float


def _tally(figures: Sequence[HeadlineFigure], side: Side) -> _SideTally:
    below = placed = 0
    worst: HeadlineFigure | None = None
    worst_fall = -math.inf
    for fig in figures:
        if fig.side != side:
            continue
        fall = relative_fall(fig)
        if fall is None:
            continue
        placed += 1
        below += fall > 0
        if worst is None or fall > worst_fall:
            worst, worst_fall = fig, fall
    return _SideTally(side, below, placed, worst, worst_fall)


def mid_sentence(name: str) -> str:
    """A figure's name inside a sentence: "Stickiness" -> "stickiness" (an acronym such as "MAU" stays)."""
    if len(name) > 1 and name[0].isupper() and name[1].islower():
        return name[0].lower() + name[1:]
    return name


def lead(side: Side) -> str:
    """How the weaker-side sentence opens: "Engagement is the weaker side"."""
    return f"{side.capitalize()} is the weaker side"


def _figures(below: int, placed: int) -> str:
    """'2 of 4 figures below their 8-week median', '1 of 1 figure below its 8-week median'."""
    noun, their = ("figure", "its") if placed == 1 else ("figures", "their")
    return f"{below} of {placed} {noun} below {their} 8-week median"


def _describe_fall(fall: float) -> str:
    if math.isinf(fall):
        return ("worse" if fall > 0 else "better") + " than a median of 0"
    if fall > 0:
        return f"{fall:.0%} worse than its median"
    if fall < 0:
        return f"{-fall:.0%} better than its median"
    return "at its median"


def _reason(weak: _SideTally, strong: _SideTally, tie: bool) -> str:
    """One sentence a moderator would write: the side named once, then the counts and the worst figure."""
    assert weak.worst is not None  # placed > 0 guarantees a worst figure
    worst = f"{mid_sentence(weak.worst.name)}, {_describe_fall(weak.worst_fall)}"
    if not tie:
        return (
            f"{lead(weak.side)}, with {_figures(weak.below, weak.placed)} against {strong.below} of "
            f"{strong.placed} for {strong.side}; its worst is {worst}."
        )
    if (weak.below, weak.placed) == (strong.below, strong.placed):
        same = f"both sides have {_figures(weak.below, weak.placed)}"
    else:
        same = (
            "both sides have the same share of figures below their 8-week median "
            f"({weak.below} of {weak.placed} against {strong.below} of {strong.placed} for {strong.side})"
        )
    further = "fell further" if weak.worst_fall > 0 else "has the smaller margin"
    return f"{lead(weak.side)}: {same}, and its worst {further}: {worst}."


def weaker_side(figures: Iterable[HeadlineFigure]) -> WeakerSide | None:
    """Name the weaker side, or None when it cannot be told yet ("not enough history yet").

    Both sides need at least one placed figure: a share cannot be compared with nothing.
    An exact tie in share and in worst fall goes to optimization (stable, arbitrary).
    """
    figs = list(figures)
    opt = _tally(figs, "optimization")
    eng = _tally(figs, "engagement")
    if opt.placed == 0 or eng.placed == 0:
        log.debug("weaker side not decided: placed figures opt=%d eng=%d", opt.placed, eng.placed)
        return None
    # Compare below/placed shares exactly (cross-multiplied integers, no float ties).
    lhs, rhs = opt.below * eng.placed, eng.below * opt.placed
    if lhs != rhs:
        weak, strong = (opt, eng) if lhs > rhs else (eng, opt)
    else:
        weak, strong = (eng, opt) if eng.worst_fall > opt.worst_fall else (opt, eng)
    assert weak.worst is not None  # placed > 0 guarantees a worst figure
    return WeakerSide(
        side=weak.side,
        optimization_share=opt.below / opt.placed,
        engagement_share=eng.below / eng.placed,
        worst=weak.worst,
        worst_fall=weak.worst_fall,
        reason=_reason(weak, strong, tie=lhs == rhs),
    )
