"""What the dashboard reads and writes, the same way in ``hearth run`` and in ``hearth dashboard``.

Figures are ``bot.analytics.export.report_json`` of ``report_from_database`` (the model of
``hearth report --format json``), never a second computation. Writes go through the same services
as the slash commands (``ExperimentService.apply``, the scheduler's ``update_schedule``), record the
moderator the same way, and answer with the same wording.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from bot.analytics.export import csv_files, local_time, report_json
from bot.analytics.from_database import ReportUnavailable, report_from_database
from bot.analytics.report import Report
from bot.core.clock import Clock
from bot.core.localtime import format_weekdays, zone
from bot.core.settings import Settings
from bot.dashboard.rights import BotCacheFacts, RestFacts, Rights
from bot.features.experiments.model import InvalidExperiment
from bot.features.experiments.service import ExperimentService
from bot.features.feedback.rules import STATUS_LABELS
from bot.platform.privacy import PrivacyService
from bot.platform.scheduler import Scheduler
from bot.storage import Database
from bot.storage.activity import ActivityRepository, MetaRepository, OptOutRepository
from bot.storage.dashboard_sessions import LogoutRepository
from bot.storage.experiments import ExperimentRepository
from bot.storage.feedback import FeedbackRepository
from bot.storage.guilds import GuildRepository
from bot.storage.post_texts import PostText, PostTextRepository
from bot.storage.questions import QuestionRepository
from bot.storage.schedules import ScheduleRepository, ScheduleRow

log = logging.getLogger(__name__)

Built = tuple[Report, dict[str, Any], dict[Any, str]]  # the report, its report_json, pages rendered from it

def message_link(guild_id: int, channel_id: int | None, message_id: int | None) -> str | None:
    """The Discord link that opens a message; None while the message is not known."""
    return f"https://discord.com/channels/{guild_id}/{channel_id}/{message_id}" if channel_id and message_id else None


PERIODS = ("week", "last week", "28 days", "90 days")
DEFAULT_PERIOD = "last week"


class ActionRefused(Exception):
    """A write Hearth refuses, with the slash command's wording."""


