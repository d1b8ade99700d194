"""Shards: the plan, the settings, the SQLite refusal, per-process guilds and once-across-processes work."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest

from bot.core.clock import FakeClock, to_ms
from bot.core.settings import SchedulerSettings, SettingsError, settings_from_mapping
from bot.core.shards import SQLITE_MULTI_PROCESS, ShardPlan, shard_of
from bot.platform.scheduler import Occurrence, Scheduler
from bot.storage import Database
from bot.storage.guilds import GuildConfig, GuildRepository
from bot.storage.schedules import ScheduleRepository, TimerRow
from bot.storage.trivia import TriviaRepository
from tests.conftest import DatabaseUrls

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
# Eight guilds with snowflake-like ids spread over four shards.
GUILDS = [(n << 22) | (n * 7919) for n in range(100, 108)]


def test_discord_shard_formula_and_the_plan() -> None:
    assert [shard_of(g, 4) for g in GUILDS] == [0, 1, 2, 3, 0, 1, 2, 3]
    assert ShardPlan.parse(1, "") == ShardPlan()
    assert ShardPlan.parse(4, "") == ShardPlan(4, None)
    assert ShardPlan.parse(4, "0,1,2,3") == ShardPlan(4, None)  # all of them: nobody shares
    plan = ShardPlan.parse(4, " 1, 0 ")
    assert plan == ShardPlan(4, (0, 1)) and plan.shares_work and plan.sharded
    assert [plan.owns(g) for g in GUILDS] == [True, True, False, False] * 2
    assert plan.describe() == "shards 0, 1 of 4" and plan.storage_filter() == (4, (0, 1))
    for count, ids in ((4, "4"), (2, "x"), (0, "")):
        with pytest.raises(ValueError):
            ShardPlan.parse(count, ids)


def test_shard_settings_are_checked() -> None:
    settings = settings_from_mapping({"shards": {"count": 4, "ids": "2,3"}})
    assert settings.shard_plan == ShardPlan(4, (2, 3))
    with pytest.raises(SettingsError, match="between 0 and 1"):
        settings_from_mapping({"shards": {"count": 2, "ids": "5"}})
    with pytest.raises(SettingsError, match=r"shards\.ids"):
        settings_from_mapping({"shards": {"ids": "zero"}})


def test_sqlite_with_several_processes_is_refused_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.cli.main import main

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("HEARTH_DATABASE_URL", raising=False)
    monkeypatch.setenv("DISCORD_TOKEN", "x" * 59)
    assert main(["run", "--shard-count", "2", "--shard-ids", "0"]) == 2
    err = capsys.readouterr().err
    assert err == f"hearth: {SQLITE_MULTI_PROCESS}\n"
    assert ShardPlan(2, (0,)).database_problem("postgresql") is None
    assert ShardPlan(2, None).database_problem("sqlite") is None  # one process, every shard: fine


class Process:
    """One Hearth process's scheduler on the shared database."""

    def __init__(self, db: Database, clock: FakeClock, plan: ShardPlan, posted: list[tuple[str, int]]) -> None:
        self.name = plan.describe()
        self.scheduler = Scheduler(
            ScheduleRepository(db), GuildRepository(db, "UTC"), clock, SchedulerSettings(grace_minutes=60),
            drive_jobs=False, shards=plan,
        )
        self.posted = posted
        self.scheduler.on_schedule("question", self.post)
        self.scheduler.on_timer("poll.close", self.close)

    async def post(self, occurrence: Occurrence) -> int:
        self.posted.append((self.name, occurrence.schedule.guild_id))
        return len(self.posted)

    async def close(self, timer: TimerRow) -> None:
        self.posted.append((self.name + " timer", timer.guild_id))


async def test_each_process_runs_only_its_own_guilds_and_every_guild_runs_once(database_url: str) -> None:
    db = await Database.open(database_url)
    await db.migrate()
    clock = FakeClock(T0)
    try:
        guilds = GuildRepository(db, "UTC")
        for g in GUILDS:
            await guilds.save(GuildConfig(g, "UTC"), to_ms(T0))
        posted: list[tuple[str, int]] = []
        a = Process(db, clock, ShardPlan(4, (0, 1)), posted)
        b = Process(db, clock, ShardPlan(4, (2, 3)), posted)
        for g in GUILDS:
            await a.scheduler.add_schedule(g, "question", 5, time(9, 0), frozenset(range(7)))
            await a.scheduler.set_timer(g, "poll.close", 1, T0 + timedelta(minutes=30))
        await a.scheduler.start()
        await b.scheduler.start()
        clock.advance(hours=1, minutes=1)
        await asyncio.gather(a.scheduler.run_due(), b.scheduler.run_due())
        await asyncio.gather(a.scheduler.run_due(), b.scheduler.run_due())  # a second sweep posts nothing
        questions = sorted((g, who) for who, g in posted if "timer" not in who)
        assert [g for g, _ in questions] == sorted(GUILDS)  # every guild once
        assert all(who == ("shards 0, 1 of 4" if shard_of(g, 4) < 2 else "shards 2, 3 of 4") for g, who in questions)
        timers = sorted(g for who, g in posted if "timer" in who)
        assert timers == sorted(GUILDS)
        # A restart of process b does not touch a's work in flight: nothing of a's is reset or failed.
        await db.execute("UPDATE timers SET status = 'running' WHERE guild_id = ?", (GUILDS[0],))
        await ScheduleRepository(db).reset_running_timers(ShardPlan(4, (2, 3)).storage_filter())
        assert await db.fetchval("SELECT status FROM timers WHERE guild_id = ?", (GUILDS[0],)) == "running"
        await db.execute(
            "INSERT INTO trivia_rounds (guild_id, channel_id, questions, timer_s, started_at) VALUES (?, 1, 3, 20, 0)",
            (GUILDS[0],),
        )
        assert await TriviaRepository(db).interrupt_running(1, ShardPlan(4, (2, 3)).storage_filter()) == 0
        assert await TriviaRepository(db).interrupt_running(1, ShardPlan(4, (0, 1)).storage_filter()) == 1
    finally:
        await db.close()


@pytest.mark.backends("postgresql")  # two processes on one database: only PostgreSQL allows it
async def test_housekeeping_runs_once_across_processes(database_urls: DatabaseUrls) -> None:
    url = await database_urls("shared")
    dbs = [await Database.open(url), await Database.open(url)]  # two processes, two connections (pools)
    await dbs[0].migrate()
    clock = FakeClock(T0)
    runs: list[int] = []
    try:
        schedulers = [
            Scheduler(ScheduleRepository(db), GuildRepository(db, "UTC"), clock, SchedulerSettings(), drive_jobs=False)
            for db in dbs
        ]
        for n, scheduler in enumerate(schedulers):

            async def retention(n: int = n) -> None:
                runs.append(n)
                await asyncio.sleep(0.05)  # long enough for the other process to try meanwhile

            scheduler.every(timedelta(days=1), retention, "retention")
        ran = await asyncio.gather(*(s.run_housekeeping("retention") for s in schedulers))
        assert sorted(ran) == [False, True] and len(runs) == 1
        clock.advance(hours=3)  # the other process's daily trigger comes later the same day: nothing
        assert await schedulers[1].run_housekeeping("retention") is False
        clock.advance(days=1)
        assert await schedulers[1].run_housekeeping("retention") is True and len(runs) == 2
    finally:
        for db in dbs:
            await db.close()
