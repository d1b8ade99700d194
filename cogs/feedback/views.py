"""The feedback box's modals and persistent buttons (dynamic items: the custom id carries the item)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import discord
from discord.ext import commands

from bot.core.tree import UserError, report_error
from bot.core.views import HearthModal, HearthView
from bot.features.feedback.rules import KINDS, REASON_MAX, TEXT_MAX
from bot.storage.feedback import FeedbackItemRow

if TYPE_CHECKING:
    from cogs.feedback.cog import Feedback

ACTIONS = {"review": "Under review", "planned": "Planned", "done": "Done", "declined": "Decline"}
REVIEW_ID = r"hearth:fb:(?P<item>\d+):(?P<action>review|planned|done|declined|block)"
UPVOTE_ID = r"hearth:fbv:(?P<item>\d+)"
NAMED, ANONYMOUS = "named", "anonymous"


def _cog(client: discord.Client) -> Feedback:
    cog = client.get_cog("Feedback") if isinstance(client, commands.Bot) else None
    if cog is None:
        raise UserError("The feedback box is not available right now; try again in a moment.")
    return cog  # type: ignore[return-value]


class FeedbackModal(HearthModal, title="Tell the moderators"):
    """Kind, text and whether to send it anonymously."""

    def __init__(self) -> None:
        super().__init__(timeout=900)
        self.kind: discord.ui.Select[Any] = discord.ui.Select(
            custom_id="hearth:fb:kind",
            options=[discord.SelectOption(label=k.capitalize(), value=k, default=k == "idea") for k in KINDS],
            min_values=1,
            max_values=1,
        )
        self.text: discord.ui.TextInput[Any] = discord.ui.TextInput(
            custom_id="hearth:fb:text", style=discord.TextStyle.paragraph, max_length=TEXT_MAX, required=False
        )
        self.who: discord.ui.Select[Any] = discord.ui.Select(
            custom_id="hearth:fb:who",
            options=[
                discord.SelectOption(label="With my name", value=NAMED, default=True),
                discord.SelectOption(
                    label="Anonymously", value=ANONYMOUS, description="Nobody, moderators included, sees who sent it"
                ),
            ],
            min_values=1,
            max_values=1,
        )
        self.add_item(discord.ui.Label(text="Kind", component=self.kind))
        self.add_item(
            discord.ui.Label(text="Your feedback", description=f"Up to {TEXT_MAX} characters", component=self.text)
        )
        self.add_item(discord.ui.Label(text="Send it", component=self.who))

    async def on_submit(self, interaction: discord.Interaction) -> None:  # type: ignore[override]
        kind = self.kind.values[0] if self.kind.values else "idea"
        anonymous = (self.who.values[0] if self.who.values else NAMED) == ANONYMOUS
        await _cog(interaction.client).submit(interaction, kind, self.text.value, anonymous)


class ReasonModal(HearthModal, title="Decline: tell them why"):
    def __init__(self, item_id: int) -> None:
        super().__init__(timeout=900, custom_id=f"hearth:fbreason:{item_id}")
        self.item_id = item_id
        self.reason: discord.ui.TextInput[Any] = discord.ui.TextInput(
            custom_id="hearth:fb:reason", style=discord.TextStyle.paragraph, max_length=REASON_MAX, required=True
        )
        self.add_item(
            discord.ui.Label(text="Reason", description="The member gets it by DM; required", component=self.reason)
        )

    async def on_submit(self, interaction: discord.Interaction) -> None:  # type: ignore[override]
        await _cog(interaction.client).change_status(interaction, self.item_id, "declined", self.reason.value)


class ReviewButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=REVIEW_ID):
    """A moderator's answer on the review embed; survives restarts."""

    def __init__(self, item_id: int, action: str) -> None:
        style = discord.ButtonStyle.danger if action in ("declined", "block") else discord.ButtonStyle.secondary
        if action in ("planned", "done"):
            style = discord.ButtonStyle.success
        label = ACTIONS.get(action, "Block sender")
        super().__init__(discord.ui.Button(label=label, style=style, custom_id=f"hearth:fb:{item_id}:{action}"))
        self.item_id = item_id
        self.action = action

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> ReviewButton:
        return cls(int(match["item"]), match["action"])

    async def callback(self, interaction: discord.Interaction) -> None:  # type: ignore[override]
        try:
            cog = _cog(interaction.client)
            await cog.require_moderator(interaction)
            if self.action == "declined":
                await interaction.response.send_modal(ReasonModal(self.item_id))
            elif self.action == "block":
                await cog.block(interaction, self.item_id)
            else:
                await cog.change_status(interaction, self.item_id, self.action, None)
        except Exception as error:  # dynamic items bypass View.on_error
            await report_error(interaction, error)


class UpvoteButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=UPVOTE_ID):
    def __init__(self, item_id: int, count: int = 0) -> None:
        super().__init__(
            discord.ui.Button(
                label=f"Upvote ({count})", emoji="▲", style=discord.ButtonStyle.primary,
                custom_id=f"hearth:fbv:{item_id}",
            )
        )
        self.item_id = item_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> UpvoteButton:
        return cls(int(match["item"]))

    async def callback(self, interaction: discord.Interaction) -> None:  # type: ignore[override]
        try:
            await _cog(interaction.client).upvote(interaction, self.item_id)
        except Exception as error:
            await report_error(interaction, error)


def review_view(item: FeedbackItemRow) -> HearthView:
    view = HearthView(timeout=None)
    for action in ACTIONS:
        button = ReviewButton(item.id, action)
        button.item.disabled = item.status == action
        view.add_item(button)
    view.add_item(ReviewButton(item.id, "block"))
    return view


def public_view(item: FeedbackItemRow) -> HearthView:
    view = HearthView(timeout=None)
    view.add_item(UpvoteButton(item.id, item.upvotes))
    return view
