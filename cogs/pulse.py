"""/pulse: a monthly or quarterly "would you recommend this server?" survey, 0-10 buttons, NPS at close.

Thin on purpose: rules in bot/features/pulse/rules.py, bookkeeping in bot/features/pulse/service.py,
SQL in bot/storage/pulse.py, the NPS and its interval in bot/analytics/voice.py, the chart in
bot/features/pulse/chart.py. Opening and closing are scheduler timers, so they survive restarts.
"""

from __future__ import annotations

import asyncio
import io
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.analytics.voice import nps_text
from bot.app import Hearth
from bot.core.checks import moderator_only
from bot.core.clock import from_ms
from bot.core.discord_helpers import NO_PINGS, POST_PERMISSIONS, discord_timestamp, missing_permissions, truncate
from bot.core.errors import PostFailed
from bot.core.tree import UserError, report_error
from bot.core.views import HearthModal, HearthView
from bot.features.pulse import rules
from bot.features.pulse.chart import pulse_chart
from bot.features.pulse.rules import COMMENT_MAX, COMMENT_PROMPT, QUESTION, PulseInputError
from bot.features.pulse.service import Closing, PulseService, SurveyClosed
from bot.storage.feedback import FeedbackRepository
from bot.storage.pulse import PulseRepository, SurveyRow
from bot.storage.schedules import TimerRow

log = logging.getLogger(__name__)

OPEN_TIMER = "pulse.open"
CLOSE_TIMER = "pulse.close"
CUSTOM_ID = r"hearth:pulse:(?P<survey>\d+):(?P<score>\d+)"
CLOSED_TEXT = "This survey has closed; answers are no longer taken."


@contextmanager
def _as_user_errors() -> Iterator[None]:
    """A closed survey or bad input becomes the member's ephemeral message."""
    try:
        yield
    except SurveyClosed:
        raise UserError(CLOSED_TEXT) from None
    except PulseInputError as exc:
        raise UserError(str(exc)) from None


def _cog(client: discord.Client) -> Pulse:
    cog = client.get_cog("Pulse") if isinstance(client, commands.Bot) else None
    if not isinstance(cog, Pulse):
        raise UserError("Pulse surveys are not available right now; try again in a moment.")
    return cog


class CommentModal(HearthModal):
    """The optional follow-up after a score: one thing that would make the server better."""

    def __init__(self, survey_id: int, score: int) -> None:
        super().__init__(title=f"Thanks! You answered {score}", timeout=900, custom_id=f"hearth:pulsec:{survey_id}")
        self.survey_id = survey_id
        self.score = score
        self.text: discord.ui.TextInput[Any] = discord.ui.TextInput(
            custom_id="hearth:pulse:comment", style=discord.TextStyle.paragraph, max_length=COMMENT_MAX,
            required=False,
        )
        self.add_item(
            discord.ui.Label(text=COMMENT_PROMPT, description="Optional, anonymous", component=self.text)
        )

    async def on_submit(self, interaction: discord.Interaction) -> None:  # type: ignore[override]
        await _cog(interaction.client).comment(interaction, self.survey_id, self.score, self.text.value)


class ScoreButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=CUSTOM_ID):
    def __init__(self, survey_id: int, score: int, disabled: bool = False) -> None:
        super().__init__(
            discord.ui.Button(
                label=str(score), style=discord.ButtonStyle.secondary, custom_id=f"hearth:pulse:{survey_id}:{score}",
                disabled=disabled,
            )
        )
        self.survey_id = survey_id
        self.score = score

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> ScoreButton:
        return cls(int(match["survey"]), int(match["score"]))

    async def callback(self, interaction: discord.Interaction) -> None:  # type: ignore[override]
        try:
            await _cog(interaction.client).answer(interaction, self.survey_id, self.score)
        except Exception as error:  # dynamic items bypass View.on_error
            await report_error(interaction, error)


