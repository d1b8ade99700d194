"""What Hearth does when a server changes under it (a channel, thread or role deleted).

- A deleted channel or thread pauses the schedules that post there, with a problem in
  ``/hearth status`` and the summary, and a warning for as long as a schedule points at a
  channel that no longer exists (also when the deletion happened while Hearth was offline).
- A deleted post (MESSAGE_DELETE or a moderator's purge, MESSAGE_DELETE_BULK) changes nothing:
  the responses it got were recorded and stay counted.
- Role changes (GUILD_MEMBER_UPDATE, GUILD_ROLE_UPDATE/DELETE) need nothing here: the moderator
  check reads the member's roles and permissions Discord sends with each interaction.
"""

from __future__ import annotations

import logging

import discord
from discord.ext import commands

from bot.app import Hearth
from bot.core.clock import to_ms

log = logging.getLogger(__name__)

PROBLEM_SOURCE = "deleted channel"


class ServerChanges(commands.Cog):
    def __init__(self, bot: Hearth) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        self.bot.warning_sources.append(self.warnings)

    async def cog_unload(self) -> None:
        if self.warnings in self.bot.warning_sources:
            self.bot.warning_sources.remove(self.warnings)

    @commands.Cog.listener()
    async def on_guild_channel_delete(self, channel: discord.abc.GuildChannel) -> None:
        await self.channel_gone(channel.guild.id, channel.id, f"#{channel.name}")

    @commands.Cog.listener()
    async def on_raw_thread_delete(self, payload: discord.RawThreadDeleteEvent) -> None:
        name = f"the thread {payload.thread.name}" if payload.thread is not None else "a thread"
        await self.channel_gone(payload.guild_id, payload.thread_id, name)

    async def channel_gone(self, guild_id: int, channel_id: int, name: str) -> None:
        paused = await self.bot.scheduler.pause_channel(guild_id, channel_id)
        if not paused:
            return
        which = ", ".join(f"#{s.id} ({s.kind})" for s in paused)
        detail = (
            f"{name} was deleted, so the schedule{'s' if len(paused) > 1 else ''} {which} posting there "
            f"{'are' if len(paused) > 1 else 'is'} paused: give {'them' if len(paused) > 1 else 'it'} "
            "a new channel, then resume."
        )
        log.warning("guild %s: %s", guild_id, detail)
        await self.bot.guilds_repo.add_problem(guild_id, PROBLEM_SOURCE, detail, to_ms(self.bot.clock.now()))

    async def warnings(self, guild_id: int) -> list[str]:
        """Schedules that point at a channel the guild no longer has."""
        guild = self.bot.get_guild(guild_id)
        if guild is None:
            return []
        return [
            f"Schedule #{s.id} ({s.kind}) posts in a channel that no longer exists"
            f"{' (paused)' if s.paused else ''}: give it a new channel."
            for s in await self.bot.scheduler.repo.list(guild_id)
            if s.channel_id is not None and guild.get_channel_or_thread(s.channel_id) is None
        ]


async def setup(bot: Hearth) -> None:
    await bot.add_cog(ServerChanges(bot))
