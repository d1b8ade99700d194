"""The buttons under /question list and /question review, and the InvalidInput -> UserError bridge."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import discord

from bot.core.tree import UserError
from bot.core.views import HearthView
from bot.features.questions.inputs import InvalidInput
from bot.features.questions.models import QuestionPage
from bot.storage.questions import SuggestionRow
from cogs.questions.embeds import list_embed, review_embed

if TYPE_CHECKING:
    from cogs.questions.cog import Questions


@contextmanager
def user_errors() -> Iterator[None]:
    """Show the service's InvalidInput as an ephemeral UserError."""
    try:
        yield
    except InvalidInput as exc:
        raise UserError(str(exc)) from exc


class QuestionListView(HearthView):
    """Previous/Next buttons under /question list."""

    def __init__(self, cog: Questions, owner_id: int, page: QuestionPage, tag: str | None) -> None:
        super().__init__(timeout=300)
        self.cog, self.owner_id, self.page, self.tag = cog, owner_id, page, tag
        self._sync()

    def _sync(self) -> None:
        self.previous.disabled = self.page.page <= 1
        self.next.disabled = self.page.page >= self.page.pages

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        return interaction.user.id == self.owner_id

    async def _show(self, interaction: discord.Interaction, number: int) -> None:
        assert interaction.guild_id is not None
        with user_errors():
            self.page = await self.cog.service.list_page(interaction.guild_id, number, self.tag)
        self._sync()
        await interaction.response.edit_message(embed=list_embed(self.page, self.tag), view=self)

    @discord.ui.button(label="Previous", style=discord.ButtonStyle.secondary, custom_id="question:list:previous")
    async def previous(self, interaction: discord.Interaction, button: discord.ui.Button[Any]) -> None:
        await self._show(interaction, self.page.page - 1)

    @discord.ui.button(label="Next", style=discord.ButtonStyle.secondary, custom_id="question:list:next")
    async def next(self, interaction: discord.Interaction, button: discord.ui.Button[Any]) -> None:
        await self._show(interaction, self.page.page + 1)


class ReviewView(HearthView):
    """Approve/Reject the oldest pending suggestion; moves on to the next after each decision."""

    def __init__(self, cog: Questions, owner_id: int, suggestion: SuggestionRow) -> None:
        super().__init__(timeout=600)
        self.cog, self.owner_id, self.suggestion = cog, owner_id, suggestion

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        return interaction.user.id == self.owner_id

    async def _decide(self, interaction: discord.Interaction, approve: bool) -> None:
        assert interaction.guild_id is not None
        service = self.cog.service
        with user_errors():
            if approve:
                question = await service.approve(interaction.guild_id, self.suggestion.id, interaction.user.id)
                done = (
                    f"Approved: question #{question.id} is in the bank, credited to <@{self.suggestion.suggested_by}>."
                )
            else:
                await service.reject(interaction.guild_id, self.suggestion.id, interaction.user.id)
                done = f"Rejected suggestion #{self.suggestion.id}."
        remaining = await service.pending_suggestions(interaction.guild_id)
        if remaining:
            self.suggestion = remaining[0]
            await interaction.response.edit_message(
                content=done, embed=review_embed(self.suggestion, len(remaining)), view=self
            )
        else:
            self.stop()
            await interaction.response.edit_message(
                content=done + "\nNo more suggestions waiting. 🎉", embed=None, view=None
            )

    @discord.ui.button(label="Approve", style=discord.ButtonStyle.success, custom_id="question:review:approve")
    async def approve(self, interaction: discord.Interaction, button: discord.ui.Button[Any]) -> None:
        await self._decide(interaction, approve=True)

    @discord.ui.button(label="Reject", style=discord.ButtonStyle.danger, custom_id="question:review:reject")
    async def reject(self, interaction: discord.Interaction, button: discord.ui.Button[Any]) -> None:
        await self._decide(interaction, approve=False)