def survey_view(survey_id: int, disabled: bool = False) -> HearthView:
    view = HearthView(timeout=None)
    for score in rules.SCORES:
        button = ScoreButton(survey_id, score, disabled)
        button.item.row = min(score // 4, 2)  # 0-3, 4-7, 8-10
        view.add_item(button)
    return view


def survey_embed(survey: SurveyRow) -> discord.Embed:
    closes = from_ms(survey.closes_at)
    if survey.status == "open":
        when = f"Closes {discord_timestamp(closes, 'R')}. You can change your answer until then."
    else:
        when = "Closed: the result is below."
    embed = discord.Embed(
        title=f"📣 {QUESTION}",
        description=f"0 = not at all likely, 10 = extremely likely.\n{when}",
        colour=discord.Colour.blurple() if survey.status == "open" else discord.Colour.dark_grey(),
    )
    embed.set_footer(
        text="Anonymous: nobody, moderators included, sees who answered what. Results from 10 answers on."
    )
    return embed


def result_embed(closing: Closing) -> discord.Embed:
    r = closing.result
    lines = [nps_text(r).capitalize() if r.value is None else nps_text(r)]
    if r.value is not None:
        lines.append(
            f"Promoters (9-10): {r.promoters} · passives (7-8): {r.passives} · detractors (0-6): {r.detractors}"
        )
        change = closing.change
        if change is not None:
            lines.append(f"Change since the last survey: {change:+.0f} points")
        elif closing.previous is None:
            lines.append("This is the first survey: the next one will show the change.")
    embed = discord.Embed(title="📣 Pulse survey result", description="\n".join(lines), colour=discord.Colour.green())
    embed.set_footer(text="NPS = % promoters − % detractors, from −100 to +100, with its 95% interval.")
    return embed


class Pulse(commands.Cog):
    pulse = app_commands.Group(name="pulse", description="Pulse surveys: how members feel about the server",
                               guild_only=True)

    def __init__(self, bot: Hearth) -> None:
        self.bot = bot
        self.service = PulseService(
            PulseRepository(bot.db), bot.sealer, bot.privacy, bot.recorder, bot.clock,
            lambda g: bot.guilds_repo.timezone(g),
        )
        bot.scheduler.on_timer(OPEN_TIMER, self._on_open_timer)
        bot.scheduler.on_timer(CLOSE_TIMER, self._on_close_timer)
        bot.add_dynamic_items(ScoreButton)
        bot.privacy.on_forget(self.service.forget_member)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(ScoreButton)

    # -- moderators -------------------------------------------------------------------------
    @pulse.command(name="schedule", description="Ask members every month or quarter how likely they'd recommend us")
    @app_commands.describe(
        every="How often a survey goes out (the first goes out now)",
        channel="Where the survey is posted",
        days="How long each survey takes answers (1-14 days, default 7)",
    )
    @app_commands.choices(every=[app_commands.Choice(name=n, value=n) for n in rules.EVERY_MONTHS])
    @moderator_only()
    async def schedule(
        self, interaction: discord.Interaction, every: str, channel: discord.TextChannel,
        days: int = rules.DEFAULT_OPEN_DAYS,
    ) -> None:
        assert interaction.guild is not None
        missing = missing_permissions(channel, interaction.guild.me, POST_PERMISSIONS)
        if missing:
            raise UserError(f"I can't post in {channel.mention}: I'm missing {', '.join(missing)}.")
        try:
            await self.service.schedule(interaction.guild.id, channel.id, every, days, interaction.user.id)
        except PulseInputError as exc:
            raise UserError(str(exc)) from None
        await interaction.response.defer(ephemeral=True, thinking=True)
        survey = await self.open_due(interaction.guild.id)
        after = await self.service.repo.schedule(interaction.guild.id)
        first = "The first survey is up" if survey is not None else "A survey is already open"
        nxt = discord_timestamp(from_ms(after.next_at)) if after else "never"
        await interaction.followup.send(
            f"{first} in {channel.mention}; it closes after {days} days. Next one: {nxt}.",
            ephemeral=True, allowed_mentions=NO_PINGS,
        )

    @pulse.command(name="stop", description="Stop scheduling pulse surveys (an open one still closes on time)")
    @moderator_only()
    async def stop(self, interaction: discord.Interaction) -> None:
        assert interaction.guild_id is not None
        if not await self.service.stop(interaction.guild_id):
            raise UserError("No pulse survey is scheduled here.")
        await self.bot.scheduler.cancel_timer(interaction.guild_id, OPEN_TIMER, interaction.guild_id)
        await interaction.response.send_message("Pulse surveys stopped.", ephemeral=True)

    @pulse.command(name="comments", description="The comments of the last closed survey (moderators, unattributed)")
    @moderator_only()
    async def comments(self, interaction: discord.Interaction) -> None:
        assert interaction.guild_id is not None
        found = await self.service.latest_comments(interaction.guild_id)
        if found is None:
            raise UserError("No pulse survey has closed yet.")
        survey, texts = found
        if not texts:
            raise UserError("The last survey got no comments.")
        await interaction.response.send_message(
            truncate(f"Comments, survey of {discord_timestamp(from_ms(survey.opened_at), 'D')} (in no order "
                     "that says who):\n" + "\n".join(f"• {t}" for t in texts), 1900),
            ephemeral=True, allowed_mentions=NO_PINGS,
        )

    # -- opening ----------------------------------------------------------------------------
    async def _on_open_timer(self, timer: TimerRow) -> None:
        await self.open_due(timer.guild_id)

    async def open_due(self, guild_id: int) -> SurveyRow | None:
        """Post the due survey (once), arm its closing and the next opening."""
        survey, schedule = await self.service.open_due(guild_id)
        if schedule is not None:
            await self.bot.scheduler.set_timer(guild_id, OPEN_TIMER, guild_id, from_ms(schedule.next_at))
        if survey is None:
            return None
        channel = await self._channel(guild_id, survey.channel_id)
        try:
            message = await channel.send(
                embed=survey_embed(survey), view=survey_view(survey.id), allowed_mentions=NO_PINGS
            )
        except discord.HTTPException as exc:
            await self.service.repo.delete_survey(guild_id, survey.id)
            raise PostFailed(f"Discord refused the pulse survey ({exc.status})") from exc
        post = await self.bot.posts.register(guild_id, "survey", channel.id, message.id, ref_id=survey.id)
        await self.service.repo.set_message(guild_id, survey.id, message.id, post.id)
        await self.bot.scheduler.set_timer(guild_id, CLOSE_TIMER, survey.id, from_ms(survey.closes_at))
        return survey

    async def _channel(self, guild_id: int, channel_id: int) -> discord.TextChannel:
        guild = self.bot.get_guild(guild_id)
        channel = guild.get_channel(channel_id) if guild else None
        if not isinstance(channel, discord.TextChannel):
            raise PostFailed(f"the pulse channel <#{channel_id}> is gone: run /pulse schedule again")
        return channel

    # -- members ----------------------------------------------------------------------------
    async def answer(self, interaction: discord.Interaction, survey_id: int, score: int) -> None:
        if interaction.guild_id is None:
            raise UserError("Pulse surveys only work inside a server.")
        with _as_user_errors():
            await self.service.answer(interaction.guild_id, survey_id, interaction.user.id, score)
        await interaction.response.send_modal(CommentModal(survey_id, score))

    async def comment(self, interaction: discord.Interaction, survey_id: int, score: int, text: str) -> None:
        assert interaction.guild_id is not None
        with _as_user_errors():
            await self.service.comment(interaction.guild_id, survey_id, interaction.user.id, text)
        survey = await self.service.repo.survey(interaction.guild_id, survey_id)
        closes = discord_timestamp(from_ms(survey.closes_at), "R") if survey else "soon"
        await interaction.response.send_message(
            f"Thanks: your answer ({score}) counts. You can change it until the survey closes {closes}.",
            ephemeral=True, allowed_mentions=NO_PINGS,
        )

    # -- closing ----------------------------------------------------------------------------
    async def _on_close_timer(self, timer: TimerRow) -> None:
        await self.close(timer.guild_id, timer.ref_id)

    async def close(self, guild_id: int, survey_id: int) -> Closing | None:
        closing = await self.service.close(guild_id, survey_id)
        if closing is None:
            return None
        survey = closing.survey
        channel = await self._channel(guild_id, survey.channel_id)
        if survey.message_id:
            try:
                await channel.get_partial_message(survey.message_id).edit(
                    embed=survey_embed(survey), view=survey_view(survey.id, disabled=True)
                )
            except discord.HTTPException as exc:
                log.warning("could not close pulse survey %s's buttons: %s", survey.id, exc.status)
        files = []
        if closing.result.value is not None:
            png = await asyncio.to_thread(pulse_chart, closing.result, "Pulse survey")
            files.append(discord.File(io.BytesIO(png), filename=f"pulse-{survey.id}.png"))
        await channel.send(embed=result_embed(closing), files=files, allowed_mentions=NO_PINGS)
        await self._comments_to_moderators(guild_id, closing)
        return closing

    async def _comments_to_moderators(self, guild_id: int, closing: Closing) -> None:
        """Comments go to the feedback review channel (moderators only), never attributed."""
        if not closing.comments:
            return
        settings = await FeedbackRepository(self.bot.db).settings(guild_id)
        guild = self.bot.get_guild(guild_id)
        review = guild.get_channel(settings.review_channel_id) if guild and settings.review_channel_id else None
        if not isinstance(review, discord.TextChannel):
            return  # /pulse comments shows them
        body = "\n".join(f"• {truncate(c, 300)}" for c in closing.comments)
        await review.send(
            embed=discord.Embed(
                title="📣 Pulse survey comments (anonymous)",
                description=truncate(body, 4000),
                colour=discord.Colour.blurple(),
            ),
            allowed_mentions=NO_PINGS,
        )


async def setup(bot: Hearth) -> None:
    await bot.add_cog(Pulse(bot))
