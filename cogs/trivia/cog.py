"""/trivia: rounds, the question bank, schedules, leaderboards and seasons.

A thin adapter: commands are parsed and checked here; rounds, scoring and seasons live in
``bot.features.trivia``. Answers arrive as button clicks (``views.py``, no message content
needed); buttons are dynamic items, so a click on an old or closed question still gets a clear answer.
"""

from __future__ import annotations

import logging

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import Hearth
from bot.core.checks import moderator_only
from bot.core.clock import from_ms
from bot.core.discord_helpers import NO_PINGS, discord_timestamp, truncate
from bot.core.localtime import parse_time_of_day, parse_weekdays
from bot.core.tree import UserError
from bot.features.trivia.bank import MAX_IMPORT_BYTES, TriviaQuestion, category_slug
from bot.features.trivia.service import (
    ANY_CATEGORY,
    DEFAULT_QUESTIONS,
    DEFAULT_TIMER_S,
    SEASON_TIMER,
    GameError,
    TriviaService,
    check_round_options,
)
from bot.features.trivia.session import Standings
from bot.platform.scheduler import Occurrence, PostFailed
from bot.storage.trivia import SeasonRow, TriviaRepository
from cogs._game_posts import postable_channel, scheduled_text, unschedule
from cogs.trivia.embeds import leaderboard_embed, season_end_embed
from cogs.trivia.output import ChannelRoundOutput
from cogs.trivia.views import TriviaAnswerButton

log = logging.getLogger(__name__)

TRIVIA_KIND = "trivia"
PERIOD_CHOICES = [
    app_commands.Choice(name="this week", value="week"),
    app_commands.Choice(name="this month", value="month"),
    app_commands.Choice(name="this season", value="season"),
    app_commands.Choice(name="all time", value="all"),
]


