"""The activity recorder: handlers enqueue, one writer task stores batches.

Discord event handlers never wait on disk. ``record()`` computes the local day and hour once
(the guild's time zone, DST-correct), drops opted-out members, and appends a row. One writer
task flushes every ``flush_interval_seconds`` or as soon as ``batch_size`` rows wait, in one
transaction with ``executemany``; the unique event key makes a gateway replay harmless. If the
queue outgrows ``max_queue`` (the disk is stuck), new activities are counted as dropped and
logged at most once a minute, and the bot keeps answering.

On PostgreSQL a batch only queues its id range for the rollups (bot.storage.activity, rollup_ranges); a second
task, the folder, folds the queue into the rollups on its own connection while the writer goes
on (one folder at a time across every process, under an advisory lock), so the second core does
the rollups. ``flush()`` and every reader of the rollups fold what is queued first.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import struct
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

from bot.core.clock import Clock
from bot.core.localtime import LocalHours
from bot.core.settings import RecorderSettings
from bot.platform.privacy import PrivacyService
from bot.storage import dialect
from bot.storage.activity import ActivityRepository
from bot.storage.guilds import GuildRepository

log = logging.getLogger(__name__)

# Activities that count as activity; removals, joins and leaves are stored but don't count.
COUNTING_KINDS = frozenset(
    {
        "message",
        "reaction",
        "poll_vote",
        "trivia_answer",
        "contest_entry",
        "contest_vote",
        "anon_poll_vote",
        "giveaway_entry",
        "game_play",
        "button",
        "share",  # a forward of a Hearth post inside the guild, linked to it (#20)
        "feedback",  # a feedback item (#21)
        "survey_answer",  # a pulse survey answer (#21)
    }
)
NON_COUNTING_KINDS = frozenset({"reaction_remove", "poll_unvote", "join", "leave"})
KINDS = COUNTING_KINDS | NON_COUNTING_KINDS
WITHHELD_MEMBER = 0
"""reply_to_member_id of a reply to a member whose id is not kept (opted out, forgotten)."""
DROP_LOG_INTERVAL_S = 60.0
MAX_BACKOFF_S = 30.0  # retry a failing database at least this often
# What the database raises for a row it refuses (a constraint): every retry would fail the same way.
REFUSED_ROW = dialect.REFUSED_ROW
MS_PER_HOUR = 3_600_000  # utc_hour = epoch ms // MS_PER_HOUR (bot.localtime.utc_hour)
FOLD_TICK_S = 5.0  # the folder also looks every so often (another process's batches, a failed fold)
FOLD_BUSY_S = 0.2  # another process is folding: look again after this, in case it just finished


_BLAKE2B_8 = hashlib.blake2b(digest_size=8)  # copied per key: a third faster than a new hasher with its options
_SIGNED_64 = struct.Struct(">q").unpack


def event_hash(event_key: str) -> int:
    """The stored form of an event key: a signed 64-bit BLAKE2b hash (a small, fast unique index)."""
    hasher = _BLAKE2B_8.copy()
    hasher.update(event_key.encode())
    return _SIGNED_64(hasher.digest())[0]  # int.from_bytes(digest, "big", signed=True)


class Activity(NamedTuple):
    """One recorded response. A named tuple: the tracking handlers build one per gateway event, and
    a frozen dataclass took five times as long (bench/gateway.py)."""

    guild_id: int
    kind: str
    member_id: int
    at: datetime
    event_key: str
    channel_id: int | None = None
    thread_id: int | None = None
    message_id: int | None = None
    post_id: int | None = None
    reply_to_member_id: int | None = None
    reply_to_bot: bool = False


@dataclass
class RecorderStats:
    accepted: int = 0
    written_batches: int = 0
    written_rows: int = 0
    dropped: int = 0
    opted_out: int = 0
    write_errors: int = 0
    rejected: int = 0  # rows the database refused (a bug), set aside so they can't block the rest
    retries: int = 0  # flushes retried after the database failed (restart, network, disk)
    failing_since: float | None = None  # monotonic time of the first failure of the current run of them
    last_error: str | None = None
    folded: int = 0  # activities this process folded into the rollups (PostgreSQL)
    folds: int = 0  # folds that found something queued
    fold_errors: int = 0
    fold_backends: set[int] = field(default_factory=set)  # the folder's server processes (bench.postgres)

    @property
    def database_ok(self) -> bool:
        return self.failing_since is None


class Recorder:
    def __init__(
        self,
        repo: ActivityRepository,
        guilds: GuildRepository,
        privacy: PrivacyService,
        clock: Clock,
        settings: RecorderSettings,
    ) -> None:
        self._repo = repo
        self._guilds = guilds
        self._privacy = privacy
        self._clock = clock
        self._interval = settings.flush_interval_seconds
        self._batch_size = settings.batch_size or repo.default_batch_size
        self._max_queue = settings.max_queue
        self._queue: deque[tuple[Any, ...]] = deque()
        self._wake = asyncio.Event()
        self._writer: asyncio.Task[None] | None = None
        self._folder: asyncio.Task[None] | None = None
        self._fold_wake = asyncio.Event()
        self._batches = 0  # batches written that queued rollup rows (PostgreSQL)
        self._folded_batches = 0  # of those, how many a finished fold is known to cover
        self._write_lock = asyncio.Lock()
        self._closing = False
        self._last_drop_log = 0.0
        self.stats = RecorderStats()
        self._claimed_polls: set[tuple[int, int]] = set()
        self._local_hours = LocalHours()
        self._flush_hooks: list[Callable[[], Awaitable[None]]] = []

    def on_flush(self, hook: Callable[[], Awaitable[None]]) -> None:
        """Another batched writer (the invites feature's join rows): ``await hook()`` after each
        flush of activities, under the same lock, so whoever flushes the recorder before reading
        (reports, forget-me, shutdown) sees its rows too. A hook that raises keeps its rows and is
        retried like a failed batch."""
        self._flush_hooks.append(hook)

    # -- polls a feature records itself -------------------------------------------------------
    def claim_poll(self, guild_id: int, message_id: int) -> None:
        """A feature records this native poll's votes as its own activity (a contest's vote):
        the tracking cog then records no ``poll_vote`` for it. One action, one activity."""
        self._claimed_polls.add((guild_id, message_id))

    def poll_claimed(self, guild_id: int | None, message_id: int) -> bool:
        return bool(self._claimed_polls) and (guild_id, message_id) in self._claimed_polls

    # -- producing ----------------------------------------------------------------------------
    def record(self, activity: Activity) -> bool:
        """Enqueue one activity; False if it was not recorded (opted out, queue full, closed)."""
        if activity.kind not in KINDS:
            raise ValueError(f"unknown activity kind {activity.kind!r}")
        privacy = self._privacy
        if privacy.is_opted_out(activity.guild_id, activity.member_id):
            self.stats.opted_out += 1
            return False
        replied = activity.reply_to_member_id
        if replied and privacy.is_opted_out(activity.guild_id, replied):
            # A reply to an opted-out member: a member reply, without their id (METRICS v2 "Privacy").
            activity = activity._replace(reply_to_member_id=WITHHELD_MEMBER)
        queue = self._queue
        if len(queue) >= self._max_queue or self._closing:
            self._note_drop()
            return False
        queue.append(self.row(activity))
        self.stats.accepted += 1
        if len(queue) >= self._batch_size:
            self._wake.set()
        return True

    def row(self, activity: Activity) -> tuple[Any, ...]:
        """The stored form of an activity (ACTIVITY_COLUMNS order), local day and hour in the guild's zone."""
        guild_id, kind, member_id, at, event_key, channel_id, thread_id, message_id, post_id, replied, to_bot = activity
        at_ms = int(at.timestamp() * 1000)  # to_ms(at), inline: the hot path
        day, hour_of_week = self._local_hours.day_and_hour_of_week(at, at_ms, self._guilds.timezone(guild_id))
        return (
            guild_id,
            event_hash(event_key),
            kind,
            member_id,
            channel_id,
            thread_id,
            message_id,
            post_id,
            replied,
            int(to_bot),
            at_ms,
            day,
            at_ms // MS_PER_HOUR,
            hour_of_week,
            1 if kind in COUNTING_KINDS else 0,
        )

    def _note_drop(self) -> None:
        self.stats.dropped += 1
        now = time.monotonic()
        if now - self._last_drop_log >= DROP_LOG_INTERVAL_S:
            self._last_drop_log = now
            log.warning(
                "recorder queue is full (%d waiting): dropping new activities, %d dropped so far",
                len(self._queue),
                self.stats.dropped,
            )

    @property
    def batch_size(self) -> int:
        """Rows per batch: ``recorder.batch_size``, or the database's own when that is 0."""
        return self._batch_size

    @property
    def pending(self) -> int:
        return len(self._queue)

    # -- writing ------------------------------------------------------------------------------
    def start(self) -> None:
        if self._writer is None:
            self._writer = asyncio.create_task(self._run(), name="hearth-recorder")
        if self._folder is None and self._repo.queues_rollups:
            self._fold_wake.set()  # what an earlier run (or a crash) left queued
            self._folder = asyncio.create_task(self._fold_run(), name="hearth-rollup-folder")

    async def _run(self) -> None:
        failures = 0
        while not self._closing:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self._interval)
            self._wake.clear()
            try:
                await self._write_queued()
            except Exception as exc:
                # Rows stay queued and are retried with backoff (a reconnect for PostgreSQL: the
                # pool replaces dead connections); the bot keeps running.
                failures += 1
                self._note_failure(exc, failures)
                await asyncio.sleep(self.backoff(failures))
            else:
                if failures:
                    log.warning("recorder: the database is back after %d retries; queue written", failures)
                failures = 0
                self.stats.failing_since = None

    def backoff(self, failures: int) -> float:
        """Seconds to wait after ``failures`` failed flushes in a row: doubling, capped."""
        return min(self._interval * 2 ** min(failures - 1, 16), MAX_BACKOFF_S)

    def _note_failure(self, exc: Exception, failures: int) -> None:
        self.stats.retries += 1
        self.stats.last_error = f"{type(exc).__name__}: {exc}"[:200]
        if self.stats.failing_since is None:
            self.stats.failing_since = time.monotonic()
        if isinstance(exc, dialect.CONNECTION_LOST):
            log.warning(
                "recorder: database unreachable (%s); %d activities kept, retry %d in %.1fs",
                type(exc).__name__, len(self._queue), failures, self.backoff(failures),
            )
        else:
            log.exception("recorder could not write a batch; will retry")

    async def flush(self) -> int:
        """Write everything queued now, and fold the rollup queue: on return every activity
        recorded so far is in the rollups. Returns the rows written."""
        written = await self._write_queued()
        if self._batches > self._folded_batches:  # our batches are queued until a fold after them
            await self._fold(wait=True)
        return written

    async def _fold(self, *, wait: bool) -> int | None:
        """One fold; it covers every batch this process had committed when it started."""
        batches = self._batches
        folded = await self._repo.fold(wait=wait)
        if folded is not None:
            self._folded_batches = max(self._folded_batches, batches)
        if folded:
            self.stats.folded += folded
            self.stats.folds += 1
        return folded

    async def _write_queued(self) -> int:
        """Write everything queued now (the writer task: the folder does the rollups meanwhile)."""
        written = 0
        async with self._write_lock:
            while self._queue:
                batch = [self._queue.popleft() for _ in range(min(self._batch_size, len(self._queue)))]
                try:
                    await self._repo.write_batch(batch)
                except REFUSED_ROW:
                    # Written row by row, or one refused row would hold up every row behind it.
                    self.stats.write_errors += 1
                    batch = await self._write_one_by_one(batch)
                except BaseException:
                    # The disk, a lock: put the batch back (a retry is harmless: event keys are unique).
                    self.stats.write_errors += 1
                    self._queue.extendleft(reversed(batch))
                    raise
                written += len(batch)
                self.stats.written_batches += 1
                self.stats.written_rows += len(batch)
                if self._repo.queues_rollups:
                    self._batches += 1
                    self._fold_wake.set()
            for hook in self._flush_hooks:
                await hook()
        return written

    # -- folding (PostgreSQL) -------------------------------------------------------------------
    async def _fold_run(self) -> None:
        """On a connection of its own: while anything is queued, fold it; then wait for the next
        batch (or the tick). A failure gives the connection back and tries again after a backoff."""
        failures = 0
        while not self._closing:
            try:
                async with self._repo.own_connection() as pid:
                    if pid is not None:
                        self.stats.fold_backends.add(pid)
                    while not self._closing:
                        with contextlib.suppress(TimeoutError):
                            await asyncio.wait_for(self._fold_wake.wait(), timeout=FOLD_TICK_S)
                        self._fold_wake.clear()
                        while not self._closing:
                            folded = await self._fold(wait=False)
                            if folded is None:  # another process folds, our rows too unless it just ended
                                await asyncio.sleep(FOLD_BUSY_S)
                            elif not folded:
                                break
                        failures = 0
            except Exception as exc:
                # The queue is durable: what failed to fold is folded by the next try, or any reader.
                failures += 1
                self.stats.fold_errors += 1
                if failures == 1 or isinstance(exc, dialect.CONNECTION_LOST):
                    log.warning("recorder: folding the rollup queue failed (%s: %s); will retry",
                                type(exc).__name__, exc)
                self._fold_wake.clear()  # a new batch or close() cuts the wait short
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._fold_wake.wait(), timeout=self.backoff(failures))
                self._fold_wake.set()

    @property
    def folds_rollups(self) -> bool:
        return self._repo.queues_rollups

    async def rollup_backlog(self) -> int | None:
        """Activities recorded but not in the rollups yet, across every process (0 on SQLite;
        None while the database cannot say)."""
        if not self._repo.queues_rollups:
            return 0
        try:
            return await self._repo.queued()
        except Exception:
            return None

    async def _write_one_by_one(self, batch: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
        """Write the rows of a refused batch singly; returns those stored, logs and counts the rest."""
        stored = []
        for n, row in enumerate(batch):
            try:
                await self._repo.write_batch([row])
            except REFUSED_ROW as exc:
                self.stats.rejected += 1
                log.error("recorder set aside a %s activity SQLite refused: %s", row[2], exc)
            except BaseException:
                # The disk this time: what is not written yet waits for the next try.
                self.stats.written_rows += len(stored)
                self._queue.extendleft(reversed(batch[n:]))
                raise
            else:
                stored.append(row)
        return stored

    async def close(self) -> None:
        """Stop the writer and the folder, flush everything enqueued so far and fold it."""
        self._closing = True
        self._wake.set()
        self._fold_wake.set()
        for task in (self._writer, self._folder):
            if task is not None:
                await asyncio.gather(task, return_exceptions=True)  # each exits after its current step
        self._writer = self._folder = None
        await self.flush()
