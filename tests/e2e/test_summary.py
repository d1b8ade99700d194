"""The weekly summary end to end: the real Hearth against the local Discord, clock in hand."""

from __future__ import annotations

import statistics
from datetime import UTC, date, datetime
from typing import Any

import discord
import pytest

from bot.core.localtime import zone
from bot.platform.recorder import Activity
from bot.sandbox.localdiscord import Message
from tests.e2e.conftest import World, eventually

# Storage-heavy end-to-end paths run on both backends (tests/conftest.py).
pytestmark = pytest.mark.backends("sqlite", "postgresql")

TZ = "Europe/Berlin"
TITLE_WEEK4 = "Weekly summary · 23–29 Mar 2026"


async def hearth_post(world: World, text: str) -> Message:
    """A Hearth question post in #general (registered like a feature would)."""
    channel = world.bot.get_channel(world.general.id)
    assert isinstance(channel, discord.TextChannel)
    sent = await channel.send(text)
    await world.bot.posts.register(world.guild.id, "question", channel.id, sent.id, member_count=4)
    await world.server.flush()
    return world.server.messages[sent.id]


async def advance_to(world: World, when: datetime) -> None:
    await world.advance(seconds=(when - world.clock.now()).total_seconds())


def summaries(world: World) -> list[Message]:
    return [
        m
        for m in world.server.sent_by_bot(world.community.announcements)
        if m.embeds and str(m.embeds[0].get("title", "")).startswith("Weekly summary")
    ]


def fields(message: Message) -> dict[str, str]:
    return {f["name"]: f["value"] for f in message.embeds[0].get("fields", [])}


async def setup_summary(world: World) -> None:
    result = await world.command(
        world.moderator, "hearth setup", timezone=TZ, summary_channel=world.community.announcements
    )
    assert "Hearth is set up." in await result.text()
    # The schedule is created by a listener that runs right after the command's reply.
    await eventually(lambda: world.bot.scheduler.repo.list(world.guild.id, "summary"), "no summary schedule")


async def four_weeks(world: World) -> dict[str, Any]:
    """Weeks 1-3: alice reacts, bob answers the post and alice answers bob, every day.
    Week 4 (23-29 March, the covered week): bob skips Wednesday's post and alice answers him only
    on Tuesday, so member-to-member replies fall. Returns the posts of week 4 by local date."""
    week4: dict[str, Any] = {}
    for day in range(28):
        post = await hearth_post(world, f"Question {day}")
        local = world.clock.now().astimezone(zone(TZ)).date()
        in_week4 = day >= 21
        if in_week4:
            week4[local.isoformat()] = post
        await world.advance(minutes=7)
        await world.server.react(world.alice, post, "👍")
        await world.settle()
        await world.advance(minutes=5)
        if not (in_week4 and local.weekday() == 2):
            answer = await world.server.say(world.bob, world.general, "mine", reply_to=post)
            if not in_week4 or local.weekday() == 1:
                await world.server.say(world.alice, world.general, "same", reply_to=answer)
        if day < 27:
            await world.advance(hours=23, minutes=48)
    return week4


async def recompute(world: World, first: date, last: date) -> dict[str, Any]:
    """Figures of one local week straight from the stored raw activities (not from analytics)."""
    acts = await world.rows(
        "SELECT member_id, kind, post_id, at, local_day, reply_to_member_id, reply_to_bot FROM activities "
        "WHERE counts = 1 AND local_day BETWEEN ? AND ?",
        first.toordinal(),
        last.toordinal(),
    )
    replies = [a for a in acts if a[5] is not None or a[6] == 1]
    member = [a for a in replies if a[5] is not None and a[5] != a[0]]
    active = {a[0] for a in acts}
    communicators = {a[0] for a in acts if a[1] == "message"}
    return {
        "replies": len(replies),
        "member_replies": len(member),
        "pairs": len({frozenset((a[0], a[5])) for a in member}),
        "active": active,
        "communicators": communicators,
    }


async def recorded_since(world: World, when: datetime) -> None:
    """One activity long before the scripted month (a member seen then, silent since), recorded
    through the recorder: the month's posts are established, not warming up (METRICS v2)."""
    world.bot.recorder.record(
        Activity(world.guild.id, "message", 777_000_001, when, "m:history", channel_id=world.general.id)
    )
    await world.bot.recorder.flush()


