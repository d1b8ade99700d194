"""The report's NPS trend chart (section voice): every closed survey with its interval, thin data said."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace
from typing import Any

import pytest

from bot.analytics.voice import Nps, SurveyPoint, VoiceFigures
from bot.charts import report as charts
from bot.charts.report import charts_for
from bot.charts.style import PALETTE

JAN = date(2026, 1, 31)


def report(*surveys: SurveyPoint, recording_start: int | None = None, voice: bool = True) -> Any:
    return SimpleNamespace(
        voice=VoiceFigures(surveys=tuple(surveys)) if voice else None,
        figures=SimpleNamespace(recording_start=recording_start),
        timezone="Europe/Berlin",
    )


def survey(n: int, closed: date, promoters: int, passives: int, detractors: int) -> SurveyPoint:
    return SurveyPoint(n, closed, Nps(promoters, passives, detractors))


def drawn(monkeypatch: pytest.MonkeyPatch, r: Any) -> Any:
    figures: list[Any] = []
    monkeypatch.setattr(charts, "to_png", lambda fig: figures.append(fig) or b"\x89PNG")
    charts.nps_chart(r)
    (fig,) = figures
    return fig.axes[0]


def test_each_shown_survey_is_a_point_with_its_interval_and_thin_ones_are_marked_without_a_value(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    one = survey(1, date(2026, 1, 31), 8, 4, 3)  # NPS +33
    thin = survey(2, date(2026, 2, 28), 3, 2, 1)  # 6 answers: no NPS to show
    two = survey(3, date(2026, 3, 31), 12, 5, 3)  # NPS +45
    ax = drawn(monkeypatch, report(one, thin, two, recording_start=date(2025, 6, 1).toordinal()))
    (bars,) = ax.containers  # all established: one series, filled
    points = bars.lines[0]
    assert list(points.get_ydata()) == pytest.approx([one.nps, two.nps])
    assert points.get_markerfacecolor() == PALETTE[0]
    for segment, point in zip(bars.lines[2][0].get_segments(), (one, two), strict=True):
        assert sorted(y for _, y in segment) == pytest.approx(list(point.result.interval or ()))
    assert sorted(ax.get_legend_handles_labels()[1]) == ["NPS", "fewer than 10 answers: not shown"]
    assert [t.get_text() for t in ax.texts] == ["6 answers"]  # the thin survey's answer count, never a value
    assert ax.get_ylim() == (-100, 100)
    assert "Europe/Berlin" in ax.get_xlabel()


def test_surveys_in_the_first_28_recorded_days_are_hollow(monkeypatch: pytest.MonkeyPatch) -> None:
    early = survey(1, date(2026, 1, 20), 6, 3, 2)
    later = survey(2, date(2026, 3, 20), 7, 2, 2)
    ax = drawn(monkeypatch, report(early, later, recording_start=date(2026, 1, 1).toordinal()))
    solid, hollow = (c.lines[0] for c in ax.containers)
    assert list(hollow.get_ydata()) == pytest.approx([early.nps]) and hollow.get_markerfacecolor() == "none"
    assert list(solid.get_ydata()) == pytest.approx([later.nps])
    assert sorted(ax.get_legend_handles_labels()[1]) == ["NPS", "NPS (warming up)"]


@pytest.mark.parametrize(
    ("surveys", "voice", "message"),
    [
        ((), True, "no pulse survey closed yet"),
        ((), False, "no pulse survey closed yet"),
        ((survey(1, JAN, 2, 1, 1),), True, "fewer than 2 surveys with an NPS: no trend yet"),
        ((survey(1, JAN, 9, 1, 1),), True, "fewer than 2 surveys with an NPS: no trend yet"),
    ],
)
def test_thin_data_says_so(
    monkeypatch: pytest.MonkeyPatch, surveys: tuple[SurveyPoint, ...], voice: bool, message: str
) -> None:
    ax = drawn(monkeypatch, report(*surveys, voice=voice))
    assert message in [t.get_text() for t in ax.texts]


def test_the_voice_section_carries_the_chart_as_a_png() -> None:
    ((name, png),) = charts_for(report(survey(1, JAN, 8, 4, 3), survey(2, date(2026, 2, 28), 9, 3, 3)), "voice")
    assert name == "nps.png" and png.startswith(b"\x89PNG")
