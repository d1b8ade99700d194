"""/feedback list and /feedback unblock end to end: what moderators see, and lifting a block
without anyone learning who the sender is."""

from __future__ import annotations

import re
from typing import Any

from bot.sandbox.localdiscord.interactions import InteractionResult
from tests.e2e.conftest import World
from tests.e2e.test_feedback import box, item_id, review_post, send

__all__ = ["box"]  # the fixture, shared with test_feedback


async def listed(w: World, member: Any = None, **options: Any) -> tuple[InteractionResult, str]:
    result = await w.command(member or w.moderator, "feedback list", **options)
    return result, await result.text()


def numbers(text: str) -> list[int]:
    """The item numbers a list shows, in order."""
    return [int(n) for n in re.findall(r"\[#(\d+)\]\(https://discord\.com/channels/", text)]


async def block(w: World, message: Any) -> str:
    pressed = await w.server.click(w.moderator, message, f"hearth:fb:{item_id(message)}:block")
    text = await pressed.text()
    await w.settle()
    return text


async def test_list_shows_open_items_oldest_first_with_age_sender_and_link_never_the_anonymous_author(
    box: World,
) -> None:
    w = box
    await send(w, w.alice, "A channel for sharing photos please")
    w.clock.advance(days=3)
    await send(w, w.bob, "The rules channel confuses newcomers", kind="problem", anonymous=True)
    w.clock.advance(days=1)
    result, text = await listed(w)
    assert result.ephemeral
    assert numbers(text) == [1, 2]
    first, second = (line for line in text.splitlines() if line.startswith("[#"))
    assert f"idea, new, 4 d old, from <@{w.alice.id}>, ▲ 0: A channel for sharing photos please" in first
    assert "problem, new, 1 d old, from anonymous, ▲ 0: The rules channel confuses newcomers" in second
    assert str(w.bob.id) not in text and "bob" not in text.lower()
    link = re.search(r"\[#1\]\(https://discord\.com/channels/(\d+)/(\d+)/(\d+)\)", first)
    assert link is not None
    assert [int(g) for g in link.groups()] == [w.guild.id, w.review.id, w.server.sent_by_bot(w.review)[0].id]  # type: ignore[attr-defined]
    assert "Page 1/1" in text
    assert w.server.pings(result.message) == ([], [], False)  # type: ignore[arg-type]


async def test_list_filters_by_status(box: World) -> None:
    w = box
    await send(w, w.alice, "Idea one: a book club")
    await send(w, w.bob, "Idea two: movie nights")
    await send(w, w.alice, "Idea three: a quiz league")
    await (await w.server.click(w.moderator, review_post(w), f"hearth:fb:{item_id(review_post(w))}:done")).text()
    reviewed = w.server.sent_by_bot(w.review)[1]  # type: ignore[attr-defined]
    await (await w.server.click(w.moderator, reviewed, f"hearth:fb:{item_id(reviewed)}:review")).text()
    await w.settle()
    assert numbers((await listed(w))[1]) == [1, 2]  # open = new or under review
    assert numbers((await listed(w, status="review"))[1]) == [2]
    assert numbers((await listed(w, status="done"))[1]) == [3]
    everything = (await listed(w, status="all"))[1]
    assert numbers(everything) == [1, 2, 3]
    assert "under review" in everything and ", done," in everything
    _, none = await listed(w, status="declined")
    assert "No declined feedback items." in none


async def test_list_pages_fifteen_items_at_a_time(box: World) -> None:
    w = box
    for n in range(17):
        w.clock.advance(minutes=1)
        await send(w, w.alice if n % 2 else w.bob, f"Suggestion number {n + 1} for the server")
    _, first = await listed(w)
    assert numbers(first) == list(range(1, 16))
    assert "Feedback: open (17)" in first and "Page 1/2" in first and "page:2" in first
    _, second = await listed(w, page=2)
    assert numbers(second) == [16, 17] and "Page 2/2" in second and "Next" not in second
    _, beyond = await listed(w, page=3)
    assert "There are 2 pages of open items." in beyond


async def test_list_is_for_moderators_only_checked_by_the_bot(box: World) -> None:
    w = box
    await send(w, w.bob, "Something only moderators should read")
    result, text = await listed(w, w.alice)
    assert result.ephemeral and "Only moderators" in text and "only moderators should read" not in text


async def test_list_never_pings(box: World) -> None:
    w = box
    await send(w, w.alice, f"@everyone look <@{w.bob.id}> and <@&{w.community.moderator_role.id}> here")
    result, text = await listed(w)
    assert "@everyone look" in text
    assert result.message is not None and w.server.pings(result.message) == ([], [], False)


async def unblock(w: World, number: int, member: Any = None) -> str:
    result = await w.command(member or w.moderator, "feedback unblock", item=number)
    assert result.ephemeral
    return await result.text()


async def test_unblock_lets_a_blocked_anonymous_sender_send_again_without_revealing_them(box: World) -> None:
    w = box
    await send(w, w.alice, "You are all terrible moderators", kind="problem", anonymous=True)
    assert "can no longer send feedback" in await block(w, review_post(w))
    assert "blocked" in await send(w, w.alice, "Still terrible, all of you", anonymous=True)

    said = await unblock(w, 1)
    assert "The sender of #1 can send feedback again" in said
    assert str(w.alice.id) not in said and "alice" not in said.lower()
    assert "Sent as idea #2 anonymously" in await send(w, w.alice, "Sorry, thanks for the events", anonymous=True)
    thread = next(t for t in w.server.threads_created if t.parent_id == w.review.id)  # type: ignore[attr-defined]
    notes = [m.text() for m in w.server.messages_in(thread)]
    assert any("lifted the block on the sender of this item" in n for n in notes)
    assert all(str(w.alice.id) not in n for n in notes)
    assert await w.rows("SELECT * FROM feedback_blocks") == []


async def test_unblock_only_from_the_item_blocked_from_with_clear_messages(box: World) -> None:
    w = box
    await send(w, w.alice, "First message from this sender", anonymous=True)
    await send(w, w.alice, "Second message from this sender", anonymous=True)
    await block(w, review_post(w))  # blocked from #2
    # #1 has the same (anonymous) sender, but saying so would link the two items: only #2 lifts it.
    assert "No block was made from #1" in await unblock(w, 1)
    assert "There is no feedback item #9." in await unblock(w, 9)
    assert "Only moderators" in await unblock(w, 2, w.bob)
    assert len(await w.rows("SELECT * FROM feedback_blocks")) == 1
    assert "can send feedback again" in await unblock(w, 2)
    assert "No block was made from #2" in await unblock(w, 2)


async def test_unblock_suggests_blocked_items_to_moderators_only(box: World) -> None:
    w = box
    await send(w, w.bob, "A harmless idea from bob here")
    await send(w, w.alice, "An abusive anonymous message", anonymous=True)
    await block(w, review_post(w))

    async def suggestions(member: Any, typed: str) -> list[tuple[str, int]]:
        found = await w.server.autocomplete(member, w.general, "feedback unblock", {"item": typed}, focused="item")
        await found.response()
        return [(c["name"], c["value"]) for c in found.choices or []]

    (only,) = await suggestions(w.moderator, "")
    assert only[1] == 2 and only[0].startswith("#2 idea: An abusive anonymous message (blocked 02 Mar)")
    assert await suggestions(w.moderator, "harmless") == []
    assert await suggestions(w.alice, "") == []
