"""How the pages write numbers: plain functions the templates call (``pct(v)``, ``num(v)``, ``interval(g)``).

Python, not Jinja macros: a posts page calls them a few hundred times, and a macro call costs about ten
times as much (bench/dashboard.py). Their output is plain text, escaped by the templates like any other.
"""

from __future__ import annotations

from typing import Any

NONE = "–"


def pct(value: float | None) -> str:
    """A rate in [0, 1] as a percentage with one decimal; "–" when there is none."""
    return NONE if value is None else f"{value * 100:.1f}%"


def num(value: Any) -> str:
    """A count as is, a float with one decimal; "–" when there is none."""
    if value is None:
        return NONE
    return f"{value:.1f}" if isinstance(value, float) else str(value)


def interval(group: dict[str, Any]) -> str:
    """A group's 95% interval, "low – high"; "–" without one."""
    low, high = group.get("low"), group.get("high")
    return NONE if low is None or high is None else f"{pct(low)} – {pct(high)}"


TEMPLATE_GLOBALS = {"pct": pct, "num": num, "interval": interval}
