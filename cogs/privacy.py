"""/privacy: members opt out, opt back in or delete what Hearth recorded; moderators purge."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import Hearth
from bot.core.checks import moderator_only
from bot.core.discord_helpers import NO_PINGS
from bot.core.views import ConfirmView


class ForgetMeView(ConfirmView):
    def __init__(self, bot: Hearth, guild_id: int, member_id: int) -> None:
        super().__init__(member_id, confirm_label="Delete my data")
        self.bot = bot
        self.guild_id = guild_id

    async def on_confirm(self, interaction: discord.Interaction) -> None:
        await interaction.response.defer()  # answer at once: deleting waits its turn on the database
        await self.bot.recorder.flush()  # nothing queued about them may land after the delete
        removed = await self.bot.privacy.forget(self.guild_id, self.owner_id)
        await interaction.edit_original_response(
            content=f"Deleted everything Hearth recorded about you in this server ({removed:,} activities).",
            view=None,
        )


class Privacy(commands.Cog):
    privacy = app_commands.Group(name="privacy", description="What Hearth records about you", guild_only=True)

    def __init__(self, bot: Hearth) -> None:
        self.bot = bot

    @privacy.command(name="optout", description="Stop Hearth recording anything about you in this server")
    async def optout(self, interaction: discord.Interaction) -> None:
        assert interaction.guild_id is not None
        await self.bot.privacy.opt_out(interaction.guild_id, interaction.user.id)
        await interaction.response.send_message(
            "Done: Hearth records nothing more about you here. What was recorded before stays until you run "
            "`/privacy forget-me`; `/privacy optin` turns recording back on.",
            ephemeral=True,
        )

    @privacy.command(name="optin", description="Let Hearth count your activity again")
    async def optin(self, interaction: discord.Interaction) -> None:
        assert interaction.guild_id is not None
        await self.bot.privacy.opt_in(interaction.guild_id, interaction.user.id)
        await interaction.response.send_message("Welcome back: your activity counts again.", ephemeral=True)

    @privacy.command(name="forget-me", description="Delete everything Hearth recorded about you in this server")
    async def forget_me(self, interaction: discord.Interaction) -> None:
        assert interaction.guild_id is not None
        view = ForgetMeView(self.bot, interaction.guild_id, interaction.user.id)
        await interaction.response.send_message(
            "This deletes every activity, vote, answer, entry and score Hearth recorded about you in this server. "
            "It can't be undone.",
            view=view,
            ephemeral=True,
        )

    @privacy.command(name="purge", description="Moderators: delete everything recorded about a member")
    @app_commands.describe(member="The member whose recorded data is deleted")
    @moderator_only()
    async def purge(self, interaction: discord.Interaction, member: discord.User) -> None:
        assert interaction.guild_id is not None
        await interaction.response.defer(ephemeral=True, thinking=True)
        await self.bot.recorder.flush()
        removed = await self.bot.privacy.forget(interaction.guild_id, member.id)
        await interaction.followup.send(
            f"Deleted everything Hearth recorded about {member.mention} here ({removed:,} activities).",
            ephemeral=True,
            allowed_mentions=NO_PINGS,
        )


async def setup(bot: Hearth) -> None:
    await bot.add_cog(Privacy(bot))
