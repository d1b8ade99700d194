"""The giveaway buttons: one dynamic item for Enter (on the post) and Leave (offered ephemerally)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import discord

from bot.core.tree import UserError, report_error

if TYPE_CHECKING:
    from cogs.giveaways.cog import Giveaways


class GiveawayButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"giveaway:(?P<action>enter|leave):(?P<id>\d+)"
):
    """Enter, on a giveaway post, and Leave, offered ephemerally to a member who presses Enter again.

    The custom_id carries the action and the giveaway id, so the buttons outlive restarts.
    """

    LOOKS: dict[str, dict[str, Any]] = {
        "enter": {"label": "Enter", "emoji": "🎉", "style": discord.ButtonStyle.success},
        "leave": {"label": "Leave giveaway", "style": discord.ButtonStyle.secondary},
    }

    def __init__(self, action: str, giveaway_id: int) -> None:
        super().__init__(discord.ui.Button(custom_id=f"giveaway:{action}:{giveaway_id}", **self.LOOKS[action]))
        self.action = action
        self.giveaway_id = giveaway_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> GiveawayButton:
        return cls(match["action"], int(match["id"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        cog: Giveaways | None = interaction.client.get_cog("Giveaways")  # type: ignore[assignment, union-attr]
        try:
            if cog is None:
                raise UserError("Giveaways are unavailable right now; try again in a minute.")
            if self.action == "enter":
                await cog.press_enter(interaction, self.giveaway_id)
            else:
                message = await cog.leave(interaction.guild_id or 0, self.giveaway_id, interaction.user.id)
                await interaction.response.edit_message(content=message, view=None)
        except Exception as exc:
            await report_error(interaction, exc)


def button_view(action: str, giveaway_id: int) -> discord.ui.View:
    """A persistent view holding one giveaway button."""
    view = discord.ui.View(timeout=None)
    view.add_item(GiveawayButton(action, giveaway_id))
    return view
