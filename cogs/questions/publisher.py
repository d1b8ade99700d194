"""The only code that posts a question: the embed, then its answer thread; every failure becomes PostFailed."""

from __future__ import annotations

import logging

import discord

from bot.app import Hearth
from bot.core.clock import to_ms
from bot.core.discord_helpers import (
    NO_PINGS,
    missing_permissions,
    permission_name,
    resolve_channel,
)
from bot.features.questions.models import Published, QuestionMessage
from bot.features.questions.rules import THREAD_ARCHIVE_MINUTES
from bot.features.questions.service import PROBLEM_SOURCE
from bot.platform.scheduler import PostFailed
from cogs.questions.embeds import question_embed

log = logging.getLogger(__name__)


# What a question post needs: the message with its embed, then a public thread on it.
QUESTION_PERMISSIONS = (
    "view_channel",
    "send_messages",
    "embed_links",
    "read_message_history",
    "create_public_threads",
    "send_messages_in_threads",
)


class DiscordQuestionPublisher:
    """Posts a question embed and opens its answer thread; every failure becomes PostFailed."""

    def __init__(self, bot: Hearth) -> None:
        self.bot = bot

    async def publish(self, guild_id: int, channel_id: int, message: QuestionMessage) -> Published:
        channel = await resolve_channel(self.bot, guild_id, channel_id, fix="schedule another one")
        if not isinstance(channel, discord.TextChannel):
            raise PostFailed(f"#{channel.name} is not a text channel, so no answer thread can be opened there")
        me = channel.guild.me
        if me is not None:
            missing = missing_permissions(channel, me, QUESTION_PERMISSIONS)
            if missing:
                raise PostFailed(f"missing {', '.join(missing)} in #{channel.name}")
        try:
            sent = await channel.send(embed=question_embed(message), allowed_mentions=NO_PINGS)
        except discord.Forbidden as exc:
            raise PostFailed(f"missing Send Messages in #{channel.name} (Discord refused: {exc.text or 403})") from exc
        except discord.NotFound as exc:
            raise PostFailed(f"the channel #{channel.name} no longer exists; schedule another one") from exc
        except discord.HTTPException as exc:
            raise PostFailed(f"Discord refused the post in #{channel.name}: {exc.status} {exc.text}") from exc
        thread_id: int | None = None
        try:
            thread = await sent.create_thread(name=message.thread_name, auto_archive_duration=THREAD_ARCHIVE_MINUTES)
            thread_id = thread.id
        except discord.HTTPException as exc:
            reason = f"posted question #{message.question_id} in #{channel.name} but could not open its thread: " + (
                f"missing {permission_name('create_public_threads')}"
                if exc.status == 403
                else f"{exc.status} {exc.text}"
            )
            log.warning("guild %s: %s", guild_id, reason)
            await self.bot.guilds_repo.add_problem(guild_id, PROBLEM_SOURCE, reason, to_ms(self.bot.clock.now()))
        return Published(channel.id, sent.id, thread_id, self.bot.member_count(channel.guild.id))