class Trivia(commands.Cog):
    trivia_group = app_commands.Group(
        name="trivia", description="Trivia rounds, questions and leaderboards", guild_only=True
    )

    def __init__(self, bot: Hearth) -> None:
        self.bot = bot
        self.service = TriviaService(
            TriviaRepository(bot.db),
            posts=bot.posts,
            recorder=bot.recorder,
            guilds=bot.guilds_repo,
            scheduler=bot.scheduler,
            clock=bot.clock,
            outputs=self,
            rng=bot.entropy.rng("trivia"),
        )
        bot.scheduler.on_schedule(TRIVIA_KIND, self._scheduled_trivia)
        bot.scheduler.on_timer(SEASON_TIMER, self.service.end_season)
        bot.privacy.on_forget(self.service.forget_member)
        bot.add_dynamic_items(TriviaAnswerButton)

    async def cog_load(self) -> None:
        interrupted = await self.service.recover(self.bot.scheduler.shards.storage_filter())
        if interrupted:
            log.info("%d trivia round(s) were interrupted by the last shutdown", interrupted)

    async def cog_unload(self) -> None:
        await self.service.sessions.close()
        self.bot.remove_dynamic_items(TriviaAnswerButton)

    async def tick(self) -> None:
        """Tests: after moving a FakeClock, let every trivia round move on to its next wait."""
        await self.service.sessions.tick()

    # -- outputs (bot.features.trivia.service.TriviaOutputs) ---------------------------------------------
    async def round_output(self, guild_id: int, channel_id: int) -> ChannelRoundOutput:
        return ChannelRoundOutput(await postable_channel(self.bot, guild_id, channel_id))

    async def post_season_end(self, ended: SeasonRow, standings: Standings, following: SeasonRow) -> None:
        channel = await postable_channel(self.bot, ended.guild_id, ended.channel_id)
        await channel.send(embed=season_end_embed(ended, standings, following), allowed_mentions=NO_PINGS)

    # -- /trivia start, stop ----------------------------------------------------------------------------------
    @trivia_group.command(name="start", description="Run a trivia round in this channel")
    @app_commands.describe(
        category="A category, or 'any' (default)",
        questions="How many questions (1-20, default 5)",
        timer="Seconds to answer each question (10-120, default 20)",
    )
    @moderator_only()
    async def start(
        self,
        interaction: discord.Interaction,
        category: str = ANY_CATEGORY,
        questions: app_commands.Range[int, 1, 20] = DEFAULT_QUESTIONS,
        timer: app_commands.Range[int, 10, 120] = DEFAULT_TIMER_S,
    ) -> None:
        assert interaction.guild_id is not None and interaction.channel_id is not None
        await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            session = await self.service.start_round(
                interaction.guild_id,
                interaction.channel_id,
                category=await self._category(interaction, category),
                count=questions,
                timer_s=timer,
                started_by=interaction.user.id,
            )
            await session.first_post
        except GameError as exc:
            raise UserError(str(exc)) from exc
        await interaction.followup.send(
            f"Trivia round started: {len(session.questions)} question(s), {timer} s each. "
            "`/trivia stop` ends it early.",
            ephemeral=True,
        )

    @trivia_group.command(name="stop", description="End the trivia round running in this channel")
    @moderator_only()
    async def stop(self, interaction: discord.Interaction) -> None:
        assert interaction.guild_id is not None and interaction.channel_id is not None
        if self.service.stop_round(interaction.guild_id, interaction.channel_id) is None:
            raise UserError("No trivia round is running in this channel.")
        await interaction.response.send_message(
            "Stopping the round: the open question closes now and the standings follow.", ephemeral=True
        )

    async def _category(self, interaction: discord.Interaction, category: str) -> str | None:
        assert interaction.guild_id is not None
        wanted = category_slug(category) if category.strip() else ANY_CATEGORY
        if wanted in ("", ANY_CATEGORY):
            return None
        known = await self.service.categories(interaction.guild_id)
        if wanted not in known:
            raise UserError(f"There is no category `{truncate(wanted, 50)}`. Categories: {', '.join(known)}.")
        return wanted

    @start.autocomplete("category")
    async def _category_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        assert interaction.guild_id is not None
        names = [ANY_CATEGORY, *await self.service.categories(interaction.guild_id)]
        needle = current.strip().lower()
        return [app_commands.Choice(name=n, value=n) for n in names if needle in n][:25]

    # -- scheduled rounds -------------------------------------------------------------------------------------
    @trivia_group.command(name="schedule", description="Run a trivia round on a schedule")
    @app_commands.describe(
        time="Local time, e.g. 20:00",
        days="daily, weekdays, weekends or e.g. mon,wed,fri",
        channel="Where to run it (default: here)",
        category="A category or 'any'",
        questions="Questions per round (1-20)",
        timer="Seconds per question (10-120)",
    )
    @moderator_only()
    async def schedule(
        self,
        interaction: discord.Interaction,
        time: str,
        days: str = "daily",
        channel: discord.TextChannel | None = None,
        category: str = ANY_CATEGORY,
        questions: app_commands.Range[int, 1, 20] = DEFAULT_QUESTIONS,
        timer: app_commands.Range[int, 10, 120] = DEFAULT_TIMER_S,
    ) -> None:
        assert interaction.guild_id is not None and interaction.channel_id is not None
        channel_id = channel.id if channel else interaction.channel_id
        try:
            local_time, weekdays = parse_time_of_day(time), parse_weekdays(days)
            check_round_options(questions, timer)
            await postable_channel(self.bot, interaction.guild_id, channel_id)
        except (ValueError, GameError) as exc:
            raise UserError(str(exc)) from exc
        chosen = await self._category(interaction, category)
        row = await self.bot.scheduler.add_schedule(
            interaction.guild_id,
            TRIVIA_KIND,
            channel_id,
            local_time,
            weekdays,
            tag=chosen,
            options={"category": chosen, "questions": questions, "timer": timer},
            created_by=interaction.user.id,
        )
        await interaction.response.send_message(scheduled_text(self.bot, "Trivia", row), ephemeral=True)

    schedule.autocomplete("category")(_category_autocomplete)

    @trivia_group.command(name="unschedule", description="Remove a trivia schedule")
    @app_commands.describe(schedule="The schedule number (see /hearth status)")
    @moderator_only()
    async def unschedule(self, interaction: discord.Interaction, schedule: int) -> None:
        await unschedule(self.bot, interaction, schedule, TRIVIA_KIND)

    async def _scheduled_trivia(self, occurrence: Occurrence) -> int | None:
        schedule = occurrence.schedule
        options = schedule.options
        if schedule.channel_id is None:
            raise PostFailed("the schedule has no channel")
        try:
            session = await self.service.start_round(
                schedule.guild_id,
                schedule.channel_id,
                category=options.get("category"),
                count=int(options.get("questions", DEFAULT_QUESTIONS)),
                timer_s=int(options.get("timer", DEFAULT_TIMER_S)),
                schedule_id=schedule.id,
                on_time=not occurrence.late,
            )
        except GameError as exc:
            raise PostFailed(str(exc)) from exc
        try:
            return await session.first_post
        except Exception as exc:
            raise PostFailed(f"the first question could not be posted: {exc}") from exc

    # -- questions --------------------------------------------------------------------------------------------
    @trivia_group.command(name="add", description="Add a question to this server's trivia bank")
    @app_commands.describe(
        question="The question",
        correct="The right answer (True or False for a true/false question)",
        wrong1="A wrong answer",
        wrong2="Another wrong answer (leave out for true/false)",
        wrong3="A third wrong answer (leave out for true/false)",
        category="Category, e.g. music or board games",
        difficulty="easy, medium or hard",
    )
    @app_commands.choices(difficulty=[app_commands.Choice(name=d, value=d) for d in ("easy", "medium", "hard")])
    @moderator_only()
    async def add(
        self,
        interaction: discord.Interaction,
        question: str,
        correct: str,
        category: str,
        wrong1: str | None = None,
        wrong2: str | None = None,
        wrong3: str | None = None,
        difficulty: str = "medium",
    ) -> None:
        assert interaction.guild_id is not None
        wrong = tuple(w.strip() for w in (wrong1, wrong2, wrong3) if w and w.strip())
        correct = correct.strip()
        boolean = correct.capitalize() in ("True", "False") and len(wrong) <= 1
        if boolean:
            correct = correct.capitalize()
            wrong = ("False" if correct == "True" else "True",)
        q = TriviaQuestion(
            category_slug(category), question.strip(), correct, wrong, difficulty, "boolean" if boolean else "multiple"
        )
        try:
            await self.service.add_question(interaction.guild_id, q, interaction.user.id)
        except GameError as exc:
            raise UserError(str(exc)) from exc
        kind = "true/false" if boolean else "multiple-choice"
        await interaction.response.send_message(f"Added a {kind} question to `{q.category}`.", ephemeral=True)

    @trivia_group.command(name="import", description="Import questions: Hearth TOML or Open Trivia DB JSON")
    @app_commands.describe(
        file="A .toml or .json file (up to 512 KiB)", category="Category for questions whose file names none"
    )
    @moderator_only()
    async def import_(
        self, interaction: discord.Interaction, file: discord.Attachment, category: str | None = None
    ) -> None:
        assert interaction.guild_id is not None
        if file.size > MAX_IMPORT_BYTES:
            raise UserError(
                f"That file is {file.size // 1024} KiB; imports are limited to {MAX_IMPORT_BYTES // 1024} KiB."
            )
        await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            data = await file.read()
        except discord.HTTPException as exc:  # the CDN lost or expired the upload
            raise UserError("I couldn't download that file from Discord; please upload it again.") from exc
        try:
            report = await self.service.import_questions(
                interaction.guild_id, file.filename, data, category, interaction.user.id
            )
        except GameError as exc:
            raise UserError(str(exc)) from exc
        lines = [f"Added {report.added} question{'s' if report.added != 1 else ''}."]
        if report.rejected:
            lines.append(f"Rejected {len(report.rejected)}:")
            lines += [f"- {position}: {reason}" for position, reason in report.rejected]
        await interaction.followup.send(truncate("\n".join(lines), 1900), ephemeral=True, allowed_mentions=NO_PINGS)

    # -- leaderboards and seasons -------------------------------------------------------------------------------
    @trivia_group.command(name="leaderboard", description="Trivia points this week, month, season or all time")
    @app_commands.choices(period=PERIOD_CHOICES)
    async def leaderboard(self, interaction: discord.Interaction, period: str = "week") -> None:
        assert interaction.guild_id is not None
        try:
            board = await self.service.leaderboard(interaction.guild_id, period)
        except GameError as exc:
            raise UserError(str(exc)) from exc
        embed = leaderboard_embed(board, period)
        await interaction.response.send_message(embed=embed, allowed_mentions=NO_PINGS)

    @trivia_group.command(name="season", description="Set the trivia season length; a season ends with a final board")
    @app_commands.describe(
        length="Seasons follow calendar months or quarters", channel="Where the final board is posted (default: here)"
    )
    @app_commands.choices(
        length=[app_commands.Choice(name="month", value="month"), app_commands.Choice(name="quarter", value="quarter")]
    )
    @moderator_only()
    async def season(
        self, interaction: discord.Interaction, length: str, channel: discord.TextChannel | None = None
    ) -> None:
        assert interaction.guild_id is not None and interaction.channel_id is not None
        channel_id = channel.id if channel else interaction.channel_id
        try:
            await postable_channel(self.bot, interaction.guild_id, channel_id)
            season = await self.service.set_season(interaction.guild_id, length, channel_id)
        except GameError as exc:
            raise UserError(str(exc)) from exc
        await interaction.response.send_message(
            f"Trivia season {season.number} runs by the {length}; it ends "
            f"{discord_timestamp(from_ms(season.ends_at), 'f')} with a final board in <#{channel_id}>.",
            ephemeral=True,
        )
