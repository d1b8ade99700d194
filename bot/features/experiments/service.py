"""A/B tests on a question schedule: start, per-occurrence arms, figures, verdict, apply. No Discord.

A test plans the schedule's next ``posts`` occurrences (local dates, ``planning.plan_dates``) and
gives each an arm in balanced, randomly ordered blocks (``rules.assign_arms``, seed stored). The
scheduler asks this service, per occurrence, which arm it is: for ``slot`` the arm's time is
the occurrence's due time (``due_time``, a Scheduler resolver), for ``tag`` the arm's deck is
drawn from, for ``kind`` the arm says question or poll. Each post stores experiment_id and arm.

Figures: per post, the analytics feature's own per-post figures (bot.analytics.report.post_figures,
the function behind /report's per-post table: responders within 24 h over the active base of the
28 local days before it, opted-out members excluded), so a post shows the same rate in /report and
in /experiment status; posts still inside their 24 h window are not counted yet. Arms are pooled
and compared with ``rules.verdict`` (Newcombe interval). The test's types are in ``model.py``,
how a verdict reads in ``text.py``. docs/experiments.md explains it for moderators.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import date, time, timedelta
from typing import Any, Protocol

from bot.analytics.report import post_figures
from bot.analytics.rollups import excluded_members
from bot.core.clock import Clock, from_ms, to_ms
from bot.core.entropy import Entropy
from bot.core.localtime import format_weekdays, occurrence_at, parse_time_of_day
from bot.features.experiments.model import ArmFigures, Decision, Experiment, ExperimentStatus, InvalidExperiment
from bot.features.experiments.planning import MAX_POSTS, MIN_POSTS, normalise_name, parse_arms, plan_dates
from bot.features.experiments.rules import ArmResult, assign_arms, verdict
from bot.features.experiments.text import difference_text
from bot.platform.scheduler import Occurrence, Scheduler
from bot.storage.analytics import AnalyticsRepository
from bot.storage.experiments import ExperimentConflict, ExperimentRepository, ExperimentRow
from bot.storage.schedules import ScheduleRow

log = logging.getLogger(__name__)

SCHEDULE_KIND = "question"
TIMER_KIND = "experiment.end"
RESPONSE_WINDOW = timedelta(hours=24)
RECENT_DAYS = 14  # finished tests stay in /report and the summary this long
POST_AS_OPTION = "post_as"  # schedule option set when a "kind" test's poll arm is applied


class PrivacyFilter(Protocol):
    def opted_out_members(self, guild_id: int, member_ids: set[int]) -> set[int]: ...


class DeckCounter(Protocol):
    async def count(self, guild_id: int, tag: str | None = None) -> int: ...


class ExperimentService:
    def __init__(
        self,
        repo: ExperimentRepository,
        scheduler: Scheduler,
        privacy: PrivacyFilter,
        clock: Clock,
        decks: DeckCounter,
        *,
        flush: Callable[[], Awaitable[None]] | None = None,
        analytics: AnalyticsRepository | None = None,
        entropy: Entropy | None = None,
    ) -> None:
        self.repo = repo
        self._entropy = entropy or Entropy()
        self._analytics = analytics or AnalyticsRepository(repo.db)
        self._scheduler = scheduler
        self._privacy = privacy
        self._clock = clock
        self._decks = decks
        self._flush = flush
        self._slot_times: dict[int, dict[str, time]] = {}  # schedule id -> local date -> arm time

    async def load(self) -> None:
        """Rebuild the slot tests' planned times (the due-time resolver is synchronous)."""
        self._slot_times.clear()
        for row in await self.repo.running():
            if row.factor == "slot":
                await self._cache_slots(row)

    async def _cache_slots(self, row: ExperimentRow) -> None:
        experiment = Experiment(row)
        self._slot_times[row.schedule_id] = {
            p.local_date: parse_time_of_day(experiment.value(p.arm)) for p in await self.repo.plan(row.guild_id, row.id)
        }

    # -- the scheduler side -----------------------------------------------------------------------
    def due_time(self, schedule: ScheduleRow, day: date) -> time:
        """The Scheduler's resolver: a slot test's arm time on its planned dates, else the schedule's time."""
        return self._slot_times.get(schedule.id, {}).get(day.isoformat(), schedule.local_time)

    async def decision(self, occurrence: Occurrence) -> Decision | None:
        """The running test's arm for this occurrence, or None (no test, or a date outside its plan)."""
        schedule = occurrence.schedule
        row = await self.repo.running_for_schedule(schedule.guild_id, schedule.id)
        if row is None:
            return None
        arm = await self.repo.arm_on(schedule.guild_id, row.id, occurrence.key)
        if arm is None:
            return None
        return Decision(row.id, row.factor, arm, Experiment(row).value(arm))

    @staticmethod
    def posts_as(schedule: ScheduleRow, decision: Decision | None) -> str:
        """'question' or 'poll': a kind test's arm decides, else the schedule's applied option."""
        if decision is not None and decision.factor == "kind":
            return decision.value
        return str(schedule.options.get(POST_AS_OPTION, "question"))

    # -- commands ---------------------------------------------------------------------------------
    async def start(
        self,
        guild_id: int,
        name: str,
        schedule_id: int,
        factor: str,
        a: str,
        b: str,
        posts: int,
        created_by: int | None,
    ) -> Experiment:
        """Check the guard rails, plan the arms and store the test (InvalidExperiment says what to fix)."""
        name = normalise_name(name)
        factor = (factor or "").strip().lower()
        arm_a, arm_b = parse_arms(factor, a, b)
        if not MIN_POSTS <= posts <= MAX_POSTS:
            raise InvalidExperiment(f"`posts` must be between {MIN_POSTS} and {MAX_POSTS}; you gave {posts}.")
        if await self.repo.by_name(guild_id, name) is not None:
            raise InvalidExperiment(f"There is already a test named `{name}` here; pick another name.")
        schedule = await self._scheduler.repo.get(guild_id, schedule_id)
        if schedule is None or schedule.kind != SCHEDULE_KIND:
            raise InvalidExperiment(
                f"There is no question schedule #{schedule_id}: see `/question schedules` (tests run on those)."
            )
        if schedule.paused:
            raise InvalidExperiment(
                f"Schedule #{schedule.id} is paused, so Hearth can't post any arm of a test there: "
                "resume it with `/question resume` first."
            )
        if not schedule.weekdays:
            raise InvalidExperiment(f"Schedule #{schedule.id} posts on no day, so there is nothing to test.")
        running = await self.repo.running_for_schedule(guild_id, schedule.id)
        if running is not None:
            raise InvalidExperiment(
                f"Schedule #{schedule.id} already runs the test `{running.name}`; stop it with "
                "`/experiment stop` or wait until it ends (one test per schedule)."
            )
        if factor == "tag":
            for label, tag in (("A", arm_a), ("B", arm_b)):
                if not await self._decks.count(guild_id, tag):
                    raise InvalidExperiment(
                        f"Arm {label}: no question is tagged `{tag}`; add some with `/question add tag:{tag}` first."
                    )
        elif factor == "kind" and not await self._decks.count(guild_id, schedule.tag):
            deck = f"tagged `{schedule.tag}`" if schedule.tag else "in the bank"
            raise InvalidExperiment(f"There are no questions {deck} to post (both arms draw from it).")

        now = self._clock.now()
        tz = self._scheduler.timezone_of(guild_id)
        times = (schedule.local_time,)
        if factor == "slot":
            times += (parse_time_of_day(arm_a), parse_time_of_day(arm_b))
        taken = {
            o.occurrence_key
            for o in await self._scheduler.repo.occurrences(guild_id, since_ms=to_ms(now - timedelta(days=2)))
            if o.schedule_id == schedule.id
        }
        days = plan_dates(schedule, times, now, tz, posts, taken)
        if len(days) < posts:
            raise InvalidExperiment(f"Schedule #{schedule.id} has too few upcoming posts to plan {posts}.")
        seed = self._entropy.token_hex(8, "experiment arms")
        arms = assign_arms(posts, seed)
        last_arm_time = parse_time_of_day(arm_a if arms[-1] == "A" else arm_b) if factor == "slot" else None
        ends_at = occurrence_at(days[-1], last_arm_time or schedule.local_time, tz) + RESPONSE_WINDOW
        try:
            row = await self.repo.create(
                guild_id,
                name=name,
                schedule_id=schedule.id,
                factor=factor,
                arm_a=arm_a,
                arm_b=arm_b,
                seed=seed,
                created_by=created_by,
                started_at=to_ms(now),
                ends_at=to_ms(ends_at),
                plan=[(d.isoformat(), arm) for d, arm in zip(days, arms, strict=True)],
            )
        except ExperimentConflict as exc:
            raise InvalidExperiment("Another test on that schedule or with that name was just started.") from exc
        if factor == "slot":
            await self._cache_slots(row)
        await self._scheduler.set_timer(guild_id, TIMER_KIND, row.id, ends_at)
        await self._scheduler.update_schedule(guild_id, schedule.id)  # re-arm at the (new) next time
        log.info("guild %s started test %s (%s) over %d posts", guild_id, name, factor, posts)
        return Experiment(row)

    async def get(self, guild_id: int, name: str) -> Experiment:
        row = await self.repo.by_name(guild_id, " ".join(name.strip().lower().split()))
        if row is None:
            raise InvalidExperiment(f"There is no test named `{name.strip()}` here: see `/experiment list`.")
        return Experiment(await self._refresh(row))

    async def list(self, guild_id: int) -> list[Experiment]:
        return [Experiment(await self._refresh(row)) for row in await self.repo.list(guild_id)]

    async def _refresh(self, row: ExperimentRow) -> ExperimentRow:
        """Finish a running test whose last window has closed (in case its timer has not run yet)."""
        if row.status == "running" and to_ms(self._clock.now()) >= row.ends_at:
            await self.end(row.guild_id, row.id, "finished")
            row = await self.repo.get(row.guild_id, row.id) or row
        return row

    async def stop(self, guild_id: int, name: str) -> ExperimentStatus:
        experiment = await self.get(guild_id, name)
        if not experiment.running:
            raise InvalidExperiment(f"The test `{experiment.name}` already {experiment.row.status}.")
        await self.end(guild_id, experiment.id, "stopped")
        await self._scheduler.cancel_timer(guild_id, TIMER_KIND, experiment.id)
        return await self.status(guild_id, name)

    async def end(self, guild_id: int, experiment_id: int, status: str) -> bool:
        """Finish (all planned posts measured) or stop a test, storing its verdict; idempotent."""
        row = await self.repo.get(guild_id, experiment_id)
        if row is None or row.status != "running":
            return False
        figures = await self.figures(Experiment(row))
        ended = await self.repo.end(guild_id, experiment_id, status, to_ms(self._clock.now()), figures.verdict.outcome)
        if ended:
            if self._slot_times.pop(row.schedule_id, None) is not None:
                await self._scheduler.update_schedule(guild_id, row.schedule_id)  # back to its own time
            log.info("guild %s test %s %s: %s", guild_id, row.name, status, figures.verdict.outcome)
        return ended

    async def on_end_timer(self, guild_id: int, experiment_id: int) -> None:
        await self.end(guild_id, experiment_id, "finished")

    async def status(self, guild_id: int, name: str) -> ExperimentStatus:
        return await self.figures(await self.get(guild_id, name))

    async def figures(self, experiment: Experiment) -> ExperimentStatus:
        """Per arm: posts counted, pooled responders and base; the verdict on B − A."""
        row = experiment.row
        if self._flush is not None:
            await self._flush()
        now = self._clock.now()
        window = int(RESPONSE_WINDOW.total_seconds() * 1000)
        posts = [p for p in await self.repo.posts(row.guild_id, row.id) if p.arm in ("A", "B")]
        closed = {p.post_id: p.arm for p in posts if p.posted_at + window <= to_ms(now)}
        excluded = await excluded_members(self._analytics, self._privacy.opted_out_members, row.guild_id, 0)
        per_post = await post_figures(
            self._analytics,
            row.guild_id,
            list(closed),
            self._scheduler.timezone_of(row.guild_id),
            now=now,
            excluded=excluded,
        )
        totals = {"A": [0, 0, 0], "B": [0, 0, 0]}
        pairs: dict[str, list[tuple[int, int]]] = {"A": [], "B": []}
        for figures in per_post:
            arm = totals[closed[figures.post_id]]
            arm[0] += 1
            arm[1] += figures.responders
            arm[2] += figures.base
            pairs[closed[figures.post_id]].append((figures.responders, figures.base))
        posted, collecting = len(posts), len(posts) - len(closed)
        a = ArmFigures("A", row.arm_a, *totals["A"])
        b = ArmFigures("B", row.arm_b, *totals["B"])
        result = verdict(
            ArmResult(a.posts, a.responders, a.base, tuple(pairs["A"])),
            ArmResult(b.posts, b.responders, b.base, tuple(pairs["B"])),
        )
        return ExperimentStatus(experiment, a, b, result, row.posts, posted, collecting, from_ms(row.ends_at))

    async def apply(self, guild_id: int, experiment_id: int, by: int | None) -> str:
        """Put an ended test's winner into its schedule; returns what changed (InvalidExperiment if it can't)."""
        row = await self.repo.get(guild_id, experiment_id)
        if row is None:
            raise InvalidExperiment("That test no longer exists.")
        experiment = Experiment(await self._refresh(row))
        row = experiment.row
        if experiment.running:
            raise InvalidExperiment(f"The test `{row.name}` is still running; apply its winner once it has ended.")
        winner = experiment.winner
        if winner is None:
            raise InvalidExperiment(f"The test `{row.name}` ended without a winner, so there is nothing to apply.")
        if row.applied_at is not None:
            raise InvalidExperiment(f"The winner of `{row.name}` was already applied.")
        schedule = await self._scheduler.repo.get(guild_id, row.schedule_id)
        if schedule is None:
            raise InvalidExperiment(f"Schedule #{row.schedule_id} no longer exists, so the winner can't be applied.")
        value = experiment.value(winner)
        changes: dict[str, Any]
        if row.factor == "slot":
            changes = {"local_time": parse_time_of_day(value)}
            done = f"schedule #{schedule.id} now posts at {value} ({format_weekdays(schedule.weekdays)})"
        elif row.factor == "tag":
            changes = {"tag": value}
            done = f"schedule #{schedule.id} now draws from the `{value}` deck"
        else:
            options = {k: v for k, v in schedule.options.items() if k != POST_AS_OPTION}
            if value == "poll":
                options[POST_AS_OPTION] = "poll"
            changes = {"options": options}
            done = f"schedule #{schedule.id} now posts each question as a {value}"
        if not await self.repo.mark_applied(guild_id, row.id, to_ms(self._clock.now()), by):
            raise InvalidExperiment(f"The winner of `{row.name}` was already applied.")
        await self._scheduler.update_schedule(guild_id, schedule.id, **changes)
        log.info("guild %s applied test %s: %s", guild_id, row.name, done)
        return f"Applied the winner of `{row.name}` ({winner}: {value}): {done}."

    # -- report lines -----------------------------------------------------------------------------
    async def lines(self, guild_id: int) -> list[str]:
        """One line per running test and per test ended in the last 14 days, for /report and the summary."""
        found: list[str] = []
        since = to_ms(self._clock.now() - timedelta(days=RECENT_DAYS))
        for experiment in await self.list(guild_id):
            row = experiment.row
            if experiment.running:
                status = await self.figures(experiment)
                found.append(
                    f"A/B test `{row.name}` ({experiment.describe()}) is running: {status.posted} of "
                    f"{status.planned} posts so far; {difference_text(status.verdict)}; {status.verdict_text()}."
                )
            elif row.ended_at is not None and row.ended_at >= since:
                status = await self.figures(experiment)
                winner = experiment.winner
                if winner is None:
                    result, tail = "no winner (inconclusive)", ""
                else:
                    result = f"{winner} wins ({experiment.value(winner)})"
                    tail = "; applied to the schedule" if row.applied_at is not None else ""
                if winner is not None and row.applied_at is None:
                    tail = f"; apply it from `/experiment status name:{row.name}`"
                found.append(
                    f"A/B test `{row.name}` ({experiment.describe()}) {row.status}: {result}, "
                    f"{difference_text(status.verdict)}{tail}."
                )
        return found


async def experiment_lines(source: Any, guild_id: int) -> list[str]:
    """Lines about running and recently ended tests for /report's content section and the summary.

    ``source`` is the Hearth bot (its Experiments cog's service is used) or an ExperimentService.
    An empty list when the experiments feature is not loaded.
    """
    service = source if isinstance(source, ExperimentService) else None
    if service is None and hasattr(source, "get_cog"):
        cog = source.get_cog("Experiments")
        service = getattr(cog, "service", None)
    if service is None:
        return []
    return await service.lines(guild_id)
