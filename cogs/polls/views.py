"""The buttons of an anonymous poll: dynamic items whose custom id carries the poll and the choice."""

from __future__ import annotations

import re
from typing import Any

import discord
from discord.ext import commands

from bot.core.discord_helpers import NO_PINGS, truncate
from bot.core.tree import UserError, report_error
from bot.core.views import HearthView
from bot.features.polls.rules import describe_vote
from bot.features.polls.service import PollClosed, PollService, UnknownPoll
from bot.storage.polls import PollRow
from cogs.polls.embeds import CLOSED_TEXT

BUTTONS_PER_ROW = 5


def _service(client: discord.Client) -> PollService:
    service = getattr(client.get_cog("Polls"), "service", None) if isinstance(client, commands.Bot) else None
    if not isinstance(service, PollService):
        raise UserError("Polls are not available right now; try again in a moment.")
    return service


CUSTOM_ID = r"hearth:poll:(?P<poll>\d+):(?P<choice>\d+|x|me)"


class PollButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=CUSTOM_ID):
    """One button of an anonymous poll; the custom id carries the poll and the choice, so it survives restarts."""

    def __init__(self, poll_id: int, choice: str, label: str, style: discord.ButtonStyle, row: int | None) -> None:
        super().__init__(
            discord.ui.Button(label=label, style=style, custom_id=f"hearth:poll:{poll_id}:{choice}", row=row)
        )
        self.poll_id = poll_id
        self.choice = choice

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> PollButton:
        label = getattr(item, "label", None) or "?"
        style = getattr(item, "style", discord.ButtonStyle.secondary)
        return cls(int(match["poll"]), match["choice"], label, style, None)

    async def callback(self, interaction: discord.Interaction) -> None:  # type: ignore[override]
        try:
            await self._answer(interaction)
        except Exception as error:  # dynamic items bypass View.on_error: route errors like commands do
            await report_error(interaction, error)

    async def _answer(self, interaction: discord.Interaction) -> None:
        if interaction.guild_id is None:
            raise UserError("Polls only work inside a server.")
        service = _service(interaction.client)
        try:
            if self.choice == "me":
                poll, mine = await service.current_vote(interaction.guild_id, self.poll_id, interaction.user.id)
                text = (
                    "Your vote: " + ", ".join(f"**{poll.options[i]}**" for i in sorted(mine)) + "."
                    if mine
                    else "You have not voted on this poll."
                )
                if not service.takes_votes(poll):
                    text += " " + CLOSED_TEXT
            else:
                option = None if self.choice == "x" else int(self.choice)
                poll, change = await service.vote(interaction.guild_id, self.poll_id, interaction.user.id, option)
                text = describe_vote(change, poll.options)
        except PollClosed:
            raise UserError(CLOSED_TEXT) from None
        except UnknownPoll:
            raise UserError("This poll no longer exists.") from None
        await interaction.response.send_message(text, ephemeral=True, allowed_mentions=NO_PINGS)


def anonymous_view(poll: PollRow) -> HearthView:
    view = HearthView(timeout=None)
    for index, option in enumerate(poll.options):
        row = index // BUTTONS_PER_ROW
        view.add_item(PollButton(poll.id, str(index), truncate(option, 80), discord.ButtonStyle.primary, row))
    tail = (len(poll.options) - 1) // BUTTONS_PER_ROW + 1
    view.add_item(PollButton(poll.id, "me", "My vote", discord.ButtonStyle.secondary, tail))
    view.add_item(PollButton(poll.id, "x", "Withdraw my vote", discord.ButtonStyle.danger, tail))
    return view
