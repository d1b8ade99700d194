"""/report end to end: a scripted week through the local Discord, checked against the raw activities."""

from __future__ import annotations

import csv
import io

import discord
import pytest

from bot.analytics.period import parse_period
from bot.core.localtime import zone
from tests.e2e.conftest import World

# Storage-heavy end-to-end paths run on both backends (tests/conftest.py).
pytestmark = pytest.mark.backends("sqlite", "postgresql")


async def hearth_post(world: World, text: str, kind: str = "question") -> tuple[int, object]:
    channel = world.bot.get_channel(world.general.id)
    assert isinstance(channel, discord.TextChannel)
    message = await channel.send(text)
    post = await world.bot.posts.register(world.guild.id, kind, channel.id, message.id, member_count=4)
    await world.server.flush()
    return post.id, world.server.messages[message.id]


async def scripted_week(world: World) -> None:
    """Two weeks: one to build an active base, then a week of daily posts and conversation."""
    await world.command(world.moderator, "hearth setup", timezone="Europe/Berlin")
    for day in range(14):
        _, message = await hearth_post(world, f"Question {day}", "question" if day % 2 else "poll")
        await world.advance(minutes=7)
        await world.server.react(world.alice, message, "👍")
        if day % 3 == 0:
            await world.server.unreact(world.alice, message, "👍")  # still responded
        if day % 2 == 0:
            answer = await world.server.say(world.bob, world.general, "mine", reply_to=message)
            await world.server.say(world.moderator, world.general, "nice", reply_to=answer)
            await world.server.say(world.bob, world.general, "thanks", reply_to=answer)  # to himself
        await world.advance(hours=23, minutes=53)
    await world.advance(hours=2)


def attachments(result) -> dict[str, bytes]:  # type: ignore[no-untyped-def]
    return {a.filename: a.data for m in result.visible_messages() for a in m.attachments}


async def test_report_numbers_equal_a_recomputation_from_raw_activities(world: World) -> None:
    await scripted_week(world)
    result = await world.command(world.moderator, "report", period="last week", section="export")
    await result.text()
    assert result.ephemeral
    files = attachments(result)
    posts_csv = next(v for k, v in files.items() if k.endswith("-posts.csv")).decode()
    weeks_csv = next(v for k, v in files.items() if k.endswith("-weeks.csv")).decode()
    rows = list(csv.DictReader(io.StringIO(posts_csv)))

    # Independent recomputation straight from the stored raw activities.
    tz = "Europe/Berlin"
    today = world.clock.now().astimezone(zone(tz)).date()
    period = parse_period("last week", today)
    acts = await world.rows(
        "SELECT member_id, kind, post_id, at, local_day, reply_to_member_id, counts FROM activities"
    )
    posts = await world.rows(
        "SELECT id, posted_at, local_day FROM posts WHERE local_day BETWEEN ? AND ? ORDER BY posted_at",
        period.first_day, period.last_day,
    )
    counting = [a for a in acts if a[6] == 1]
    assert len(rows) == len(posts) == 7
    for row, (pid, posted_at, day) in zip(rows, posts, strict=True):
        responders = {a[0] for a in counting if a[2] == pid and a[3] < posted_at + 86_400_000}
        base = {a[0] for a in counting if day - 28 <= a[4] <= day - 1} | responders
        stored = (int(row["post_id"]), int(row["responders"]), int(row["active_base"]))
        assert stored == (pid, len(responders), len(base))
    week = list(csv.DictReader(io.StringIO(weeks_csv)))[-1]
    in_week = [a for a in counting if period.first_day <= a[4] <= period.last_day]
    before = {a[0] for a in counting if period.first_day - 7 <= a[4] <= period.first_day - 1}
    active = {a[0] for a in in_week}
    assert int(week["active"]) == len(active)
    assert int(week["communicators"]) == len({a[0] for a in in_week if a[1] == "message"})
    assert int(week["returning"]) == len(active & before)
    assert int(week["member_replies"]) == sum(1 for a in in_week if a[5] is not None and a[5] != a[0])
    assert int(week["pairs"]) == 1  # bob and the moderator; bob answering himself is no pair


async def test_overview_shows_both_sides_with_a_chart_and_members_are_refused(world: World) -> None:
    await scripted_week(world)
    result = await world.command(world.moderator, "report", period="last week")
    text = await result.text()
    assert result.ephemeral
    assert "**Optimization**" in text and "**Engagement**" in text and "Participation rate" in text
    assert any(name == "trends.png" and data.startswith(b"\x89PNG") for name, data in attachments(result).items())
    public = await world.command(world.moderator, "report", period="last week", section="timing", public=True)
    assert "Best time to post" in await public.text()
    assert not public.ephemeral
    refused = await world.command(world.alice, "report")
    assert "Only moderators" in await refused.text()
    bad = await world.command(world.moderator, "report", period="fortnight")
    assert "is not a period" in await bad.text()


async def test_a_new_guild_gets_not_enough_data_yet(world: World) -> None:
    result = await world.command(world.moderator, "report")
    assert "not enough data yet" in await result.text(timeout=10)
