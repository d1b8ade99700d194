"""A games environment without Discord: real SQLite, real services, a recording fake output."""

from __future__ import annotations

import random
from datetime import datetime
from typing import Any

from bot.core.clock import FakeClock
from bot.core.clock_waiter import ClockWaiter
from bot.core.settings import RecorderSettings, SchedulerSettings
from bot.features.number_game.service import DailyGameService
from bot.features.trivia.bank import TriviaQuestion
from bot.features.trivia.service import TriviaService
from bot.features.trivia.session import OpenQuestion, Standings
from bot.platform.posts import PostService
from bot.platform.privacy import PrivacyService
from bot.platform.recorder import Recorder
from bot.platform.scheduler import Scheduler
from bot.storage import Database
from bot.storage.activity import ActivityRepository, MetaRepository, OptOutRepository, PostRepository
from bot.storage.guilds import GuildConfig, GuildRepository
from bot.storage.number_game import DailyGameRepository
from bot.storage.schedules import ScheduleRepository
from bot.storage.trivia import RoundRow, SeasonRow, TriviaRepository

GUILD = 7


class FakeRoundOutput:
    """Records what a round would have posted; can be told to fail."""

    def __init__(self, log: list[tuple[str, Any]], fail_on_post: bool = False) -> None:
        self.log = log
        self.fail_on_post = fail_on_post
        self.next_message = 1000

    async def post_question(
        self, round_: RoundRow, index: int, question: TriviaQuestion, choices: list[str], closes_at: datetime
    ) -> int:
        if self.fail_on_post:
            raise RuntimeError("boom")
        self.next_message += 1
        self.log.append(("question", (round_.id, index, question, choices)))
        return round_.id * 100_000 + self.next_message

    async def close_question(self, round_: RoundRow, open_question: OpenQuestion) -> None:
        self.log.append(("close", (round_.id, open_question.index, open_question.results())))

    async def post_standings(self, round_: RoundRow, standings: Standings, *, stopped: bool) -> None:
        self.log.append(("standings", (round_.id, standings, stopped)))

    async def post_failure(self, round_: RoundRow) -> None:
        self.log.append(("failure", round_.id))


class FakeOutputs:
    def __init__(self) -> None:
        self.log: list[tuple[str, Any]] = []
        self.failing_channels: set[int] = set()
        self.seasons: list[tuple[SeasonRow, Standings, SeasonRow]] = []

    async def round_output(self, guild_id: int, channel_id: int) -> FakeRoundOutput:
        return FakeRoundOutput(self.log, fail_on_post=channel_id in self.failing_channels)

    async def post_season_end(self, ended: SeasonRow, standings: Standings, following: SeasonRow) -> None:
        self.seasons.append((ended, standings, following))

    def of_kind(self, kind: str) -> list[Any]:
        return [payload for k, payload in self.log if k == kind]


class GamesEnv:
    def __init__(self, db: Database, clock: FakeClock) -> None:
        self.db = db
        self.clock = clock
        self.outputs = FakeOutputs()

    async def setup(self, timezone: str = "UTC") -> GamesEnv:
        db, clock = self.db, self.clock
        self.guilds = GuildRepository(db, "UTC")
        await self.guilds.save(GuildConfig(GUILD, timezone), 0)
        activities = ActivityRepository(db)
        self.privacy = PrivacyService(OptOutRepository(db), activities, MetaRepository(db), clock)
        await self.privacy.load()
        self.recorder = Recorder(activities, self.guilds, self.privacy, clock, RecorderSettings())
        self.posts = PostService(PostRepository(db), self.guilds, clock)
        self.scheduler = Scheduler(ScheduleRepository(db), self.guilds, clock, SchedulerSettings(), drive_jobs=False)
        self.waiter = ClockWaiter(clock)
        self.trivia = TriviaService(
            TriviaRepository(db),
            posts=self.posts,
            recorder=self.recorder,
            guilds=self.guilds,
            scheduler=self.scheduler,
            clock=clock,
            outputs=self.outputs,
            waiter=self.waiter,
            rng=random.Random(3),
            pause_s=5,
        )
        self.scheduler.on_timer("trivia_season", self.trivia.end_season)
        self.daily = DailyGameService(
            DailyGameRepository(db),
            posts=self.posts,
            recorder=self.recorder,
            guilds=self.guilds,
            clock=clock,
            rng=random.Random(4),
        )
        self.privacy.on_forget(self.trivia.forget_member)
        return self

    async def rows(self, sql: str, *params: object) -> list[tuple[Any, ...]]:
        return [tuple(r) for r in await self.db.fetchall(sql, params)]


async def games_env(database_url: str, start: datetime, timezone: str = "UTC") -> GamesEnv:
    db = await Database.open(database_url)
    await db.migrate()
    return await GamesEnv(db, FakeClock(start)).setup(timezone)