async def test_a_scripted_month_gives_the_expected_summary_on_schedule(world: World) -> None:
    await setup_summary(world)
    await recorded_since(world, datetime(2026, 1, 5, 12, tzinfo=UTC))
    schedule = await world.bot.scheduler.repo.list(world.guild.id, "summary")
    assert [(s.local_time.strftime("%H:%M"), set(s.weekdays)) for s in schedule] == [("09:00", {0})]
    week4 = await four_weeks(world)

    # Monday 30 March 09:00 Berlin (summer time since Sunday): the week-4 summary goes out on time.
    await advance_to(world, datetime(2026, 3, 30, 7, 0, tzinfo=UTC))
    posted = [m for m in summaries(world) if m.embeds[0]["title"] == TITLE_WEEK4]
    assert len(posted) == 1
    message = posted[0]
    embed = message.embeds[0]
    assert message.content == "" and world.server.pings(message) == ([], [], False)
    assert [a.filename for a in message.attachments] == ["summary.png"]
    assert message.attachments[0].data.startswith(b"\x89PNG")
    assert embed["image"]["url"] == "attachment://summary.png"
    assert "Posted late" not in embed["footer"]["text"]
    # Earlier Mondays posted the earlier weeks once each (the first two thin, without zeros).
    titles = [m.embeds[0]["title"] for m in summaries(world)]
    assert titles == [
        "Weekly summary · 2–8 Mar 2026",
        "Weekly summary · 9–15 Mar 2026",
        "Weekly summary · 16–22 Mar 2026",
        TITLE_WEEK4,
    ]
    assert "still getting to know this server" in summaries(world)[0].embeds[0]["description"]

    # Independent recomputation of what the summary states.
    this = await recompute(world, date(2026, 3, 23), date(2026, 3, 29))
    before = await recompute(world, date(2026, 3, 16), date(2026, 3, 22))
    share, previous_share = this["member_replies"] / this["replies"], before["member_replies"] / before["replies"]
    assert (this["member_replies"], this["replies"], this["pairs"]) == (1, 7, 1)
    got = fields(message)
    drop = (previous_share - share) * 100
    assert f"Member-to-member replies: **{share:.0%}** ↓ −{drop:.1f} pts" in got["Engagement"]
    returning = len(this["active"] & before["active"]) / len(before["active"])
    assert f"Returning members: **{returning:.0%}** →" in got["Engagement"]
    communicators = len(this["communicators"]) / len(this["active"])
    assert f"Communicators: **{communicators:.0%}** →" in got["Engagement"]
    assert "Participation rate: **100%** →" in got["Optimization"]
    posts = await world.rows(
        "SELECT id, posted_at FROM posts WHERE kind = 'question' AND local_day BETWEEN ? AND ?",
        date(2026, 3, 23).toordinal(),
        date(2026, 3, 29).toordinal(),
    )
    waits = []
    for post_id, posted_at in posts:
        firsts = await world.rows("SELECT MIN(at) FROM activities WHERE post_id = ? AND counts = 1", post_id)
        waits.append((firsts[0][0] - posted_at) / 60000)
    assert len(posts) == 7
    assert f"Time to first response (lower is better): **{statistics.median(waits):.0f} min** →" in got["Optimization"]

    # Weaker side: engagement (member-to-member replies fell below its median, nothing else did);
    # the next step is the member-replies rule with the recomputed numbers.
    description = embed["description"]
    assert description.startswith("**Engagement is the weaker side**, with ")
    assert "its worst is member-to-member replies, " in description
    assert (
        f"**Next step:** Only {share:.0%} of replies were members answering each other "
        f"({this['member_replies']} of {this['replies']}, 1 pair of members): try a submission contest"
    ) in description

    # Best and worst post of the week, linked: Wednesday's post had only alice (1 of 2).
    wednesday = week4["2026-03-25"]
    assert f"/{world.general.id}/{wednesday.id}): 50% of 2 active members (1)" in got["Posts of the week"]
    assert got["Posts of the week"].startswith("Best: [Question](https://discord.com/channels/")
    assert "Top streaks" in got and f"<@{world.alice.id}> 28 days" in got["Top streaks"]


