"""What the feedback box posts: the moderators' review embed, the public item and the digest."""

from __future__ import annotations

import discord

from bot.core.clock import from_ms
from bot.core.discord_helpers import discord_timestamp, truncate
from bot.features.feedback.rules import STATUS_LABELS
from bot.features.feedback.service import Digest
from bot.storage.feedback import FeedbackItemRow

KIND_TITLES = {"idea": "💡 Idea", "problem": "🛠️ Problem", "praise": "🎉 Praise"}
STATUS_COLOURS = {
    "open": discord.Colour.blurple(),
    "review": discord.Colour.gold(),
    "planned": discord.Colour.teal(),
    "done": discord.Colour.green(),
    "declined": discord.Colour.dark_grey(),
}
ANONYMOUS = "anonymous (nobody, moderators included, can see who sent it)"


def jump_url(guild_id: int, channel_id: int | None, message_id: int | None) -> str | None:
    if channel_id is None or message_id is None:
        return None
    return f"https://discord.com/channels/{guild_id}/{channel_id}/{message_id}"


def _status_value(item: FeedbackItemRow) -> str:
    text = f"**{STATUS_LABELS[item.status]}** since {discord_timestamp(from_ms(item.status_at), 'R')}"
    if item.reason:
        text += f"\nReason: {truncate(item.reason, 900)}"
    return text


def _item_embed(item: FeedbackItemRow) -> discord.Embed:
    return discord.Embed(
        title=f"{KIND_TITLES[item.kind]} #{item.number}",
        description=truncate(item.body, 4000),
        colour=STATUS_COLOURS[item.status],
    )


def review_embed(item: FeedbackItemRow) -> discord.Embed:
    embed = _item_embed(item)
    embed.add_field(name="From", value=ANONYMOUS if item.anonymous else f"<@{item.author_id}>", inline=False)
    embed.add_field(name="Status", value=_status_value(item), inline=False)
    if item.public_message_id:
        embed.add_field(name="Upvotes", value=str(item.upvotes), inline=True)
    embed.set_footer(text=f"Feedback #{item.number} · discuss it in the thread below")
    return embed


def public_embed(item: FeedbackItemRow) -> discord.Embed:
    embed = _item_embed(item)
    embed.add_field(name="Status", value=_status_value(item), inline=False)
    embed.set_footer(text="Upvote what you'd like to see: one vote each, nobody sees who voted.")
    return embed


def digest_embed(digest: Digest, title: str) -> discord.Embed:
    lines = digest.lines() or ["Nothing moved to done, planned or declined in this period."]
    return discord.Embed(title=title, description=truncate("\n".join(lines), 4000), colour=discord.Colour.green())
