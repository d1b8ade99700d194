"""/report: the SMO and engagement figures, charts and CSV export (a thin adapter over bot.analytics)."""

from __future__ import annotations

import asyncio
import dataclasses
import io
import logging
from datetime import timedelta

import discord
from discord import app_commands
from discord.ext import commands

from bot.analytics.export import csv_files
from bot.analytics.report import PERIOD_CHOICES, SECTIONS, Period, Report, build_report, parse_period, week_of
from bot.analytics.rollups import RollupJob, excluded_members
from bot.analytics.text import render
from bot.app import Hearth
from bot.charts.report import charts_for
from bot.core.checks import moderator_only
from bot.core.discord_helpers import NO_PINGS, truncate
from bot.core.localtime import zone
from bot.core.tree import UserError
from bot.features.experiments.service import experiment_lines
from bot.storage.analytics import AnalyticsRepository

log = logging.getLogger(__name__)

HISTORY_DAYS = 7 * 9 + 28
"""Opt-out candidates are members seen since the start of the 8-week history's base window."""


class Reports(commands.Cog):
    def __init__(self, bot: Hearth) -> None:
        self.bot = bot
        self.repo = AnalyticsRepository(bot.db)
        self.rollups = RollupJob(self.repo, self._timezone_of, bot.privacy.opted_out_members, bot.clock.now)

    async def cog_load(self) -> None:
        self.bot.scheduler.every(timedelta(days=1), self.rollups.run, "analytics-rollups")
        self.bot.privacy.on_forget(self._forgotten)

    async def _timezone_of(self, guild_id: int) -> str:
        return (await self.bot.guilds_repo.get(guild_id)).timezone

    async def _forgotten(self, guild_id: int, member_id: int) -> None:
        await self.repo.clear_analytics(guild_id)  # recomputed without the member

    async def build(self, guild_id: int, period: Period, *, with_days: bool = False) -> Report:
        """The report every surface shows (opted-out members excluded, recorder flushed first)."""
        await self.bot.recorder.flush()
        tz = await self._timezone_of(guild_id)
        excluded = await excluded_members(
            self.repo, self.bot.privacy.opted_out_members, guild_id, period.first_day - HISTORY_DAYS
        )
        return await build_report(
            self.repo,
            guild_id,
            period,
            tz,
            now=self.bot.clock.now(),
            excluded=excluded,
            member_count=self.bot.member_count(guild_id),
            with_days=with_days,
        )

    @app_commands.command(name="report", description="What works here: participation, timing, content, members")
    @app_commands.describe(
        period="week, last week, 28 days, 90 days or an ISO week like 2026-W47",
        section="Which part of the report (export attaches CSV files)",
        public="Post it in the channel for everyone (default: only you see it)",
    )
    @app_commands.choices(
        section=[app_commands.Choice(name=s, value=s) for s in (*SECTIONS, "export")],
    )
    @moderator_only()
    async def report(
        self, interaction: discord.Interaction, period: str = "week", section: str = "overview", public: bool = False
    ) -> None:
        assert interaction.guild_id is not None
        tz = await self._timezone_of(interaction.guild_id)
        try:
            chosen = parse_period(period, self.bot.clock.now().astimezone(zone(tz)).date())
        except ValueError as exc:
            raise UserError(str(exc)) from exc
        await interaction.response.defer(ephemeral=not public, thinking=True)
        report = await self.build(interaction.guild_id, chosen, with_days=section == "export")
        if section == "content":
            report = dataclasses.replace(report, experiments=await experiment_lines(self.bot, interaction.guild_id))
        if section == "export":
            files = [
                discord.File(io.BytesIO(text.encode()), filename=name) for name, text in csv_files(report).items()
            ]
            await interaction.followup.send(
                f"Per-post, per-day and per-week figures for {chosen.label} ({chosen.start} – {chosen.end}).",
                files=files,
                ephemeral=not public,
                allowed_mentions=NO_PINGS,
            )
            return
        pictures = await asyncio.to_thread(charts_for, report, section)
        embed = discord.Embed(
            title=f"Hearth report: {section}", description=truncate(render(report, section), 4000),
            colour=discord.Colour.orange(),
        )
        embed.set_footer(text=f"{chosen.label} · {tz} · bots and opted-out members never count")
        files = [discord.File(io.BytesIO(png), filename=name) for name, png in pictures]
        if files:
            embed.set_image(url=f"attachment://{files[0].filename}")
        await interaction.followup.send(embed=embed, files=files, ephemeral=not public, allowed_mentions=NO_PINGS)

    @report.autocomplete("period")
    async def period_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        today = self.bot.clock.now().date()
        weeks = [week_of(today - timedelta(weeks=k)).label for k in range(2, 10)]
        options = [*PERIOD_CHOICES, *weeks]
        return [app_commands.Choice(name=o, value=o) for o in options if current.lower() in o.lower()][:25]


async def setup(bot: Hearth) -> None:
    await bot.add_cog(Reports(bot))
