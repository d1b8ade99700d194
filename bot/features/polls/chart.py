"""The bar chart attached to a poll's result: one bar per option, winners highlighted."""

from __future__ import annotations

from bot.charts.style import PALETTE, new_figure, to_png
from bot.features.polls.rules import Tally

WINNER_COLOUR = PALETTE[1]
OTHER_COLOUR = PALETTE[0]


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def poll_chart(question: str, result: Tally) -> bytes:
    """A horizontal bar chart as PNG bytes (options top to bottom in poll order)."""
    height = max(3.0, 1.2 + 0.55 * len(result.options))
    fig, ax = new_figure(height=height)
    labels = [_short(option, 28) for option in result.options]
    positions = list(range(len(labels)))[::-1]
    winners = set(result.winners)
    colours = [WINNER_COLOUR if i in winners else OTHER_COLOUR for i in range(len(labels))]
    ax.barh(positions, result.counts, color=colours)  # type: ignore[attr-defined]
    ax.set_yticks(positions, labels)  # type: ignore[attr-defined]
    top = max(result.counts, default=0)
    ax.set_xlim(0, max(1, top) * 1.25)  # type: ignore[attr-defined]
    for position, count, share in zip(positions, result.counts, result.percentages, strict=True):
        ax.text(count, position, f" {count} ({share:.0f}%)", va="center")  # type: ignore[attr-defined]
    ax.set_xlabel("votes")  # type: ignore[attr-defined]
    ax.set_title(_short(question, 60))  # type: ignore[attr-defined]
    ax.grid(axis="y", visible=False)  # type: ignore[attr-defined]
    ax.xaxis.get_major_locator().set_params(integer=True)  # type: ignore[attr-defined]
    return to_png(fig)
