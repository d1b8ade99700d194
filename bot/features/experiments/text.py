"""How a test's verdict reads: differences in points, rates in percent (for status, /report, the summary)."""

from __future__ import annotations

from bot.features.experiments.rules import Verdict


def points(value: float) -> str:
    """A difference of rates in percentage points with its sign, e.g. '+12.5'."""
    return f"{value * 100:+.1f}"


def percent(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.1f}%"


def difference_text(v: Verdict) -> str:
    if v.difference is None or v.difference_interval is None:
        return "B − A: not measurable yet (an arm has no counted post)"
    low, high = v.difference_interval
    return f"B − A: {points(v.difference)} points (95% CI {points(low)} to {points(high)})"
