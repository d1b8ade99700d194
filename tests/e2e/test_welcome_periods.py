"""Welcomed vs not-welcomed periods, recorded through the local Discord and read back in the report."""

from __future__ import annotations

import csv
import io
import json

import pytest

from bot.analytics.export import csv_files, report_json
from bot.analytics.period import parse_period
from bot.analytics.report import build_report
from bot.analytics.text import render
from tests.e2e.conftest import World

pytestmark = pytest.mark.backends("sqlite", "postgresql")


async def test_activation_is_compared_between_welcomed_and_not_welcomed_periods(world: World) -> None:
    world.settings = world.settings.replace("intents", members=True)
    await world.restart()
    await world.server.say(world.alice, world.general, "first words")  # recording starts today
    await world.advance(days=1)
    early = await world.server.join(world.guild, "early")  # in the warm-up: left out
    await world.server.say(early, world.general, "hi")
    await world.advance(days=29)

    off_before = [await world.server.join(world.guild, f"before{n}") for n in range(4)]  # never set up yet
    await world.advance(hours=30)
    await world.server.say(off_before[0], world.general, "hello")
    await world.advance(days=2)
    await world.command(world.moderator, "welcome setup", channel=world.general, message="Welcome {member}!")
    await world.advance(hours=1)
    on = [await world.server.join(world.guild, f"on{n}") for n in range(4)]
    await world.advance(days=1)
    for member in on[:3]:
        await world.server.say(member, world.general, "thanks for the welcome")
    await world.advance(days=5)
    await world.command(world.moderator, "welcome off")
    await world.advance(hours=1)
    off_after = [await world.server.join(world.guild, f"after{n}") for n in range(2)]
    await world.advance(days=20)
    # A rejoin of a welcomed member during the off period is no new joiner.
    await world.server.leave(world.guild, on[3])
    await world.server.join(world.guild, on[3])
    await world.advance(days=8)
    assert len(off_after) == 2

    now = world.clock.now()
    report = await build_report(world.bot.db, world.guild.id, parse_period("this week", now.date()), "UTC", now=now)
    w = report.welcome
    assert w is not None
    assert (w.welcomed.activated.numerator, w.welcomed.activated.denominator) == (3, 4)
    assert (w.not_welcomed.activated.numerator, w.not_welcomed.activated.denominator) == (1, 6)
    assert w.warming_up == 1
    value, low, high = w.difference("activated")
    assert value == pytest.approx(3 / 4 - 1 / 6) and low < value < high

    text = render(report, "members")
    assert "Welcomed vs not-welcomed periods" in text and "not a randomized test" in text
    assert "75.0%" in text and "16.7%" in text and "left out (warming up)" in text
    data = json.loads(json.dumps(report_json(report)))["welcome"]
    assert data["activated"]["welcome_on"]["numerator"] == 3 and data["activated"]["welcome_off"]["denominator"] == 6
    assert data["label"].startswith("periods compared, not a randomized test")
    (name,) = [n for n in csv_files(report) if n.endswith("-welcome.csv")]
    rows = list(csv.reader(io.StringIO(csv_files(report)[name])))
    assert rows[0][:2] == ["figure", "group"] and rows[1][:4] == ["activated", "welcome on", "3", "4"]


async def test_no_welcome_ever_set_up_means_no_comparison(world: World) -> None:
    world.settings = world.settings.replace("intents", members=True)
    await world.restart()
    await world.server.join(world.guild, "nina")
    await world.advance(days=10)
    now = world.clock.now()
    report = await build_report(world.bot.db, world.guild.id, parse_period("this week", now.date()), "UTC", now=now)
    assert report.welcome is None and json.loads(json.dumps(report_json(report)))["welcome"] is None
