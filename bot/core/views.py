"""Base View and Modal whose errors take the same road as command errors."""

from __future__ import annotations

from typing import Any

import discord

from bot.core.tree import report_error


class HearthView(discord.ui.View):
    async def on_error(self, interaction: discord.Interaction, error: Exception, item: discord.ui.Item[Any]) -> None:
        await report_error(interaction, error)


class HearthModal(discord.ui.Modal):
    async def on_error(self, interaction: discord.Interaction, error: Exception) -> None:  # type: ignore[override]
        await report_error(interaction, error)


class ConfirmView(HearthView):
    """A one-person Confirm/Cancel prompt; ``confirmed`` is None until answered or timed out."""

    def __init__(self, owner_id: int, *, confirm_label: str = "Confirm", timeout: float = 120) -> None:
        super().__init__(timeout=timeout)
        self.owner_id = owner_id
        self.confirmed: bool | None = None
        self.confirm.label = confirm_label

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        if interaction.user.id != self.owner_id:
            await interaction.response.send_message("This button isn't for you.", ephemeral=True)
            return False
        return True

    @discord.ui.button(label="Confirm", style=discord.ButtonStyle.danger)
    async def confirm(self, interaction: discord.Interaction, button: discord.ui.Button[Any]) -> None:
        self.confirmed = True
        self.stop()
        await self.on_confirm(interaction)

    @discord.ui.button(label="Cancel", style=discord.ButtonStyle.secondary)
    async def cancel(self, interaction: discord.Interaction, button: discord.ui.Button[Any]) -> None:
        self.confirmed = False
        self.stop()
        await interaction.response.edit_message(content="Cancelled; nothing was changed.", view=None)

    async def on_confirm(self, interaction: discord.Interaction) -> None:
        """Override: do the thing and answer the interaction."""
        await interaction.response.edit_message(content="Done.", view=None)
