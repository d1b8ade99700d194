"""Chart specs for Plotly (interactive, drawn by /static/dashboard.js) and their no-JavaScript forms.

Colours are Okabe-Ito (safe for the common colour-vision deficiencies); the heat map uses Cividis.
Numbers only go into charts; every label is Hearth's own or escaped by the template.
"""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
TRENDS = (
    ("participation_median", "Participation (median)"),
    ("returning_share", "Returning members"),
    ("member_reply_share", "Member-to-member replies"),
    ("stickiness", "Stickiness"),
    ("communicator_share", "Communicators"),
)
LAYOUT = {"margin": {"l": 50, "r": 10, "t": 30, "b": 40}, "hovermode": "closest",
          "font": {"family": "system-ui, sans-serif"}, "legend": {"orientation": "h"}}


OPEN = 100  # Plotly: a marker symbol + 100 is its hollow form


def _pct(value: Any) -> float | None:
    return None if value is None else round(value * 100, 1)


def weeks_of(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The 8 weeks of history plus the period's figures, oldest first."""
    return [*data["history"], data["figures"]]


def trends(data: dict[str, Any]) -> dict[str, Any]:
    """The 8-week lines; a week in warm-up (``warming_up``) has a hollow marker and says so on its axis label."""
    weeks = weeks_of(data)
    x = [w["start"] + (" (warm-up)" if w.get("warming_up") else "") for w in weeks]
    series = [
        {"type": "scatter", "mode": "lines+markers", "name": label, "x": x, "y": [_pct(w.get(key)) for w in weeks],
         "line": {"color": OKABE_ITO[i]},
         "marker": {"symbol": [i + OPEN if w.get("warming_up") else i for w in weeks]},
         "hovertemplate": "%{y}%<extra>" + label + "</extra>"}
        for i, (key, label) in enumerate(TRENDS)
    ]
    return {"data": series, "layout": {**LAYOUT, "yaxis": {"title": {"text": "%"}, "rangemode": "tozero"}}}


def heat_grid(peak: dict[str, int]) -> list[list[int]]:
    """7 rows (Monday first) of 24 local hours."""
    grid = [[0] * 24 for _ in range(7)]
    for key, count in peak.items():
        hour = int(key)
        if 0 <= hour < 168:
            grid[hour // 24][hour % 24] = count
    return grid


def heatmap(peak: dict[str, int], title: str) -> dict[str, Any]:
    return {"data": [{"type": "heatmap", "z": heat_grid(peak), "x": [f"{h:02d}" for h in range(24)], "y": list(DAYS),
                      "colorscale": "Cividis", "hovertemplate": "%{y} %{x}:00 · %{z} activities<extra></extra>"}],
            "layout": {**LAYOUT, "title": {"text": title}, "yaxis": {"autorange": "reversed"}}}


def group_bars(groups: list[dict[str, Any]], title: str) -> dict[str, Any]:
    rated = [g for g in groups if g.get("rate") is not None]
    x = [str(g["key"]) for g in rated]
    y = [_pct(g["rate"]) for g in rated]
    plus = [round((g["high"] - g["rate"]) * 100, 1) if g.get("high") is not None else 0 for g in rated]
    minus = [round((g["rate"] - g["low"]) * 100, 1) if g.get("low") is not None else 0 for g in rated]
    return {"data": [{"type": "bar", "x": x, "y": y, "marker": {"color": OKABE_ITO[0]}, "name": "rate",
                      "error_y": {"type": "data", "symmetric": False, "array": plus, "arrayminus": minus},
                      "hovertemplate": "%{x}: %{y}%<extra></extra>"}],
            "layout": {**LAYOUT, "title": {"text": title}, "yaxis": {"title": {"text": "responders / active, %"}}}}


def arm_bars(arms: list[dict[str, Any]]) -> dict[str, Any]:
    return group_bars([{"key": f"{a['arm']}: {a['value']}", **a} for a in arms], "Rate per arm (95% interval)")


def heat_class(count: int, top: int) -> str:
    """A CSS class h0..h5 for the static heat map table."""
    if top <= 0 or count <= 0:
        return "h0"
    return f"h{min(5, 1 + int(4 * count / top))}"


def sparkline(values: list[float | None], width: int = 160, height: int = 40) -> Markup:
    """A static SVG trend (no JavaScript) of values in 0..1: a dot per week with data, joined by a line."""
    step = width / max(1, len(values) - 1)
    points = [(i * step, height - 4 - float(v) * (height - 8)) for i, v in enumerate(values) if v is not None]
    line = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
    dots = "".join(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.5" fill="{OKABE_ITO[0]}"/>' for x, y in points)
    return Markup(
        f'<svg class="spark" viewBox="-3 -3 {width + 6} {height + 6}" width="{width}" height="{height}" role="img" '
        f'aria-label="trend"><polyline fill="none" stroke="{OKABE_ITO[0]}" stroke-width="2" points="{line}"/>'
        f"{dots}</svg>"
    )


def feedback_flow(weeks: list[dict[str, Any]]) -> dict[str, Any]:
    x = [w["week_start"] for w in weeks]
    return {"data": [
        {"type": "bar", "name": "submitted", "x": x, "y": [w["submitted"] for w in weeks],
         "marker": {"color": OKABE_ITO[1]}},
        {"type": "bar", "name": "answered", "x": x, "y": [w["answered"] for w in weeks],
         "marker": {"color": OKABE_ITO[0]}},
    ], "layout": {**LAYOUT, "barmode": "group", "title": {"text": "Feedback per week"}}}


def nps_trend(surveys: list[dict[str, Any]]) -> dict[str, Any]:
    x = [s["closed_on"] for s in surveys]
    y = [s["nps"] for s in surveys]
    plus = [(s["interval"][1] - s["nps"]) if s.get("interval") and s["nps"] is not None else 0 for s in surveys]
    minus = [(s["nps"] - s["interval"][0]) if s.get("interval") and s["nps"] is not None else 0 for s in surveys]
    return {"data": [{"type": "scatter", "mode": "lines+markers", "name": "NPS", "x": x, "y": y,
                      "line": {"color": OKABE_ITO[2]},
                      "error_y": {"type": "data", "symmetric": False, "array": plus, "arrayminus": minus}}],
            "layout": {**LAYOUT, "title": {"text": "NPS per pulse survey (95% interval)"},
                       "yaxis": {"range": [-100, 100]}}}
