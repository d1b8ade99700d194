"""Games: trivia rounds, seasons and leaderboards, the daily number game, and /streak.

A thin adapter: commands and buttons are parsed and checked here, the rules and storage live in
``bot.trivia``, ``bot.daily_game`` and ``bot.member_streaks``. Answers and guesses arrive as
button clicks (no message content needed); buttons are dynamic items, so a click on an old or
closed question still gets a clear answer.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import Hearth
from bot.core.checks import moderator_only
from bot.core.clock import from_ms
from bot.core.discord_helpers import NO_PINGS, discord_timestamp, missing_permissions, truncate
from bot.core.localtime import format_weekdays, local_day, parse_time_of_day, parse_weekdays
from bot.core.tree import UserError, report_error
from bot.features.number_game.rules import Hint
from bot.features.number_game.service import DailyGameService, GuessReply
from bot.features.streaks.service import StreakService
from bot.features.trivia.bank import MAX_IMPORT_BYTES, TriviaQuestion, category_slug
from bot.features.trivia.seasons import period_label
from bot.features.trivia.service import (
    ANY_CATEGORY,
    DEFAULT_QUESTIONS,
    DEFAULT_TIMER_S,
    SEASON_TIMER,
    GameError,
    TriviaService,
    check_round_options,
)
from bot.features.trivia.session import OpenQuestion, Standings
from bot.platform.scheduler import Occurrence, PostFailed
from bot.storage.games import DailyGameRepository, DailyGameRow, RoundRow, SeasonRow, TriviaRepository

log = logging.getLogger(__name__)

TRIVIA_KIND = "trivia"
DAILY_GAME_KIND = "daily_game"
LETTERS = "🇦🇧🇨🇩"
MEDALS = {1: "🥇", 2: "🥈", 3: "🥉"}
PERIOD_CHOICES = [
    app_commands.Choice(name="this week", value="week"),
    app_commands.Choice(name="this month", value="month"),
    app_commands.Choice(name="this season", value="season"),
    app_commands.Choice(name="all time", value="all"),
]


def _games(interaction: discord.Interaction) -> Games:
    cog = interaction.client.get_cog("Games")  # type: ignore[attr-defined]
    assert isinstance(cog, Games)
    return cog


def standings_lines(standings: Standings, limit: int = 10) -> list[str]:
    lines = []
    for place, members, points in standings[:limit]:
        who = ", ".join(f"<@{m}>" for m in members)
        lines.append(f"{MEDALS.get(place, f'{place}.')} {who}: **{points:,}**")
    return lines


# -- buttons -------------------------------------------------------------------------------------------
TRIVIA_BUTTON = r"trivia:(?P<round>\d+):(?P<index>\d+):(?P<choice>\d+)"
NUMBER_BUTTON = r"number:(?P<game>\d+):(?P<n>\d+)"


class TriviaAnswerButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=TRIVIA_BUTTON):
    """One answer button; the custom id carries round, question and choice, so it survives restarts."""

    def __init__(
        self,
        round_id: int,
        index: int,
        choice: int,
        label: str = "?",
        disabled: bool = False,
        style: discord.ButtonStyle = discord.ButtonStyle.primary,
    ) -> None:
        super().__init__(
            discord.ui.Button(
                label=label, style=style, disabled=disabled, custom_id=f"trivia:{round_id}:{index}:{choice}"
            )
        )
        self.round_id, self.index, self.choice = round_id, index, choice

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> TriviaAnswerButton:
        return cls(int(match["round"]), int(match["index"]), int(match["choice"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        try:
            if interaction.guild_id is None or interaction.user.bot:
                return
            outcome = await _games(interaction).trivia.answer(
                interaction.guild_id, self.round_id, self.index, self.choice, interaction.user.id
            )
            if outcome.refused:
                raise UserError(outcome.refused)
            await interaction.response.send_message(
                f"Locked in: **{discord.utils.escape_markdown(outcome.choice_text)}**. "
                "The answer is revealed when time is up.",
                ephemeral=True,
                allowed_mentions=NO_PINGS,
            )
        except Exception as exc:
            await report_error(interaction, exc)


class NumberGuessButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=NUMBER_BUTTON):
    """One number on the daily game; the hint goes privately to whoever pressed it."""

    def __init__(self, game_id: int, number: int) -> None:
        super().__init__(
            discord.ui.Button(
                label=str(number), style=discord.ButtonStyle.secondary, custom_id=f"number:{game_id}:{number}"
            )
        )
        self.game_id, self.number = game_id, number

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> NumberGuessButton:
        return cls(int(match["game"]), int(match["n"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        try:
            if interaction.guild_id is None or interaction.user.bot:
                return
            games = _games(interaction)
            reply = await games.daily.guess(interaction.guild_id, self.game_id, interaction.user.id, self.number)
            if isinstance(reply, str):
                raise UserError(reply)
            await interaction.response.send_message(guess_text(reply), ephemeral=True, allowed_mentions=NO_PINGS)
            if reply.outcome.solved and interaction.message is not None:
                await games.refresh_daily_message(reply.game, interaction.message)
        except Exception as exc:
            await report_error(interaction, exc)


def guess_text(reply: GuessReply) -> str:
    outcome = reply.outcome
    if outcome.solved:
        tries = "first try!" if outcome.guess_no == 1 else f"{outcome.guess_no} guesses"
        return f"🎉 **{reply.guess}** it is! You found today's number in {tries}"
    arrow = "⬆️ Higher" if outcome.hint is Hint.HIGHER else "⬇️ Lower"
    if outcome.guesses_left == 0:
        return f"{arrow} than {reply.guess}. That was your last guess: today's number was **{reply.game.target}**."
    left = f"{outcome.guesses_left} guess{'es' if outcome.guesses_left != 1 else ''} left"
    return f"{arrow} than **{reply.guess}**: it's between {reply.low} and {reply.high}. {left}."


def question_view(
    round_id: int, index: int, choices: list[str], *, closed: bool = False, correct: int | None = None
) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    for choice, label in enumerate(choices):
        style = discord.ButtonStyle.primary
        if closed:
            style = discord.ButtonStyle.success if choice == correct else discord.ButtonStyle.secondary
        view.add_item(TriviaAnswerButton(round_id, index, choice, truncate(label, 80), closed, style))
    return view


class ChannelRoundOutput:
    """Sends one round's messages to a Discord channel (``bot.trivia_session.RoundOutput``)."""

    def __init__(self, channel: discord.abc.Messageable) -> None:
        self.channel = channel

    async def post_question(
        self, round_: RoundRow, index: int, question: TriviaQuestion, choices: list[str], closes_at: datetime
    ) -> int:
        embed = discord.Embed(
            title=f"🧠 Trivia · question {index + 1} of {round_.questions}",
            description=question.question,
            colour=discord.Colour.blurple(),
        )
        if question.kind == "multiple":
            embed.description = (
                question.question
                + "\n\n"
                + "\n".join(f"{LETTERS[i]} {discord.utils.escape_markdown(c)}" for i, c in enumerate(choices))
            )
        embed.add_field(name="Category", value=f"{question.category} · {question.difficulty}")
        embed.add_field(name="Time", value=f"{round_.timer_s} s, closes {discord_timestamp(closes_at, 'R')}")
        embed.set_footer(text="One answer each · right and fast scores most (500-1000 points)")
        message = await self.channel.send(
            embed=embed, view=question_view(round_.id, index, choices), allowed_mentions=NO_PINGS
        )
        return message.id

    async def close_question(self, round_: RoundRow, open_question: OpenQuestion) -> None:
        correct_text = open_question.choices[open_question.correct_index]
        try:
            message = self.channel.get_partial_message(open_question.message_id)  # type: ignore[attr-defined]
            await message.edit(
                view=question_view(
                    round_.id,
                    open_question.index,
                    open_question.choices,
                    closed=True,
                    correct=open_question.correct_index,
                )
            )
        except discord.HTTPException:
            log.warning("could not close the buttons of question message %s", open_question.message_id)
        results = open_question.results()
        right = [r for r in results if r.correct]
        lines = [f"✅ The answer was **{discord.utils.escape_markdown(correct_text)}**."]
        if right:
            lines.append("Right: " + ", ".join(f"<@{r.member_id}> (+{r.points})" for r in right))
        else:
            lines.append("Nobody got it this time.")
        lines.append(f"{len(results)} answered.")
        await self.channel.send("\n".join(lines), allowed_mentions=NO_PINGS)

    async def post_standings(self, round_: RoundRow, standings: Standings, *, stopped: bool) -> None:
        title = "🛑 Trivia round stopped" if stopped else "🏆 Trivia round over"
        body = "\n".join(standings_lines(standings)) or "Nobody answered this round."
        embed = discord.Embed(title=title, description=body, colour=discord.Colour.gold())
        embed.set_footer(text="/trivia leaderboard shows the week, month, season and all time")
        await self.channel.send(embed=embed, allowed_mentions=NO_PINGS)

    async def post_failure(self, round_: RoundRow) -> None:
        await self.channel.send(
            "Sorry, this trivia round broke off because of an error on Hearth's side.", allowed_mentions=NO_PINGS
        )


