"""/hearth setup and /hearth status: the guild's configuration and what needs a moderator."""

from __future__ import annotations

import zoneinfo
from datetime import timedelta

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import Hearth, process_label
from bot.core.checks import moderator_only
from bot.core.clock import from_ms, to_ms
from bot.core.discord_helpers import NO_PINGS, discord_timestamp, missing_permissions
from bot.core.localtime import format_weekdays, valid_timezone
from bot.core.tree import UserError

PROBLEM_WINDOW = timedelta(days=7)


class Admin(commands.Cog):
    hearth = app_commands.Group(
        name="hearth",
        description="Configure Hearth for this server",
        guild_only=True,
        default_permissions=discord.Permissions(manage_guild=True),
    )

    def __init__(self, bot: Hearth) -> None:
        self.bot = bot

    @hearth.command(name="setup", description="Set the time zone, moderator role and summary channel")
    @app_commands.describe(
        timezone="IANA time zone used for schedules and reports, e.g. Europe/Berlin",
        moderator_role="Members with this role may use moderator commands (Manage Server always can)",
        summary_channel="Where the weekly summary is posted",
    )
    @moderator_only()
    async def setup(
        self,
        interaction: discord.Interaction,
        timezone: str | None = None,
        moderator_role: discord.Role | None = None,
        summary_channel: discord.TextChannel | None = None,
    ) -> None:
        assert interaction.guild is not None
        config = await self.bot.guilds_repo.get(interaction.guild.id)
        changes: dict[str, object] = {}
        if timezone is not None:
            timezone = timezone.strip()
            if not valid_timezone(timezone):
                raise UserError(
                    f"`{discord.utils.escape_markdown(timezone[:60])}` is not a time zone I know. "
                    "Use an IANA name such as Europe/Berlin or America/New_York (start typing to see suggestions)."
                )
            changes["timezone"] = timezone
        if moderator_role is not None:
            if moderator_role.is_default():
                raise UserError("@everyone can't be the moderator role: pick a role only moderators have.")
            changes["moderator_role_id"] = moderator_role.id
        if summary_channel is not None:
            missing = missing_permissions(summary_channel, interaction.guild.me)
            if missing:
                raise UserError(
                    f"I can't post in {summary_channel.mention}: I'm missing {', '.join(missing)}. "
                    "Grant those in the channel's permissions, then run this again."
                )
            changes["summary_channel_id"] = summary_channel.id
        saved = await self.bot.guilds_repo.save(config.with_changes(**changes), to_ms(self.bot.clock.now()))
        if "timezone" in changes:
            await self.bot.scheduler.reload_guild(saved.guild_id)
        lines = ["Hearth is set up." if changes else "Nothing changed; here is the current setup."]
        lines += self._config_lines(saved.timezone, saved.moderator_role_id, saved.summary_channel_id)
        await interaction.response.send_message("\n".join(lines), ephemeral=True, allowed_mentions=NO_PINGS)

    @setup.autocomplete("timezone")
    async def timezone_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        needle = current.strip().lower().replace(" ", "_")
        names = sorted(n for n in zoneinfo.available_timezones() if needle in n.lower())
        return [app_commands.Choice(name=n, value=n) for n in names[:25]]

    @hearth.command(name="status", description="What is configured, what runs next and what needs attention")
    @moderator_only()
    async def status(self, interaction: discord.Interaction) -> None:
        assert interaction.guild is not None
        guild_id = interaction.guild.id
        config = await self.bot.guilds_repo.get(guild_id)
        embed = discord.Embed(title="Hearth status", colour=discord.Colour.orange())
        embed.add_field(
            name="Setup",
            value="\n".join(self._config_lines(config.timezone, config.moderator_role_id, config.summary_channel_id))
            + ("" if config.configured else "\nRun `/hearth setup` to set these."),
            inline=False,
        )
        embed.add_field(name="Scheduled next", value=await self._schedule_lines(guild_id), inline=False)
        stats = self.bot.recorder.stats
        backlog = await self.bot.recorder.rollup_backlog()
        embed.add_field(
            name="Recording",
            value=(
                f"{stats.written_rows:,} activities stored this run, {self.bot.recorder.pending} waiting, "
                f"{stats.dropped:,} dropped"
                + (f", {stats.rejected:,} refused by the database (see the log)" if stats.rejected else "")
                + f". Database: {self.bot.db.engine}"
                + ("" if stats.database_ok else f", ⚠️ unreachable: retrying ({stats.retries} retries), nothing is lost")
                + (f". Rollups: {'?' if backlog is None else f'{backlog:,}'} activities behind (queued for the folder)"
                   if self.bot.recorder.folds_rollups else "")
                + f". Members intent: {'on' if self.bot.intents.members else 'off'}."
                + f"\nServed by {process_label(self.bot, guild_id)}. Discord refusals this run: "
                + self.bot.http_stats.summary()
                + f". Global limit: {self.bot.pacer.summary()}."
            ),
            inline=False,
        )
        warnings = await self.bot.warnings_for(guild_id)
        since = to_ms(self.bot.clock.now() - PROBLEM_WINDOW)
        problems = await self.bot.guilds_repo.recent_problems(guild_id, since_ms=since)
        attention = [f"⚠️ {w}" for w in warnings] + [
            f"❌ {discord_timestamp(from_ms(p.at), 'R')} {p.source}: {p.message}" for p in problems
        ]
        embed.add_field(
            name="Needs attention", value="\n".join(attention)[:1024] if attention else "Nothing. 🎉", inline=False
        )
        await interaction.response.send_message(embed=embed, ephemeral=True, allowed_mentions=NO_PINGS)

    async def _schedule_lines(self, guild_id: int) -> str:
        schedules = await self.bot.scheduler.repo.list(guild_id)
        if not schedules:
            return "No schedules yet (see `/question schedule`)."
        lines = []
        for schedule in schedules[:10]:
            when = self.bot.scheduler.next_run(schedule)
            next_text = "paused" if schedule.paused else (discord_timestamp(when) if when else "never")
            where = f"<#{schedule.channel_id}>" if schedule.channel_id else ""
            lines.append(
                f"#{schedule.id} {schedule.kind} {where} {schedule.local_time:%H:%M} "
                f"{format_weekdays(schedule.weekdays)}: {next_text}"
            )
        if len(schedules) > 10:
            lines.append(f"… and {len(schedules) - 10} more")
        return "\n".join(lines)

    @staticmethod
    def _config_lines(timezone: str, role_id: int | None, channel_id: int | None) -> list[str]:
        return [
            f"Time zone: **{timezone}**",
            f"Moderator role: {f'<@&{role_id}>' if role_id else 'none (Manage Server only)'}",
            f"Summary channel: {f'<#{channel_id}>' if channel_id else 'not set'}",
        ]


async def setup(bot: Hearth) -> None:
    await bot.add_cog(Admin(bot))
