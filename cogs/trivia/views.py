"""Trivia's answer buttons: dynamic items whose custom id carries round, question and choice."""

from __future__ import annotations

import re
from typing import Any

import discord

from bot.core.discord_helpers import NO_PINGS, truncate
from bot.core.tree import UserError, report_error
from bot.features.trivia.service import TriviaService

TRIVIA_BUTTON = r"trivia:(?P<round>\d+):(?P<index>\d+):(?P<choice>\d+)"


def _service(interaction: discord.Interaction) -> TriviaService:
    service = getattr(interaction.client.get_cog("Trivia"), "service", None)  # type: ignore[attr-defined]
    assert isinstance(service, TriviaService)
    return service


class TriviaAnswerButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=TRIVIA_BUTTON):
    """One answer button; the custom id carries round, question and choice, so it survives restarts."""

    def __init__(
        self,
        round_id: int,
        index: int,
        choice: int,
        label: str = "?",
        disabled: bool = False,
        style: discord.ButtonStyle = discord.ButtonStyle.primary,
    ) -> None:
        super().__init__(
            discord.ui.Button(
                label=label, style=style, disabled=disabled, custom_id=f"trivia:{round_id}:{index}:{choice}"
            )
        )
        self.round_id, self.index, self.choice = round_id, index, choice

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> TriviaAnswerButton:
        return cls(int(match["round"]), int(match["index"]), int(match["choice"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        try:
            if interaction.guild_id is None or interaction.user.bot:
                return
            outcome = await _service(interaction).answer(
                interaction.guild_id, self.round_id, self.index, self.choice, interaction.user.id
            )
            if outcome.refused:
                raise UserError(outcome.refused)
            await interaction.response.send_message(
                f"Locked in: **{discord.utils.escape_markdown(outcome.choice_text)}**. "
                "The answer is revealed when time is up.",
                ephemeral=True,
                allowed_mentions=NO_PINGS,
            )
        except Exception as exc:
            await report_error(interaction, exc)


def question_view(
    round_id: int, index: int, choices: list[str], *, closed: bool = False, correct: int | None = None
) -> discord.ui.View:
    """The answer buttons of one question; once closed they are disabled and the right one is green."""
    view = discord.ui.View(timeout=None)
    for choice, label in enumerate(choices):
        style = discord.ButtonStyle.primary
        if closed:
            style = discord.ButtonStyle.success if choice == correct else discord.ButtonStyle.secondary
        view.add_item(TriviaAnswerButton(round_id, index, choice, truncate(label, 80), closed, style))
    return view
