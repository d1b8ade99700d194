"""The report's charts as PNG bytes: trends, the hour-of-week heat map, rate by content, posts, NPS.

House style from style.py (Okabe-Ito colours, large type for Discord's ~500 px display); every
time axis is in the guild's local time, and every chart says so.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from datetime import UTC, date, datetime

from bot.analytics import metrics as m
from bot.analytics.metrics import WARM_UP_DAYS
from bot.analytics.report import HEADLINES, Report
from bot.analytics.voice import MIN_RESPONSES
from bot.charts.style import ENGAGEMENT_COLOUR, OPTIMIZATION_COLOUR, PALETTE, new_figure, to_png
from bot.core.localtime import zone


def _empty(ax, message: str = "not enough data yet") -> None:  # type: ignore[no-untyped-def]
    ax.text(0.5, 0.5, message, ha="center", va="center", transform=ax.transAxes)
    ax.set_xticks([])
    ax.set_yticks([])


def trend_chart(report: Report) -> bytes:
    """8-week lines of the headline rates (percentages), plus this period's point."""
    import numpy as np  # with matplotlib, on the first chart: not at start-up (docs/performance.md)

    weeks = [*report.history, report.figures]
    labels = [date.fromordinal(w.first_day).strftime("%d %b") for w in weeks]
    fig, (ax_opt, ax_eng) = new_figure(9.0, 6.0, nrows=2, sharex=True)  # type: ignore[misc]
    styles = ("-o", "--s", ":^", "-.D")
    for ax, side, colour in ((ax_opt, "optimization", OPTIMIZATION_COLOUR), (ax_eng, "engagement", ENGAGEMENT_COLOUR)):
        specs = [s for s in HEADLINES if s.side == side and s.unit == "%"]
        plotted = False
        for i, spec in enumerate(specs):
            values = [getattr(w, spec.key) for w in weeks]
            ys = [np.nan if v is None else v * 100 for v in values]
            if all(np.isnan(ys)):
                continue
            ax.plot(range(len(weeks)), ys, styles[i % len(styles)], label=spec.name, color=PALETTE[(i + 2) % 8])
            plotted = True
        ax.set_ylabel("%")
        ax.set_title(f"{side.capitalize()} (weekly)", loc="left", color=colour)
        if plotted:
            ax.legend(fontsize=9, loc="upper left", frameon=False)
    ax_eng.set_xticks(range(len(weeks)), labels, rotation=45, ha="right", fontsize=9)
    ax_eng.set_xlabel(f"week starting (local time, {report.timezone})")
    return to_png(fig)


def heat_limit(counts: Iterable[float]) -> float:
    """The top of the heat map's colour scale: the busiest hour that is not a far outlier.

    One hour can dwarf the rest (Hearth's own trivia round: hundreds of answers in an hour that
    otherwise sees a dozen); scaled to it, every other cell is the same dark colour. Hours above
    Tukey's far-out fence (Q3 + 3 IQR of the non-empty hours) share the top colour instead and
    carry their count in the cell.
    """
    cells = sorted(c for c in counts if c > 0)
    if len(cells) < 4:
        return cells[-1] if cells else 0.0
    q1, _, q3 = statistics.quantiles(cells, n=4)
    fence = q3 + 3 * (q3 - q1)
    return max((c for c in cells if c <= fence), default=cells[-1])


