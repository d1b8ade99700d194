"""Publishing (crossposting) Hearth posts in announcement channels, through the local Discord."""

from __future__ import annotations

import asyncio

from bot.sandbox.localdiscord import Message
from bot.sandbox.localdiscord.crossposts import CROSSPOSTED
from tests.e2e.conftest import World

OUT_OF_SIGHT = "out of Hearth's sight"


async def _channels(world: World) -> tuple[object, object]:
    news = world.server.add_announcement_channel(world.guild, "news")
    mods = world.server.add_text_channel(world.guild, "mods")
    await world.settle()
    await world.command(world.moderator, "question starter-pack")
    return news, mods


async def _question_now(world: World, channel: object) -> None:
    result = await world.command(world.moderator, "question now", channel=channel)
    await result.followup()
    await world.settle()


def _questions(world: World, news: object) -> list[Message]:
    return [m for m in world.server.sent_by_bot(news) if m.embeds]  # type: ignore[arg-type]


def _offers(world: World, mods: object) -> list[Message]:
    return world.server.sent_by_bot(mods)  # type: ignore[arg-type]


def _button(offer: Message) -> str:
    (row,) = offer.components
    (button,) = row["components"]
    return button["custom_id"]


async def _offered(world: World) -> tuple[object, object, Message, Message]:
    """An announcement channel, a moderators' channel with mode ask, a question and its offer."""
    news, mods = await _channels(world)
    await world.command(world.moderator, "shares publishing", mode="ask", channel=mods)
    await _question_now(world, news)
    (question,) = _questions(world, news)
    (offer,) = _offers(world, mods)
    return news, mods, question, offer


async def _status(world: World, post_message: Message) -> tuple[str, int | None]:
    (row,) = await world.rows(
        "SELECT c.status, c.published_by FROM crossposts c JOIN posts p ON p.id = c.post_id WHERE p.message_id = ?",
        post_message.id,
    )
    return row  # type: ignore[return-value]


async def test_a_scheduled_question_in_an_announcement_channel_is_offered_and_published_once(world: World) -> None:
    news, mods = await _channels(world)
    said = await (await world.command(world.moderator, "shares publishing", mode="ask", channel=mods)).text()
    assert "Publish button" in said and OUT_OF_SIGHT in said
    await world.command(world.moderator, "question schedule", channel=news, time="09:00", days="daily")
    await world.advance(hours=1, minutes=1)
    (question,) = _questions(world, news)
    (offer,) = _offers(world, mods)
    assert OUT_OF_SIGHT in offer.content and f"/{news.id}/{question.id}" in offer.content  # type: ignore[attr-defined]
    assert not offer.allowed_mentions or not offer.allowed_mentions.get("parse")
    assert not question.flags & CROSSPOSTED  # nothing published before a moderator says so

    clicked = await world.server.click(world.moderator, offer, _button(offer))
    await clicked.response()
    await world.settle()
    assert world.server.messages[question.id].flags & CROSSPOSTED
    assert world.server.messages[offer.id].content.startswith(f"Published by <@{world.moderator.id}>")
    assert world.server.messages[offer.id].components == []  # the button is gone
    assert await _status(world, question) == ("published", world.moderator.id)
    crossposts = [c for c in world.server.rest_log if c.path.endswith("/crosspost")]
    assert [c.status for c in crossposts] == [200]  # published once
    report = await (await world.command(world.moderator, "report", period="this week", section="posts")).text()
    assert "1 post was published to servers following an announcement channel" in report
    assert OUT_OF_SIGHT in report

    # A regular channel's question is never offered.
    await _question_now(world, world.general)
    assert len(_offers(world, mods)) == 1


async def test_two_moderators_pressing_at_once_publish_once(world: World) -> None:
    _news, _mods, question, offer = await _offered(world)
    first, second = await asyncio.gather(
        world.server.click(world.moderator, offer, _button(offer)),
        world.server.click(world.community.owner, offer, _button(offer)),
    )
    await first.response()
    await second.response()
    await world.settle()
    assert world.server.messages[question.id].flags & CROSSPOSTED
    assert [c.status for c in world.server.rest_log if c.path.endswith("/crosspost")] in ([200], [200, 400])
    assert await _status(world, question) == ("published", world.moderator.id)


