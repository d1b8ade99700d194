"""Reliable scheduled posts and timers on top of APScheduler 3.

Our tables are the source of truth (DESIGN.md "Scheduling"): APScheduler only wakes us up. An
occurrence is keyed (schedule, local date) and inserted before anything is posted, so a
restart, a double fire or a DST repeat never posts twice. A missed occurrence is posted late
once within the grace period, otherwise recorded as missed. Timers (poll closings, giveaway
endings, ...) run once; overdue ones run at start-up.

Time comes from an injectable clock. With the system clock, APScheduler wakes the scheduler at
each due time and a sweep every minute catches anything missed (a laptop waking up). With a
test clock nothing runs by itself: a test moves the clock and awaits ``run_due()``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.core.clock import Clock, from_ms, to_ms
from bot.core.errors import PostFailed
from bot.core.localtime import occurrence_at, zone
from bot.core.settings import SchedulerSettings
from bot.core.shards import ShardPlan
from bot.storage.guilds import GuildRepository
from bot.storage.schedules import ScheduleRepository, ScheduleRow, TimerRow

log = logging.getLogger(__name__)

SWEEP_SECONDS = 60
SWEEP_YIELD_EVERY = 50  # schedules checked between event-loop yields in a sweep
SWEEP_CONCURRENCY = 8  # guilds posting at once in a sweep; the HTTP pacer keeps them under the global limit
# A failed timer runs again after these delays (per process), then is recorded as failed for good.
TIMER_RETRIES = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=15), timedelta(hours=1))


@dataclass(frozen=True)
class Occurrence:
    id: int
    schedule: ScheduleRow
    local_date: date
    due_at: datetime
    late: bool

    @property
    def key(self) -> str:
        return self.local_date.isoformat()


ScheduleHandler = Callable[[Occurrence], Awaitable[int | None]]
TimerHandler = Callable[[TimerRow], Awaitable[None]]
DueTimeResolver = Callable[[ScheduleRow, date], time]
# Runs around a kind's handler (an experiment deciding what one occurrence posts); gets the handler to delegate to.
ScheduleWrapper = Callable[[Occurrence, ScheduleHandler], Awaitable[int | None]]


class Scheduler:
    def __init__(
        self,
        schedules: ScheduleRepository,
        guilds: GuildRepository,
        clock: Clock,
        settings: SchedulerSettings,
        *,
        drive_jobs: bool = True,
        shards: ShardPlan | None = None,
    ) -> None:
        self.repo = schedules
        # Several processes: each runs its own guilds' schedules and timers (docs/scaling.md).
        self.shards = shards or ShardPlan()
        self._guilds = guilds
        self._clock = clock
        self._grace = timedelta(minutes=settings.grace_minutes)
        self._late_after = timedelta(seconds=settings.late_after_seconds)
        self._drive_jobs = drive_jobs
        self._aps = AsyncIOScheduler(job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None})
        self._schedule_handlers: dict[str, ScheduleHandler] = {}
        self._due_time_resolvers: dict[str, DueTimeResolver] = {}
        self._wrappers: dict[str, ScheduleWrapper] = {}
        self._timer_handlers: dict[str, TimerHandler] = {}
        self._handled: dict[int, str] = {}  # schedule id -> last occurrence key dealt with
        self._claimed_ahead: set[tuple[int, str]] = set()  # future occurrences already skipped
        self._locks: dict[int, asyncio.Lock] = {}
        self._sweep_lock = asyncio.Lock()
        self._timer_failures: dict[int, int] = {}  # timer id -> failed attempts in this process
        self._housekeeping: dict[str, tuple[timedelta, Callable[[], Awaitable[None]]]] = {}
        self.started = False
        self._stopping = False

    # -- registration -----------------------------------------------------------------------
    def on_schedule(self, kind: str, handler: ScheduleHandler, *, due_time: DueTimeResolver | None = None) -> None:
        """Handle occurrences of schedules of ``kind``; the handler returns the post id or raises PostFailed."""
        self._schedule_handlers[kind] = handler
        if due_time is not None:
            self._due_time_resolvers[kind] = due_time

    def set_due_time(self, kind: str, resolver: DueTimeResolver | None) -> None:
        """Let occurrences of ``kind`` happen at a time that depends on the date (experiments' slot arms).

        Independent of ``on_schedule``, so the feature that owns the handler and the one that moves
        its times can register in any order.
        """
        if resolver is None:
            self._due_time_resolvers.pop(kind, None)
        else:
            self._due_time_resolvers[kind] = resolver

    def wrap_schedule(self, kind: str, wrapper: ScheduleWrapper | None) -> None:
        """Run ``wrapper(occurrence, handler)`` instead of the kind's handler; it may delegate or post itself."""
        if wrapper is None:
            self._wrappers.pop(kind, None)
        else:
            self._wrappers[kind] = wrapper

    def on_timer(self, kind: str, handler: TimerHandler) -> None:
        """Handle timers of ``kind``. Handlers must be idempotent: a crash mid-run runs them again."""
        self._timer_handlers[kind] = handler

    # -- life cycle -------------------------------------------------------------------------
    async def start(self) -> None:
        """Recover from a crash and rebuild jobs from our tables.

        What is overdue runs at the first ``run_due()``, which the bot calls once it is connected:
        handlers need the guilds and channels the gateway delivers.
        """
        mine = self.shards.storage_filter()
        for occurrence in await self.repo.interrupted_occurrences(mine):
            await self.repo.finish_occurrence(
                occurrence.id, "failed", detail="interrupted while posting (Hearth stopped); not retried"
            )
        await self.repo.reset_running_timers(mine)
        now_ms = to_ms(self._clock.now())
        for occurrence in await self.repo.occurrences_after(now_ms):
            if self.shards.owns(occurrence.guild_id):
                self._claimed_ahead.add((occurrence.schedule_id, occurrence.occurrence_key))
        if self._drive_jobs:
            self._aps.start()
            self._aps.add_job(self.run_due, IntervalTrigger(seconds=SWEEP_SECONDS), id="sweep", replace_existing=True)
            async for batch in self.repo.batches():
                for schedule in batch:
                    if self.shards.owns(schedule.guild_id):
                        self._arm(schedule)
                    await asyncio.sleep(0)  # keep the event loop responsive with thousands of schedules
            for timer in await self.repo.pending_timers():
                if self.shards.owns(timer.guild_id):
                    self._arm_timer(timer)
            for job_id, (interval, job) in self._housekeeping.items():
                self._arm_housekeeping(job_id, interval, job)
        self.started = True

    def every(self, interval: timedelta, job: Callable[[], Awaitable[None]], job_id: str) -> None:
        """A housekeeping job (retention, nightly rollups); only armed with the system clock.

        It concerns every guild, so it runs once per ``interval`` across all processes
        (``run_housekeeping``), whichever process gets there first.
        """
        self._housekeeping[job_id] = (interval, job)
        if self._aps.running:
            self._arm_housekeeping(job_id, interval, job)

    def _arm_housekeeping(self, job_id: str, interval: timedelta, job: Callable[[], Awaitable[None]]) -> None:
        self._aps.add_job(
            self.run_housekeeping, IntervalTrigger(seconds=interval.total_seconds()), args=(job_id,),
            id=job_id, replace_existing=True,
        )

    async def run_housekeeping(self, job_id: str) -> bool:
        """Run ``job_id`` unless another process holds it or ran it within its interval; True if it ran.

        Under the database's exclusive lock (a PostgreSQL advisory lock) and with the last run kept
        in the database, so two processes never run it together and one run per interval happens
        in total.
        """
        interval, job = self._housekeeping[job_id]
        async with self.repo.exclusive(f"housekeeping:{job_id}") as mine:
            if not mine:
                return False
            now_ms = to_ms(self._clock.now())
            last = await self.repo.last_housekeeping(job_id)
            if last is not None and now_ms - last < interval.total_seconds() * 1000 * 0.9:
                return False
            await job()
            await self.repo.set_last_housekeeping(job_id, now_ms)
            log.info("housekeeping %s ran (once across processes)", job_id)
            return True

    @property
    def housekeeping_jobs(self) -> list[str]:
        return list(self._housekeeping)

    async def stop(self) -> None:
        """Stop waking up, and let a sweep already posting finish before the bot disconnects."""
        self._stopping = True
        if self._aps.running:
            self._aps.shutdown(wait=False)
        async with self._sweep_lock:
            self.started = False

    # -- schedules --------------------------------------------------------------------------
    def timezone_of(self, guild_id: int) -> str:
        return self._guilds.timezone(guild_id)

    def due_time(self, schedule: ScheduleRow, day: date) -> time:
        resolver = self._due_time_resolvers.get(schedule.kind)
        return resolver(schedule, day) if resolver else schedule.local_time

    def _occurrences(self, schedule: ScheduleRow, start: datetime, end: datetime) -> list[tuple[date, datetime]]:
        tz = self.timezone_of(schedule.guild_id)
        day = start.astimezone(zone(tz)).date() - timedelta(days=1)
        last = end.astimezone(zone(tz)).date() + timedelta(days=1)
        found = []
        while day <= last:
            if day.weekday() in schedule.weekdays:
                due = occurrence_at(day, self.due_time(schedule, day), tz)
                if start < due <= end:
                    found.append((day, due))
            day += timedelta(days=1)
        return found

    def next_run(self, schedule: ScheduleRow, after: datetime | None = None) -> datetime | None:
        """When the schedule posts next (None when paused or it has no weekdays)."""
        if schedule.paused or not schedule.weekdays:
            return None
        after = after or self._clock.now()
        for day, due in self._occurrences(schedule, after, after + timedelta(days=8)):
            key = day.isoformat()
            if self._handled.get(schedule.id) != key and (schedule.id, key) not in self._claimed_ahead:
                return due
        return None

    async def add_schedule(
        self,
        guild_id: int,
        kind: str,
        channel_id: int | None,
        local_time: time,
        weekdays: frozenset[int],
        **kwargs: Any,
    ) -> ScheduleRow:
        schedule = await self.repo.add(
            guild_id, kind, channel_id, local_time, weekdays, now_ms=to_ms(self._clock.now()), **kwargs
        )
        self._arm(schedule)
        return schedule

    async def update_schedule(self, guild_id: int, schedule_id: int, **changes: Any) -> ScheduleRow | None:
        schedule = await self.repo.update(guild_id, schedule_id, **changes)
        if schedule is not None:
            self._handled.pop(schedule.id, None)
            self._arm(schedule)
        return schedule

    async def pause_channel(self, guild_id: int, channel_id: int) -> list[ScheduleRow]:
        """Pause every running schedule that posts in ``channel_id`` (the channel was deleted)."""
        paused = []
        for schedule in await self.repo.list(guild_id):
            if schedule.channel_id == channel_id and not schedule.paused:
                updated = await self.update_schedule(guild_id, schedule.id, paused=True)
                if updated is not None:
                    paused.append(updated)
        return paused

    async def remove_schedule(self, guild_id: int, schedule_id: int) -> bool:
        removed = await self.repo.delete(guild_id, schedule_id)
        if removed:
            self._disarm(f"schedule:{schedule_id}")
        return removed

    async def reload_guild(self, guild_id: int) -> None:
        """Re-arm a guild's jobs (its time zone changed)."""
        for schedule in await self.repo.list(guild_id):
            self._arm(schedule)

    async def skip_next(self, schedule: ScheduleRow, by: str = "a moderator") -> datetime | None:
        """Mark the next occurrence as skipped; returns when it would have posted."""
        now = self._clock.now()
        for day, due in self._occurrences(schedule, now, now + timedelta(days=8)):
            claimed = await self.repo.claim_occurrence(
                schedule.guild_id, schedule.id, day.isoformat(), to_ms(due), to_ms(now), status="skipped"
            )
            if claimed is not None:
                await self.repo.finish_occurrence(claimed, "skipped", detail=f"skipped by {by}")
                self._claimed_ahead.add((schedule.id, day.isoformat()))
                self._arm(schedule)
                return due
        return None

    async def run_schedule(self, schedule_id: int, guild_id: int | None = None) -> None:
        """Post the schedule's latest due occurrence if nobody has yet (APScheduler's callback)."""
        schedule = await self._find(schedule_id, guild_id)
        if schedule is not None and self.shards.owns(schedule.guild_id):
            await self._process(schedule)
            self._arm(schedule)

    async def _find(self, schedule_id: int, guild_id: int | None) -> ScheduleRow | None:
        if guild_id is not None:
            return await self.repo.get(guild_id, schedule_id)
        return next((s for s in await self.repo.list() if s.id == schedule_id), None)

    def _latest_due(self, schedule: ScheduleRow, now: datetime) -> tuple[date, datetime] | None:
        """The schedule's latest occurrence due by ``now`` that this process has not dealt with yet."""
        if schedule.paused or schedule.kind not in self._schedule_handlers:
            return None
        window_start = max(now - timedelta(days=8), from_ms(schedule.created_at))
        due_list = self._occurrences(schedule, window_start, now)
        if not due_list or self._handled.get(schedule.id) == due_list[-1][0].isoformat():
            return None
        return due_list[-1]

    async def _process(self, schedule: ScheduleRow) -> None:
        if schedule.paused or schedule.kind not in self._schedule_handlers:
            return
        lock = self._locks.setdefault(schedule.id, asyncio.Lock())
        async with lock:
            now = self._clock.now()
            latest = self._latest_due(schedule, now)
            if latest is None:
                return
            day, due = latest
            key = day.isoformat()
            lateness = now - due
            if lateness > self._grace:
                claimed = await self.repo.claim_occurrence(
                    schedule.guild_id, schedule.id, key, to_ms(due), to_ms(now), status="missed"
                )
                if claimed is not None:
                    minutes = int(lateness.total_seconds() // 60)
                    detail = f"missed by {minutes} min (grace {int(self._grace.total_seconds() // 60)} min); skipped"
                    await self.repo.finish_occurrence(claimed, "missed", detail=detail)
                    log.warning("schedule %s occurrence %s %s", schedule.id, key, detail)
                self._handled[schedule.id] = key
                return
            claimed = await self.repo.claim_occurrence(schedule.guild_id, schedule.id, key, to_ms(due), to_ms(now))
            self._handled[schedule.id] = key
            if claimed is None:
                return
            late = lateness > self._late_after
            occurrence = Occurrence(claimed, schedule, day, due, late)
            await self._fire(occurrence)

    async def _fire(self, occurrence: Occurrence) -> None:
        schedule = occurrence.schedule
        handler = self._schedule_handlers[schedule.kind]
        wrapper = self._wrappers.get(schedule.kind)
        try:
            post_id = await (wrapper(occurrence, handler) if wrapper else handler(occurrence))
        except PostFailed as exc:
            await self._fail(occurrence, str(exc))
        except Exception:
            log.exception("schedule %s (%s) failed to post", schedule.id, schedule.kind)
            await self._fail(occurrence, "unexpected error while posting (see the bot's log)")
        else:
            if post_id is None:
                await self.repo.finish_occurrence(occurrence.id, "late" if occurrence.late else "posted")
            else:  # late or not by when the post went out: in a herd it waits its turn after the claim
                await self.repo.finish_posted(
                    occurrence.id, post_id, to_ms(occurrence.due_at),
                    int(self._late_after.total_seconds() * 1000), occurrence.late,
                )

    async def _fail(self, occurrence: Occurrence, reason: str) -> None:
        schedule = occurrence.schedule
        await self.repo.finish_occurrence(occurrence.id, "failed", detail=reason)
        await self._guilds.add_problem(
            schedule.guild_id,
            f"{schedule.kind} schedule #{schedule.id}",
            f"{occurrence.key}: {reason}",
            to_ms(self._clock.now()),
        )

    # -- timers -----------------------------------------------------------------------------
    async def set_timer(self, guild_id: int, kind: str, ref_id: int, due: datetime) -> None:
        await self.repo.set_timer(guild_id, kind, ref_id, to_ms(due))
        self._arm_timer(TimerRow(0, guild_id, kind, ref_id, to_ms(due), "pending"))

    async def cancel_timer(self, guild_id: int, kind: str, ref_id: int) -> None:
        await self.repo.cancel_timer(guild_id, kind, ref_id)
        self._disarm(f"timer:{guild_id}:{kind}:{ref_id}")

    async def _run_due_timers(self) -> None:
        for timer in await self.repo.due_timers(to_ms(self._clock.now())):
            if self.shards.owns(timer.guild_id):
                await self._run_timer(timer)

    async def _run_timer(self, timer: TimerRow) -> None:
        handler = self._timer_handlers.get(timer.kind)
        if handler is None or not await self.repo.take_timer(timer.id):
            return
        try:
            await handler(timer)
        except Exception as exc:
            log.exception("timer %s #%s failed", timer.kind, timer.ref_id)
            now = self._clock.now()
            failures = self._timer_failures.get(timer.id, 0)
            if failures < len(TIMER_RETRIES):
                # Handlers are idempotent, so a transient failure (Discord 5xx, timeout) is retried later.
                self._timer_failures[timer.id] = failures + 1
                delay = TIMER_RETRIES[failures]
                retry_at = now + delay
                await self.repo.set_timer(timer.guild_id, timer.kind, timer.ref_id, to_ms(retry_at))
                self._arm_timer(
                    TimerRow(timer.id, timer.guild_id, timer.kind, timer.ref_id, to_ms(retry_at), "pending")
                )
                message = f"could not finish #{timer.ref_id}: {exc}; retrying in {int(delay.total_seconds() // 60)} min"
            else:
                await self.repo.finish_timer(timer.id, "failed", to_ms(now), detail=str(exc)[:300])
                message = f"could not finish #{timer.ref_id}: {exc}; gave up after {failures + 1} attempts"
            await self._guilds.add_problem(timer.guild_id, timer.kind, message, to_ms(now))
        else:
            self._timer_failures.pop(timer.id, None)
            await self.repo.finish_timer(timer.id, "done", to_ms(self._clock.now()))

    # -- the sweep --------------------------------------------------------------------------
    async def run_due(self) -> None:
        """Post every due occurrence and run every due timer (start-up, the sweep, tests)."""
        if self._stopping:
            return
        async with self._sweep_lock:
            async for batch in self.repo.batches():
                due: dict[int, list[ScheduleRow]] = {}
                now = self._clock.now()
                for n, schedule in enumerate(batch, start=1):
                    if self.shards.owns(schedule.guild_id) and self._latest_due(schedule, now) is not None:
                        due.setdefault(schedule.guild_id, []).append(schedule)
                    if n % SWEEP_YIELD_EVERY == 0:
                        await asyncio.sleep(0)  # nothing due means no await: let the loop breathe
                await self._post_due(due)
            await self._run_due_timers()

    async def _post_due(self, due: dict[int, list[ScheduleRow]]) -> None:
        """Post the due schedules of several guilds side by side (one guild's in order).

        At a round hour hundreds of guilds are due together: one after the other, each post's
        database round trips would add up and leave Discord's global limit (which the HTTP pacer
        spreads the requests under) partly unused (``tests/e2e/test_herd.py``).
        """
        gate = asyncio.Semaphore(SWEEP_CONCURRENCY)

        async def guild(schedules: list[ScheduleRow]) -> None:
            async with gate:
                for schedule in schedules:
                    await self._process(schedule)

        await asyncio.gather(*(guild(schedules) for schedules in due.values()))

    # -- APScheduler jobs (only with the system clock) ---------------------------------------
    def _arm(self, schedule: ScheduleRow) -> None:
        job_id = f"schedule:{schedule.id}"
        if not self._drive_jobs or not self._aps.running or not self.shards.owns(schedule.guild_id):
            return
        due = self.next_run(schedule)
        if due is None:
            self._disarm(job_id)
            return
        self._aps.add_job(
            self.run_schedule,
            DateTrigger(run_date=due),
            args=(schedule.id, schedule.guild_id),
            id=job_id,
            replace_existing=True,
        )

    def _arm_timer(self, timer: TimerRow) -> None:
        if not self._drive_jobs or not self._aps.running or not self.shards.owns(timer.guild_id):
            return
        self._aps.add_job(
            self._run_due_timers,
            DateTrigger(run_date=from_ms(timer.due_at)),
            id=f"timer:{timer.guild_id}:{timer.kind}:{timer.ref_id}",
            replace_existing=True,
        )

    def _disarm(self, job_id: str) -> None:
        if self._aps.running and self._aps.get_job(job_id):
            self._aps.remove_job(job_id)