# -- the cog ---------------------------------------------------------------------------------------------
class Games(commands.Cog):
    trivia_group = app_commands.Group(
        name="trivia", description="Trivia rounds, questions and leaderboards", guild_only=True
    )
    game_group = app_commands.Group(name="game", description="The daily number game", guild_only=True)

    def __init__(self, bot: Hearth) -> None:
        self.bot = bot
        self.trivia = TriviaService(
            TriviaRepository(bot.db),
            posts=bot.posts,
            recorder=bot.recorder,
            guilds=bot.guilds_repo,
            scheduler=bot.scheduler,
            clock=bot.clock,
            outputs=self,
        )
        self.daily = DailyGameService(
            DailyGameRepository(bot.db),
            posts=bot.posts,
            recorder=bot.recorder,
            guilds=bot.guilds_repo,
            clock=bot.clock,
        )
        self.streaks = StreakService(bot.db)
        bot.scheduler.on_schedule(TRIVIA_KIND, self._scheduled_trivia)
        bot.scheduler.on_schedule(DAILY_GAME_KIND, self._scheduled_daily_game)
        bot.scheduler.on_timer(SEASON_TIMER, self.trivia.end_season)
        bot.privacy.on_forget(self._forget)
        bot.add_dynamic_items(TriviaAnswerButton, NumberGuessButton)

    async def cog_load(self) -> None:
        interrupted = await self.trivia.recover()
        if interrupted:
            log.info("%d trivia round(s) were interrupted by the last shutdown", interrupted)

    async def cog_unload(self) -> None:
        await self.trivia.sessions.close()
        self.bot.remove_dynamic_items(TriviaAnswerButton, NumberGuessButton)

    async def _forget(self, guild_id: int, member_id: int) -> None:
        await self.trivia.forget_member(guild_id, member_id)
        await self.daily.repo.forget_member(guild_id, member_id)

    async def tick(self) -> None:
        """Tests: after moving a FakeClock, let every trivia round move on to its next wait."""
        await self.trivia.sessions.tick()

    # -- outputs (bot.trivia.TriviaOutputs) ---------------------------------------------------------------
    async def _postable_channel(self, guild_id: int, channel_id: int) -> discord.TextChannel | discord.Thread:
        """The channel, checked for what a game post needs; fetched over REST before the gateway is up.

        Overdue schedules and timers run in ``setup_hook``, before any GUILD_CREATE has filled the
        cache, so a cache miss is not proof that the channel is gone.
        """
        channel = self.bot.get_channel(channel_id)
        if channel is None:
            try:
                channel = await self.bot.fetch_channel(channel_id)
            except (discord.NotFound, discord.Forbidden):
                channel = None
        if not isinstance(channel, discord.TextChannel | discord.Thread) or channel.guild.id != guild_id:
            raise GameError(f"The channel <#{channel_id}> is gone or isn't a text channel I can see.")
        me = channel.guild.me
        if me is not None:
            missing = missing_permissions(channel, me, ("view_channel", "send_messages", "embed_links"))
            if missing:
                raise GameError(f"I can't post in {channel.mention}: I'm missing {', '.join(missing)}.")
        return channel

    async def round_output(self, guild_id: int, channel_id: int) -> ChannelRoundOutput:
        return ChannelRoundOutput(await self._postable_channel(guild_id, channel_id))

    async def post_season_end(self, ended: SeasonRow, standings: Standings, following: SeasonRow) -> None:
        channel = await self._postable_channel(ended.guild_id, ended.channel_id)
        podium = [
            f"{MEDALS[place]} " + ", ".join(f"<@{m}>" for m in members) for place, members, _ in standings if place <= 3
        ]
        lines = standings_lines(standings) or ["Nobody scored this season."]
        embed = discord.Embed(
            title=f"🏁 Trivia season {ended.number} is over!",
            description="\n".join(lines),
            colour=discord.Colour.gold(),
        )
        if podium:
            embed.add_field(name="Congratulations", value="\n".join(podium), inline=False)
        embed.add_field(
            name="Next",
            value=f"Season {following.number} starts now and ends "
            f"{discord_timestamp(from_ms(following.ends_at), 'D')}.",
            inline=False,
        )
        await channel.send(embed=embed, allowed_mentions=NO_PINGS)

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
            session = await self.trivia.start_round(
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
        if self.trivia.stop_round(interaction.guild_id, interaction.channel_id) is None:
            raise UserError("No trivia round is running in this channel.")
        await interaction.response.send_message(
            "Stopping the round: the open question closes now and the standings follow.", ephemeral=True
        )

    async def _category(self, interaction: discord.Interaction, category: str) -> str | None:
        assert interaction.guild_id is not None
        wanted = category_slug(category) if category.strip() else ANY_CATEGORY
        if wanted in ("", ANY_CATEGORY):
            return None
        known = await self.trivia.categories(interaction.guild_id)
        if wanted not in known:
            raise UserError(f"There is no category `{truncate(wanted, 50)}`. Categories: {', '.join(known)}.")
        return wanted

    @start.autocomplete("category")
    async def _category_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        assert interaction.guild_id is not None
        names = [ANY_CATEGORY, *await self.trivia.categories(interaction.guild_id)]
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
            await self._postable_channel(interaction.guild_id, channel_id)
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
        await interaction.response.send_message(self._scheduled_text("Trivia", row), ephemeral=True)

    schedule.autocomplete("category")(_category_autocomplete)

    @trivia_group.command(name="unschedule", description="Remove a trivia schedule")
    @app_commands.describe(schedule="The schedule number (see /hearth status)")
    @moderator_only()
    async def unschedule(self, interaction: discord.Interaction, schedule: int) -> None:
        await self._unschedule(interaction, schedule, TRIVIA_KIND)

    async def _unschedule(self, interaction: discord.Interaction, schedule_id: int, kind: str) -> None:
        assert interaction.guild_id is not None
        row = await self.bot.scheduler.repo.get(interaction.guild_id, schedule_id)
        if row is None or row.kind != kind:
            raise UserError(f"There is no {kind.replace('_', ' ')} schedule #{schedule_id} in this server.")
        await self.bot.scheduler.remove_schedule(interaction.guild_id, schedule_id)
        await interaction.response.send_message(f"Schedule #{schedule_id} removed.", ephemeral=True)

    def _scheduled_text(self, what: str, row: Any) -> str:
        nxt = self.bot.scheduler.next_run(row)
        tz = self.bot.scheduler.timezone_of(row.guild_id)
        when = discord_timestamp(nxt) if nxt else "never"
        return (
            f"{what} schedule #{row.id}: {format_weekdays(row.weekdays)} at {row.local_time:%H:%M} ({tz}) "
            f"in <#{row.channel_id}>. Next: {when}."
        )

    async def _scheduled_trivia(self, occurrence: Occurrence) -> int | None:
        schedule = occurrence.schedule
        options = schedule.options
        if schedule.channel_id is None:
            raise PostFailed("the schedule has no channel")
        try:
            session = await self.trivia.start_round(
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
            await self.trivia.add_question(interaction.guild_id, q, interaction.user.id)
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
            report = await self.trivia.import_questions(
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
            board = await self.trivia.leaderboard(interaction.guild_id, period)
        except GameError as exc:
            raise UserError(str(exc)) from exc
        title = f"🏆 Trivia leaderboard: {period_label(period)}"
        if board.season is not None:
            title = f"🏆 Trivia leaderboard: season {board.season.number}"
        embed = discord.Embed(
            title=title,
            colour=discord.Colour.gold(),
            description="\n".join(standings_lines(board.standings)) or "No points yet.",
        )
        if board.period != "all":
            embed.set_footer(text="Counting answers since")
            embed.timestamp = board.since
        if board.season is not None:
            embed.add_field(name="Season ends", value=discord_timestamp(from_ms(board.season.ends_at), "D"))
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
            await self._postable_channel(interaction.guild_id, channel_id)
            season = await self.trivia.set_season(interaction.guild_id, length, channel_id)
        except GameError as exc:
            raise UserError(str(exc)) from exc
        await interaction.response.send_message(
            f"Trivia season {season.number} runs by the {length}; it ends "
            f"{discord_timestamp(from_ms(season.ends_at), 'f')} with a final board in <#{channel_id}>.",
            ephemeral=True,
        )

    # -- the daily number game ------------------------------------------------------------------------------------
    async def _post_daily(
        self, guild_id: int, channel_id: int, *, schedule_id: int | None = None, on_time: bool | None = None
    ) -> int:
        channel = await self._postable_channel(guild_id, channel_id)
        game = await self.daily.new_game(guild_id, channel_id)
        if game is None:
            existing = await self.daily.todays_game(guild_id)
            raise GameError(
                "Today's number game is already posted" + (f" in <#{existing.channel_id}>." if existing else ".")
            )
        try:
            message = await channel.send(
                embed=self._daily_embed(game, 0, 0), view=self._daily_view(game), allowed_mentions=NO_PINGS
            )
        except Exception:
            await self.daily.not_posted(game)
            raise
        return await self.daily.posted(game, message.id, schedule_id=schedule_id, on_time=on_time)

    @staticmethod
    def _daily_view(game: DailyGameRow) -> discord.ui.View:
        view = discord.ui.View(timeout=None)
        for number in range(1, game.max_number + 1):
            view.add_item(NumberGuessButton(game.id, number))
        return view

    @staticmethod
    def _daily_embed(game: DailyGameRow, players: int, solvers: int) -> discord.Embed:
        embed = discord.Embed(
            title="🔢 Daily number",
            description=(
                f"I'm thinking of a number from 1 to {game.max_number}. You get {game.max_guesses} "
                "guesses; after each one I tell you (and only you) whether it's higher or lower."
            ),
            colour=discord.Colour.teal(),
        )
        embed.set_footer(text=f"{players} playing · {solvers} found it")
        return embed

    async def refresh_daily_message(self, game: DailyGameRow, message: discord.Message) -> None:
        players = await self.daily.repo.players(game.guild_id, game.id)
        solvers = await self.daily.repo.solvers(game.guild_id, game.id, game.target)
        try:
            await message.edit(embed=self._daily_embed(game, players, solvers))
        except discord.HTTPException:
            log.warning("could not update the daily game message %s", message.id)

    @game_group.command(name="post", description="Post today's number game now")
    @app_commands.describe(channel="Where to post it (default: here)")
    @moderator_only()
    async def post(self, interaction: discord.Interaction, channel: discord.TextChannel | None = None) -> None:
        assert interaction.guild_id is not None and interaction.channel_id is not None
        channel_id = channel.id if channel else interaction.channel_id
        try:
            await self._post_daily(interaction.guild_id, channel_id)
        except GameError as exc:
            raise UserError(str(exc)) from exc
        await interaction.response.send_message(f"Today's number game is up in <#{channel_id}>.", ephemeral=True)

    @game_group.command(name="schedule", description="Post the number game every day (or on chosen days)")
    @app_commands.describe(
        time="Local time, e.g. 09:00",
        days="daily, weekdays, weekends or e.g. mon,wed,fri",
        channel="Where to post it (default: here)",
    )
    @moderator_only()
    async def game_schedule(
        self,
        interaction: discord.Interaction,
        time: str,
        days: str = "daily",
        channel: discord.TextChannel | None = None,
    ) -> None:
        assert interaction.guild_id is not None and interaction.channel_id is not None
        channel_id = channel.id if channel else interaction.channel_id
        try:
            local_time, weekdays = parse_time_of_day(time), parse_weekdays(days)
            await self._postable_channel(interaction.guild_id, channel_id)
        except (ValueError, GameError) as exc:
            raise UserError(str(exc)) from exc
        row = await self.bot.scheduler.add_schedule(
            interaction.guild_id,
            DAILY_GAME_KIND,
            channel_id,
            local_time,
            weekdays,
            tag="number",
            created_by=interaction.user.id,
        )
        await interaction.response.send_message(self._scheduled_text("Number game", row), ephemeral=True)

    @game_group.command(name="unschedule", description="Remove a number game schedule")
    @app_commands.describe(schedule="The schedule number (see /hearth status)")
    @moderator_only()
    async def game_unschedule(self, interaction: discord.Interaction, schedule: int) -> None:
        await self._unschedule(interaction, schedule, DAILY_GAME_KIND)

    async def _scheduled_daily_game(self, occurrence: Occurrence) -> int | None:
        schedule = occurrence.schedule
        if schedule.channel_id is None:
            raise PostFailed("the schedule has no channel")
        try:
            return await self._post_daily(
                schedule.guild_id, schedule.channel_id, schedule_id=schedule.id, on_time=not occurrence.late
            )
        except GameError as exc:
            raise PostFailed(str(exc)) from exc

    # -- /streak -------------------------------------------------------------------------------------------------------
    @app_commands.command(name="streak", description="Your response streak: days in a row you joined in")
    @app_commands.guild_only()
    async def streak(self, interaction: discord.Interaction) -> None:
        assert interaction.guild_id is not None
        guild_id, member_id = interaction.guild_id, interaction.user.id
        if self.bot.privacy.is_opted_out(guild_id, member_id):
            raise UserError("You opted out of recording, so Hearth keeps no streak for you (`/privacy optin`).")
        today = local_day(self.bot.clock.now(), self.bot.guilds_repo.timezone(guild_id))
        streak = await self.streaks.for_member(guild_id, member_id, today)
        if streak.current:
            head = f"🔥 Your streak: **{streak.current}** day{'s' if streak.current != 1 else ''} in a row"
        else:
            head = "No streak running right now"
        await interaction.response.send_message(
            f"{head} (best: **{streak.longest}**).\nA day counts when you respond to a Hearth post: answer "
            "trivia, play the daily game, vote in a poll, react to or reply to a question.",
            ephemeral=True,
        )


async def setup(bot: Hearth) -> None:
    await bot.add_cog(Games(bot))
