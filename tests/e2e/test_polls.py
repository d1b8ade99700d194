"""Polls end to end: the real Hearth bot and discord.py against the local Discord, with a fake clock."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest

from bot.platform.recorder import Activity
from tests.e2e.conftest import World


async def create(world: World, **options: Any) -> tuple[str, Any]:
    """Run /poll create as the moderator; returns the answer text and the poll message (or None)."""
    options.setdefault("channel", world.general)
    mark = len(world.server.sent_by_bot(world.general))
    result = await world.server.run_command(world.moderator, world.general, "poll create", options)
    text = await result.text()
    sent = world.server.sent_by_bot(world.general)[mark:]
    return text, (sent[0] if sent else None)


def poll_id_of(text: str) -> int:
    match = re.search(r"#(\d+)", text)
    assert match, text
    return int(match.group(1))


async def click(world: World, member: Any, message: Any, poll_id: int, choice: str) -> str:
    result = await world.server.click(member, message, f"hearth:poll:{poll_id}:{choice}")
    await result.response()
    assert result.ephemeral, "vote confirmations are ephemeral"
    return await result.text()


async def close_due(world: World, bot: Any, advance: timedelta) -> None:
    world.clock.advance(advance)
    await bot.scheduler.run_due()


def result_posts(world: World) -> list[Any]:
    return [
        m
        for m in world.server.sent_by_bot(world.general)
        if m.embeds and (m.embeds[0].get("title") or "").startswith("📊 Results")
    ]


def result_post(world: World) -> Any:
    posts = result_posts(world)
    return posts[-1] if posts else None


def embed_text(message: Any) -> str:
    embed = message.embeds[0]
    parts = [embed.get("title") or "", embed.get("description") or ""]
    parts += [f"{f['name']}: {f['value']}" for f in embed.get("fields", [])]
    parts.append((embed.get("footer") or {}).get("text", ""))
    return "\n".join(parts)


# -- native polls -------------------------------------------------------------------------------
async def test_native_poll_records_votes_and_posts_a_charted_result_on_time(world: World) -> None:
    bot = world.bot
    # History: alice, bob and the moderator were active in the 28 days before the poll (the active base).
    for days, member in [(3, world.alice), (10, world.bob), (27, world.moderator), (40, world.community.owner)]:
        at = world.clock.now() - timedelta(days=days)
        bot.recorder.record(Activity(world.guild.id, "message", member.id, at, f"m:seed:{member.id}"))
    text, message = await create(world, question="Best drink?", options="Tea, Coffee, Water", duration="2h")
    poll_id = poll_id_of(text)
    assert message.poll is not None and [a.text for a in message.poll.answers.values()] == ["Tea", "Coffee", "Water"]
    assert message.poll.expiry == world.clock.now() + timedelta(hours=2)

    await world.server.vote(world.alice, message, 1)
    await world.server.vote(world.bob, message, 2)
    await world.server.vote(world.bob, message, 1)  # single choice: moves the vote
    await world.server.vote(world.community.owner, message, 3)
    await world.server.unvote(world.community.owner, message, 3)  # withdrawn

    await close_due(world, bot, timedelta(hours=2))
    post = await world.server.wait_until(lambda: result_post(world))
    body = embed_text(post)
    assert "**Tea**: 2 votes (100%) 🏆" in body and "**Coffee**: 0 votes (0%)" in body
    assert "Winner: **Tea** (2 votes)." in body
    assert "2 voters" in body
    # three members responded (the owner voted, then withdrew: still a responder); the owner, not active
    # in the 28 days before, joins the base as a responder (docs/metrics.md), as in /report
    assert "75% of active members (3 of the 4 active in the 28 days before)" in body
    assert "75% of all 4 members" in body  # bots, Hearth included, never count
    assert post.attachments and post.attachments[0].filename == f"poll-{poll_id}-results.png"
    assert post.attachments[0].data[:8] == b"\x89PNG\r\n\x1a\n"
    assert message.poll.finalized
    assert post.message_reference and int(post.message_reference["message_id"]) == message.id


async def test_native_multi_select_poll_closed_by_command(world: World) -> None:
    text, message = await create(world, question="Which days?", options="Mon\nTue\nWed", duration="1d", multi=True)
    poll_id = poll_id_of(text)
    assert message.poll.allow_multiselect
    for member, answer in [(world.alice, 1), (world.alice, 2), (world.bob, 2), (world.community.owner, 3)]:
        await world.server.vote(member, message, answer)
    world.clock.advance(minutes=10)
    closing = await world.server.run_command(world.moderator, world.general, "poll close", {"poll": poll_id})
    assert "Closed poll" in await closing.text()
    body = embed_text(await world.server.wait_until(lambda: result_post(world)))
    assert "**Tue**: 2 votes (67%) 🏆" in body and "**Mon**: 1 vote (33%)" in body
    assert "3 voters" in body and "shares of voters" in body
    assert message.poll.finalized
    assert world.server.rest_calls("POST", f"/polls/{message.id}/expire")
    again = await world.server.run_command(world.moderator, world.general, "poll close", {"poll": poll_id})
    assert "already closed" in await again.text()


# -- anonymous polls ----------------------------------------------------------------------------
async def test_anonymous_poll_votes_change_withdraw_and_stay_hidden_until_close(world: World) -> None:
    bot = world.bot
    text, message = await create(
        world, question="Pizza or pasta?", options="Pizza, Pasta", duration="30m", anonymous=True
    )
    poll_id = poll_id_of(text)
    assert message.poll is None and "Pizza" in embed_text(message)

    assert "Your vote: **Pizza**" in await click(world, world.alice, message, poll_id, "0")
    assert "Your vote: **Pasta**" in await click(world, world.alice, message, poll_id, "1")  # changed
    assert "Your vote: **Pasta**" in await click(world, world.bob, message, poll_id, "1")
    assert "withdrawn" in await click(world, world.bob, message, poll_id, "1")  # same option again
    assert "Your vote: **Pizza**" in await click(world, world.community.owner, message, poll_id, "0")
    assert "Your vote: **Pizza**" in await click(world, world.community.owner, message, poll_id, "me")
    assert "withdrawn" in await click(world, world.community.owner, message, poll_id, "x")
    assert "Your vote: **Pizza**" in await click(world, world.community.owner, message, poll_id, "0")

    hidden = await world.server.run_command(world.alice, world.general, "poll results", {"poll": poll_id})
    assert "hidden until it closes" in await hidden.text()
    peek = await world.server.run_command(world.moderator, world.general, "poll results", {"poll": poll_id})
    peek_text = await peek.text()
    assert peek.ephemeral and "**Pizza**: 1 vote" in peek_text and "**Pasta**: 1 vote" in peek_text
    assert "alice" not in peek_text and str(world.alice.id) not in peek_text

    world.clock.advance(minutes=30)
    late = await click(world, world.bob, message, poll_id, "0")  # after the closing time, before the timer ran
    assert "This poll has closed" in late
    await bot.scheduler.run_due()
    body = embed_text(await world.server.wait_until(lambda: result_post(world)))
    assert "Tie between **Pizza**, **Pasta** (1 vote each)." in body and "2 voters" in body
    assert "(3 of the 3 active" in body  # bob voted then withdrew: a responder, not a voter
    assert message.components == [] and "Closed" in embed_text(message)

    stored = await bot.db.fetchall("SELECT * FROM poll_votes WHERE poll_id = ?", (poll_id,))
    member_ids = {str(m.id) for m in (world.alice, world.bob, world.community.owner)}
    assert len(stored) == 2
    assert all(str(value) not in member_ids for row in stored for value in tuple(row))
    votes = await world.rows("SELECT member_id, post_id FROM activities WHERE kind = 'anon_poll_vote'")
    post_id = bot.posts.for_message(world.guild.id, message.id)
    voters = (world.alice, world.bob, world.community.owner)
    assert sorted(votes) == sorted((m.id, post_id) for m in voters)  # participation: who and which post, no option


async def test_anonymous_multi_select_toggles(world: World) -> None:
    bot = world.bot
    text, message = await create(world, question="Snacks?", options="Chips, Nuts, Fruit", anonymous=True, multi=True)
    poll_id = poll_id_of(text)
    await click(world, world.alice, message, poll_id, "0")
    assert "Your votes: **Chips**, **Fruit**" in await click(world, world.alice, message, poll_id, "2")
    assert "Your vote: **Fruit**" in await click(world, world.alice, message, poll_id, "0")
    await click(world, world.bob, message, poll_id, "2")
    await click(world, world.bob, message, poll_id, "1")
    await close_due(world, bot, timedelta(days=1))
    body = embed_text(await world.server.wait_until(lambda: result_post(world)))
    assert "**Fruit**: 2 votes (100%) 🏆" in body and "**Nuts**: 1 vote (50%)" in body and "2 voters" in body


async def test_overdue_close_runs_after_a_restart_and_buttons_survive_it(world: World) -> None:
    text, message = await create(world, question="Restart?", options="Yes, No", duration="1h", anonymous=True)
    poll_id = poll_id_of(text)
    await click(world, world.alice, message, poll_id, "0")
    bot = await world.restart()
    assert "Your vote: **No**" in await click(world, world.bob, message, poll_id, "1")  # buttons work after restart

    native_text, native = await create(world, question="Native restart?", options="A, B", duration="1h")
    await world.server.vote(world.alice, native, 2)
    await world.stop()
    world.clock.advance(hours=3)  # both closings are overdue while Hearth is down
    bot = await world.start()
    await world.server.wait_until(lambda: len(result_posts(world)) == 2)
    results = [embed_text(m) for m in result_posts(world)]
    assert any("Tie between **Yes**, **No**" in r for r in results)
    assert any("Winner: **B** (1 vote)." in r for r in results)
    await bot.scheduler.run_due()  # idempotent: nothing posts twice
    await world.restart()
    assert len(result_posts(world)) == 2
    assert poll_id_of(native_text) != poll_id


# -- bad input, permissions, privacy -------------------------------------------------------------
@pytest.mark.parametrize(
    ("options", "says"),
    [
        ({"options": "Only one"}, "at least 2 options"),
        ({"options": ",".join(f"o{i}" for i in range(11))}, "at most 10 options"),
        ({"options": "Tea, TEA"}, "are the same"),
        ({"options": "Ok, " + "y" * 56}, "Option 2 .*56 characters"),
        ({"question": "q" * 301}, "question is 301 characters"),
        ({"duration": "30m"}, "Native Discord polls run from 1h to 32d"),
        ({"duration": "33d", "anonymous": True}, "Anonymous polls run from 1m to 32d"),
        ({"duration": "tomorrow"}, "not a duration"),
    ],
)
async def test_bad_input_is_refused_with_the_rule_and_nothing_is_posted(
    world: World, options: dict[str, Any], says: str
) -> None:
    arguments = {"question": "Q?", "options": "a, b", **options}
    text, message = await create(world, **arguments)
    assert re.search(says, text), text
    assert message is None


async def test_mentions_never_ping_and_members_cannot_create(world: World) -> None:
    question = f"@everyone <@{world.alice.id}> vote!"
    _, anonymous = await create(world, question=question, options="@here, <@&1>", anonymous=True)
    _, native = await create(world, question=question, options="@here, <@&1>")
    for message in (anonymous, native):
        assert message is not None
        assert world.server.pings(message) == ([], [], False)
        assert message.allowed_mentions is not None and not message.allowed_mentions.get("parse")
    assert native.poll.question == question  # shown as typed, pinging nobody
    denied = await world.server.run_command(
        world.alice, world.general, "poll create", {"question": "Q", "options": "a, b"}
    )
    assert "Only moderators" in await denied.text()
    bot = world.bot
    world.clock.advance(days=1)
    await bot.scheduler.run_due()
    await world.server.wait_until(lambda: len(result_posts(world)) == 2)
    for post in result_posts(world):
        assert world.server.pings(post) == ([], [], False)
        assert post.allowed_mentions is not None and not post.allowed_mentions.get("parse")


async def test_forget_me_deletes_the_members_anonymous_votes(world: World) -> None:
    text, message = await create(world, question="Forget?", options="A, B", anonymous=True)
    poll_id = poll_id_of(text)
    await click(world, world.alice, message, poll_id, "0")
    await click(world, world.bob, message, poll_id, "1")
    await world.settle()
    prompt = await world.command(world.alice, "privacy forget-me")
    confirm = next(
        c["custom_id"] for row in prompt.components for c in row["components"] if c.get("label") == "Delete my data"
    )
    done = await world.server.click(world.alice, prompt.message, confirm)
    assert "Deleted everything" in await done.text()
    assert "You have not voted" in await click(world, world.alice, message, poll_id, "me")
    peek = await world.command(world.moderator, "poll results", poll=poll_id)
    assert "**A**: 0 votes" in await peek.text() and "**B**: 1 vote" in await peek.text()


async def test_list_shows_open_and_closed_polls(world: World) -> None:
    bot = world.bot
    await create(world, question="First?", options="a, b", duration="1h")
    await create(world, question="Second?", options="a, b", duration="2h", anonymous=True)
    await close_due(world, bot, timedelta(hours=1))
    listing = await world.server.run_command(world.alice, world.general, "poll list", {})
    text = await listing.text()
    assert listing.ephemeral and "Second?" in text and "First?" in text
    assert text.index("Second?") < text.index("First?")  # open polls first
    assert "open, closes" in text and "closed" in text


async def test_native_poll_of_90_minutes_is_sent_as_2_hours_and_ended_by_hearth_at_90(world: World) -> None:
    _, message = await create(world, question="Quick one?", options="Yes, No", duration="90m")
    assert message.poll.expiry == world.clock.now() + timedelta(hours=2)
    await world.server.vote(world.alice, message, 1)
    await world.advance(minutes=89)
    assert result_post(world) is None
    await world.advance(minutes=1)
    body = embed_text(await world.server.wait_until(lambda: result_post(world)))
    assert "Winner: **Yes** (1 vote)." in body
    assert message.poll.finalized and world.server.rest_calls("POST", f"/polls/{message.id}/expire")
