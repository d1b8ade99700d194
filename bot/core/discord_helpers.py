"""Small helpers shared by the cogs: permissions to post, safe sending, human formatting."""

from __future__ import annotations

from datetime import datetime

import discord

from bot.core.errors import PostFailed

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


async def resolve_channel(
    bot: discord.Client, guild_id: int, channel_id: int, *, fix: str = ""
) -> discord.abc.GuildChannel | discord.Thread:
    """A guild's channel from the cache, else over REST; PostFailed says what is wrong.

    Overdue occurrences can run before the cache is warm, so a cache miss alone is not proof
    that the channel is gone. ``fix`` tells moderators what to do when it really is.
    """
    guild = bot.get_guild(guild_id)
    channel = guild.get_channel_or_thread(channel_id) if guild is not None else None
    if channel is not None:
        return channel
    hint = f": {fix}" if fix else ""
    try:
        fetched = await bot.fetch_channel(channel_id)
    except discord.NotFound as exc:
        raise PostFailed(f"the channel <#{channel_id}> no longer exists{hint}") from exc
    except discord.Forbidden as exc:
        raise PostFailed(f"missing View Channel in <#{channel_id}>") from exc
    except discord.HTTPException as exc:
        raise PostFailed(f"Discord could not find <#{channel_id}> ({exc.status})") from exc
    if not isinstance(fetched, discord.abc.GuildChannel | discord.Thread) or fetched.guild.id != guild_id:
        raise PostFailed(f"<#{channel_id}> is not a channel of this server{hint}")
    return fetched
