"""The feedback box end to end: the real bot against the local Discord (modals, buttons, threads, DMs)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from bot.sandbox.localdiscord.interactions import walk_components
from tests.e2e.conftest import World
from tests.e2e.test_summary import setup_summary

KEY = "e2e-secret-key-0123456789abcdef"


@pytest.fixture
async def box(world: World) -> World:
    world.review = world.server.add_text_channel(world.guild, "mod-feedback")  # type: ignore[attr-defined]
    world.public = world.server.add_text_channel(world.guild, "ideas")  # type: ignore[attr-defined]
    await world.restart(secret_key=KEY)
    answer = await world.command(
        world.moderator, "feedback setup", channel=world.review, public_channel=world.public  # type: ignore[attr-defined]
    )
    assert "Feedback now arrives in" in await answer.text()
    return world


async def send(world: World, member: Any, text: str, *, kind: str = "idea", anonymous: bool = False) -> str:
    opened = await world.server.run_command(member, world.general, "feedback send", {})
    await opened.response()
    assert opened.modal is not None, await opened.text()
    submitted = await world.server.submit_modal(
        member,
        opened,
        {"hearth:fb:kind": kind, "hearth:fb:text": text, "hearth:fb:who": "anonymous" if anonymous else "named"},
    )
    answer = await submitted.text()
    assert submitted.ephemeral
    await world.settle()
    return answer


def review_post(world: World) -> Any:
    return world.server.sent_by_bot(world.review)[-1]  # type: ignore[attr-defined]


def item_id(message: Any) -> int:
    for c in walk_components(message.components):
        match = re.fullmatch(r"hearth:fb:(\d+):review", c.get("custom_id", ""))
        if match:
            return int(match.group(1))
    raise AssertionError("no review buttons")


def embed_text(message: Any) -> str:
    embed = message.embeds[0]
    parts = [embed.get("title") or "", embed.get("description") or ""]
    parts += [f"{f['name']}: {f['value']}" for f in embed.get("fields", [])]
    return "\n".join(parts)


async def answer(world: World, status: str, message: Any, reason: str | None = None) -> str:
    pressed = await world.server.click(world.moderator, message, f"hearth:fb:{item_id(message)}:{status}")
    if status == "declined":
        await pressed.response()
        assert pressed.modal is not None
        pressed = await world.server.submit_modal(world.moderator, pressed, {"hearth:fb:reason": reason or ""})
    text = await pressed.text()
    await world.settle()
    return text


def dms(world: World, member: Any) -> list[str]:
    return [m.content for m in world.server.dms.messages_to(member)]


async def test_named_feedback_reaches_review_with_a_thread_and_each_status_change_is_dmed(box: World) -> None:
    w = box
    text = await send(w, w.alice, "Could we have a weekly music night in voice?")
    assert "Sent as idea #1." in text and "DMs" not in text
    post = review_post(w)
    assert "Could we have a weekly music night" in embed_text(post) and f"<@{w.alice.id}>" in embed_text(post)
    assert post.allowed_mentions == {"parse": []} or not (post.allowed_mentions or {}).get("parse")
    threads = [t for t in w.server.threads_created if t.parent_id == w.review.id]  # type: ignore[attr-defined]
    assert len(threads) == 1
    assert "reached the moderators" in dms(w, w.alice)[0]
    public = w.server.sent_by_bot(w.public)[-1]  # type: ignore[attr-defined]
    assert "music night" in embed_text(public) and str(w.alice.id) not in embed_text(public)

    for status, label in (("review", "under review"), ("planned", "planned"), ("done", "done")):
        said = await answer(w, status, review_post(w))
        assert f"is now {label}" in said and "told by DM" in said
        assert f"is now **{label}**" in dms(w, w.alice)[-1]
        assert label in embed_text(review_post(w))
    assert "discord.com/channels" in dms(w, w.alice)[-1]  # the link to the public post
    thread_texts = [m.content for m in w.server.messages_in(threads[0])]
    assert any("moved this to **done**" in t for t in thread_texts)


async def test_decline_needs_a_reason_and_the_reason_reaches_the_author(box: World) -> None:
    w = box
    await send(w, w.bob, "Please remove the slow mode in general", kind="problem")
    refused = await answer(w, "declined", review_post(w), reason="   ")
    assert "needs a reason" in refused
    assert "declined" not in embed_text(review_post(w)).lower().split("status:")[1]
    said = await answer(w, "declined", review_post(w), reason="Slow mode keeps raids out; we'll revisit in spring.")
    assert "is now declined" in said
    assert "Reason: Slow mode keeps raids out" in dms(w, w.bob)[-1]
    stats = await (await w.command(w.moderator, "feedback stats")).text()
    assert "Declined without a reason: 0" in stats


async def test_anonymous_author_is_unseen_but_told_and_can_be_blocked(box: World) -> None:
    w = box
    text = await send(w, w.alice, "The moderators ignore reports in #help", kind="problem", anonymous=True)
    assert "anonymously" in text
    post = review_post(w)
    assert str(w.alice.id) not in embed_text(post) and "alice" not in embed_text(post)
    assert "anonymous" in embed_text(post)
    said = await answer(w, "review", post)
    assert "told by DM" in said and "is now **under review**" in dms(w, w.alice)[-1]

    blocked = await w.server.click(w.moderator, review_post(w), f"hearth:fb:{item_id(post)}:block")
    blocked_text = await blocked.text()
    assert "can no longer send feedback" in blocked_text and "alice" not in blocked_text
    again = await w.server.run_command(w.alice, w.general, "feedback send", {})
    await again.response()
    values = {"hearth:fb:kind": "idea", "hearth:fb:text": "Another anonymous message", "hearth:fb:who": "anonymous"}
    refused = await w.server.submit_modal(w.alice, again, values)
    assert "blocked" in await refused.text()
    # Bob is not affected by alice's block.
    assert "Sent as" in await send(w, w.bob, "Thanks for the game night!", kind="praise", anonymous=True)


async def test_closed_dms_are_said_once_at_submission(box: World) -> None:
    w = box
    w.alice.user.dms_open = False
    text = await send(w, w.alice, "A channel for pets, please")
    assert "DMs from this server are closed" in text
    said = await answer(w, "planned", review_post(w))
    assert "could not be told" in said
    assert dms(w, w.alice) == []


async def test_empty_short_and_long_feedback_get_clear_messages(box: World) -> None:
    w = box
    assert "empty" in await send(w, w.alice, "   ")
    assert "at least 10 characters" in await send(w, w.alice, "short")
    assert w.server.sent_by_bot(w.review) == []  # type: ignore[attr-defined]


async def test_member_cannot_answer_and_setup_is_moderator_only(box: World) -> None:
    w = box
    await send(w, w.bob, "Longer events on weekends would be nice")
    pressed = await w.server.click(w.alice, review_post(w), f"hearth:fb:{item_id(review_post(w))}:done")
    assert "Only moderators" in await pressed.text()
    result = await w.command(w.alice, "feedback setup", channel=w.general)
    assert "moderators" in (await result.text()).lower()


async def test_upvotes_count_once_per_member_and_show_no_names(box: World) -> None:
    w = box
    await send(w, w.bob, "Add a movie night channel")
    public = w.server.sent_by_bot(w.public)[-1]  # type: ignore[attr-defined]
    custom = next(c["custom_id"] for c in walk_components(public.components))
    for member in (w.alice, w.moderator, w.alice):
        pressed = await w.server.click(member, public, custom)
        await pressed.text()
        public = w.server.sent_by_bot(w.public)[-1]  # type: ignore[attr-defined]
    labels = [c.get("label") for c in walk_components(public.components)]
    assert labels == ["Upvote (1)"]  # alice voted then withdrew; maya's vote stays
    rows = await w.rows("SELECT voter_hash FROM feedback_votes")
    assert len(rows) == 1 and str(w.moderator.id) not in rows[0][0]


async def test_digest_posts_you_said_we_did(box: World) -> None:
    w = box
    await send(w, w.alice, "A channel for sharing photos")
    await answer(w, "done", review_post(w))
    await send(w, w.bob, "Daily trivia at noon please")
    await answer(w, "planned", review_post(w))
    await send(w, w.bob, "Ban all memes from general")
    await answer(w, "declined", review_post(w), reason="Memes are half the fun here.")
    await send(w, w.alice, "Something still open here")
    result = await w.command(w.moderator, "feedback digest", channel=w.community.announcements)
    assert "Posted" in await result.text()
    digest = embed_text(w.server.sent_by_bot(w.community.announcements)[-1])
    assert "You said, we did" in digest
    assert "**Done**" in digest and "sharing photos" in digest
    assert "**Planned**" in digest and "trivia at noon" in digest
    assert "**Declined**" in digest and "Memes are half the fun here." in digest
    assert "still open" not in digest


async def test_a_dump_of_every_table_holds_no_trace_of_the_anonymous_author(box: World) -> None:
    w = box
    await send(w, w.bob, "Named idea: a book club")
    await send(w, w.alice, "Anonymous: the rules channel is confusing", kind="problem", anonymous=True)
    await answer(w, "planned", review_post(w))  # the anonymous author is DMed through the sealed id
    assert "is now **planned**" in dms(w, w.alice)[-1]
    for public in w.server.sent_by_bot(w.public):  # type: ignore[attr-defined]
        custom = next(c["custom_id"] for c in walk_components(public.components))
        await (await w.server.click(w.alice, public, custom)).text()  # alice upvotes both items
    await w.settle()

    secret = str(w.alice.id)
    tables = [r[0] for r in await w.rows("SELECT name FROM sqlite_master WHERE type = 'table'")]
    cells: list[str] = []
    for table in tables:
        for row in await w.rows(f'SELECT * FROM "{table}"'):
            cells += [str(v) for v in row if v is not None]
    assert "feedback_items" in tables and "feedback_votes" in tables
    assert not [c for c in cells if secret in c], "the anonymous author's id is in the database"
    # Keyed hashes under the key stored in the database (the privacy key) must not identify her either.
    privacy = w.bot.privacy
    for candidate in (privacy.member_hash(w.alice.id), *(
        privacy.scoped_hash(scope, w.alice.id) for scope in ("feedback", f"feedback:{w.guild.id}")
    )):
        assert candidate not in cells
    # The sealed author opens only with the key from the environment, never with anything in the dump.
    from bot.platform.sealing import Sealer, SealError

    sealed = (await w.rows("SELECT author_sealed FROM feedback_items WHERE anonymous = 1"))[0][0]
    for cell in set(cells):
        if len(cell) >= 16:
            with pytest.raises(SealError):
                Sealer(cell).unseal(sealed, f"feedback-author:{w.guild.id}")
    assert Sealer(KEY).unseal(sealed, f"feedback-author:{w.guild.id}") == w.alice.id


async def test_weekly_summary_says_you_said_we_did(box: World) -> None:
    w = box
    await setup_summary(w)
    await send(w, w.alice, "A channel for sharing photos")
    await answer(w, "done", review_post(w))
    await send(w, w.bob, "Ban all memes from general")
    await answer(w, "declined", review_post(w), reason="Memes are half the fun here.")
    await send(w, w.bob, "Still waiting for an answer here")
    w.clock.advance(days=7)  # the summary covers the last complete week
    preview = await w.command(w.moderator, "summary preview")
    await preview.text()
    embed = [m for m in preview.visible_messages() if m.embeds][-1].embeds[0]
    field = next(f["value"] for f in embed["fields"] if f["name"] == "You said, we did")
    assert "**Done**" in field and "sharing photos" in field
    assert "**Declined**" in field and "Memes are half the fun here." in field
    assert "Still waiting" not in field


async def test_user_text_never_pings_anywhere_it_goes(box: World) -> None:
    w = box
    loud = f"@everyone look at this <@{w.bob.id}> and <@&{w.community.moderator_role.id}> please"
    await send(w, w.alice, loud)
    await answer(w, "declined", review_post(w), reason=f"@everyone no thanks <@{w.alice.id}>")
    await (await w.command(w.moderator, "feedback digest", channel=w.community.announcements)).text()
    sent = [m for m in w.server.messages.values() if m.author.id == w.server.bot_user.id and not m.deleted]
    assert len(sent) >= 5
    for message in sent:
        assert w.server.pings(message) == ([], [], False), message.text()
