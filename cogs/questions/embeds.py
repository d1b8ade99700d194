"""The question post's embed, the bank's list page, a suggestion under review, and local times."""

from __future__ import annotations

from datetime import datetime

import discord

from bot.core.discord_helpers import (
    discord_timestamp,
    truncate,
)
from bot.core.localtime import zone
from bot.features.questions.models import QuestionMessage, QuestionPage
from bot.storage.questions import SuggestionRow

EMBED_COLOUR = discord.Colour.orange()


def question_embed(message: QuestionMessage) -> discord.Embed:
    embed = discord.Embed(title="Question of the day", description=message.text, colour=EMBED_COLOUR)
    if message.suggested_by:
        embed.add_field(name="Suggested by", value=f"<@{message.suggested_by}>", inline=False)
    footer = "Answer in the thread below"
    embed.set_footer(text=f"{footer} · {message.tag}" if message.tag else footer)
    return embed


def local_when(moment: datetime, tz: str) -> str:
    """e.g. 'Mon 4 Nov 09:00 America/New_York (<t:...:R>)'."""
    local = moment.astimezone(zone(tz))
    return f"{local:%a} {local.day} {local:%b %H:%M} {tz} ({discord_timestamp(moment, 'R')})"


def list_embed(page: QuestionPage, tag: str | None) -> discord.Embed:
    title = f"Questions tagged {tag}" if tag else "Question bank"
    embed = discord.Embed(title=title, colour=EMBED_COLOUR)
    if not page.items:
        embed.description = "No questions yet: `/question add`, `/question import` or `/question starter-pack`."
        return embed
    lines = []
    for q in page.items:
        used = f"used {q.times_used}×" if q.times_used else "never used"
        lines.append(f"**#{q.id}** [{q.tag or 'no tag'}, {used}] {truncate(q.text, 300)}")
    embed.description = "\n".join(lines)[:4096]
    embed.set_footer(text=f"Page {page.page}/{page.pages} · {page.total} questions")
    return embed


def review_embed(suggestion: SuggestionRow, waiting: int) -> discord.Embed:
    embed = discord.Embed(title=f"Suggestion #{suggestion.id}", description=suggestion.text, colour=EMBED_COLOUR)
    by = f"<@{suggestion.suggested_by}>" if suggestion.suggested_by else "a member who left"
    embed.add_field(name="Suggested by", value=by)
    embed.add_field(name="Tag", value=suggestion.tag or "none")
    embed.set_footer(text=f"{waiting} waiting for review")
    return embed
