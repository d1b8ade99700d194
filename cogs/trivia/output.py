"""Where a trivia round's messages go: one Discord channel (``bot.features.trivia.session.RoundOutput``)."""

from __future__ import annotations

import logging
from datetime import datetime

import discord

from bot.core.discord_helpers import NO_PINGS
from bot.features.trivia.bank import TriviaQuestion
from bot.features.trivia.session import OpenQuestion, Standings
from bot.storage.trivia import RoundRow
from cogs.trivia.embeds import question_embed, reveal_text, standings_embed
from cogs.trivia.views import question_view

log = logging.getLogger(__name__)


class ChannelRoundOutput:
    """Sends one round's messages to a Discord channel."""

    def __init__(self, channel: discord.abc.Messageable) -> None:
        self.channel = channel

    async def post_question(
        self, round_: RoundRow, index: int, question: TriviaQuestion, choices: list[str], closes_at: datetime
    ) -> int:
        message = await self.channel.send(
            embed=question_embed(round_, index, question, choices, closes_at),
            view=question_view(round_.id, index, choices),
            allowed_mentions=NO_PINGS,
        )
        return message.id

    async def close_question(self, round_: RoundRow, open_question: OpenQuestion) -> None:
        try:
            message = self.channel.get_partial_message(open_question.message_id)  # type: ignore[attr-defined]
            await message.edit(
                view=question_view(
                    round_.id,
                    open_question.index,
                    open_question.choices,
                    closed=True,
                    correct=open_question.correct_index,
                )
            )
        except discord.HTTPException:
            log.warning("could not close the buttons of question message %s", open_question.message_id)
        await self.channel.send(reveal_text(open_question), allowed_mentions=NO_PINGS)

    async def post_standings(self, round_: RoundRow, standings: Standings, *, stopped: bool) -> None:
        await self.channel.send(embed=standings_embed(standings, stopped=stopped), allowed_mentions=NO_PINGS)

    async def post_failure(self, round_: RoundRow) -> None:
        await self.channel.send(
            "Sorry, this trivia round broke off because of an error on Hearth's side.", allowed_mentions=NO_PINGS
        )