async def test_no_duplicate_after_a_restart_or_a_double_fire_at_the_scheduled_minute(world: World) -> None:
    await setup_summary(world)
    await advance_to(world, datetime(2026, 3, 9, 8, 0, tzinfo=UTC))  # Monday 09:00 Berlin
    assert len(summaries(world)) == 1
    await world.bot.scheduler.run_due()  # a double fire
    await world.restart()  # a restart within the same minute
    await world.bot.scheduler.run_due()
    await world.settle()
    assert len(summaries(world)) == 1
    statuses = [(o.occurrence_key, o.status) for o in await world.bot.scheduler.repo.occurrences(world.guild.id)]
    assert statuses == [("2026-03-09", "posted")]
    kinds = await world.rows("SELECT kind, ref_id FROM posts WHERE guild_id = ?", world.guild.id)
    assert kinds == [("summary", date(2026, 3, 2).toordinal())]


async def test_a_summary_missed_while_offline_is_posted_late_once(world: World) -> None:
    await setup_summary(world)
    await advance_to(world, datetime(2026, 3, 9, 7, 50, tzinfo=UTC))
    await world.stop()
    world.clock.set(datetime(2026, 3, 9, 9, 0, tzinfo=UTC))  # an hour late, within the 2 h grace
    await world.start()
    await world.settle()
    await world.restart()
    await world.settle()
    posted = summaries(world)
    assert len(posted) == 1
    assert posted[0].embeds[0]["footer"]["text"].startswith("Posted late")


async def test_a_new_guild_gets_the_thin_version_with_what_to_do(world: World) -> None:
    await setup_summary(world)
    await world.bot.guilds_repo.add_problem(
        world.guild.id,
        "question schedule #4",
        "missing Send Messages in #general",
        int(world.clock.now().timestamp() * 1000),
    )

    async def bank_low(guild_id: int) -> list[str]:
        return ["Only 2 unused questions left in the bank"]

    world.bot.warning_sources.append(bank_low)
    post = await hearth_post(world, "Hello?")
    await world.server.react(world.alice, post, "👋")
    await world.settle()
    await advance_to(world, datetime(2026, 3, 9, 8, 0, tzinfo=UTC))
    (message,) = summaries(world)
    embed = message.embeds[0]
    assert "last week it saw 1 active member, 1 Hearth post, 1 response to them." in embed["description"]
    assert "this summary will show participation per post" in embed["description"]
    got = fields(message)
    assert "`/question schedule`" in got["To get there"]
    assert "Give it 2 more weeks of activity" in got["To get there"]
    assert "⚠️ Only 2 unused questions left in the bank" in got["Needs a moderator"]
    assert "missing Send Messages in #general" in got["Needs a moderator"]
    everything = embed["description"] + "".join(got.values())
    assert "0%" not in everything and "n/a" not in everything
    assert world.server.pings(message) == ([], [], False)


async def test_commands_schedule_preview_pause_and_resume(world: World) -> None:
    refused = await world.command(world.moderator, "summary schedule", day="friday", time="18:00")
    assert "run `/hearth setup summary_channel:` first" in await refused.text()
    await setup_summary(world)
    result = await world.command(world.moderator, "summary schedule", day="friday", time="18:00")
    text = await result.text()
    assert result.ephemeral and "on Fridays at 18:00 (Europe/Berlin)" in text
    bad = await world.command(world.moderator, "summary schedule", time="25:00")
    assert "is not a time" in await bad.text()
    member = await world.command(world.alice, "summary preview")
    assert "Only moderators" in await member.text()

    preview = await world.command(world.moderator, "summary preview")
    await preview.text()
    assert preview.ephemeral
    shown = [m for m in preview.visible_messages() if m.embeds]
    assert shown and shown[-1].embeds[0]["title"].startswith("Weekly summary")
    assert summaries(world) == []  # a preview posts nothing in the channel

    assert "paused" in await (await world.command(world.moderator, "summary pause")).text()
    await advance_to(world, datetime(2026, 3, 6, 17, 30, tzinfo=UTC))  # Friday 18:30 Berlin
    assert summaries(world) == []
    assert "back on" in await (await world.command(world.moderator, "summary resume")).text()
    await advance_to(world, datetime(2026, 3, 13, 17, 0, tzinfo=UTC))  # next Friday 18:00
    assert [m.embeds[0]["title"] for m in summaries(world)] == ["Weekly summary · 2–8 Mar 2026"]
