"""REST faults (429 with retry_after, 500, 503) on answers, scheduled posts, threads and poll closings.

discord.py waits out a 429's ``retry_after`` and retries; it retries a 500 after 1 s (used once,
it costs real time); a 503 surfaces at once as ``DiscordServerError``. In the end every post
goes out exactly once, every interaction is answered in time, and a failure that Hearth cannot
hide is recorded where moderators see it (``/hearth status``).
"""

from __future__ import annotations

import re
import time
from typing import Any

import discord

from bot.sandbox.localdiscord.world import Message
from tests.reliability.commands import ErrorLogs, build_fuzz_world, leaf_commands, simple_options
from tests.reliability.conftest import World

QUESTION_TITLE = "Question of the day"


def questions_posted(world: World) -> list[Message]:
    return [
        m for m in world.server.sent_by_bot(world.general) if m.embeds and m.embeds[0].get("title") == QUESTION_TITLE
    ]


def result_posts(world: World) -> list[Message]:
    return [
        m
        for m in world.server.sent_by_bot(world.general)
        if m.embeds and (m.embeds[0].get("title") or "").startswith("📊 Results")
    ]


async def schedule_daily_question(world: World, count: int = 3) -> None:
    for i in range(count):
        assert "Added question" in await (await world.command(world.moderator, "question add", text=f"Q{i}?")).text()
    answer = await world.command(
        world.moderator, "question schedule", channel=world.general, time="09:00", days="daily"
    )
    assert "Scheduled" in await answer.text()


async def status_text(world: World) -> str:
    return await (await world.command(world.moderator, "hearth status")).text()


async def occurrence_statuses(world: World) -> list[tuple[str, str]]:
    return [(o.occurrence_key, o.status) for o in await world.bot.scheduler.repo.occurrences(world.guild.id)]


# -- interaction answers ----------------------------------------------------------------------------
async def test_rate_limited_interaction_callbacks_are_answered_once_in_time(world: World) -> None:
    for name in ("hearth status", "privacy optin"):
        world.server.rate_limit_next(2, method="POST", path="re:^/interactions/", retry_after=0.05)
        started = time.perf_counter()
        result = await world.server.run_command(world.moderator, world.general, name)
        await result.response(timeout=3)
        assert time.perf_counter() - started < 3, "answered after Discord's 3 s deadline"
        assert await result.text()
    callbacks = world.server.rest_calls("POST", "/interactions/")
    assert [c.status for c in callbacks] == [429, 429, 200, 429, 429, 200]


async def test_a_503_on_the_answer_is_retried_within_discords_deadline(world: World) -> None:
    # Interaction callbacks go through discord.py's webhook adapter, which retries any 5xx after 1 s.
    world.server.fail_next(1, status=503, method="POST", path="re:^/interactions/")
    started = time.perf_counter()
    with ErrorLogs() as errors:
        result = await world.server.run_command(world.moderator, world.general, "hearth status")
        await result.response(timeout=3)
    assert time.perf_counter() - started < 3
    assert "Hearth status" in await result.text()
    assert [c.status for c in world.server.rest_calls("POST", "/interactions/")] == [503, 200]
    assert errors.take() == []


# -- scheduled posts and their threads ------------------------------------------------------------
async def test_scheduled_question_goes_out_once_through_429s_on_the_post_and_the_thread(world: World) -> None:
    await schedule_daily_question(world)
    world.server.rate_limit_next(2, method="POST", path="/channels/*/messages", retry_after=0.02)
    world.server.rate_limit_next(2, method="POST", path="/channels/*/messages/*/threads", retry_after=0.02)
    await world.advance(hours=1, minutes=1)
    assert len(questions_posted(world)) == 1
    assert len(world.server.threads_created) == 1
    assert await occurrence_statuses(world) == [("2026-03-02", "posted")]
    await world.restart()  # a restart does not post it again
    await world.advance(minutes=1)
    assert len(questions_posted(world)) == 1


async def test_scheduled_question_goes_out_once_after_a_500(world: World) -> None:
    await schedule_daily_question(world)
    world.server.fail_next(1, status=500, method="POST", path="/channels/*/messages")  # discord.py retries after 1 s
    await world.advance(hours=1, minutes=1)
    assert len(questions_posted(world)) == 1
    assert await occurrence_statuses(world) == [("2026-03-02", "posted")]


