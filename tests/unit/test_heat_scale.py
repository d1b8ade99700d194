"""The heat map's colour scale stays readable when one hour (a trivia round) dwarfs the rest."""

from __future__ import annotations

import random
from types import SimpleNamespace
from typing import Any

import pytest

from bot.charts import report as charts
from bot.charts.report import heat_limit

TRIVIA_HOUR = 3 * 24 + 21  # Thursday 21:00


def week(seed: int = 1) -> dict[int, int]:
    rng = random.Random(seed)
    peak = {how: rng.randint(5, 60) for how in range(168) if how % 24 >= 8}  # quiet nights
    peak[TRIVIA_HOUR] = 4000  # Hearth's own trivia round
    return peak


def test_a_far_outlier_does_not_set_the_top_of_the_scale() -> None:
    peak = week()
    usual = max(n for how, n in peak.items() if how != TRIVIA_HOUR)
    assert heat_limit(peak.values()) == usual
    assert heat_limit([0, 0, 7]) == 7 and heat_limit([]) == 0.0
    even = list(range(1, 100))
    assert heat_limit(even) == 99  # no outlier: the busiest hour is the top, as before


def test_the_chart_scales_to_the_usual_hours_and_writes_in_the_outliers_count(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    drawn: list[Any] = []
    monkeypatch.setattr(charts, "to_png", lambda fig: drawn.append(fig) or b"\x89PNG")
    charts.heatmap_chart(SimpleNamespace(peak=week(), timezone="Europe/Berlin"))  # type: ignore[arg-type]
    (fig,) = drawn
    ax = fig.axes[0]
    image = ax.images[0]
    usual = max(n for how, n in week().items() if how != TRIVIA_HOUR)
    assert image.norm.vmax == usual  # ordinary hours spread over the whole colour range
    assert [t.get_text() for t in ax.texts] == ["4000"]
    assert fig.axes[1].get_ylabel() == "activities"