def heatmap_chart(report: Report) -> bytes:
    """Activities per local hour of week over the last 28 days."""
    import numpy as np  # with matplotlib, on the first chart: not at start-up (docs/performance.md)

    grid = np.zeros((7, 24))
    for how, n in report.peak.items():
        grid[how // 24, how % 24] = n
    fig, ax = new_figure(9.0, 4.0)
    if not grid.any():
        _empty(ax)
    else:
        top = heat_limit(grid.flatten().tolist())
        image = ax.imshow(  # type: ignore[attr-defined]
            grid, aspect="auto", cmap="cividis", interpolation="nearest", vmin=0, vmax=top
        )
        ax.set_yticks(range(7), m.WEEKDAYS)  # type: ignore[attr-defined]
        ax.set_xticks(range(0, 24, 3), [f"{h:02d}" for h in range(0, 24, 3)])  # type: ignore[attr-defined]
        ax.grid(False)  # type: ignore[attr-defined]
        outliers = [(d, h) for d in range(7) for h in range(24) if grid[d, h] > top]
        for d, h in outliers:  # off the scale: the count is written in the cell
            ax.text(h, d, f"{grid[d, h]:.0f}", ha="center", va="center", fontsize=7, color="black")  # type: ignore[attr-defined]
        fig.colorbar(image, ax=ax, label="activities", extend="max" if outliers else "neither")
    ax.set_title("When members are active (last 28 days)")  # type: ignore[attr-defined]
    ax.set_xlabel(f"hour, local time ({report.timezone})")  # type: ignore[attr-defined]
    return to_png(fig)


def content_chart(report: Report) -> bytes:
    """Pooled participation by kind and by tag with 95% Wilson interval bars."""
    groups = [("kind", g) for g in report.by_kind] + [("tag", g) for g in report.by_tag]  # every tag: none hidden
    groups = [(k, g) for k, g in groups if g.rate.value is not None]
    fig, ax = new_figure(8.0, max(3.0, 0.45 * len(groups) + 1.5))
    if not groups:
        _empty(ax)
        return to_png(fig)
    ys = list(range(len(groups)))[::-1]
    for y, (kind, g) in zip(ys, groups, strict=True):
        low, high = g.interval
        value = (g.rate.value or 0.0) * 100
        colour = PALETTE[0] if kind == "kind" else PALETTE[1]
        marker = "o" if g.recommendable or g.warming_up else "x"
        ax.errorbar(  # type: ignore[attr-defined]
            value, y, xerr=[[value - low * 100], [high * 100 - value]], fmt=marker, color=colour, capsize=4,
            markerfacecolor="none" if g.warming_up else colour,
        )
    ax.set_yticks(ys, [f"{k}: {g.key} ({g.posts})" for k, g in groups])  # type: ignore[attr-defined]
    ax.set_xlabel("participation rate, % of active members (95% interval from post-to-post variation)")  # type: ignore[attr-defined]
    ax.set_title("What works (x = fewer than 3 posts, hollow = warming up)")  # type: ignore[attr-defined]
    return to_png(fig)


def posts_chart(report: Report) -> bytes:
    """Per-post participation over the evidence window, in local time, coloured by kind."""
    posts = report.evidence_posts
    fig, ax = new_figure(9.0, 4.5)
    rated = [p for p in posts if p.rate.value is not None]
    if not rated:
        _empty(ax)
        return to_png(fig)
    tz = zone(report.timezone)
    kinds = sorted({p.kind for p in rated})
    markers = "osD^vP*X"
    for i, kind in enumerate(kinds):
        for warm in (False, True):
            mine = [p for p in rated if p.kind == kind and p.warming_up == warm]
            if not mine:
                continue
            xs = [datetime.fromtimestamp(p.posted_at / 1000, UTC).astimezone(tz).replace(tzinfo=None) for p in mine]
            ys = [(p.rate.value or 0.0) * 100 for p in mine]
            ax.plot(  # type: ignore[attr-defined]
                xs, ys, markers[i % len(markers)], label=f"{kind} (warming up)" if warm else kind,
                color=PALETTE[i % 8], linestyle="none", markerfacecolor="none" if warm else PALETTE[i % 8],
            )
    ax.set_ylabel("% of active members")  # type: ignore[attr-defined]
    ax.set_xlabel(f"posted (local time, {report.timezone})")  # type: ignore[attr-defined]
    ax.set_title("Participation per post")  # type: ignore[attr-defined]
    ax.legend(fontsize=9, frameon=False)  # type: ignore[attr-defined]
    fig.autofmt_xdate()
    return to_png(fig)


NPS_TITLE = "Pulse survey NPS (95% interval)"


def nps_chart(report: Report) -> bytes:
    """Every closed pulse survey's NPS with its 95% interval, by the local day it closed.

    A survey with fewer than 10 answers has no NPS to show (METRICS v2): it is an ``x`` on the zero
    line with its answer count, never a value. Surveys that closed within the guild's first 28
    recorded days are hollow (warming up), like every other warm-up figure.
    """
    voice = report.voice
    surveys = list(voice.surveys) if voice is not None else []
    fig, ax = new_figure(8.0, 4.0)
    ax.set_title(NPS_TITLE)  # type: ignore[attr-defined]
    if not surveys:
        _empty(ax, "no pulse survey closed yet")
        return to_png(fig)
    start = report.figures.recording_start
    shown = [p for p in surveys if p.nps is not None]
    ax.axhline(0, color="grey", linewidth=0.8)  # type: ignore[attr-defined]
    if len(shown) > 1:
        ax.plot([p.closed_on for p in shown], [p.nps for p in shown], "-", color=PALETTE[0], alpha=0.4)  # type: ignore[attr-defined]
    for warm in (False, True):
        points = [p for p in shown if _survey_warming_up(p.closed_on, start) == warm]
        if not points:
            continue
        values = [p.nps or 0.0 for p in points]
        low = [v - (p.result.interval or (v, v))[0] for v, p in zip(values, points, strict=True)]
        high = [(p.result.interval or (v, v))[1] - v for v, p in zip(values, points, strict=True)]
        ax.errorbar(  # type: ignore[attr-defined]
            [p.closed_on for p in points], values, yerr=[low, high], fmt="o", color=PALETTE[0], capsize=4,
            markerfacecolor="none" if warm else PALETTE[0], label="NPS (warming up)" if warm else "NPS",
        )
    hidden = [p for p in surveys if p.nps is None]
    if hidden:
        ax.plot(  # type: ignore[attr-defined]
            [p.closed_on for p in hidden], [0.0] * len(hidden), "x", color=PALETTE[5], markersize=9,
            label=f"fewer than {MIN_RESPONSES} answers: not shown",
        )
        for p in hidden:
            ax.annotate(f"{p.result.responses} answers", (p.closed_on, 0.0), textcoords="offset points", xytext=(0, 8),  # type: ignore[attr-defined]
                        ha="center", fontsize=9, color=PALETTE[5])
    if len(shown) < 2:
        ax.text(0.5, 0.92, "fewer than 2 surveys with an NPS: no trend yet", ha="center",  # type: ignore[attr-defined]
                transform=ax.transAxes, fontsize=10)  # type: ignore[attr-defined]
    ax.set_ylim(-100, 100)  # type: ignore[attr-defined]
    ax.set_ylabel("NPS (−100 to +100)")  # type: ignore[attr-defined]
    ax.set_xlabel(f"survey closed (local date, {report.timezone})")  # type: ignore[attr-defined]
    ax.legend(fontsize=9, loc="lower left", frameon=False)  # type: ignore[attr-defined]
    fig.autofmt_xdate()
    return to_png(fig)


def _survey_warming_up(closed_on: date, recording_start: int | None) -> bool:
    return recording_start is not None and closed_on.toordinal() < recording_start + WARM_UP_DAYS


CHARTS = {
    "overview": (("trends.png", trend_chart),),
    "posts": (("posts.png", posts_chart),),
    "timing": (("heatmap.png", heatmap_chart),),
    "content": (("content.png", content_chart),),
    "members": (),
    "voice": (("nps.png", nps_chart),),
}


def charts_for(report: Report, section: str) -> list[tuple[str, bytes]]:
    """(file name, PNG) for a report section."""
    return [(name, draw(report)) for name, draw in CHARTS.get(section, ())]
