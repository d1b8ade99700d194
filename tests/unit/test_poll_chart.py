"""The result chart renders for every shape of result."""

from __future__ import annotations

import struct

import pytest

from bot.features.polls.chart import poll_chart
from bot.features.polls.rules import tally


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


@pytest.mark.parametrize(
    ("options", "counts"),
    [
        (["a", "b"], [0, 0]),
        (["Tea", "Coffee", "x" * 55], [5, 5, 1]),
        ([f"option {i}" for i in range(10)], list(range(10))),
    ],
)
def test_chart_is_a_png_that_grows_with_the_options(options: list[str], counts: list[int]) -> None:
    width, height = png_size(poll_chart("Which one? " * 20, tally(options, counts)))
    assert width > 600 and height >= 300
    if len(options) == 10:
        assert height > 550
