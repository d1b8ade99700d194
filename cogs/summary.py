"""/summary and the weekly summary post: the Discord side of bot/summary.

Thin: the schedule lives in ``SummaryService``, the figures in bot/analytics (one
``weekly_figures`` call), the wording in ``bot.features.summary.content``; this cog turns the content into
one embed plus one chart and posts it without pinging anyone.

The default schedule is created right after a successful ``/hearth setup`` that leaves the guild
with a summary channel (an ``on_app_command_completion`` listener, so cogs/admin.py is untouched),
at start-up for guilds configured earlier, and by ``/summary schedule``.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import Hearth
from bot.core.checks import moderator_only
from bot.core.discord_helpers import NO_PINGS, discord_timestamp, missing_permissions, resolve_channel
from bot.core.localtime import WEEKDAY_NAMES, zone
from bot.core.tree import UserError
from bot.features.summary.chart import summary_chart
from bot.features.summary.content import SummaryContent, render
from bot.features.summary.gather import SummaryGatherer
from bot.features.summary.service import SCHEDULE_KIND, SummaryInputError, SummaryService, covered_week, describe
from bot.platform.scheduler import Occurrence, PostFailed
from bot.storage.contests import ContestRepository
from bot.storage.summary import SummaryRepository
from bot.storage.trivia import TriviaRepository

log = logging.getLogger(__name__)

CHART_NAME = "summary.png"
EMBED_COLOUR = discord.Colour.orange()
DAY_CHOICES = [app_commands.Choice(name=name, value=name.lower()) for name in WEEKDAY_NAMES]


@contextmanager
def user_errors() -> Iterator[None]:
    try:
        yield
    except SummaryInputError as exc:
        raise UserError(str(exc)) from exc


def summary_embed(content: SummaryContent, with_chart: bool) -> discord.Embed:
    rendered = render(content)
    embed = discord.Embed(title=rendered.title, description=rendered.description, colour=EMBED_COLOUR)
    for name, value, inline in rendered.fields[:25]:
        embed.add_field(name=name, value=value or "—", inline=inline)
    if with_chart:
        embed.set_image(url=f"attachment://{CHART_NAME}")
    embed.set_footer(text=rendered.footer)
    return embed


def chart_file(content: SummaryContent) -> discord.File | None:
    if content.chart is None:
        return None
    return discord.File(io.BytesIO(summary_chart(content.chart)), filename=CHART_NAME)


class Summary(commands.Cog):
    summary = app_commands.Group(
        name="summary",
        description="The weekly summary post",
        guild_only=True,
        default_permissions=discord.Permissions(manage_guild=True),
    )

    def __init__(self, bot: Hearth) -> None:
        self.bot = bot
        self.repo = SummaryRepository(bot.db)
        self.service = SummaryService(
            bot.scheduler,
            bot.guilds_repo,
            self.repo,
            ContestRepository(bot.db),
            TriviaRepository(bot.db),
            bot.settings.summary,
            bot.clock,
        )
        self.gatherer = SummaryGatherer(bot, self.service)

    async def cog_load(self) -> None:
        self.bot.scheduler.on_schedule(SCHEDULE_KIND, self.handle_occurrence)
        created = await self.service.ensure_all()
        if created:
            log.info("created the default weekly summary schedule for %d guild(s)", created)

    # -- the default schedule after /hearth setup ---------------------------------------------
    @commands.Cog.listener()
    async def on_app_command_completion(self, interaction: discord.Interaction, command: Any) -> None:
        if getattr(command, "qualified_name", "") != "hearth setup" or interaction.guild_id is None:
            return
        config = await self.bot.guilds_repo.get(interaction.guild_id)
        if config.summary_channel_id is not None:
            await self.service.ensure_schedule(config.guild_id, config.summary_channel_id, by=interaction.user.id)

    # -- posting ---------------------------------------------------------------------------------
    async def handle_occurrence(self, occurrence: Occurrence) -> int:
        """Post the summary of the last complete week; the week's post id if it was already posted."""
        guild_id = occurrence.schedule.guild_id
        config = await self.bot.guilds_repo.get(guild_id)
        channel_id = config.summary_channel_id or occurrence.schedule.channel_id
        if channel_id is None:
            raise PostFailed("no summary channel: run /hearth setup summary_channel:")
        monday = covered_week(occurrence.local_date)
        existing = await self.repo.summary_post_for_week(guild_id, monday.toordinal())
        if existing is not None:
            log.info("guild %s: the summary of the week of %s was already posted (post %s)", guild_id, monday, existing)
            return existing
        channel = await self._channel(guild_id, channel_id)
        content = await self.gatherer.content(guild_id, monday, late=occurrence.late)
        file = chart_file(content)
        try:
            kwargs: dict[str, Any] = {"embed": summary_embed(content, file is not None), "allowed_mentions": NO_PINGS}
            if file is not None:
                kwargs["file"] = file
            sent = await channel.send(**kwargs)
        except discord.Forbidden as exc:
            raise PostFailed(f"missing Send Messages in #{channel.name} (Discord refused: {exc.text or 403})") from exc
        except discord.NotFound as exc:
            raise PostFailed(f"the summary channel #{channel.name} no longer exists: run /hearth setup again") from exc
        except discord.HTTPException as exc:
            raise PostFailed(f"Discord refused the summary in #{channel.name}: {exc.status} {exc.text}") from exc
        post = await self.bot.posts.register(
            guild_id,
            "summary",
            channel.id,
            sent.id,
            schedule_id=occurrence.schedule.id,
            on_time=not occurrence.late,
            ref_id=monday.toordinal(),
            member_count=self.bot.member_count(guild_id),
        )
        return post.id

    async def _channel(self, guild_id: int, channel_id: int) -> discord.TextChannel:
        fix = "pick another with /hearth setup"
        channel = await resolve_channel(self.bot, guild_id, channel_id, fix=fix)
        if not isinstance(channel, discord.TextChannel):
            raise PostFailed(f"<#{channel_id}> is not a text channel: {fix}")
        me = channel.guild.me
        if me is not None:
            missing = missing_permissions(channel, me)
            if missing:
                raise PostFailed(f"missing {', '.join(missing)} in #{channel.name}")
        return channel

    # -- commands ----------------------------------------------------------------------------------
    @summary.command(name="schedule", description="When the weekly summary is posted (server time zone)")
    @app_commands.describe(day="Day of the week", time="Time of day, 24-hour, e.g. 09:00")
    @app_commands.choices(day=DAY_CHOICES)
    @moderator_only()
    async def schedule(self, interaction: discord.Interaction, day: str | None = None, time: str | None = None) -> None:
        assert interaction.guild_id is not None
        with user_errors():
            schedule = await self.service.set_schedule(interaction.guild_id, day, time, by=interaction.user.id)
        tz = (await self.bot.guilds_repo.get(interaction.guild_id)).timezone
        when = self.service.next_run(schedule)
        next_text = f"next {discord_timestamp(when)}" if when else "paused: `/summary resume` to restart it"
        await interaction.response.send_message(
            f"The weekly summary goes to <#{schedule.channel_id}> on {describe(schedule)} ({tz}); {next_text}.",
            ephemeral=True,
            allowed_mentions=NO_PINGS,
        )

    @summary.command(name="preview", description="See the summary as it would be posted now (only you see it)")
    @moderator_only()
    async def preview(self, interaction: discord.Interaction) -> None:
        assert interaction.guild_id is not None
        await interaction.response.defer(ephemeral=True, thinking=True)
        tz = (await self.bot.guilds_repo.get(interaction.guild_id)).timezone
        today = self.bot.clock.now().astimezone(zone(tz)).date()
        content = await self.gatherer.content(interaction.guild_id, covered_week(today))
        file = chart_file(content)
        kwargs: dict[str, Any] = {"embed": summary_embed(content, file is not None), "allowed_mentions": NO_PINGS}
        if file is not None:
            kwargs["file"] = file
        await interaction.followup.send(ephemeral=True, **kwargs)

    @summary.command(name="pause", description="Stop posting the weekly summary until resumed")
    @moderator_only()
    async def pause(self, interaction: discord.Interaction) -> None:
        assert interaction.guild_id is not None
        with user_errors():
            schedule = await self.service.set_paused(interaction.guild_id, True)
        await interaction.response.send_message(
            f"The weekly summary is paused ({describe(schedule)}). `/summary resume` restarts it.", ephemeral=True
        )

    @summary.command(name="resume", description="Post the weekly summary again")
    @moderator_only()
    async def resume(self, interaction: discord.Interaction) -> None:
        assert interaction.guild_id is not None
        with user_errors():
            schedule = await self.service.set_paused(interaction.guild_id, False)
        when = self.service.next_run(schedule)
        next_text = f"; next {discord_timestamp(when)}" if when else ""
        await interaction.response.send_message(
            f"The weekly summary is back on: {describe(schedule)}{next_text}.", ephemeral=True
        )


async def setup(bot: Hearth) -> None:
    await bot.add_cog(Summary(bot))
