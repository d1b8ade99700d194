"""A/B test results where moderators read them: /report's content section and the weekly summary."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from bot.sandbox.localdiscord import Message
from tests.e2e.conftest import World, eventually
from tests.e2e.test_experiments import advance_to, questions, setup_schedule, text

DAY0 = datetime(2026, 3, 2, tzinfo=UTC)  # the harness starts on Monday 2 March, 08:00 UTC


async def run_slot_test(world: World, crowd: list[Any], days: range) -> None:
    """Drive an evening-vs-morning slot test over ``days`` (from DAY0): the 18:00 arm gets far more answers."""
    seen = len(questions(world))
    for day in days:
        for hour in (9, 18):
            await advance_to(world, DAY0 + timedelta(days=day, hours=hour, minutes=5))
            for message in questions(world)[seen:]:
                for member in crowd[: 12 if hour == 18 else 1]:
                    await world.server.react(member, message, "👍")
            seen = len(questions(world))
            await world.settle()


async def start_evening_test(world: World, schedule: int = 1) -> None:
    answer = await text(
        world, "experiment start", name="Evening", factor="slot", a="09:00", b="18:00", schedule=schedule, posts=6
    )
    assert "Started the A/B test `evening`" in answer


async def test_report_content_section_shows_a_running_test(world: World) -> None:
    crowd = await setup_schedule(world, members=16)
    await start_evening_test(world)
    await run_slot_test(world, crowd, range(2))
    await world.advance(hours=1)

    result = await world.command(world.moderator, "report", period="week", section="content")
    shown = await result.text()
    assert result.ephemeral
    assert "**By kind**" in shown and "**A/B tests**" in shown
    assert "A/B test `evening` (slot: A 09:00 vs B 18:00 on schedule #1) is running: 2 of 6 posts so far" in shown
    assert "B − A: " in shown and "inconclusive so far" in shown
    # Only the content section carries it.
    overview = await world.command(world.moderator, "report", period="week")
    assert "A/B test" not in await overview.text()


def fields(message: Message) -> dict[str, str]:
    return {f["name"]: f["value"] for f in message.embeds[0].get("fields", [])}


def summaries(world: World) -> list[Message]:
    return [
        m
        for m in world.server.sent_by_bot(world.community.announcements)
        if m.embeds and str(m.embeds[0].get("title", "")).startswith("Weekly summary")
    ]


async def test_weekly_summary_names_a_running_test_then_the_winner(world: World) -> None:
    result = await world.command(
        world.moderator, "hearth setup", timezone="UTC", summary_channel=world.community.announcements
    )
    assert "Hearth is set up." in await result.text()
    # the summary schedule is created right after the command's reply
    await eventually(lambda: world.bot.scheduler.repo.list(world.guild.id, "summary"), "no summary schedule")
    crowd = await setup_schedule(world, members=16)

    # Before any test there is nothing to say: no Experiments field.
    preview = await world.command(world.moderator, "summary preview")
    await preview.text()
    embeds = [m for m in preview.visible_messages() if m.embeds]
    assert "Experiments" not in fields(embeds[-1])

    [(schedule,)] = await world.rows("SELECT id FROM schedules WHERE kind = 'question'")
    await start_evening_test(world, schedule)
    await run_slot_test(world, crowd, range(2))
    preview = await world.command(world.moderator, "summary preview")
    await preview.text()
    running = fields([m for m in preview.visible_messages() if m.embeds][-1])["Experiments"]
    assert "A/B test `evening`" in running and "is running: 2 of 6 posts so far" in running

    await run_slot_test(world, crowd, range(2, 6))  # the rest of the plan
    await advance_to(world, datetime(2026, 3, 9, 9, 5, tzinfo=UTC))  # Monday 09:00: the summary is due
    first, message = summaries(world)
    # Monday 2 March's summary went out while the test was running, and said so.
    assert "is running: " in fields(first)["Experiments"] and "of 6 posts so far" in fields(first)["Experiments"]
    assert message.embeds[0]["title"] == "Weekly summary · 2–8 Mar 2026"
    finished = fields(message)["Experiments"]
    test = f"A/B test `evening` (slot: A 09:00 vs B 18:00 on schedule #{schedule})"
    assert f"{test} finished: B wins (18:00), B − A: +" in finished
    assert "apply it from `/experiment status name:evening`" in finished
    assert world.server.pings(message) == ([], [], False)
