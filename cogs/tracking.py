"""Turns gateway events into activities for the recorder: metadata only, never message text."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import discord
from discord.ext import commands

from bot.app import Hearth
from bot.platform.recorder import Activity

FORWARD = discord.MessageReferenceType.forward


class Tracking(commands.Cog):
    def __init__(self, bot: Hearth) -> None:
        self.bot = bot

    def _is_member(self, user_id: int, is_bot: bool) -> bool:
        return not is_bot and (self.bot.user is None or user_id != self.bot.user.id)

    async def cog_load(self) -> None:
        for event, listener in self._listeners():
            self.bot.listen_instantly(event, listener)

    async def cog_unload(self) -> None:
        for event, listener in self._listeners():
            self.bot.stop_listening_instantly(event, listener)

    def _listeners(self) -> list[tuple[str, Callable[..., None]]]:
        """Recording runs inside dispatch (no task per event): it only enqueues."""
        return [
            ("message", self.record_message),
            ("raw_reaction_add", self.record_reaction),
            ("raw_reaction_remove", self.record_reaction_removal),
            ("raw_poll_vote_add", self.record_poll_vote),
            ("raw_poll_vote_remove", self.record_poll_unvote),
            ("member_join", self.record_join),
            ("raw_member_remove", self.record_leave),
        ]

    def record_message(self, message: discord.Message) -> None:
        if message.guild is None or not self._is_member(message.author.id, message.author.bot):
            return
        if message.type not in (discord.MessageType.default, discord.MessageType.reply):
            return
        guild_id = message.guild.id
        thread_id = message.channel.id if isinstance(message.channel, discord.Thread) else None
        parent_id = message.channel.parent_id if isinstance(message.channel, discord.Thread) else None
        ref = message.reference
        kind = "message"
        reply_to_member: int | None = None
        reply_to_bot = False
        if ref is not None and ref.type is FORWARD:
            # A forward (metadata only, never the snapshot's text): of a Hearth post of this guild a
            # share linked to it, wherever it lands; of anything else a plain message.
            shared = self.bot.posts.for_message(guild_id, ref.message_id) if ref.guild_id == guild_id else None
            post_id = shared or self.bot.posts.for_thread(guild_id, thread_id)
            if shared is not None:
                kind = "share"
        else:
            replied_id = ref.message_id if ref else None
            replied = ref.resolved if ref else None
            if isinstance(replied, discord.Message):
                if self.bot.user is not None and replied.author.id == self.bot.user.id:
                    reply_to_bot = True
                elif not replied.author.bot:
                    reply_to_member = replied.author.id
            post_id = self.bot.posts.for_message(guild_id, replied_id) or self.bot.posts.for_thread(guild_id, thread_id)
        self.bot.recorder.record(
            Activity(
                guild_id=guild_id,
                kind=kind,
                member_id=message.author.id,
                at=message.created_at,
                event_key=f"m:{message.id}",
                channel_id=parent_id or message.channel.id,
                thread_id=thread_id,
                message_id=message.id,
                post_id=post_id,
                reply_to_member_id=reply_to_member,
                reply_to_bot=reply_to_bot,
            )
        )

    def _record_on_message(
        self, guild_id: int | None, user_id: int, channel_id: int, message_id: int, kind: str, event_key: str
    ) -> None:
        """A reaction or poll vote (or its removal) on a message, linked to the post it answers."""
        if guild_id is None or (self.bot.user is not None and user_id == self.bot.user.id):
            return
        user = self.bot.get_user(user_id)
        if user is not None and user.bot:
            return
        self.bot.recorder.record(
            Activity(
                guild_id=guild_id,
                kind=kind,
                member_id=user_id,
                at=self.bot.clock.now(),
                event_key=event_key,
                channel_id=channel_id,
                message_id=message_id,
                post_id=self.bot.posts.for_message(guild_id, message_id),
            )
        )

    def _reaction(self, payload: discord.RawReactionActionEvent, added: bool) -> None:
        if payload.member is not None and payload.member.bot:
            return
        emoji = payload.emoji.id or payload.emoji.name
        kind, prefix = ("reaction", "r") if added else ("reaction_remove", "r-")
        key = f"{prefix}:{payload.message_id}:{payload.user_id}:{emoji}"
        self._record_on_message(payload.guild_id, payload.user_id, payload.channel_id, payload.message_id, kind, key)

    def record_reaction(self, payload: discord.RawReactionActionEvent) -> None:
        self._reaction(payload, added=True)

    def record_reaction_removal(self, payload: discord.RawReactionActionEvent) -> None:
        self._reaction(payload, added=False)

    def _poll_vote(self, payload: discord.RawPollVoteActionEvent, added: bool) -> None:
        if self.bot.recorder.poll_claimed(payload.guild_id, payload.message_id):
            return  # a contest's poll: its feature records the vote (a contest_vote), once
        # The key format is read back by the polls feature to count multi-select votes.
        kind, prefix = ("poll_vote", "v") if added else ("poll_unvote", "v-")
        key = f"{prefix}:{payload.message_id}:{payload.user_id}:{payload.answer_id}"
        self._record_on_message(payload.guild_id, payload.user_id, payload.channel_id, payload.message_id, kind, key)

    def record_poll_vote(self, payload: discord.RawPollVoteActionEvent) -> None:
        self._poll_vote(payload, added=True)

    def record_poll_unvote(self, payload: discord.RawPollVoteActionEvent) -> None:
        self._poll_vote(payload, added=False)

    def record_join(self, member: discord.Member) -> None:
        if member.bot:
            return
        at = member.joined_at or self.bot.clock.now()
        self._membership(member.guild.id, member.id, "join", at)

    def record_leave(self, payload: discord.RawMemberRemoveEvent) -> None:
        if payload.user.bot:
            return
        self._membership(payload.guild_id, payload.user.id, "leave", self.bot.clock.now())

    def _membership(self, guild_id: int, member_id: int, kind: str, at: datetime) -> None:
        self.bot.recorder.record(
            Activity(
                guild_id=guild_id,
                kind=kind,
                member_id=member_id,
                at=at,
                event_key=f"{kind}:{member_id}:{int(at.timestamp())}",
            )
        )


async def setup(bot: Hearth) -> None:
    await bot.add_cog(Tracking(bot))
