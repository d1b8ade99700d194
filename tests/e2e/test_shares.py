"""Shares end to end: a forward of a Hearth post, through the local Discord, is a share of that post."""

from __future__ import annotations

import csv
import io
import json

from bot.analytics.export import report_json
from bot.analytics.period import parse_period
from bot.analytics.report import build_report
from tests.e2e.conftest import World
from tests.e2e.test_reports import attachments, hearth_post


async def test_a_forward_of_a_hearth_post_counts_once_per_member_and_others_do_not(world: World) -> None:
    post_id, post = await hearth_post(world, "What did you cook this week?")
    member_message = await world.server.say(world.bob, world.general, "my own words, secret recipe")
    thread = await world.server.start_thread(world.moderator, member_message, "recipes")
    await world.server.forward(world.alice, post, world.community.announcements)
    await world.server.forward(world.alice, post, thread)  # a second forward, into a thread
    await world.server.forward(world.bob, post, thread)
    await world.server.forward(world.alice, member_message, world.general)  # a member's message
    await world.settle()
    rows = await world.rows("SELECT kind, member_id, post_id, thread_id, reply_to_bot FROM activities ORDER BY id")
    assert [(k, m, p) for k, m, p, _, _ in rows] == [
        ("message", world.bob.id, None),
        ("share", world.alice.id, post_id),
        ("share", world.alice.id, post_id),
        ("share", world.bob.id, post_id),
        ("message", world.alice.id, None),
    ]
    assert rows[2][3] == thread.id and all(r[4] == 0 for r in rows)  # a forward is no reply
    dump = "".join(str(r) for r in await world.rows("SELECT * FROM activities"))
    assert "secret" not in dump and "cook" not in dump  # the snapshot's text is never stored

    await world.advance(hours=2)
    now = world.clock.now()
    report = await build_report(world.bot.db, world.guild.id, parse_period("this week", now.date()), "UTC", now=now)
    (figure,) = report.posts
    assert figure.sharers == 2  # alice twice counts once
    assert figure.share_rate.value == 2 / figure.base
    assert report.shares is not None and report.shares.best is not None and report.shares.best.post_id == post_id
    data = json.loads(json.dumps(report_json(report)))
    assert data["posts"][0]["sharers"] == 2 and data["shares"]["label"] == "shares seen in this server"


async def test_the_report_shows_the_share_rate_everywhere(world: World) -> None:
    await world.command(world.moderator, "hearth setup", timezone="UTC")
    _, post = await hearth_post(world, "Favourite tool?")
    await world.server.react(world.bob, post, "👍")
    await world.server.forward(world.alice, post, world.community.announcements)
    await world.advance(hours=1)
    text = await (await world.command(world.moderator, "report", period="this week", section="posts")).text()
    assert "shares" in text and "shares seen in this server" in text
    content = await (await world.command(world.moderator, "report", period="this week", section="content")).text()
    assert "Share rate" in content and "question" in content.split("Share rate")[1]
    exported = await world.command(world.moderator, "report", period="this week", section="export")
    await exported.text()
    files = attachments(exported)
    posts_csv = next(v for k, v in files.items() if k.endswith("-posts.csv")).decode()
    (row,) = list(csv.DictReader(io.StringIO(posts_csv)))
    assert row["sharers"] == "1"
    shares_csv = next(v for k, v in files.items() if k.endswith("-shares.csv")).decode()
    assert "kind,question" in shares_csv