async def test_a_post_published_by_hand_first_is_handled_gracefully(world: World) -> None:
    _news, _mods, question, offer = await _offered(world)
    await world.server.publish(world.moderator, question)  # the Publish button in Discord's own menu
    clicked = await world.server.click(world.moderator, offer, _button(offer))
    await clicked.response()
    await world.settle()
    edited = world.server.messages[offer.id]
    assert edited.content.startswith("Published before (in Discord)") and edited.components == []
    assert [c.status for c in world.server.rest_log if c.path.endswith("/crosspost")] == [400]  # Discord's 40033
    assert (await _status(world, question))[0] == "published"


async def test_a_member_who_is_no_moderator_cannot_publish(world: World) -> None:
    _news, _mods, question, offer = await _offered(world)
    refused = await world.server.click(world.alice, offer, _button(offer))
    text = await refused.text()
    assert refused.ephemeral and "Only moderators" in text
    assert not world.server.messages[question.id].flags & CROSSPOSTED
    assert _button(world.server.messages[offer.id])  # the offer still waits for a moderator
    assert not [c for c in world.server.rest_log if c.path.endswith("/crosspost")]
    refused_command = await world.command(world.alice, "shares publishing", mode="auto")
    assert refused_command.ephemeral


async def test_a_missing_permission_is_explained_and_the_offer_stays(world: World) -> None:
    news, _mods, question, offer = await _offered(world)
    world.server.set_bot_permission(news, send_messages=False)
    await world.settle()
    clicked = await world.server.click(world.moderator, offer, _button(offer))
    text = await clicked.text()
    assert clicked.ephemeral and "needs View Channel and Send Messages" in text
    assert not world.server.messages[question.id].flags & CROSSPOSTED
    assert (await _status(world, question))[0] == "offered"
    world.server.set_bot_permission(news, send_messages=None)
    await world.settle()
    again = await world.server.click(world.moderator, offer, _button(offer))
    await again.response()
    await world.settle()
    assert world.server.messages[question.id].flags & CROSSPOSTED


async def test_auto_publishes_as_it_posts_within_discords_hourly_limit(world: World) -> None:
    news, _ = await _channels(world)
    said = await (await world.command(world.moderator, "shares publishing", mode="auto")).text()
    assert "10 an hour" in said
    for _ in range(11):
        await _question_now(world, news)
        await world.advance(minutes=1)
    questions = _questions(world, news)
    assert len(questions) == 11
    published = [m for m in questions if world.server.messages[m.id].flags & CROSSPOSTED]
    assert published == questions[:10]
    assert [c.status for c in world.server.rest_log if c.path.endswith("/crosspost")] == [200] * 10  # no 429
    assert await _status(world, questions[10]) == ("failed", None)
    status = await (await world.command(world.moderator, "hearth status")).text()
    assert "publishes an hour" in status and "try again in 50 minutes" in status


async def test_without_a_choice_status_says_how_to_publish(world: World) -> None:
    news, _ = await _channels(world)
    await _question_now(world, news)
    (question,) = _questions(world, news)
    assert not question.flags & CROSSPOSTED
    status = await (await world.command(world.moderator, "hearth status")).text()
    assert "/shares publishing" in status and "1 Hearth post went to announcement channels" in status
    await world.command(world.moderator, "shares publishing", mode="off")
    await _question_now(world, news)
    assert [c for c in world.server.rest_log if c.path.endswith("/crosspost")] == []


async def test_forget_me_removes_the_publishing_moderator(world: World) -> None:
    _news, _mods, question, offer = await _offered(world)
    await (await world.server.click(world.moderator, offer, _button(offer))).response()
    await world.bot.privacy.forget(world.guild.id, world.moderator.id)
    assert await _status(world, question) == ("published", None)