@dataclass
class Backend:
    db: Database
    clock: Clock
    guilds: Callable[[], GuildRepository]  # a fresh-enough view of guild settings
    privacy: PrivacyService
    scheduler: Scheduler
    experiments: Callable[[], ExperimentService | None]
    rights: Rights
    facts: BotCacheFacts | RestFacts
    flush: Callable[[], Awaitable[None]] | None = None
    closers: tuple[Callable[[], Awaitable[None]], ...] = ()
    report_cache_seconds: float = 30.0  # a report is reused this long (rights are never cached here)
    monotonic: Callable[[], float] = time.monotonic
    _reports: dict[tuple[int, str], tuple[float, Built]] = field(default_factory=dict)
    _building: dict[tuple[int, str], asyncio.Future[Built]] = field(default_factory=dict)
    _generations: dict[int, int] = field(default_factory=dict)

    async def close(self) -> None:
        for close in self.closers:
            await close()

    # -- reading ------------------------------------------------------------------------------------
    async def timezone(self, guild_id: int) -> str:
        return (await self.guilds().get(guild_id)).timezone

    async def report(self, guild_id: int, period: str = DEFAULT_PERIOD) -> Report:
        """The report of ``period``; the same one for ``report_cache_seconds`` (writes clear it)."""
        return (await self._report_and_json(guild_id, period))[0]

    async def _report_and_json(self, guild_id: int, period: str) -> Built:
        """The cached (report, report_json, rendered pages) build, or one build shared by every request that
        asks meanwhile: 50 moderators opening pages as the cache expires cost one build, not 50. While that
        build runs, a report that expired less than ``report_cache_seconds`` ago is still answered (so no page waits for
        a rebuild, and none is more than twice the cache time old); after a write there is none to answer."""
        key = (guild_id, period)
        hit = self._reports.get(key)
        now = self.monotonic()
        if hit is not None and hit[0] > now:
            return hit[1]
        task = self._building.get(key)
        if task is None:
            task = asyncio.ensure_future(self._build(key, self._generations.get(guild_id, 0)))
            self._building[key] = task
            task.add_done_callback(functools.partial(self._built, key))
        if hit is not None and hit[0] + self.report_cache_seconds > now:
            return hit[1]
        return await asyncio.shield(task)  # a client that goes away cancels its wait, not the build

    def _built(self, key: tuple[int, str], task: asyncio.Future[Any]) -> None:
        if self._building.get(key) is task:
            del self._building[key]
        if not task.cancelled():
            task.exception()  # retrieved: waiters that left must not make asyncio log it

    async def _build(self, key: tuple[int, str], generation: int) -> Built:
        """One report; kept only if no write cleared the guild's reports since it was asked for."""
        guild_id, period = key
        if self.flush is not None:
            await self.flush()
        try:
            report = await report_from_database(
                self.db, self.privacy.opted_out_members, guild_id=guild_id, period=period,
                default_timezone=(await self.guilds().get(guild_id)).timezone, now=self.clock.now(),
            )
        except ReportUnavailable as exc:
            raise ActionRefused(str(exc)) from exc
        built = (report, report_json(report), {})
        if self.report_cache_seconds > 0 and self._generations.get(guild_id, 0) == generation:
            if len(self._reports) > 1_000:
                self._reports.clear()
            self._reports[key] = (self.monotonic() + self.report_cache_seconds, built)
        return built

    # -- sessions -------------------------------------------------------------------------------------
    async def logged_out(self, session_id: str) -> bool:
        return await LogoutRepository(self.db).contains(session_id)

    async def log_out(self, session_id: str, until_s: int) -> None:
        await LogoutRepository(self.db).add(session_id, until_s * 1000, int(self.clock.now().timestamp() * 1000))

    def forget_reports(self, guild_id: int) -> None:
        """After a write: no cached report of the guild, and a build already running is not kept."""
        self._generations[guild_id] = self._generations.get(guild_id, 0) + 1
        for key in [k for k in self._reports if k[0] == guild_id]:
            del self._reports[key]
        for key in [k for k in self._building if k[0] == guild_id]:
            del self._building[key]

    async def report_data(self, guild_id: int, period: str = DEFAULT_PERIOD) -> dict[str, Any]:
        """``report_json`` of the report, made once per build (pages only read it)."""
        return (await self._report_and_json(guild_id, period))[1]

    async def report_and_pages(self, guild_id: int, period: str = DEFAULT_PERIOD) -> tuple[dict[str, Any],
                                                                                            dict[Any, str]]:
        """``report_json`` of the report and the pages already rendered from that same build (the dashboard
        fills the dict; it goes when the build does: on expiry, or on a write)."""
        _, data, pages = await self._report_and_json(guild_id, period)
        return data, pages

    async def csv(self, guild_id: int, period: str = DEFAULT_PERIOD) -> dict[str, str]:
        return csv_files(await self.report(guild_id, period))

    async def post_details(self, guild_id: int, data: dict[str, Any]) -> dict[int, PostText]:
        """post id -> where it is in Discord and what it asked (Hearth's own text), for the period's posts."""
        if not data["posts"]:
            return {}
        tz = zone(data["timezone"])
        start = datetime.fromisoformat(data["period"]["start"]).replace(tzinfo=tz)
        end = datetime.fromisoformat(data["period"]["end"]).replace(tzinfo=tz)
        rows = await PostTextRepository(self.db).in_range(
            guild_id, int(start.astimezone(UTC).timestamp() * 1000), int(end.astimezone(UTC).timestamp() * 1000)
            + 86_400_000,
        )
        return {r.post_id: r for r in rows}

    async def feedback_items(self, guild_id: int) -> list[dict[str, Any]]:
        """What ``/feedback list status:all`` shows moderators, newest first; an anonymous item has no author."""
        tz = await self.timezone(guild_id)
        now = self.clock.now()
        items = await FeedbackRepository(self.db).items(guild_id)
        named = sorted({i.author_id for i in items if not i.anonymous and i.author_id is not None})
        names = await self.names(guild_id, named) if named else {}
        return [
            {"number": i.number, "kind": i.kind, "status": STATUS_LABELS.get(i.status, i.status), "text": i.body,
             "reason": i.reason, "upvotes": i.upvotes, "sent": local_time(i.created_at, tz),
             "age_days": (now - datetime.fromtimestamp(i.created_at / 1000, UTC)).days,
             "anonymous": i.anonymous,
             "from": None if i.anonymous or i.author_id is None else names.get(i.author_id),
             "link": message_link(guild_id, i.review_channel_id, i.review_message_id)}
            for i in reversed(items)
        ]

    async def names(self, guild_id: int, member_ids: list[int]) -> dict[int, str]:
        out = {}
        for member_id in member_ids:
            try:
                name = await self.facts.display_name(guild_id, member_id)
            except Exception:  # a name is decoration: never fail a page for it
                name = None
            out[member_id] = name or f"member …{str(member_id)[-4:]}"
        return out

    async def schedules(self, guild_id: int) -> list[dict[str, Any]]:
        tz = await self.timezone(guild_id)
        out = []
        for s in await self.scheduler.repo.list(guild_id):
            when = None if s.paused else self.scheduler.next_run(s)
            out.append({"id": s.id, "kind": s.kind, "channel_id": str(s.channel_id or ""),
                        "time": f"{s.local_time:%H:%M}", "weekdays": format_weekdays(s.weekdays), "tag": s.tag,
                        "paused": s.paused,
                        "next_run": local_time(int(when.timestamp() * 1000), tz) if when is not None else None})
        return out

    async def experiment_list(self, guild_id: int) -> list[dict[str, Any]]:
        service = self.experiments()
        if service is None:
            return []
        out = []
        for experiment in await service.list(guild_id):
            status = await service.figures(experiment)
            row = experiment.row
            arms = []
            for arm in (status.a, status.b):
                arms.append({"arm": arm.arm, "value": arm.value, "posts": arm.posts, "responders": arm.responders,
                             "base": arm.base, "rate": arm.rate.value,
                             "low": arm.rate.interval[0] if arm.base else None,
                             "high": arm.rate.interval[1] if arm.base else None})
            winner = experiment.winner
            out.append({"id": row.id, "name": row.name, "factor": row.factor, "status": row.status,
                        "running": experiment.running, "describe": experiment.describe(), "arms": arms,
                        "verdict": status.verdict_text(), "winner": winner,
                        "applied": row.applied_at is not None,
                        "can_apply": (not experiment.running and winner is not None and row.applied_at is None)})
        return out

    # -- writing (moderator rights re-checked by the caller on this very request) ---------------------
    async def apply_winner(self, guild_id: int, experiment_id: int, by: int) -> str:
        service = self.experiments()
        if service is None:
            raise ActionRefused("Experiments are not available right now; try again in a moment.")
        try:
            done = await service.apply(guild_id, experiment_id, by)
        except InvalidExperiment as exc:
            raise ActionRefused(str(exc)) from exc
        self.forget_reports(guild_id)
        log.info("guild %s: member %s applied a test's winner on the dashboard", guild_id, by)
        return done

    async def set_paused(self, guild_id: int, schedule_id: int, paused: bool, by: int) -> str:
        row = await self.scheduler.repo.get(guild_id, schedule_id)
        if row is None:
            raise ActionRefused(f"There is no schedule #{schedule_id} in this server.")
        updated = await self.scheduler.update_schedule(guild_id, schedule_id, paused=paused)
        assert updated is not None
        self.forget_reports(guild_id)
        log.info("guild %s: member %s %s schedule %s on the dashboard", guild_id, by,
                 "paused" if paused else "resumed", schedule_id)
        verb = "Paused" if paused else "Resumed"
        return f"{verb}:\n{await self.describe(updated)}"

    async def describe(self, schedule: ScheduleRow) -> str:
        """The question cog's line for a schedule (`/question pause` answers with it)."""
        tz = await self.timezone(schedule.guild_id)
        when = None if schedule.paused else self.scheduler.next_run(schedule)
        nxt = "paused" if schedule.paused else (
            f"next {local_time(int(when.timestamp() * 1000), tz)}" if when else "no upcoming post")
        tag = f", tag `{schedule.tag}`" if schedule.tag else ""
        days = format_weekdays(schedule.weekdays)
        return f"#{schedule.id} {schedule.kind} at {schedule.local_time:%H:%M} {days}{tag}: {nxt}"


