"""What the feedback box posts: the moderators' review embed, the public item and the digest."""

from __future__ import annotations

from datetime import datetime

import discord

from bot.core.clock import from_ms
from bot.core.discord_helpers import discord_timestamp, truncate
from bot.features.feedback.rules import STATUS_LABELS, shorten
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
FORGOTTEN = "a member who asked to be forgotten"


def jump_url(guild_id: int, channel_id: int | None, message_id: int | None) -> str | None:
    if channel_id is None or message_id is None:
        return None
    return f"https://discord.com/channels/{guild_id}/{channel_id}/{message_id}"


def sender(item: FeedbackItemRow) -> str:
    """Who sent it, as moderators may see it: a mention (it never pings), or no one."""
    if item.anonymous:
        return "anonymous"
    return f"<@{item.author_id}>" if item.author_id is not None else FORGOTTEN


def list_line(item: FeedbackItemRow, now: datetime, guild_id: int) -> str:
    """One item of /feedback list: number (linked to its review post), kind, status, age, sender, text."""
    link = jump_url(guild_id, item.review_channel_id, item.review_message_id)
    ref = f"[#{item.number}]({link})" if link else f"#{item.number}"
    age = (now - from_ms(item.created_at)).days
    votes = f", ▲ {item.upvotes}" if item.public_message_id else ""
    return (
        f"{ref} {item.kind}, {STATUS_LABELS[item.status]}, {age} d old, from {sender(item)}{votes}: "
        f"{shorten(item.body, 80)}"
    )


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
    embed.add_field(name="From", value=ANONYMOUS if item.anonymous else sender(item), inline=False)
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
