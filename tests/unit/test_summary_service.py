"""The summary schedule: defaults, one per guild, following the channel, pause, and which week it covers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, time

import pytest

from bot.core.clock import FakeClock
from bot.core.settings import SchedulerSettings, SummarySettings
from bot.features.summary.service import (
    SummaryInputError,
    SummaryService,
    covered_week,
    describe,
    parse_weekday,
    week_bounds,
)
from bot.platform.scheduler import Scheduler
from bot.storage import Database
from bot.storage.contests import ContestRepository
from bot.storage.guilds import GuildConfig, GuildRepository
from bot.storage.schedules import ScheduleRepository
from bot.storage.summary import SummaryRepository
from bot.storage.trivia import TriviaRepository

GUILD = 5


@pytest.fixture
async def service(database_url: str) -> AsyncIterator[SummaryService]:
    db = await Database.open(database_url)
    await db.migrate()
    clock = FakeClock(datetime(2026, 3, 4, 12, 0, tzinfo=UTC))
    guilds = GuildRepository(db, "UTC")
    scheduler = Scheduler(ScheduleRepository(db), guilds, clock, SchedulerSettings(), drive_jobs=False)
    yield SummaryService(
        scheduler,
        guilds,
        SummaryRepository(db),
        ContestRepository(db),
        TriviaRepository(db),
        SummarySettings(default_day="tuesday", default_time="17:30"),
        clock,
    )
    await db.close()


def test_weekday_names_and_the_covered_week() -> None:
    assert parse_weekday("Mon") == 0 and parse_weekday("sunday") == 6
    with pytest.raises(SummaryInputError):
        parse_weekday("mo")
    assert covered_week(date(2026, 3, 9)) == date(2026, 3, 2)  # Monday: the week just ended
    assert covered_week(date(2026, 3, 15)) == date(2026, 3, 2)  # Sunday: still the last complete week
    bounds = week_bounds(date(2026, 3, 23), "Europe/Berlin")  # DST starts on 29 March
    assert (bounds.until_ms - bounds.since_ms) == (7 * 24 - 1) * 3600 * 1000


async def test_default_schedule_is_created_once_and_follows_the_channel(service: SummaryService) -> None:
    first = await service.ensure_schedule(GUILD, 100)
    assert (first.kind, first.channel_id, first.local_time, first.weekdays) == ("summary", 100, time(17, 30), {1})
    again = await service.ensure_schedule(GUILD, 200)
    assert again.id == first.id and again.channel_id == 200
    assert len(await service.scheduler.repo.list(GUILD, "summary")) == 1


async def test_the_database_refuses_a_second_summary_schedule(service: SummaryService) -> None:
    await service.ensure_schedule(GUILD, 100)
    with pytest.raises(Exception, match=r"(?i)unique"):
        await service.scheduler.repo.add(GUILD, "summary", 100, time(9), frozenset({0}), now_ms=0)


async def test_start_up_creates_schedules_for_guilds_configured_before(service: SummaryService) -> None:
    await service.guilds.save(GuildConfig(GUILD, "UTC", summary_channel_id=300), 0)
    await service.guilds.save(GuildConfig(GUILD + 1, "UTC"), 0)
    assert await service.ensure_all() == 1
    assert await service.ensure_all() == 0
    schedule = await service.schedule_of(GUILD)
    assert schedule is not None and schedule.channel_id == 300
    assert await service.schedule_of(GUILD + 1) is None


async def test_set_schedule_needs_a_channel_then_changes_day_and_time(service: SummaryService) -> None:
    with pytest.raises(SummaryInputError, match="/hearth setup summary_channel:"):
        await service.set_schedule(GUILD, "friday", "18:00", by=9)
    await service.guilds.save(GuildConfig(GUILD, "UTC", summary_channel_id=300), 0)
    schedule = await service.set_schedule(GUILD, "friday", "6pm", by=9)
    assert describe(schedule) == "Fridays at 18:00"
    schedule = await service.set_schedule(GUILD, None, "07:15", by=9)
    assert describe(schedule) == "Fridays at 07:15"
    with pytest.raises(SummaryInputError, match="is not a time"):
        await service.set_schedule(GUILD, None, "25:00", by=9)


async def test_pause_and_resume(service: SummaryService) -> None:
    with pytest.raises(SummaryInputError):
        await service.set_paused(GUILD, True)
    await service.ensure_schedule(GUILD, 100)
    paused = await service.set_paused(GUILD, True)
    assert paused.paused and service.next_run(paused) is None
    resumed = await service.set_paused(GUILD, False)
    assert not resumed.paused and service.next_run(resumed) is not None


async def test_no_winners_in_an_empty_week(service: SummaryService) -> None:
    assert await service.winners(GUILD, 0, 10**13) == []
