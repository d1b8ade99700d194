"""Small helpers shared by the cogs: permissions to post, safe sending, human formatting."""

from __future__ import annotations

from datetime import datetime

import discord

NO_PINGS = discord.AllowedMentions.none()

# What Hearth needs in a channel to post a question, poll or summary.
POST_PERMISSIONS = ("view_channel", "send_messages", "embed_links", "attach_files", "read_message_history")
THREAD_PERMISSIONS = ("create_public_threads", "send_messages_in_threads")


def permission_name(flag: str) -> str:
    return flag.replace("_", " ").title().replace("Guild", "Server")


def missing_permissions(
    channel: discord.abc.GuildChannel | discord.Thread, me: discord.Member, needed: tuple[str, ...] = POST_PERMISSIONS
) -> list[str]:
    """The human names of the permissions ``me`` lacks in ``channel`` (empty when all is well)."""
    granted = channel.permissions_for(me)
    return [permission_name(flag) for flag in needed if not getattr(granted, flag)]


def discord_timestamp(moment: datetime, style: str = "f") -> str:
    """A <t:...> tag: every member sees it in their own time zone."""
    return f"<t:{int(moment.timestamp())}:{style}>"


def truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
