"""The weekly summary's schedule and the parts of its content that are not analytics figures.

One summary schedule per guild (a ``schedules`` row of kind ``summary``; a unique index makes it
one even when set-up and start-up race). It is created with the settings' default day and time
the first time a guild has a summary channel: right after ``/hearth setup summary_channel:``, at
start-up for guilds configured before, or by ``/summary schedule``. The scheduler's occurrence
rows make it post once per week even across restarts and double fires; a summary post carries
its week (``ref_id`` = the Monday's ordinal), so changing the day mid-week cannot post a week twice.
No Discord here.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from bot.core.clock import Clock, to_ms
from bot.core.localtime import WEEKDAY_NAMES, occurrence_at, parse_time_of_day
from bot.core.settings import SummarySettings
from bot.features.contests.rules import tally
from bot.features.summary.content import Winner
from bot.platform.scheduler import Scheduler
from bot.storage.contests import ContestRepository
from bot.storage.guilds import GuildRepository
from bot.storage.schedules import ScheduleRow
from bot.storage.summary import SummaryRepository
from bot.storage.trivia import TriviaRepository

log = logging.getLogger(__name__)

SCHEDULE_KIND = "summary"
PROBLEM_WINDOW = timedelta(days=7)
MAX_WINNERS = 5

WarningsFor = Callable[[int], Awaitable[list[str]]]


class SummaryInputError(ValueError):
    """Input a moderator can fix; ``str()`` says what to fix."""


def parse_weekday(text: str) -> int:
    """'monday', 'Mon', 'tue' -> 0..6 (at least three letters)."""
    cleaned = text.strip().lower()
    for number, name in enumerate(WEEKDAY_NAMES):
        if len(cleaned) >= 3 and name.lower().startswith(cleaned):
            return number
    raise SummaryInputError(f"{text[:20]!r} is not a weekday: use monday, tuesday, … sunday")


def covered_week(local_day: date) -> date:
    """The Monday of the last complete local week before ``local_day`` (what a summary covers)."""
    return local_day - timedelta(days=local_day.weekday() + 7)


@dataclass(frozen=True)
class WeekBounds:
    start: date
    since_ms: int
    until_ms: int


def week_bounds(monday: date, tz: str) -> WeekBounds:
    """UTC ms of local Monday 00:00 and of the next Monday 00:00 (DST-correct)."""
    since = occurrence_at(monday, time(0), tz)
    until = occurrence_at(monday + timedelta(days=7), time(0), tz)
    return WeekBounds(monday, to_ms(since), to_ms(until))


class SummaryService:
    def __init__(
        self,
        scheduler: Scheduler,
        guilds: GuildRepository,
        repo: SummaryRepository,
        contests: ContestRepository,
        trivia: TriviaRepository,
        settings: SummarySettings,
        clock: Clock,
    ) -> None:
        self.scheduler = scheduler
        self.guilds = guilds
        self.repo = repo
        self.contests = contests
        self.trivia = trivia
        self.settings = settings
        self.clock = clock

    # -- the schedule ------------------------------------------------------------------------
    @property
    def default_day(self) -> int:
        return parse_weekday(self.settings.default_day)

    @property
    def default_time(self) -> time:
        return parse_time_of_day(self.settings.default_time)

    async def schedule_of(self, guild_id: int) -> ScheduleRow | None:
        found = await self.scheduler.repo.list(guild_id, SCHEDULE_KIND)
        return found[0] if found else None

    async def ensure_schedule(self, guild_id: int, channel_id: int, *, by: int | None = None) -> ScheduleRow:
        """The guild's summary schedule, created with the defaults when missing; follows the channel."""
        existing = await self.schedule_of(guild_id)
        if existing is None:
            try:
                created = await self.scheduler.add_schedule(
                    guild_id,
                    SCHEDULE_KIND,
                    channel_id,
                    self.default_time,
                    frozenset({self.default_day}),
                    created_by=by,
                )
            except sqlite3.IntegrityError:  # someone else created it a moment ago
                existing = await self.schedule_of(guild_id)
                assert existing is not None
            else:
                log.info("guild %s: summary scheduled %s", guild_id, describe(created))
                return created
        if existing.channel_id != channel_id:
            updated = await self.scheduler.update_schedule(guild_id, existing.id, channel_id=channel_id)
            assert updated is not None
            return updated
        return existing

    async def ensure_all(self) -> int:
        """Create the default schedule for every guild with a summary channel and none yet (start-up)."""
        missing = await self.repo.guilds_without_schedule()
        for guild_id, channel_id in missing:
            await self.ensure_schedule(guild_id, channel_id)
        return len(missing)

    async def set_schedule(self, guild_id: int, day: str | None, at: str | None, *, by: int) -> ScheduleRow:
        """Move the summary to ``day`` at ``at`` (guild local time); missing parts keep their value."""
        config = await self.guilds.get(guild_id)
        if config.summary_channel_id is None:
            raise SummaryInputError(
                "There is no summary channel yet: run `/hearth setup summary_channel:` first, "
                "then pick the day and time."
            )
        weekday = parse_weekday(day) if day else None
        try:
            local_time = parse_time_of_day(at) if at else None
        except ValueError as exc:
            raise SummaryInputError(str(exc)) from exc
        schedule = await self.ensure_schedule(guild_id, config.summary_channel_id, by=by)
        changes: dict[str, object] = {}
        if weekday is not None:
            changes["weekdays"] = frozenset({weekday})
        if local_time is not None:
            changes["local_time"] = local_time
        if changes:
            updated = await self.scheduler.update_schedule(guild_id, schedule.id, **changes)
            assert updated is not None
            schedule = updated
        return schedule

    async def set_paused(self, guild_id: int, paused: bool) -> ScheduleRow:
        schedule = await self.schedule_of(guild_id)
        if schedule is None:
            raise SummaryInputError(
                "There is no weekly summary yet: run `/hearth setup summary_channel:` to start one."
            )
        updated = await self.scheduler.update_schedule(guild_id, schedule.id, paused=paused)
        assert updated is not None
        return updated

    def next_run(self, schedule: ScheduleRow) -> datetime | None:
        return self.scheduler.next_run(schedule)

    # -- content that is not a figure ---------------------------------------------------------
    async def winners(self, guild_id: int, since_ms: int, until_ms: int) -> list[Winner]:
        """Trivia's top scorers and the winners of contests whose vote ended in the week."""
        found: list[Winner] = []
        scores = await self.trivia.scores_between(guild_id, since_ms, until_ms)
        top = max(scores.values(), default=0)
        if top > 0:
            best = tuple(sorted(m for m, s in scores.items() if s == top))
            found.append(Winner("Trivia", best, f"{top} point{'s' if top != 1 else ''}"))
        for contest in await self.repo.contests_ended_between(guild_id, since_ms, until_ms):
            entries = [e for e in await self.contests.entries(guild_id, contest.id) if not e.removed and e.number]
            result = tally(
                [(e.id, e.number or 0, e.member_id) for e in entries], await self.contests.votes(guild_id, contest.id)
            )
            if result.winners:
                votes = result.winners[0].votes
                authors = tuple(sorted({s.author_id for s in result.winners}))
                found.append(
                    Winner(f"Contest “{contest.theme[:60]}”", authors, f"{votes} vote{'s' if votes != 1 else ''}")
                )
        return found[:MAX_WINNERS]

    async def warnings(self, guild_id: int, warnings_for: WarningsFor) -> list[str]:
        """Features' warnings plus the problems of the last 7 days (failed posts, lost access)."""
        found = list(await warnings_for(guild_id))
        since = to_ms(self.clock.now() - PROBLEM_WINDOW)
        for problem in await self.guilds.recent_problems(guild_id, since_ms=since):
            found.append(f"{problem.source}: {problem.message}")
        return list(dict.fromkeys(found))


def describe(schedule: ScheduleRow) -> str:
    days = ", ".join(WEEKDAY_NAMES[d] + "s" for d in sorted(schedule.weekdays))
    state = " (paused)" if schedule.paused else ""
    return f"{days} at {schedule.local_time:%H:%M}{state}"
