"""The contest vote button: one under each posted entry when a native poll can't hold every entry."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import discord

from bot.core.tree import UserError, report_error

if TYPE_CHECKING:
    from cogs.contests.cog import Contests


class VoteButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"contest:vote:(?P<c>\d+):(?P<e>\d+)"):
    """A vote button under one posted entry; used when a poll can't hold every entry."""

    def __init__(self, contest_id: int, entry_id: int, number: int) -> None:
        super().__init__(
            discord.ui.Button(
                label=f"Vote for #{number}",
                style=discord.ButtonStyle.primary,
                custom_id=f"contest:vote:{contest_id}:{entry_id}",
            )
        )
        self.contest_id = contest_id
        self.entry_id = entry_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> VoteButton:
        return cls(int(match["c"]), int(match["e"]), 0)

    async def callback(self, interaction: discord.Interaction) -> None:
        cog: Contests | None = interaction.client.get_cog("Contests")  # type: ignore[assignment, union-attr]
        try:
            if cog is None:
                raise UserError("Contests are unavailable right now; try again in a minute.")
            await cog.press_vote(interaction, self.contest_id, self.entry_id)
        except Exception as exc:
            await report_error(interaction, exc)


def vote_view(contest_id: int, entry_id: int, number: int) -> discord.ui.View:
    """A persistent view holding one entry's vote button."""
    view = discord.ui.View(timeout=None)
    view.add_item(VoteButton(contest_id, entry_id, number))
    return view