def from_bot(bot: Any, settings: Settings, token: str, *, rights_cache_seconds: float = 30.0,
             monotonic: Callable[[], float] = time.monotonic) -> Backend:
    """The dashboard served by ``hearth run``: the bot's own services and its live member cache."""
    rest = RestFacts(settings.discord.api_base, token, ttl=rights_cache_seconds, monotonic=monotonic)
    facts = BotCacheFacts(bot, rest)

    async def moderator_role(guild_id: int) -> int | None:
        return (await bot.guilds_repo.get(guild_id)).moderator_role_id

    def experiments() -> ExperimentService | None:
        service = getattr(bot.get_cog("Experiments"), "service", None)
        return service if isinstance(service, ExperimentService) else None

    return Backend(
        db=bot.db, clock=bot.clock, guilds=lambda: bot.guilds_repo, privacy=bot.privacy, scheduler=bot.scheduler,
        experiments=experiments, rights=Rights(facts, moderator_role), facts=facts, flush=bot.recorder.flush,
        closers=(rest.close,),
    )


async def standalone(db: Database, settings: Settings, token: str, clock: Clock,
                     *, rights_cache_seconds: float = 30.0, monotonic: Callable[[], float] = time.monotonic) -> Backend:
    """``hearth dashboard``: its own view of the database; rights over REST with the bot token (its cache
    ages by ``monotonic``, which a test replaces)."""
    rest = RestFacts(settings.discord.api_base, token, ttl=rights_cache_seconds, monotonic=monotonic)

    def guilds() -> GuildRepository:  # read afresh: the bot process may change a guild's settings
        return GuildRepository(db, settings.bot.default_timezone)

    async def moderator_role(guild_id: int) -> int | None:
        return (await guilds().get(guild_id)).moderator_role_id

    privacy = PrivacyService(OptOutRepository(db), ActivityRepository(db), MetaRepository(db), clock)
    await privacy.load()
    scheduler = Scheduler(ScheduleRepository(db), guilds(), clock, settings.scheduler, drive_jobs=False)
    service = ExperimentService(ExperimentRepository(db), scheduler, privacy, clock, QuestionRepository(db))
    await service.load()
    return Backend(
        db=db, clock=clock, guilds=guilds, privacy=privacy, scheduler=scheduler, experiments=lambda: service,
        rights=Rights(rest, moderator_role), facts=rest, closers=(rest.close,),
    )
