"""Hearth, the bot: builds every service once, loads every cog, closes them in reverse."""

from __future__ import annotations

import asyncio
import hashlib
import importlib.util
import json
import logging
import pkgutil
from collections.abc import Awaitable, Callable, Coroutine
from datetime import timedelta
from typing import Any

import discord
from discord.ext import commands

from bot.core.clock import Clock, SystemClock
from bot.core.endpoints import apply_endpoints
from bot.core.entropy import Entropy
from bot.core.http_stats import GlobalPacer, HttpStats, trace_config
from bot.core.settings import Settings
from bot.core.tree import HearthTree, describe_task
from bot.platform.posts import PostService
from bot.platform.privacy import PrivacyService
from bot.platform.recorder import Recorder
from bot.platform.retention import Retention
from bot.platform.scheduler import Scheduler
from bot.platform.sealing import Sealer
from bot.storage import Database
from bot.storage.activity import ActivityRepository, MetaRepository, OptOutRepository, PostRepository
from bot.storage.guilds import GuildRepository
from bot.storage.pace import PaceRepository
from bot.storage.schedules import ScheduleRepository

log = logging.getLogger(__name__)

COMMAND_HASH_KEY = "synced_command_hash"
# discord.py runs every slash command, button, select and modal callback in a task of its own,
# named with these prefixes (app_commands/tree.py, ui/view.py, ui/modal.py).
INTERACTION_TASKS = ("CommandTree-invoker", "discord-ui-view-dispatch", "discord-ui-dynamic-item",
                     "discord-ui-modal-dispatch")
SHUTDOWN_GRACE_SECONDS = 5.0

# A feature's warnings for moderators (bank running low, ...), shown in /hearth status and the summary.
WarningSource = Callable[[int], Awaitable[list[str]]]


def build_intents(settings: Settings) -> discord.Intents:
    """Non-privileged intents only, plus members when the operator opted in. Never message_content."""
    intents = discord.Intents.none()
    intents.guilds = True
    intents.guild_messages = True
    intents.guild_reactions = True
    intents.guild_polls = True
    intents.invites = True  # INVITE_CREATE/DELETE for word of mouth (not privileged)
    intents.members = settings.intents.members
    return intents


def cog_modules() -> list[str]:
    """Every module or package under ``cogs/``, by extension name. Found on disk rather than
    imported: the cogs import the app, so the app must not import them (docs/architecture.md)."""
    spec = importlib.util.find_spec("cogs")
    folders = list(spec.submodule_search_locations or []) if spec else []
    return sorted(f"cogs.{m.name}" for m in pkgutil.iter_modules(folders) if not m.name.startswith("_"))


