"""The top-of-the-hour herd through the real bot, for ``tests/e2e/test_herd.py`` and ``bench/herd.py``.

``guilds`` guilds on the local Discord, served by two Hearth processes of one bot (shards 0,1 and
2,3 of 4, one PostgreSQL database), every guild's question scheduled for Monday 09:00, under
Discord's global limit (``limit`` requests/s, enforced by the local Discord). The clock runs with
the wall clock from 09:00, so a post that waits its turn is really late.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bot.app import Hearth
from bot.core.clock import from_ms
from bot.core.http_stats import HttpStats
from bot.core.shards import shard_of
from bot.sandbox.hearth_runner import local_settings, start_hearth
from bot.sandbox.localdiscord import LocalDiscord
from bot.sandbox.localdiscord.testing import BotRunner, Community, build_community

START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # a Monday morning
SHARDS = 4
PROCESS_SHARDS = ("0,1", "2,3")


class RunningClock:
    """A test clock that can also run with the wall clock: the herd takes real seconds."""

    def __init__(self, start: datetime) -> None:
        self._start, self._origin, self._running = start, time.monotonic(), False

    def now(self) -> datetime:
        return self._start + timedelta(seconds=time.monotonic() - self._origin) if self._running else self._start

    def set(self, moment: datetime, *, running: bool = False) -> None:
        self._start, self._origin, self._running = moment, time.monotonic(), running


@dataclass
class Herd:
    guilds: int
    limit: int
    late_after_seconds: int
    elapsed: float  # seconds from 09:00 until both processes' sweeps had posted everything
    requests: int  # requests the global limit counted during the herd
    per_shard: Counter[int]
    questions: dict[int, list[int]]  # guild -> ids of the question messages the local Discord holds
    occurrences: list[dict[str, object]]  # guild, status, due_at, posted_at, on_time, message_id
    stats: list[HttpStats]  # per process, counted during the herd only
    refused: int  # global 429s the local Discord answered
    invalid: list[int]  # per process: 401/403/429 answers in the last 10 minutes (Discord bans at 10,000)

    @property
    def least(self) -> float:
        """The least time the global limit allows for the herd's requests."""
        return self.requests / self.limit

    @property
    def ratio(self) -> float:
        return self.elapsed / self.least

    def went_late(self, row: dict[str, object]) -> bool:
        return from_ms(int(row["posted_at"])) - from_ms(int(row["due_at"])) > timedelta(  # type: ignore[call-overload]
            seconds=self.late_after_seconds
        )

    def dishonest(self) -> list[dict[str, object]]:
        """Occurrences whose flags disagree with when their post went out."""
        return [
            r for r in self.occurrences
            if (r["status"], bool(r["on_time"])) != (("late", False) if self.went_late(r) else ("posted", True))
        ]

    def summary(self) -> str:
        late = sum(self.went_late(r) for r in self.occurrences)
        return (
            f"herd: {self.guilds:,} questions from 2 processes ({dict(sorted(self.per_shard.items()))} guilds per "
            f"shard), {self.requests:,} requests in {self.elapsed:.2f} s; the global limit ({self.limit}/s) allows "
            f"{self.least:.2f} s; ratio {self.ratio:.2f} [target <= 1.5]; {late} late (after "
            f"{self.late_after_seconds} s); global 429s per process: "
            + ", ".join(str(s.global_rate_limited) for s in self.stats)
            + " [target <= 1 each]"
        )


def _delta(after: HttpStats, before: HttpStats) -> HttpStats:
    return HttpStats(
        after.unauthorized - before.unauthorized,
        after.forbidden - before.forbidden,
        after.rate_limited - before.rate_limited,
        after.global_rate_limited - before.global_rate_limited,
    )


async def run_herd(database_url: str, guilds: int, limit: int, late_after_seconds: int) -> Herd:
    clock = RunningClock(START)
    async with LocalDiscord(clock=clock) as server:
        communities: list[Community] = []
        for n in range(guilds):
            # Guilds joined over time, a millisecond apart: their snowflakes spread over the shards
            # evenly, as thousands of real guilds' do (``(guild_id >> 22) % count``).
            clock.set(START + timedelta(milliseconds=n))
            communities.append(build_community(server, name=f"guild {n}"))
        clock.set(START + timedelta(seconds=1))
        per_shard = Counter(shard_of(c.guild.id, SHARDS) for c in communities)
        bots: list[Hearth] = []
        runners: list[BotRunner] = []
        try:
            for ids in PROCESS_SHARDS:
                settings = (
                    local_settings(server, database_url)
                    .replace("shards", count=SHARDS, ids=ids)
                    .replace("discord", global_requests_per_second=limit)
                    .replace("scheduler", late_after_seconds=late_after_seconds)
                )
                bot, runner = await start_hearth(server, settings, clock)
                bots.append(bot)
                runners.append(runner)

            async def schedule(c: Community) -> None:  # what /question add and /question schedule do
                owner = bots[shard_of(c.guild.id, SHARDS) * len(bots) // SHARDS]
                service = owner.get_cog("Questions").service  # type: ignore[union-attr]
                await service.add(c.guild.id, f"What made you smile today, {c.guild.name}?", None, c.moderator.id)
                await service.add_schedule(c.guild.id, c.general.id, "09:00", "daily", None, c.moderator.id)

            await asyncio.gather(*(schedule(c) for c in communities))

            server.global_limit.enable(limit)
            before = [_delta(b.http_stats, HttpStats()) for b in bots]
            served = server.global_limit.served
            clock.set(START + timedelta(hours=1), running=True)  # Monday 09:00: every guild at once
            started = time.perf_counter()
            await asyncio.gather(*(b.scheduler.run_due() for b in bots))
            elapsed = time.perf_counter() - started
            requests = server.global_limit.served - served
            await asyncio.gather(*(b.scheduler.run_due() for b in bots))  # a second sweep posts nothing more
            await server.flush()
            questions = {
                c.guild.id: [
                    m.id for m in server.sent_by_bot(c.general)
                    if m.embeds and m.embeds[0].get("title") == "Question of the day"
                ]
                for c in communities
            }
            rows = await bots[0].db.fetchall(
                "SELECT o.guild_id, o.status, o.due_at, p.posted_at, p.on_time, p.message_id "
                "FROM occurrences o LEFT JOIN posts p ON p.id = o.post_id"
            )
            return Herd(
                guilds, limit, late_after_seconds, elapsed, requests, per_shard, questions,
                [dict(r) for r in rows], [_delta(b.http_stats, s) for b, s in zip(bots, before, strict=True)],
                server.global_limit.refused, [b.http_stats.invalid_last_10_min for b in bots],
            )
        finally:
            for runner in runners:
                await runner.stop()
