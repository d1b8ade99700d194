"""Submission contests end to end: submit, close, vote (poll or buttons), results, moderation."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import pytest

from tests.e2e.conftest import eventually as wait_for
from tests.e2e.contests.conftest import Stage

pytestmark = pytest.mark.asyncio


async def start_contest(stage: Stage, **options: Any) -> tuple[Any, Any]:
    """Start a contest; returns its post and its thread."""
    options.setdefault("theme", "Autumn haiku")
    options.setdefault("submit_for", "1d")
    options.setdefault("vote_for", "1d")
    answer = await stage.command(stage.world.moderator, "contest start", **options)
    assert "is open" in answer, answer
    post = stage.server.sent_by_bot(stage.world.general)[-1]
    thread = stage.server.channels[post.id]  # a thread started from a message shares its id
    return post, thread


async def submit(stage: Stage, member: Any, **options: Any) -> str:
    return await stage.command(member, "contest submit", **options)


async def close_submissions(stage: Stage) -> None:
    stage.clock.advance(timedelta(days=1, seconds=1))
    await stage.tick()


async def finish_voting(stage: Stage) -> Any:
    mark = stage.server.mark()
    stage.clock.advance(timedelta(days=1, seconds=1))
    await stage.tick()
    return await stage.server.wait_for_message(
        stage.world.general, lambda m: m.content.startswith("**Results"), after=mark
    )


async def eventually(query: Callable[[], Awaitable[Any]], expected: Any) -> None:
    """Wait until the bot has processed gateway events: votes arrive asynchronously."""

    async def reached() -> bool:
        return await query() == expected

    await wait_for(reached, f"never reached {expected!r}")


def ids(*members: Any) -> list[int]:
    return [m.user.id for m in members]


async def test_full_contest_with_a_poll_ignores_self_votes_and_announces_the_winner(stage: Stage) -> None:
    server, world = stage.server, stage.world
    carol = server.add_member(world.guild, "carol")
    dave, erin = server.add_member(world.guild, "dave"), server.add_member(world.guild, "erin")
    _, thread = await start_contest(stage)
    assert "is in" in await submit(stage, world.alice, text="leaves fall slowly")
    assert "is in" in await submit(stage, world.bob, text="cold wind", contest=1)
    assert "is in" in await stage.command(carol, "contest submit", thread, text="first frost")
    assert "already have an entry" in await submit(stage, world.alice, text="second try")
    assert "updated" in await stage.command(world.alice, "contest edit", text="leaves fall, slowly")
    assert not [m for m in server.sent_by_bot(thread) if "Entry #" in m.content]  # hidden until close

    await close_submissions(stage)
    entries = [m for m in server.sent_by_bot(thread) if m.content.startswith("**Entry #")]
    assert [m.content.splitlines()[0] for m in entries] == [
        f"**Entry #1** by <@{world.alice.user.id}>",
        f"**Entry #2** by <@{world.bob.user.id}>",
        f"**Entry #3** by <@{carol.user.id}>",
    ]
    assert "leaves fall, slowly" in entries[0].content  # the edited text
    assert all(server.pings(m)[0] == [] for m in entries)  # credits never ping
    poll_message = next(m for m in server.sent_by_bot(thread) if m.poll is not None)
    late = await submit(stage, dave, text="late entry")
    assert "closed" in late

    await server.vote(dave, poll_message, 1)
    await server.vote(erin, poll_message, 1)
    await server.vote(world.alice, poll_message, 1)  # her own entry: not counted
    await server.vote(world.bob, poll_message, 3)
    await eventually(lambda: stage.bot.db.fetchval("SELECT COUNT(*) FROM contest_votes"), 4)
    results = await finish_voting(stage)
    assert f"Entry #1 by <@{world.alice.user.id}> wins with 2 vote(s)" in results.content
    assert f"#3 by <@{carol.user.id}>: 1 vote(s)" in results.content
    assert "1 vote(s) for the voter's own entry were not counted" in results.content
    assert server.pings(results)[0] == ids(world.alice)

    await stage.bot.recorder.flush()
    kinds = dict(
        await stage.bot.db.fetchall(
            "SELECT kind, COUNT(*) FROM activities WHERE kind IN ('contest_entry', 'contest_vote') GROUP BY kind"
        )
    )
    assert kinds == {"contest_entry": 3, "contest_vote": 3}
    # One action, one activity: a vote in the contest's native poll is a contest vote, not also a poll vote.
    poll_votes = await stage.bot.db.fetchval(
        "SELECT COUNT(*) FROM activities WHERE kind = 'poll_vote' AND message_id = ?", (poll_message.id,)
    )
    assert poll_votes == 0
    assert "ended" in await stage.command(world.alice, "contest status", contest=1)


async def test_button_voting_refuses_own_entry_and_announces_a_shared_win(stage: Stage) -> None:
    server, world = stage.server, stage.world
    _, thread = await start_contest(stage, voting="buttons", anonymous=True)
    await submit(stage, world.alice, text="alpha")
    await submit(stage, world.bob, text="beta")
    await close_submissions(stage)
    entries = [m for m in server.sent_by_bot(thread) if m.content.startswith("**Entry #")]
    assert [m.content for m in entries] == ["**Entry #1**\nalpha", "**Entry #2**\nbeta"]  # anonymous
    vote_ids = [c["custom_id"] for m in entries for row in m.components for c in row["components"]]

    own = await server.click(world.alice, entries[0], vote_ids[0])
    assert "can't vote for your own entry" in await own.text()
    assert "vote is on entry #2" in await (await server.click(world.alice, entries[1], vote_ids[1])).text()
    assert "vote is on entry #1" in await (await server.click(world.bob, entries[0], vote_ids[0])).text()
    assert "already on entry #1" in await (await server.click(world.bob, entries[0], vote_ids[0])).text()

    results = await finish_voting(stage)
    assert "It's a tie" in results.content and "share the win with 1 vote(s) each" in results.content
    assert sorted(server.pings(results)[0]) == sorted(ids(world.alice, world.bob))
    closed = await server.click(world.owner, entries[0], vote_ids[0])
    assert "closed" in await closed.text()


async def test_more_than_ten_entries_vote_with_buttons(stage: Stage) -> None:
    server, world = stage.server, stage.world
    _, thread = await start_contest(stage)
    people = [server.add_member(world.guild, f"poet{i}") for i in range(11)]
    for person in people:
        await submit(stage, person, text=f"poem by {person.user.name}")
    await close_submissions(stage)
    entries = [m for m in server.sent_by_bot(thread) if m.content.startswith("**Entry #")]
    assert len(entries) == 11 and all(m.components for m in entries)
    assert not any(m.poll for m in server.sent_by_bot(thread))
    vote = entries[4].components[0]["components"][0]["custom_id"]
    await server.click(people[0], entries[4], vote)
    results = await finish_voting(stage)
    assert f"Entry #5 by <@{people[4].user.id}> wins with 1 vote(s)" in results.content


async def test_a_moderator_removes_an_entry_and_the_member_sees_why(stage: Stage) -> None:
    server, world = stage.server, stage.world
    _, thread = await start_contest(stage, voting="buttons")
    await submit(stage, world.alice, text="good")
    await submit(stage, world.bob, text="spam spam")
    assert "Only moderators" in await stage.command(world.alice, "contest remove", member=world.bob.user, reason="x")
    answer = await stage.command(world.moderator, "contest remove", member=world.bob.user, reason="Off-topic")
    assert "Removed" in answer
    status = await stage.command(world.bob, "contest status")
    assert "A moderator removed your entry. Reason: Off-topic" in status
    assert "removed your entry, so it can't be edited" in await stage.command(world.bob, "contest edit", text="x")
    await close_submissions(stage)
    posted = [m.content for m in server.sent_by_bot(thread) if m.content.startswith("**Entry #")]
    assert posted == [f"**Entry #1** by <@{world.alice.user.id}>\ngood"]


async def test_contest_end_at_start_up_after_a_restart_and_early_phase_ends(stage: Stage) -> None:
    server, world = stage.server, stage.world
    _, thread = await start_contest(stage, voting="buttons")
    await submit(stage, world.alice, text="one")
    await submit(stage, world.bob, text="two")
    assert "voting is open" in await stage.command(world.moderator, "contest end")
    entries = [m for m in server.sent_by_bot(thread) if m.content.startswith("**Entry #")]
    vote = await server.click(world.bob, entries[0], entries[0].components[0]["components"][0]["custom_id"])
    assert "vote is on entry #1" in await vote.text()
    await stage.stop()
    stage.clock.advance(timedelta(days=2))
    mark = server.mark()
    await stage.start()  # the overdue contest.end runs during start-up
    results = await server.wait_for_message(world.general, lambda m: m.content.startswith("**Results"), after=mark)
    assert f"Entry #1 by <@{world.alice.user.id}> wins with 1 vote(s)" in results.content
    assert "ended" in await stage.command(world.alice, "contest status", contest=1)


async def test_no_entries_ends_the_contest_quietly(stage: Stage) -> None:
    post, _ = await start_contest(stage)
    assert "no entries" in await stage.command(stage.world.moderator, "contest end")
    assert "no entries" in stage.server.messages[post.id].embeds[0]["description"]


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({"submit_for": "0m"}, "submission period must be between"),
        ({"vote_for": "10m"}, "voting period must be between"),
        ({"submit_for": "1y"}, "not a duration I understand"),
        ({"theme": "<@&123> fans"}, "can't contain mentions"),
    ],
)
async def test_bad_contest_settings_get_a_clear_answer(stage: Stage, options: dict[str, Any], expected: str) -> None:
    base = {"theme": "Haiku", "submit_for": "1d", "vote_for": "1d", **options}
    assert expected in await stage.command(stage.world.moderator, "contest start", **base)
    assert not stage.server.sent_by_bot(stage.world.general)


async def test_bad_entries_get_a_clear_answer(stage: Stage) -> None:
    world = stage.world
    await start_contest(stage)
    big = ("huge.png", b"\0" * (8 * 1024 * 1024 + 1))
    assert "entries can be at most 8.0 MiB" in await submit(stage, world.alice, attachment=big)
    assert "@everyone, @here or role mentions" in await submit(stage, world.alice, text="vote @everyone")
    assert "at most 3 members" in await submit(stage, world.alice, text="<@1> <@2> <@3> <@4>")
    assert "needs text, an attachment" in await submit(stage, world.alice)
    assert "is in" in await submit(stage, world.alice, attachment=("leaf.png", b"png-bytes"))
    assert "already have an entry" in await submit(stage, world.alice, text="again")
    assert "no entry in contest #1" in await stage.command(world.bob, "contest edit", text="x")


async def test_cancel_and_list(stage: Stage) -> None:
    post, _ = await start_contest(stage)
    assert "Only moderators" in await stage.command(stage.world.alice, "contest cancel")
    assert "is cancelled" in await stage.command(stage.world.moderator, "contest cancel", contest=1)
    assert "cancelled" in stage.server.messages[post.id].embeds[0]["description"]
    assert "#1 **Autumn haiku**" in await stage.command(stage.world.alice, "contest list")
    assert "closed" in await submit(stage, stage.world.alice, text="too late", contest=1)
    await close_submissions(stage)  # the cancelled timer never fires
    assert not [m for m in stage.server.sent_by_bot() if m.content.startswith("**Entry #")]