class Hearth(commands.Bot):
    """The bot. Services are attributes, created in ``setup_hook`` once the event loop runs."""

    db: Database
    guilds_repo: GuildRepository
    activities: ActivityRepository
    meta: MetaRepository
    privacy: PrivacyService
    recorder: Recorder
    posts: PostService
    scheduler: Scheduler
    sealer: Sealer

    def __init__(
        self,
        settings: Settings,
        *,
        clock: Clock | None = None,
        entropy: Entropy | None = None,
        secret_key: str | None = None,
        **options: Any,
    ) -> None:
        apply_endpoints(settings.discord.api_base, settings.discord.gateway_url)
        options.setdefault("allowed_mentions", discord.AllowedMentions.none())
        # Hearth reads raw events and partial messages only. discord.py's message cache would
        # cost a linear search of 1,000 messages per reaction and poll vote, and their memory.
        options.setdefault("max_messages", None)
        self.http_stats = HttpStats()  # 401/403/429 answers, for /hearth status
        plan = settings.shard_plan
        self.pacer = GlobalPacer.for_share(len(plan.shard_ids), plan.count, settings.discord.global_requests_per_second)
        options.setdefault("http_trace", trace_config(self.http_stats, self.pacer))
        # A 429 longer than a minute (Discord's 10 publishes an hour per announcement channel) is
        # raised as discord.RateLimited for the feature to explain, not slept out holding a command.
        options.setdefault("max_ratelimit_timeout", 60.0)
        self.shard_plan = settings.shard_plan
        if self.shard_plan.sharded:  # only ShardedHearth (an AutoShardedBot) takes these
            options.setdefault("shard_count", self.shard_plan.count)
            options.setdefault("shard_ids", list(self.shard_plan.shard_ids))
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=build_intents(settings),
            tree_cls=HearthTree,
            help_command=None,
            **options,
        )
        self.settings = settings
        self.clock: Clock = clock or SystemClock()
        self.entropy = entropy or Entropy()  # seeded only in the sandbox
        # The anonymity key (bot.platform.sealing): HEARTH_SECRET_KEY unless given (tests, sandbox).
        self.sealer = Sealer.from_environment(secret_key, self.entropy)
        self.synced_commands = False
        self._shutdown: asyncio.Task[None] | None = None
        self.warning_sources: list[WarningSource] = []
        self._instant_listeners: dict[str, list[Callable[..., None]]] = {}
        self.caught_up = asyncio.Event()  # set after the first sweep of overdue work on ready

    async def setup_hook(self) -> None:
        self.db = await Database.open(self.settings.database_url)
        log.info("database: %s", self.db.url)  # DatabaseUrl hides the password
        problem = self.shard_plan.database_problem(self.db.engine)
        if problem:
            raise RuntimeError(problem)
        await self.db.migrate()
        if self.shard_plan.shares_work and self.settings.discord.share_global_limit:
            # other processes spend the same global limit: one timeline for all
            self.pacer.timeline = PaceRepository(self.db)
        self.guilds_repo = GuildRepository(self.db, self.settings.bot.default_timezone)
        await self.guilds_repo.load_all()
        self.activities = ActivityRepository(self.db)
        self.meta = MetaRepository(self.db)
        self.privacy = PrivacyService(OptOutRepository(self.db), self.activities, self.meta, self.clock, self.entropy)
        await self.privacy.load()
        self.recorder = Recorder(self.activities, self.guilds_repo, self.privacy, self.clock, self.settings.recorder)
        self.recorder.start()
        self.posts = PostService(PostRepository(self.db), self.guilds_repo, self.clock, self.member_count)
        await self.posts.load()
        self.scheduler = Scheduler(
            ScheduleRepository(self.db),
            self.guilds_repo,
            self.clock,
            self.settings.scheduler,
            drive_jobs=isinstance(self.clock, SystemClock),
            shards=self.shard_plan,
        )
        self.retention = Retention(self.activities, self.privacy, self.clock, self.settings.privacy.retention_days)
        self.scheduler.every(timedelta(days=1), self.retention.run, "retention")
        for module in cog_modules():
            await self.load_extension(module)
        await self.scheduler.start()
        if self.settings.bot.sync_commands:
            await self.sync_commands()

    async def sync_commands(self) -> None:
        """Sync the command tree when it changed since the last sync (Discord rate-limits syncs)."""
        payload = json.dumps([c.to_dict(self.tree) for c in self.tree.get_commands()], sort_keys=True)
        digest = hashlib.sha256(payload.encode()).hexdigest()
        # Several processes start together: one syncs (Discord rate-limits syncs), the others skip.
        async with self.db.exclusive("command-sync") as mine:
            if not mine or await self.meta.get(COMMAND_HASH_KEY) == digest:
                return
            await self.tree.sync()
            await self.meta.set(COMMAND_HASH_KEY, digest)
        self.synced_commands = True
        log.info("synced %d application commands", len(self.tree.get_commands()))

    def listen_instantly(self, event: str, listener: Callable[..., None]) -> None:
        """Call a synchronous ``listener`` inside dispatch, without creating a task per event.

        For the recorder's hot path (every message, reaction and vote): a task per event costs
        more than the recording itself. The listener must not block and must not raise.
        """
        self._instant_listeners.setdefault(event, []).append(listener)

    def listen_when(
        self, event: str, wanted: Callable[..., bool], listener: Callable[..., Coroutine[Any, Any, None]]
    ) -> Callable[..., None]:
        """Run the coroutine ``listener`` as a task, like a cog listener, only for events ``wanted`` accepts.

        ``wanted`` runs inside dispatch and must be cheap (a set lookup): most events are not
        for the listener, and a task per event costs more than the check. Errors in ``listener``
        reach ``on_error`` as a listener's would. Returns the gate, for ``stop_listening_instantly``.
        """

        def gate(*args: Any) -> None:
            if wanted(*args):
                self._schedule_event(listener, "on_" + event, *args)

        self.listen_instantly(event, gate)
        return gate

    def stop_listening_instantly(self, event: str, listener: Callable[..., None]) -> None:
        listeners = self._instant_listeners.get(event, [])
        if listener in listeners:
            listeners.remove(listener)

    def dispatch(self, event_name: str, /, *args: Any, **kwargs: Any) -> None:
        for listener in self._instant_listeners.get(event_name, ()):
            try:
                listener(*args, **kwargs)
            except Exception:
                log.exception("instant listener for %s failed", event_name)
        if event_name == "message" and not self._listeners.get(event_name) and not self.extra_events.get("on_message"):
            return  # nothing awaits messages: skip the task discord.py would start for on_message
        super().dispatch(event_name, *args, **kwargs)

    async def on_message(self, message: discord.Message) -> None:
        """Hearth has slash commands only: no prefix parsing (commands.Bot's default) per message."""

    async def on_ready(self) -> None:
        log.info("connected as %s to %d guild(s)", self.user, len(self.guilds))
        # Overdue posts, closings and endings run once the guilds and channels are known.
        await self.scheduler.run_due()
        self.caught_up.set()

    async def close(self) -> None:
        """Stop the scheduler, disconnect, flush the recorder, close the database: in that order.

        Every caller (a signal handler, ``async with``) awaits the same shutdown, so none of them
        can return, and let the loop cancel it, before the recorder is flushed.
        """
        if self._shutdown is None:
            self._shutdown = asyncio.ensure_future(self._shut_down())
        await asyncio.shield(self._shutdown)

    async def _shut_down(self) -> None:
        if hasattr(self, "scheduler"):
            await self.scheduler.stop()
        await self._finish_interactions()
        await super().close()
        if hasattr(self, "recorder"):
            await self.recorder.close()
        if hasattr(self, "db"):
            await self.db.close()

    async def _finish_interactions(self) -> None:
        """Give commands in progress (a purge that deferred, say) a few seconds to answer before the
        HTTP session closes under them; the member then sees the answer, not a failed interaction."""
        running = [t for t in asyncio.all_tasks() if t.get_name().startswith(INTERACTION_TASKS) and not t.done()]
        if not running:
            return
        log.info("waiting up to %.0f s for %d command(s) in progress", SHUTDOWN_GRACE_SECONDS, len(running))
        _, late = await asyncio.wait(running, timeout=SHUTDOWN_GRACE_SECONDS)
        # Cut the rest short while the HTTP session is still open, each with one line: left running,
        # they would fail on the closed session, and so would their error handler's own reply.
        for task in late:
            log.warning(
                "%s still running after %.0f s at shutdown: cut short, its answer is not delivered",
                describe_task(task),
                SHUTDOWN_GRACE_SECONDS,
            )
            task.cancel()
        if late:
            await asyncio.wait(late, timeout=SHUTDOWN_GRACE_SECONDS)

    async def warnings_for(self, guild_id: int) -> list[str]:
        """Every feature's current warnings for one guild; a failing source never hides the others."""
        found: list[str] = []
        for source in self.warning_sources:
            try:
                found.extend(await source(guild_id))
            except Exception:
                log.exception("warning source %r failed", source)
        return found

    async def moderator_role_id(self, guild_id: int) -> int | None:
        """The guild's configured moderator role, for ``bot.core.checks`` (which knows no Hearth)."""
        return (await self.guilds_repo.get(guild_id)).moderator_role_id

    def member_count(self, guild_id: int) -> int | None:
        """Human members who did not opt out (METRICS: bots and opted-out members never count).

        With the member list, exact; without it, all but Hearth and the guild's opt-outs (a member
        who opted out and then left is subtracted once too many: the list is what makes it exact).
        """
        guild = self.get_guild(guild_id)
        if guild is None or guild.member_count is None:
            return None
        if guild.chunked:
            opted_out = self.privacy.is_opted_out
            return sum(1 for member in guild.members if not member.bot and not opted_out(guild_id, member.id))
        return max(guild.member_count - 1 - self.privacy.opted_out_count(guild_id), 0)


class ShardedHearth(Hearth, commands.AutoShardedBot):
    """Hearth over several shards in one process (``[shards] count > 1``): discord.py's AutoShardedBot."""


def hearth_for(settings: Settings, **options: Any) -> Hearth:
    """The bot for these settings: sharded when ``[shards] count`` is more than 1."""
    cls = ShardedHearth if settings.shard_plan.sharded else Hearth
    return cls(settings, **options)


def process_label(bot: Hearth, guild_id: int) -> str:
    """``shard 1 of 4, process 1234 (shards 0, 1)``: what /hearth status shows about who serves a guild."""
    import os

    plan = bot.shard_plan
    if not plan.sharded:
        return f"process {os.getpid()} (one shard)"
    from bot.core.shards import shard_of

    return f"shard {shard_of(guild_id, plan.count)} of {plan.count}, process {os.getpid()} ({plan.describe()})"
