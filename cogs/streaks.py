"""/streak: a member's response streak, days in a row they joined in (``bot.features.streaks``)."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import Hearth
from bot.core.localtime import local_day
from bot.core.tree import UserError
from bot.features.streaks.service import StreakService


class Streaks(commands.Cog):
    def __init__(self, bot: Hearth) -> None:
        self.bot = bot
        self.service = StreakService(bot.db)

    @app_commands.command(name="streak", description="Your response streak: days in a row you joined in")
    @app_commands.guild_only()
    async def streak(self, interaction: discord.Interaction) -> None:
        assert interaction.guild_id is not None
        guild_id, member_id = interaction.guild_id, interaction.user.id
        if self.bot.privacy.is_opted_out(guild_id, member_id):
            raise UserError("You opted out of recording, so Hearth keeps no streak for you (`/privacy optin`).")
        today = local_day(self.bot.clock.now(), self.bot.guilds_repo.timezone(guild_id))
        streak = await self.service.for_member(guild_id, member_id, today)
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
    await bot.add_cog(Streaks(bot))
