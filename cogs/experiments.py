"""/experiment: A/B tests of a question schedule's slot, deck or kind. Thin over ExperimentService.

Besides the commands, this cog plugs the tests into the scheduler: a due-time resolver moves a
slot test's occurrences to the arm's time, a wrapper around the question handler posts a poll
for a kind test's poll arm (through the polls cog), and the questions feature's arm hook stores
the arm on each question post (and swaps the deck for a tag test).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import Hearth
from bot.core.checks import moderator_only, require_moderator
from bot.core.clock import from_ms, to_ms
from bot.core.discord_helpers import (
    NO_PINGS,
    POST_PERMISSIONS,
    discord_timestamp,
    missing_permissions,
    resolve_channel,
    truncate,
)
from bot.core.localtime import format_weekdays
from bot.core.tree import UserError, report_error
from bot.core.views import HearthView
from bot.features.experiments.model import Decision, Experiment, ExperimentStatus, InvalidExperiment
from bot.features.experiments.planning import quick_poll_spec
from bot.features.experiments.service import SCHEDULE_KIND, TIMER_KIND, ExperimentService
from bot.features.experiments.text import difference_text, percent
from bot.features.questions.models import ArmAssignment
from bot.features.welcome.service import describe_status
from bot.platform.scheduler import Occurrence, PostFailed, ScheduleHandler
from bot.storage.experiments import ExperimentRepository
from bot.storage.questions import QuestionRepository
from bot.storage.schedules import TimerRow

log = logging.getLogger(__name__)

APPLY_ID = r"hearth:experiment:apply:(?P<experiment>\d+)"
METHOD_NOTE = (
    "Rate = responders within 24 h ÷ members active in the 28 days before, pooled per arm; "
    "95% Wilson (arms) and Newcombe (difference) intervals. See docs/experiments.md."
)


@contextmanager
def user_errors() -> Iterator[None]:
    try:
        yield
    except InvalidExperiment as exc:
        raise UserError(str(exc)) from exc


def _service(client: discord.Client) -> ExperimentService:
    cog = client.get_cog("Experiments") if isinstance(client, commands.Bot) else None
    service = getattr(cog, "service", None)
    if not isinstance(service, ExperimentService):
        raise UserError("Experiments are not available right now; try again in a moment.")
    return service


class ApplyWinner(discord.ui.DynamicItem[discord.ui.Button[Any]], template=APPLY_ID):
    """The "Apply the winner" button under an ended test; the custom id carries the test, so it survives restarts."""

    def __init__(self, experiment_id: int, label: str = "Apply the winner to the schedule") -> None:
        super().__init__(
            discord.ui.Button(
                label=truncate(label, 80),
                style=discord.ButtonStyle.success,
                custom_id=f"hearth:experiment:apply:{experiment_id}",
            )
        )
        self.experiment_id = experiment_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> ApplyWinner:
        return cls(int(match["experiment"]), getattr(item, "label", None) or "Apply")

    async def callback(self, interaction: discord.Interaction) -> None:  # type: ignore[override]
        try:
            await self._apply(interaction)
        except Exception as error:  # dynamic items bypass View.on_error: route errors like commands do
            await report_error(interaction, error)

    async def _apply(self, interaction: discord.Interaction) -> None:
        guild_id = await require_moderator(interaction, "Only moderators can change a schedule.")
        bot = interaction.client
        with user_errors():
            done = await _service(bot).apply(guild_id, self.experiment_id, interaction.user.id)
        await interaction.response.send_message(done, ephemeral=True, allowed_mentions=NO_PINGS)


def apply_view(status: ExperimentStatus) -> HearthView | None:
    """The apply button, when the test ended with a winner not applied yet."""
    experiment = status.experiment
    winner = experiment.winner
    if experiment.running or winner is None or experiment.row.applied_at is not None:
        return None
    view = HearthView(timeout=None)
    view.add_item(ApplyWinner(experiment.id, f"Apply {winner} ({experiment.value(winner)}) to the schedule"))
    return view


def state_text(experiment: Experiment, status: ExperimentStatus | None = None) -> str:
    """'running, ends in 3 days' or 'finished 12 Mar: B wins · applied'."""
    row = experiment.row
    if experiment.running:
        return f"running; final result {discord_timestamp(from_ms(row.ends_at), 'R')}"
    ended = f" {discord_timestamp(from_ms(row.ended_at), 'd')}" if row.ended_at is not None else ""
    applied = " · applied" if row.applied_at is not None else ""
    return f"{row.status}{ended}: {row.outcome or 'inconclusive'}{applied}"


def status_embed(status: ExperimentStatus) -> discord.Embed:
    experiment = status.experiment
    row = experiment.row
    progress = f"{status.posted} of {status.planned} planned posts " + ("so far" if experiment.running else "went out")
    if status.collecting:
        progress += f" ({status.collecting} still collecting responses, not counted yet)"
    state = state_text(experiment)
    embed = discord.Embed(
        title=truncate(f"A/B test {row.name}", 256),
        description=f"{experiment.describe()}\n{state[0].upper()}{state[1:]}. {progress}.",
        colour=discord.Colour.teal() if experiment.running else discord.Colour.dark_teal(),
    )
    for arm in (status.a, status.b):
        low, high = arm.rate.interval
        if arm.base:
            value = (
                f"{arm.posts} post{'s' if arm.posts != 1 else ''} · {percent(arm.rate.value)} "
                f"(95% CI {percent(low)} to {percent(high)}) · {arm.responders} responses of {arm.base} active"
            )
        else:
            value = f"{arm.posts} post{'s' if arm.posts != 1 else ''} counted · no rate yet"
        embed.add_field(name=f"Arm {arm.arm}: {arm.value}", value=value, inline=False)
    embed.add_field(name="Difference", value=difference_text(status.verdict), inline=False)
    embed.add_field(name="Verdict", value=status.verdict_text(), inline=False)
    embed.set_footer(text=METHOD_NOTE)
    return embed


class Experiments(commands.Cog):
    experiment = app_commands.Group(
        name="experiment", description="A/B tests of a question schedule's time, deck or kind", guild_only=True
    )

    def __init__(self, bot: Hearth) -> None:
        self.bot = bot
        self.service = ExperimentService(
            ExperimentRepository(bot.db),
            bot.scheduler,
            bot.privacy,
            bot.clock,
            QuestionRepository(bot.db),
            flush=bot.recorder.flush,
            entropy=bot.entropy,
        )
        bot.scheduler.set_due_time(SCHEDULE_KIND, self.service.due_time)
        bot.scheduler.wrap_schedule(SCHEDULE_KIND, self._around_question)
        bot.scheduler.on_timer(TIMER_KIND, self._on_end_timer)
        bot.add_dynamic_items(ApplyWinner)

    async def cog_load(self) -> None:
        await self.service.load()

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(ApplyWinner)
        self.bot.scheduler.set_due_time(SCHEDULE_KIND, None)
        self.bot.scheduler.wrap_schedule(SCHEDULE_KIND, None)

    # -- the scheduler side -----------------------------------------------------------------------
    def _questions(self) -> Any:
        """The QuestionService (cogs load in name order, so it is looked up when needed)."""
        return getattr(self.bot.get_cog("Questions"), "service", None)

    async def _arm_hook(self, occurrence: Occurrence) -> ArmAssignment | None:
        decision = await self.service.decision(occurrence)
        if decision is None:
            return None
        swap = decision.factor == "tag"
        return ArmAssignment(decision.experiment_id, decision.arm, swap_tag=swap, tag=decision.value if swap else None)

    async def _around_question(self, occurrence: Occurrence, handler: ScheduleHandler) -> int | None:
        """Post a poll for a kind test's poll arm (or an applied 'post as poll'); else the question path."""
        decision = await self.service.decision(occurrence)
        if self.service.posts_as(occurrence.schedule, decision) == "poll":
            return await self._post_poll(occurrence, decision)
        questions = self._questions()
        if questions is not None and questions.arm_hook != self._arm_hook:
            questions.set_arm_hook(self._arm_hook)
        return await handler(occurrence)

    async def _post_poll(self, occurrence: Occurrence, decision: Decision | None) -> int | None:
        schedule = occurrence.schedule
        questions = self._questions()
        polls = self.bot.get_cog("Polls")
        if questions is None or polls is None or not hasattr(polls, "publish"):
            raise PostFailed("the questions or polls feature is not loaded, so the poll arm can't post")
        if schedule.channel_id is None:
            raise PostFailed("the schedule has no channel; remove it and create it again")
        channel = await resolve_channel(self.bot, schedule.guild_id, schedule.channel_id)
        if not isinstance(channel, discord.TextChannel):
            raise PostFailed(f"<#{schedule.channel_id}> is not a text channel")
        me = channel.guild.me
        if me is not None:
            missing = missing_permissions(channel, me, (*POST_PERMISSIONS, "send_polls"))
            if missing:
                raise PostFailed(f"missing {', '.join(missing)} in #{channel.name} (needed for the poll arm)")
        pick = await questions.pick_question(schedule.guild_id, schedule.tag)
        if pick is None:
            deck = f"tagged `{schedule.tag}`" if schedule.tag else "in the bank"
            raise PostFailed(f"there are no questions {deck} to turn into a poll")
        try:
            row, _ = await polls.publish(
                schedule.guild_id,
                channel,
                quick_poll_spec(pick.question.text),
                None,
                tag=pick.question.tag or schedule.tag,
                schedule_id=schedule.id,
                on_time=not occurrence.late,
                experiment_id=decision.experiment_id if decision else None,
                arm=decision.arm if decision else None,
            )
        except discord.HTTPException as exc:
            raise PostFailed(f"Discord refused the poll in #{channel.name}: {exc.status} {exc.text}") from exc
        await questions.repo.mark_used(schedule.guild_id, pick.question.id, to_ms(self.bot.clock.now()))
        return row.post_id

    async def _on_end_timer(self, timer: TimerRow) -> None:
        await self.service.on_end_timer(timer.guild_id, timer.ref_id)

    # -- commands ---------------------------------------------------------------------------------
    @experiment.command(name="start", description="Start an A/B test on a question schedule's next posts")
    @app_commands.describe(
        name="A short name for the test, e.g. evening-slot",
        factor="What differs: slot (time), tag (deck), kind (question or poll), or welcome (two welcome texts)",
        a="Arm A: a time like 09:00, a tag, question/poll, or a welcome text",
        b="Arm B: a time like 18:00, a tag, question/poll, or a welcome text",
        schedule="The question schedule (see /question schedules); not for a welcome test",
        posts="How many upcoming posts the test runs over (4 to 200), or newcomers for a welcome test (20 to 1000)",
    )
    @moderator_only()
    async def start(
        self,
        interaction: discord.Interaction,
        name: str,
        factor: Literal["slot", "tag", "kind", "welcome"],
        a: str,
        b: str,
        posts: int,
        schedule: int | None = None,
    ) -> None:
        assert interaction.guild_id is not None
        if factor == "welcome":  # outcome: newcomers' activation (cogs/welcome.py, bot.features.welcome)
            welcome = self.bot.get_cog("Welcome")
            if welcome is None:
                raise UserError("Welcomes are not available, so a welcome test can't run.")
            text = await welcome.start_test(interaction.guild_id, name, a, b, posts)  # type: ignore[attr-defined]
            await interaction.response.send_message(text, ephemeral=True, allowed_mentions=NO_PINGS)
            return
        if schedule is None:
            raise UserError("Pick the question schedule the test runs on (`schedule:`, see `/question schedules`).")
        if factor == "kind" and not hasattr(self.bot.get_cog("Polls"), "publish"):
            raise UserError("Polls are not available, so a question-vs-poll test can't run.")
        with user_errors():
            started = await self.service.start(
                interaction.guild_id, name, schedule, factor, a, b, posts, interaction.user.id
            )
        plan = await self.service.repo.plan(interaction.guild_id, started.id)
        first, last = plan[0].local_date, plan[-1].local_date
        status = await self.service.figures(started)
        await interaction.response.send_message(
            f"Started the A/B test `{started.name}` ({started.describe()}): {started.row.posts} posts from "
            f"{first} to {last}, arms in balanced random order. Results: `/experiment status name:{started.name}` "
            f"(final {discord_timestamp(status.ends_at, 'R')}).",
            ephemeral=True,
            allowed_mentions=NO_PINGS,
        )

    @experiment.command(name="status", description="An A/B test's rates per arm, the difference and the verdict")
    @app_commands.describe(name="The test")
    @moderator_only()
    async def status(self, interaction: discord.Interaction, name: str) -> None:
        assert interaction.guild_id is not None
        welcome = self.bot.get_cog("Welcome")
        if welcome is not None and await welcome.has_test(interaction.guild_id, name):  # type: ignore[attr-defined]
            result = await welcome.test_status(interaction.guild_id, name)  # type: ignore[attr-defined]
            await interaction.response.send_message(describe_status(result), ephemeral=True, allowed_mentions=NO_PINGS)
            return
        with user_errors():
            result = await self.service.status(interaction.guild_id, name)
        await self._show(interaction, result)

    @experiment.command(name="stop", description="Stop a running A/B test now (its result so far is kept)")
    @app_commands.describe(name="The test")
    @moderator_only()
    async def stop(self, interaction: discord.Interaction, name: str) -> None:
        assert interaction.guild_id is not None
        with user_errors():
            result = await self.service.stop(interaction.guild_id, name)
        await self._show(interaction, result, prefix=f"Stopped `{result.experiment.name}`.")

    async def _show(self, interaction: discord.Interaction, result: ExperimentStatus, prefix: str = "") -> None:
        view = apply_view(result)
        kwargs: dict[str, Any] = {"view": view} if view is not None else {}
        await interaction.response.send_message(
            prefix or None, embed=status_embed(result), ephemeral=True, allowed_mentions=NO_PINGS, **kwargs
        )

    @experiment.command(name="list", description="Running and past A/B tests")
    @moderator_only()
    async def list_(self, interaction: discord.Interaction) -> None:
        assert interaction.guild_id is not None
        found = await self.service.list(interaction.guild_id)
        if not found:
            await interaction.response.send_message(
                "No A/B tests yet: start one with `/experiment start`.", ephemeral=True
            )
            return
        lines = [f"**{e.name}**: {e.describe()} · {state_text(e)}" for e in found[:25]]
        embed = discord.Embed(title="A/B tests", description="\n".join(lines)[:4000], colour=discord.Colour.teal())
        await interaction.response.send_message(embed=embed, ephemeral=True, allowed_mentions=NO_PINGS)

    @status.autocomplete("name")
    @stop.autocomplete("name")
    async def name_autocomplete(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        if interaction.guild_id is None:
            return []
        needle = current.strip().lower()
        rows = await self.service.repo.list(interaction.guild_id)
        return [
            app_commands.Choice(name=truncate(f"{r.name} ({r.status})", 100), value=r.name)
            for r in rows
            if needle in r.name
        ][:25]

    @start.autocomplete("schedule")
    async def schedule_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[int]]:
        if interaction.guild_id is None:
            return []
        choices = []
        for s in await self.bot.scheduler.repo.list(interaction.guild_id, SCHEDULE_KIND):
            tag = f" [{s.tag}]" if s.tag else ""
            paused = " (paused)" if s.paused else ""
            label = f"#{s.id} {s.local_time:%H:%M} {format_weekdays(s.weekdays)}{tag}{paused}"
            if current.strip().lstrip("#") in label:
                choices.append(app_commands.Choice(name=truncate(label, 100), value=s.id))
        return choices[:25]


async def setup(bot: Hearth) -> None:
    await bot.add_cog(Experiments(bot))
