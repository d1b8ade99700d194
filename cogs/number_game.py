"""/game: the daily number game, its schedule, and the number buttons that take guesses.

A thin adapter: the game's rules and bookkeeping live in ``bot.features.number_game``. Guesses
arrive as button clicks (no message content needed); the hint goes privately to whoever pressed.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import Hearth
from bot.core.checks import moderator_only
from bot.core.discord_helpers import NO_PINGS
from bot.core.localtime import parse_time_of_day, parse_weekdays
from bot.core.tree import UserError, report_error
from bot.features.number_game.rules import Hint
from bot.features.number_game.service import DailyGameService, GuessReply
from bot.features.trivia.service import GameError
from bot.platform.scheduler import Occurrence, PostFailed
from bot.storage.number_game import DailyGameRepository, DailyGameRow
from cogs._game_posts import postable_channel, scheduled_text, unschedule

log = logging.getLogger(__name__)

DAILY_GAME_KIND = "daily_game"
NUMBER_BUTTON = r"number:(?P<game>\d+):(?P<n>\d+)"


def _number_game(interaction: discord.Interaction) -> NumberGame:
    cog = interaction.client.get_cog("NumberGame")  # type: ignore[attr-defined]
    assert isinstance(cog, NumberGame)
    return cog


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
            cog = _number_game(interaction)
            reply = await cog.service.guess(interaction.guild_id, self.game_id, interaction.user.id, self.number)
            if isinstance(reply, str):
                raise UserError(reply)
            await interaction.response.send_message(guess_text(reply), ephemeral=True, allowed_mentions=NO_PINGS)
            if reply.outcome.solved and interaction.message is not None:
                await cog.refresh_daily_message(reply.game, interaction.message)
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


class NumberGame(commands.Cog):
    game_group = app_commands.Group(name="game", description="The daily number game", guild_only=True)

    def __init__(self, bot: Hearth) -> None:
        self.bot = bot
        self.service = DailyGameService(
            DailyGameRepository(bot.db),
            posts=bot.posts,
            recorder=bot.recorder,
            guilds=bot.guilds_repo,
            clock=bot.clock,
            rng=bot.entropy.rng("number game"),
        )
        bot.scheduler.on_schedule(DAILY_GAME_KIND, self._scheduled_daily_game)
        bot.privacy.on_forget(self.service.repo.forget_member)
        bot.add_dynamic_items(NumberGuessButton)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(NumberGuessButton)

    async def _post_daily(
        self, guild_id: int, channel_id: int, *, schedule_id: int | None = None, on_time: bool | None = None
    ) -> int:
        channel = await postable_channel(self.bot, guild_id, channel_id)
        game = await self.service.new_game(guild_id, channel_id)
        if game is None:
            existing = await self.service.todays_game(guild_id)
            raise GameError(
                "Today's number game is already posted" + (f" in <#{existing.channel_id}>." if existing else ".")
            )
        try:
            message = await channel.send(
                embed=self._daily_embed(game, 0, 0), view=self._daily_view(game), allowed_mentions=NO_PINGS
            )
        except Exception:
            await self.service.not_posted(game)
            raise
        return await self.service.posted(game, message.id, schedule_id=schedule_id, on_time=on_time)

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
        players = await self.service.repo.players(game.guild_id, game.id)
        solvers = await self.service.repo.solvers(game.guild_id, game.id, game.target)
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
            await postable_channel(self.bot, interaction.guild_id, channel_id)
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
        await interaction.response.send_message(scheduled_text(self.bot, "Number game", row), ephemeral=True)

    @game_group.command(name="unschedule", description="Remove a number game schedule")
    @app_commands.describe(schedule="The schedule number (see /hearth status)")
    @moderator_only()
    async def game_unschedule(self, interaction: discord.Interaction, schedule: int) -> None:
        await unschedule(self.bot, interaction, schedule, DAILY_GAME_KIND)

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


async def setup(bot: Hearth) -> None:
    await bot.add_cog(NumberGame(bot))
