"""The top-of-the-hour herd through two real ``hearth run`` processes, for ``tests/e2e/test_herd.py`` and
``bench/herd.py``.

Guilds on the local Discord, served by two processes of one bot (``hearth run --shard-count 4
--shard-ids 0,1`` and ``2,3``, one PostgreSQL database), every guild's question scheduled for
Monday 09:00, under Discord's global limit (``limit`` requests/s per bot token, enforced by the
local Discord across both processes' connections). ``due`` says how many guilds each process
serves (``(100, 100)``, or an uneven ``(150, 50)``). The processes' clock is a file
(``HEARTH_CLOCK_FILE``): set to 09:00 running with the wall clock, so a post that waits its turn is
really late; the local Discord reads the same file. ``kill_after``: SIGKILL the second process that
many seconds into the herd, let the first finish, then restart the second a few minutes later.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from datetime import time as day_time
from pathlib import Path

from bot.core.clock import FileClock, from_ms, to_ms
from bot.core.shards import shard_of
from bot.features.questions.bank import question_key
from bot.sandbox.localdiscord import LocalDiscord
from bot.sandbox.localdiscord.rest import RestCall
from bot.sandbox.localdiscord.snowflakes import DISCORD_EPOCH_MS
from bot.sandbox.localdiscord.testing import Community, build_community
from bot.sandbox.processes import HearthProcess, Refusals, status_refusals, stop_all
from bot.storage import Database
from bot.storage.questions import NewQuestion, QuestionRepository
from bot.storage.schedules import ScheduleRepository

START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # a Monday morning
NINE = START + timedelta(hours=1)
SHARDS = 4
RESTART_AFTER = timedelta(minutes=3)  # the killed process comes back at 09:03 (within the grace period)


def owner(guild_id: int) -> int:
    """The process serving a guild: 0 for shards 0 and 1, 1 for shards 2 and 3."""
    return shard_of(guild_id, SHARDS) // 2


@dataclass
class Killed:
    """What happened around the SIGKILL of the second process."""

    after: float  # seconds into the herd
    survivor_rate: float  # requests/s the survivor sent from 1 s after the kill until its last
    survivor_requests: int  # in that window
    in_flight: int  # the killed process's occurrences claimed but not recorded: failed at the restart
    late_after_restart: int  # its questions that went out after the restart (late)
    unposted: dict[int, list[tuple[object, object]]] = field(default_factory=dict)  # guild -> its occurrences


@dataclass
class Herd:
    guilds: int
    limit: int
    late_after_seconds: int
    due: tuple[int, int]  # guilds each process serves
    shared: bool  # the processes reserved on the shared timeline (else: each at its shards' share)
    elapsed: float  # seconds from 09:00 until the herd's last request went out
    requests: int  # requests the global limit counted during the herd
    per_shard: Counter[int]
    questions: dict[int, list[int]]  # guild -> ids of the question messages the local Discord holds
    occurrences: list[dict[str, object]]  # guild, status, due_at, posted_at, on_time, message_id
    refusals: list[Refusals]  # per process, as its /hearth status showed them after the herd
    refused: int  # global 429s the local Discord answered the bot's token
    status: list[str] = field(default_factory=list)  # the /hearth status texts
    killed: Killed | None = None

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

    def posted(self) -> list[dict[str, object]]:
        return [r for r in self.occurrences if r["posted_at"] is not None]

    def dishonest(self) -> list[dict[str, object]]:
        """Occurrences whose flags disagree with when their post went out."""
        return [
            r for r in self.posted()
            if (r["status"], bool(r["on_time"])) != (("late", False) if self.went_late(r) else ("posted", True))
        ]

    def summary(self) -> str:
        late = sum(self.went_late(r) for r in self.posted())
        text = (
            f"herd: {self.guilds:,} questions from 2 processes ({self.due[0]} + {self.due[1]} guilds; "
            f"{dict(sorted(self.per_shard.items()))} per shard; "
            f"{'shared timeline' if self.shared else 'shard shares'}), {self.requests:,} requests in "
            f"{self.elapsed:.2f} s; the global limit ({self.limit}/s) allows {self.least:.2f} s; ratio "
            f"{self.ratio:.2f} [target <= 1.5]; {late} late (after {self.late_after_seconds} s); global 429s per "
            "process: " + ", ".join(str(r.global_rate_limited) for r in self.refusals) + " [target <= 1 each]"
        )
        if self.killed is not None:
            k = self.killed
            text += (
                f"; SIGKILL of process 1 at {k.after:.1f} s: the survivor then sent {k.survivor_requests} requests at "
                f"{k.survivor_rate:.1f}/s ({k.survivor_rate / self.limit:.2f} of the limit), {k.in_flight} "
                f"occurrences were in flight (interrupted, not retried), "
                f"{k.late_after_restart} questions went out late after the restart; "
                f"guilds without a question: {len(k.unposted)}"
            )
        return text


def _build_guilds(server: LocalDiscord, clock_file: Path, due: tuple[int, int]) -> list[Community]:
    """Guilds joined a millisecond apart (their snowflakes spread over the shards as thousands of real
    guilds' do), keeping only the moments whose shard belongs to a process that needs more."""
    communities: list[Community] = []
    wanted = list(due)
    moment = START
    while any(wanted):
        moment += timedelta(milliseconds=1)
        n = owner((to_ms(moment) - DISCORD_EPOCH_MS) << 22)
        if not wanted[n]:
            continue
        FileClock.write(clock_file, moment)
        community = build_community(server, name=f"guild {len(communities)}")
        assert owner(community.guild.id) == n
        communities.append(community)
        wanted[n] -= 1
    return communities


async def _schedule(database_url: str, communities: list[Community]) -> None:
    """What /question add and /question schedule store, written before the processes start."""
    db = await Database.open(database_url)
    try:
        await db.migrate()
        questions, schedules = QuestionRepository(db), ScheduleRepository(db)
        now = to_ms(START)
        for c in communities:
            text = f"What made you smile today, {c.guild.name}?"
            await questions.add(c.guild.id, NewQuestion(text, question_key(text), None, added_by=c.moderator.id), now)
            await schedules.add(
                c.guild.id, "question", c.general.id, day_time(9, 0), frozenset(range(7)),
                created_by=c.moderator.id, now_ms=now,
            )
    finally:
        await db.close()


async def run_herd(
    database_url: str,
    limit: int,
    late_after_seconds: int,
    workdir: Path,
    *,
    due: tuple[int, int] = (100, 100),
    shared: bool = True,
    kill_after: float | None = None,
) -> Herd:
    clock_file = workdir / "clock"
    FileClock.write(clock_file, START)
    async with LocalDiscord(clock=FileClock(clock_file)) as server:
        communities = _build_guilds(server, clock_file, due)
        FileClock.write(clock_file, START + timedelta(seconds=1))
        await _schedule(database_url, communities)
        config = {
            "discord": {"global_requests_per_second": limit, "share_global_limit": shared},
            "scheduler": {"late_after_seconds": late_after_seconds},
        }
        procs = [
            HearthProcess(n, server, database_url, clock_file, workdir / f"p{n}", config=config) for n in (0, 1)
        ]
        token = f"Bot {server.token}"
        try:
            await asyncio.gather(*(p.start() for p in procs))
            await asyncio.gather(*(p.swept(START + timedelta(seconds=1), timeout=120) for p in procs))
            server.global_limit.enable(limit)
            served = server.global_limit.served_by.get(token, 0)
            calls = len(server.rest_log)
            timeout = 3 * sum(due) * 2 / limit + 60
            FileClock.write(clock_file, NINE, running=True)  # Monday 09:00: every guild at once
            started = time.monotonic()
            killed_at = None
            if kill_after is not None:
                await asyncio.sleep(kill_after)
                await procs[1].kill()
                killed_at = time.monotonic()
            up = [p for p in procs if p.running]
            await asyncio.gather(*(p.swept(NINE, timeout=timeout) for p in up))
            elapsed = server.global_limit.last_served[token] - started
            requests = server.global_limit.served_by.get(token, 0) - served
            herd_calls = server.rest_log[calls:]
            again = NINE + timedelta(seconds=elapsed + 5)
            FileClock.write(clock_file, again, running=True)  # a second sweep posts nothing more
            await asyncio.gather(*(p.swept(again) for p in up))
            killed = None
            if killed_at is not None:
                killed = await _restart(server, procs[1], clock_file, communities, herd_calls, killed_at - started)
            await server.flush()
            statuses = [
                await status_refusals(server, next(c for c in communities if owner(c.guild.id) == p.n)) for p in procs
            ]
            questions = {c.guild.id: _questions(server, c) for c in communities}
            db = await Database.open(database_url)
            try:
                rows = await db.fetchall(
                    "SELECT o.guild_id, o.status, o.detail, o.due_at, p.posted_at, p.on_time, p.message_id "
                    "FROM occurrences o LEFT JOIN posts p ON p.id = o.post_id"
                )
            finally:
                await db.close()
            herd = Herd(
                sum(due), limit, late_after_seconds, due, shared, elapsed, requests,
                Counter(shard_of(c.guild.id, SHARDS) for c in communities), questions, [dict(r) for r in rows],
                [s[0] for s in statuses], server.global_limit.refused_by.get(token, 0), [s[1] for s in statuses],
            )
            if killed is not None:
                herd.killed = killed
                # claimed by the dead process and not recorded: failed at its restart, never retried
                # (the message may or may not have reached Discord; a retry could double it)
                killed.in_flight = sum(
                    1 for r in herd.occurrences if r["status"] == "failed" and "interrupted" in str(r["detail"])
                )
                killed.unposted = {
                    g: [(r["status"], r["detail"]) for r in herd.occurrences if r["guild_id"] == g]
                    for g, ids in questions.items() if not ids
                }
            return herd
        finally:
            await stop_all(procs)


async def _restart(
    server: LocalDiscord, down: HearthProcess, clock_file: Path, communities: list[Community],
    herd_calls: list[RestCall], after: float,
) -> Killed:
    """The survivor's pace once the other process died, then the dead one's restart at 09:03."""
    channels = {c.general.id: owner(c.guild.id) for c in communities}
    kill_moment = NINE + timedelta(seconds=after)
    window_from = kill_moment + timedelta(seconds=1)  # its reserved slots run out within a second
    survivor = [
        call.at for call in herd_calls
        if call.at >= window_from and _channel(call.path) in channels and channels[_channel(call.path)] == 0
    ]
    rate = (len(survivor) - 1) / (survivor[-1] - survivor[0]).total_seconds() if len(survivor) > 1 else 0.0
    before = {c.guild.id: len(_questions(server, c)) for c in communities if owner(c.guild.id) == 1}
    back = NINE + RESTART_AFTER
    FileClock.write(clock_file, back)
    await down.start()
    await down.swept(back, timeout=120)
    after_restart = sum(
        len(_questions(server, c)) - before[c.guild.id] for c in communities if owner(c.guild.id) == 1
    )
    return Killed(after, rate, len(survivor), 0, after_restart)


def _channel(path: str) -> int | None:
    parts = path.strip("/").split("/")
    return int(parts[1]) if len(parts) > 1 and parts[0] == "channels" and parts[1].isdigit() else None


def _questions(server: LocalDiscord, c: Community) -> list[int]:
    return [
        m.id for m in server.sent_by_bot(c.general) if m.embeds and m.embeds[0].get("title") == "Question of the day"
    ]
