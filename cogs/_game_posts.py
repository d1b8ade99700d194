"""What the trivia and number game cogs share: the channel check before a game post, and schedule replies.

The leading underscore keeps the extension loader from treating this module as a cog.
"""

from __future__ import annotations

from typing import Any

import discord

from bot.app import Hearth
from bot.core.discord_helpers import discord_timestamp, missing_permissions
from bot.core.localtime import format_weekdays
from bot.core.tree import UserError
from bot.features.trivia.service import GameError

GAME_POST_PERMISSIONS = ("view_channel", "send_messages", "embed_links")


async def postable_channel(bot: Hearth, guild_id: int, channel_id: int) -> discord.TextChannel | discord.Thread:
    """The channel, checked for what a game post needs; fetched over REST before the gateway is up.

    Overdue schedules and timers run in ``setup_hook``, before any GUILD_CREATE has filled the
    cache, so a cache miss is not proof that the channel is gone.
    """
    channel = bot.get_channel(channel_id)
    if channel is None:
        try:
            channel = await bot.fetch_channel(channel_id)
        except (discord.NotFound, discord.Forbidden):
            channel = None
    if not isinstance(channel, discord.TextChannel | discord.Thread) or channel.guild.id != guild_id:
        raise GameError(f"The channel <#{channel_id}> is gone or isn't a text channel I can see.")
    me = channel.guild.me
    if me is not None:
        missing = missing_permissions(channel, me, GAME_POST_PERMISSIONS)
        if missing:
            raise GameError(f"I can't post in {channel.mention}: I'm missing {', '.join(missing)}.")
    return channel


async def unschedule(bot: Hearth, interaction: discord.Interaction, schedule_id: int, kind: str) -> None:
    """Remove one schedule of ``kind``; any other schedule number is refused as unknown."""
    assert interaction.guild_id is not None
    row = await bot.scheduler.repo.get(interaction.guild_id, schedule_id)
    if row is None or row.kind != kind:
        raise UserError(f"There is no {kind.replace('_', ' ')} schedule #{schedule_id} in this server.")
    await bot.scheduler.remove_schedule(interaction.guild_id, schedule_id)
    await interaction.response.send_message(f"Schedule #{schedule_id} removed.", ephemeral=True)


def scheduled_text(bot: Hearth, what: str, row: Any) -> str:
    """The reply to a new schedule: when, where, and the next run in the guild's timezone."""
    nxt = bot.scheduler.next_run(row)
    tz = bot.scheduler.timezone_of(row.guild_id)
    when = discord_timestamp(nxt) if nxt else "never"
    return (
        f"{what} schedule #{row.id}: {format_weekdays(row.weekdays)} at {row.local_time:%H:%M} ({tz}) "
        f"in <#{row.channel_id}>. Next: {when}."
    )
