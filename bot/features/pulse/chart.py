"""The chart posted when a pulse survey closes: promoters, passives and detractors."""

from __future__ import annotations

from bot.analytics.voice import Nps
from bot.charts.style import PALETTE, new_figure, to_png

GROUPS = ("detractors (0-6)", "passives (7-8)", "promoters (9-10)")


def pulse_chart(result: Nps, title: str) -> bytes:
    counts = [result.detractors, result.passives, result.promoters]
    total = max(1, result.responses)
    fig, ax = new_figure(height=2.8)
    positions = [2, 1, 0]
    colours = [PALETTE[5], PALETTE[1], PALETTE[2]]  # vermillion, orange, green (colour-blind safe)
    ax.barh(positions, counts, color=colours)  # type: ignore[attr-defined]
    ax.set_yticks(positions, list(GROUPS))  # type: ignore[attr-defined]
    ax.set_xlim(0, max(1, max(counts)) * 1.3)  # type: ignore[attr-defined]
    for position, count in zip(positions, counts, strict=True):
        ax.text(count, position, f" {count} ({100 * count / total:.0f}%)", va="center")  # type: ignore[attr-defined]
    ax.set_xlabel("answers")  # type: ignore[attr-defined]
    ax.set_title(title)  # type: ignore[attr-defined]
    ax.grid(axis="y", visible=False)  # type: ignore[attr-defined]
    ax.xaxis.get_major_locator().set_params(integer=True)  # type: ignore[attr-defined]
    return to_png(fig)