async def test_a_503_on_a_scheduled_post_is_recorded_shown_and_the_next_day_posts(world: World) -> None:
    await schedule_daily_question(world)
    world.server.fail_next(1, status=503, method="POST", path="/channels/*/messages")
    await world.advance(hours=1, minutes=1)
    assert questions_posted(world) == []
    assert await occurrence_statuses(world) == [("2026-03-02", "failed")]
    assert re.search(r"2026-03-02: .*503", await status_text(world))
    await world.advance(days=1)
    assert len(questions_posted(world)) == 1
    assert await occurrence_statuses(world) == [("2026-03-02", "failed"), ("2026-03-03", "posted")]


async def test_a_thread_that_cannot_be_opened_keeps_the_post_and_tells_moderators(world: World) -> None:
    await schedule_daily_question(world)
    world.server.fail_next(1, status=503, method="POST", path="/channels/*/messages/*/threads")
    await world.advance(hours=1, minutes=1)
    assert len(questions_posted(world)) == 1 and world.server.threads_created == []
    assert await occurrence_statuses(world) == [("2026-03-02", "posted")]
    assert "could not open its thread" in await status_text(world)


# -- poll closings ----------------------------------------------------------------------------------
async def create_native_poll(world: World) -> tuple[int, Message]:
    result = await world.server.run_command(
        world.moderator,
        world.general,
        "poll create",
        {"channel": world.general, "question": "Tea or coffee?", "options": "Tea, Coffee", "duration": "2h"},
    )
    text = await result.text()
    match = re.search(r"#(\d+)", text)
    assert match, text
    message = next(m for m in world.server.sent_by_bot(world.general) if m.poll is not None)
    return int(match.group(1)), message


async def test_poll_closing_through_429s_ends_the_poll_and_posts_the_result_once(world: World) -> None:
    _, message = await create_native_poll(world)
    await world.server.vote(world.alice, message, 1)
    world.server.rate_limit_next(1, path="re:/polls/.*/expire", retry_after=0.02)
    world.server.rate_limit_next(2, method="POST", path="/channels/*/messages", retry_after=0.02)
    await world.advance(hours=2)
    await world.server.wait_until(lambda: result_posts(world))
    assert message.poll is not None and message.poll.finalized
    await world.restart()
    await world.advance(minutes=5)
    assert len(result_posts(world)) == 1


async def test_poll_closing_survives_a_503_and_posts_the_result_once_in_the_end(world: World) -> None:
    poll_id, message = await create_native_poll(world)
    await world.server.vote(world.bob, message, 2)
    world.server.fail_next(1, status=503, method="POST", path="/channels/*/messages")  # the result post
    await world.advance(hours=2)
    assert result_posts(world) == []
    assert f"#{poll_id}" in await status_text(world)  # moderators see the failed closing
    for _ in range(6):  # Hearth retries the closing; no moderator action needed
        await world.advance(minutes=10)
    assert len(result_posts(world)) == 1
    await world.restart()
    await world.advance(hours=1)
    assert len(result_posts(world)) == 1


# -- attachments the CDN no longer serves ------------------------------------------------------------
class ExpiredCdn(dict[int, Any]):
    """The attachment store with every file expired: downloads answer 404."""

    def get(self, key: Any, default: Any = None) -> Any:
        return None


async def test_every_command_with_a_file_answers_a_failed_download_with_a_short_error(world: World) -> None:
    fuzz = await build_fuzz_world(world.server, world.community)
    commands = [
        c
        for c in leaf_commands(world.bot.tree)
        if any(p.type is discord.AppCommandOptionType.attachment for p in c.parameters)
    ]
    assert commands
    world.server.attachments = ExpiredCdn(world.server.attachments)
    with ErrorLogs() as errors:
        for command in commands:
            result = await world.server.run_command(
                world.moderator, world.general, command.qualified_name, simple_options(command, fuzz)
            )
            text = await result.text(timeout=3)
            assert result.ephemeral and "Something went wrong" not in text, f"/{command.qualified_name}: {text!r}"
    assert errors.take() == []
