"""The scheduler's reliability rules, driven by a fake clock against a real SQLite database."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, time, timedelta

import pytest

from bot.core.clock import FakeClock, to_ms
from bot.core.settings import SchedulerSettings
from bot.platform.scheduler import Occurrence, PostFailed, Scheduler
from bot.storage import Database
from bot.storage.guilds import GuildConfig, GuildRepository
from bot.storage.schedules import ScheduleRepository, TimerRow

GUILD = 1
DAILY = frozenset(range(7))


class Harness:
    def __init__(self, db: Database, clock: FakeClock) -> None:
        self.db = db
        self.clock = clock
        self.guilds = GuildRepository(db, "UTC")
        self.posted: list[Occurrence] = []
        self.fail_with: str | None = None
        self.timers_run: list[int] = []
        self.scheduler = self.new_scheduler()

    def new_scheduler(self) -> Scheduler:
        """A fresh scheduler on the same database: what a restart gives."""
        scheduler = Scheduler(
            ScheduleRepository(self.db), self.guilds, self.clock, SchedulerSettings(grace_minutes=60),
            drive_jobs=False,
        )
        scheduler.on_schedule("question", self.post)
        scheduler.on_timer("poll.close", self.close_poll)
        return scheduler

    async def post(self, occurrence: Occurrence) -> int:
        if self.fail_with:
            raise PostFailed(self.fail_with)
        self.posted.append(occurrence)
        return len(self.posted)

    async def close_poll(self, timer: TimerRow) -> None:
        self.timers_run.append(timer.ref_id)

    async def restart(self) -> None:
        await self.scheduler.stop()
        self.scheduler = self.new_scheduler()
        await self.scheduler.start()
        await self.scheduler.run_due()  # what the bot does once connected

    async def statuses(self) -> list[tuple[str, str]]:
        return [(o.occurrence_key, o.status) for o in await self.scheduler.repo.occurrences(GUILD)]


@pytest.fixture
async def h(database_url: str) -> AsyncIterator[Harness]:
    db = await Database.open(database_url)
    await db.migrate()
    harness = Harness(db, FakeClock(datetime(2026, 3, 2, 8, 0, tzinfo=UTC)))  # a Monday
    await harness.scheduler.start()
    yield harness
    await harness.scheduler.stop()
    await db.close()


async def daily_at_nine(h: Harness, tz: str = "UTC") -> None:
    await h.guilds.save(GuildConfig(GUILD, tz), 0)
    await h.scheduler.add_schedule(GUILD, "question", 10, time(9, 0), DAILY)


async def test_occurrence_posts_on_time_once(h: Harness) -> None:
    await daily_at_nine(h)
    await h.scheduler.run_due()
    assert h.posted == []
    h.clock.advance(hours=1)
    await h.scheduler.run_due()
    await h.scheduler.run_due()  # a second fire in the same minute
    assert [(o.key, o.late) for o in h.posted] == [("2026-03-02", False)]
    assert await h.statuses() == [("2026-03-02", "posted")]


async def test_restart_mid_day_does_not_post_again(h: Harness) -> None:
    await daily_at_nine(h)
    h.clock.advance(hours=1)
    await h.scheduler.run_due()
    h.clock.advance(hours=3)
    await h.restart()
    assert len(h.posted) == 1


async def test_missed_within_grace_is_posted_once_and_marked_late(h: Harness) -> None:
    await daily_at_nine(h)
    h.clock.advance(hours=1, minutes=30)  # 09:30, bot was down at 09:00
    await h.restart()
    await h.scheduler.run_due()
    assert [(o.key, o.late) for o in h.posted] == [("2026-03-02", True)]
    assert await h.statuses() == [("2026-03-02", "late")]


async def test_missed_beyond_grace_is_recorded_as_missed_not_posted(h: Harness) -> None:
    await daily_at_nine(h)
    h.clock.advance(hours=4)  # 12:00, grace is 60 minutes
    await h.restart()
    assert h.posted == []
    (occurrence,) = await h.scheduler.repo.occurrences(GUILD)
    assert occurrence.status == "missed" and "missed by 180 min" in (occurrence.detail or "")


async def test_failed_post_is_recorded_with_its_reason_and_the_schedule_keeps_running(h: Harness) -> None:
    await daily_at_nine(h)
    h.fail_with = "missing Send Messages in #general"
    h.clock.advance(hours=1)
    await h.scheduler.run_due()
    problems = await h.guilds.recent_problems(GUILD)
    assert problems[0].message == "2026-03-02: missing Send Messages in #general"
    h.fail_with = None
    h.clock.advance(days=1)
    await h.scheduler.run_due()
    assert await h.statuses() == [("2026-03-02", "failed"), ("2026-03-03", "posted")]


async def test_dst_fall_back_in_new_york_posts_the_repeated_hour_once(h: Harness) -> None:
    await h.guilds.save(GuildConfig(GUILD, "America/New_York"), 0)
    await h.scheduler.add_schedule(GUILD, "question", 10, time(1, 30), DAILY)
    h.clock.set(datetime(2026, 11, 1, 5, 0, tzinfo=UTC))  # 01:00 EDT, fall-back night
    for _ in range(12):  # through both 01:30s (05:30 and 06:30 UTC)
        h.clock.advance(minutes=10)
        await h.scheduler.run_due()
    assert [o.key for o in h.posted] == ["2026-11-01"]
    assert h.posted[0].due_at == datetime(2026, 11, 1, 5, 30, tzinfo=UTC)


async def test_spring_forward_gap_posts_once_an_hour_later(h: Harness) -> None:
    await h.guilds.save(GuildConfig(GUILD, "America/New_York"), 0)
    await h.scheduler.add_schedule(GUILD, "question", 10, time(2, 30), DAILY)
    h.clock.set(datetime(2026, 3, 8, 6, 0, tzinfo=UTC))  # 01:00 EST, 02:00-03:00 does not exist
    for _ in range(18):
        h.clock.advance(minutes=10)
        await h.scheduler.run_due()
    assert [o.key for o in h.posted] == ["2026-03-08"]
    assert h.posted[0].due_at == datetime(2026, 3, 8, 7, 30, tzinfo=UTC)  # 03:30 EDT


async def test_skip_claims_the_next_occurrence(h: Harness) -> None:
    await daily_at_nine(h)
    schedule = (await h.scheduler.repo.list(GUILD))[0]
    skipped = await h.scheduler.skip_next(schedule)
    assert skipped == datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    h.clock.advance(hours=2)
    await h.scheduler.run_due()
    assert h.posted == []
    assert h.scheduler.next_run(schedule) == datetime(2026, 3, 3, 9, 0, tzinfo=UTC)


async def test_next_run_skips_a_skipped_occurrence_even_after_a_restart(h: Harness) -> None:
    await daily_at_nine(h)
    schedule = (await h.scheduler.repo.list(GUILD))[0]
    await h.scheduler.skip_next(schedule)
    assert h.scheduler.next_run(schedule) == datetime(2026, 3, 3, 9, 0, tzinfo=UTC)
    await h.restart()
    assert h.scheduler.next_run(schedule) == datetime(2026, 3, 3, 9, 0, tzinfo=UTC)


async def test_paused_schedule_does_not_post(h: Harness) -> None:
    await daily_at_nine(h)
    schedule = (await h.scheduler.repo.list(GUILD))[0]
    await h.scheduler.update_schedule(GUILD, schedule.id, paused=True)
    h.clock.advance(hours=2)
    await h.scheduler.run_due()
    assert h.posted == []


async def test_schedule_created_after_todays_time_waits_for_tomorrow(h: Harness) -> None:
    h.clock.advance(hours=3)  # 11:00
    await daily_at_nine(h)
    await h.scheduler.run_due()
    assert h.posted == []


async def test_overdue_timer_runs_once_at_start_up(h: Harness) -> None:
    await h.scheduler.set_timer(GUILD, "poll.close", 7, h.clock.now() + timedelta(hours=1))
    h.clock.advance(hours=5)
    await h.restart()
    await h.scheduler.run_due()
    await h.restart()
    assert h.timers_run == [7]
    assert await h.scheduler.repo.timer_status(GUILD, "poll.close", 7) == "done"


async def test_cancelled_timer_never_runs(h: Harness) -> None:
    await h.scheduler.set_timer(GUILD, "poll.close", 8, h.clock.now() + timedelta(minutes=5))
    await h.scheduler.cancel_timer(GUILD, "poll.close", 8)
    h.clock.advance(hours=1)
    await h.scheduler.run_due()
    assert h.timers_run == []


async def test_post_interrupted_by_a_crash_is_not_retried(h: Harness) -> None:
    await daily_at_nine(h)
    schedule = (await h.scheduler.repo.list(GUILD))[0]
    await h.scheduler.repo.claim_occurrence(GUILD, schedule.id, "2026-03-02", 0, to_ms(h.clock.now()))
    h.clock.advance(hours=1)
    await h.restart()
    assert h.posted == []
    assert await h.statuses() == [("2026-03-02", "failed")]


async def test_a_post_that_waited_its_turn_past_late_after_is_marked_late_by_when_it_went_out(h: Harness) -> None:
    """At a round hour hundreds of posts queue under Discord's global limit after their claim:
    on time or late is decided by when the post went out, for the occurrence and the post alike."""
    await daily_at_nine(h)
    waits = iter([timedelta(seconds=30), timedelta(seconds=200)])  # the default late_after is 90 s

    async def post_after_a_wait(occurrence: Occurrence) -> int:
        h.clock.advance(next(waits))
        await h.db.execute(
            "INSERT INTO posts (guild_id, kind, channel_id, message_id, posted_at, local_day, local_hour_of_week, "
            "schedule_id, on_time) VALUES (?, 'question', 10, ?, ?, 0, 0, ?, ?)",
            (GUILD, occurrence.id, to_ms(h.clock.now()), occurrence.schedule.id, int(not occurrence.late)),
        )
        return int(await h.db.fetchval("SELECT id FROM posts WHERE message_id = ?", (occurrence.id,)))

    h.scheduler.on_schedule("question", post_after_a_wait)
    for day in (2, 3):  # Monday and Tuesday 09:00, claimed on time both days
        h.clock.set(datetime(2026, 3, day, 9, 0, tzinfo=UTC))
        await h.scheduler.run_due()
    assert await h.statuses() == [("2026-03-02", "posted"), ("2026-03-03", "late")]
    rows = await h.db.fetchall("SELECT on_time FROM posts ORDER BY posted_at")
    assert [r["on_time"] for r in rows] == [1, 0]
