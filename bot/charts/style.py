"""One look for every chart: colour-blind-safe colours, readable at Discord's display size."""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
from matplotlib.figure import Figure

# Okabe-Ito: distinguishable with every common colour-vision deficiency.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
OPTIMIZATION_COLOUR = PALETTE[0]
ENGAGEMENT_COLOUR = PALETTE[1]

# Discord shows attachments about 400-550 px wide: large type, few words.
WIDTH_IN, HEIGHT_IN, DPI = 8.0, 4.5, 110
RC = {
    "font.size": 12,
    "axes.titlesize": 14,
    "axes.labelsize": 12,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "figure.autolayout": True,
}


def new_figure(width: float = WIDTH_IN, height: float = HEIGHT_IN, **subplot_kw: object) -> tuple[Figure, object]:
    """A figure and its axes under the house style (``plt.subplots`` arguments pass through)."""
    with plt.rc_context(RC):
        fig, axes = plt.subplots(figsize=(width, height), dpi=DPI, **subplot_kw)  # type: ignore[arg-type]
    return fig, axes


def to_png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    with plt.rc_context(RC):
        fig.savefig(buffer, format="png")
    plt.close(fig)
    return buffer.getvalue()
