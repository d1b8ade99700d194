"""Test-side verbs: what people in the guild do, named as they do it.

Each verb changes the world, emits the gateway events Discord would, and returns once the
frames are on the wire. ``wait_for_message`` then waits for the bot's answer.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from . import payloads
from .interactions import (
    InteractionKind,
    InteractionResult,
    build_command_data,
    find_component,
    modal_submission,
)
from .world import Attachment, Channel, ChannelType, Guild, Member, Message, Perm, User

if TYPE_CHECKING:
    from .server import LocalDiscord


class ActorsMixin:
    """Verbs of ``LocalDiscord``; every one is a coroutine so tests read as a story."""

    # ---- messages ---------------------------------------------------------------------------
    async def say(
        self: LocalDiscord,  # type: ignore[misc]
        member: Member,
        channel: Channel,
        content: str = "",
        reply_to: Message | None = None,
        *,
        embeds: list[dict[str, Any]] | None = None,
        files: Iterable[tuple[str, bytes]] = (),
    ) -> Message:
        """``member`` posts in ``channel`` (optionally replying); needs Send Messages like a person."""
        self._last_action_mark = self._message_order
        msg = self._say_now(member, channel, content, reply_to, embeds, files)
        await self.flush()
        return msg

    def _say_now(
        self: LocalDiscord,  # type: ignore[misc]
        member: Member,
        channel: Channel,
        content: str,
        reply_to: Message | None = None,
        embeds: list[dict[str, Any]] | None = None,
        files: Iterable[tuple[str, bytes]] = (),
    ) -> Message:
        send_bit = Perm.SEND_MESSAGES_IN_THREADS if channel.is_thread else Perm.SEND_MESSAGES
        if not self.permissions_of(member, channel) & send_bit:
            raise PermissionError(f"{member.name} may not send messages in #{channel.name}")
        attachments = [Attachment(id=self.ids.next(), filename=f, data=bytes(d)) for f, d in files]
        return self.create_message(
            channel, member.user, content=content, embeds=embeds, attachments=attachments, reply_to=reply_to
        )

    async def say_many(self: LocalDiscord, items: Iterable[tuple[Member, Channel, str]]) -> int:  # type: ignore[misc]
        """Fast path for load: many plain messages, one flush at the end."""
        n = 0
        for member, channel, content in items:
            self.create_message(channel, member.user, content=content)
            n += 1
        await self.flush()
        return n

    async def reply(self: LocalDiscord, member: Member, message: Message, content: str) -> Message:  # type: ignore[misc]
        return await self.say(member, self.channels[message.channel_id], content, reply_to=message)

    async def edit(self: LocalDiscord, member: Member, message: Message, content: str) -> Message:  # type: ignore[misc]
        if message.author.id != member.id:
            raise PermissionError("people can only edit their own messages")
        self._last_action_mark = self._message_order
        self.edit_message(message, content=content)
        await self.flush()
        return message

    async def delete(self: LocalDiscord, member: Member, message: Message) -> None:  # type: ignore[misc]
        channel = self.channels[message.channel_id]
        if message.author.id != member.id and not self.permissions_of(member, channel) & Perm.MANAGE_MESSAGES:
            raise PermissionError(f"{member.name} may not delete that message")
        self._last_action_mark = self._message_order
        self.delete_message(message)
        await self.flush()

    # ---- reactions and polls -----------------------------------------------------------------------
    async def react(self: LocalDiscord, member: Member, message: Message, emoji: str) -> None:  # type: ignore[misc]
        self._last_action_mark = self._message_order
        self.add_reaction(message, member.user, self.parse_emoji(emoji))
        await self.flush()

    async def unreact(self: LocalDiscord, member: Member, message: Message, emoji: str) -> None:  # type: ignore[misc]
        self._last_action_mark = self._message_order
        self.remove_reaction(message, member.user, self.parse_emoji(emoji))
        await self.flush()

    async def vote(self: LocalDiscord, member: Member, message: Message, answer_id: int) -> None:  # type: ignore[misc]
        """Vote like the client does: single-choice polls move the vote (remove, then add)."""
        poll = message.poll
        if poll is None:
            raise ValueError("that message has no poll")
        self.finalize_due_polls()
        if poll.finalized:
            raise ValueError("the poll has ended")
        if answer_id not in poll.answers:
            raise ValueError(f"no answer {answer_id}; answers are {list(poll.answers)}")
        self._last_action_mark = self._message_order
        if not poll.allow_multiselect:
            for other in poll.voters_of(member.id):
                if other != answer_id:
                    del poll.answers[other].voters[member.id]
                    self.gateway.emit(
                        "MESSAGE_POLL_VOTE_REMOVE", payloads.poll_vote_event(message, member.id, other)
                    )
        answer = poll.answers[answer_id]
        if member.id not in answer.voters:
            answer.voters[member.id] = None
            self.gateway.emit(
                "MESSAGE_POLL_VOTE_ADD", payloads.poll_vote_event(message, member.id, answer_id)
            )
        self._bump()
        await self.flush()

    async def unvote(self: LocalDiscord, member: Member, message: Message, answer_id: int) -> None:  # type: ignore[misc]
        poll = message.poll
        if poll is None or poll.finalized:
            raise ValueError("no open poll on that message")
        self._last_action_mark = self._message_order
        if poll.answers[answer_id].voters.pop(member.id, 0) is None:
            self.gateway.emit(
                "MESSAGE_POLL_VOTE_REMOVE", payloads.poll_vote_event(message, member.id, answer_id)
            )
        self._bump()
        await self.flush()

    async def expire_due_polls(self: LocalDiscord) -> list[Message]:  # type: ignore[misc]
        done = self.finalize_due_polls()
        await self.flush()
        return done

    async def start_thread(
        self: LocalDiscord,
        member: Member,
        where: Message | Channel,
        name: str,  # type: ignore[misc]
    ) -> Channel:
        if isinstance(where, Message):
            channel, message = self.channels[where.channel_id], where
        else:
            channel, message = where, None
        thread = self.create_thread(channel, member.user, name, message=message)
        await self.flush()
        return thread

    # ---- membership -------------------------------------------------------------------------------
    async def join(  # type: ignore[misc]
        self: LocalDiscord, guild: Guild, member: Member | User | str, *, invite: str | None = None
    ) -> Member:
        """Someone joins (GUILD_MEMBER_ADD, members intent only), through ``invite`` (a live code or
        the vanity URL: its uses go up by one first) when given."""
        if invite is not None:
            self.use_code(guild, invite)
        if isinstance(member, str):
            m = self.add_member(guild, member)
        else:
            user = member.user if isinstance(member, Member) else member
            m = Member(user, guild.id, [], self.now())
            guild.members[user.id] = m
        self.gateway.emit("GUILD_MEMBER_ADD", payloads.member_add_event(m))
        self._bump()
        await self.flush()
        return m

    async def leave(self: LocalDiscord, guild: Guild, member: Member) -> None:  # type: ignore[misc]
        guild.members.pop(member.id, None)
        self.gateway.emit("GUILD_MEMBER_REMOVE", payloads.member_remove_event(guild.id, member.user))
        self._bump()
        await self.flush()

    async def set_roles(self: LocalDiscord, member: Member, roles: Iterable[Any]) -> Member:  # type: ignore[misc]
        """An admin changes someone's roles (GUILD_MEMBER_UPDATE, members intent only)."""
        member.roles = [r if isinstance(r, int) else r.id for r in roles]
        self.gateway.emit("GUILD_MEMBER_UPDATE", payloads.member_add_event(member))
        self._bump()
        await self.flush()
        return member

    # ---- interactions -----------------------------------------------------------------------------
    def _text_channel(self: LocalDiscord, where: Guild | Channel) -> tuple[Guild, Channel]:  # type: ignore[misc]
        if isinstance(where, Channel):
            return self.guilds[where.guild_id], where
        channel = next((c for c in where.channels.values() if c.type == ChannelType.TEXT), None)
        if channel is None:
            raise LookupError(f"guild {where.name!r} has no text channel to run a command in")
        return where, channel

    async def _interact(
        self: LocalDiscord,  # type: ignore[misc]
        *,
        kind: int,
        name: str,
        guild: Guild,
        channel: Channel,
        member: Member,
        data: dict[str, Any],
        source_message: Message | None = None,
    ) -> InteractionResult:
        self._last_action_mark = self._message_order
        iid = self.ids.next()
        result = InteractionResult(
            self,
            interaction_id=iid,
            token=f"itok.{secrets.token_urlsafe(24)}",
            kind=kind,
            name=name,
            guild=guild,
            channel=channel,
            member=member,
            created_at=self.now(),
            source_message=source_message,
        )
        result.payload = payloads.interaction(
            interaction_id=iid,
            token=result.token,
            kind=kind,
            app_id=self.application_id,
            data=data,
            guild=guild,
            chan=channel,
            who=member,
            member_permissions=self.permissions_of(member, channel),
            app_permissions=self.bot_permissions(channel),
            message_payload=self.message_payload(source_message) if source_message is not None else None,
        )
        self.interactions[iid] = result
        self.gateway.emit("INTERACTION_CREATE", result.payload, intent=0)
        await self.flush()
        return result

    async def run_command(
        self: LocalDiscord,  # type: ignore[misc]
        member: Member,
        where: Guild | Channel,
        name: str,
        options: dict[str, Any] | None = None,
    ) -> InteractionResult:
        """``/name`` with options as Python values; ``"question add"`` runs a subcommand."""
        guild, channel = self._text_channel(where)
        data = build_command_data(self, guild, channel, member, name, options)
        return await self._interact(
            kind=InteractionKind.APPLICATION_COMMAND,
            name=name,
            guild=guild,
            channel=channel,
            member=member,
            data=data,
        )

    async def autocomplete(
        self: LocalDiscord,  # type: ignore[misc]
        member: Member,
        where: Guild | Channel,
        name: str,
        options: dict[str, Any],
        focused: str,
    ) -> InteractionResult:
        """The user is typing ``options[focused]``; the result's ``choices`` are the bot's suggestions."""
        guild, channel = self._text_channel(where)
        data = build_command_data(self, guild, channel, member, name, options, focused=focused)
        return await self._interact(
            kind=InteractionKind.AUTOCOMPLETE,
            name=name,
            guild=guild,
            channel=channel,
            member=member,
            data=data,
        )

    async def click(
        self: LocalDiscord, member: Member, message: Message, custom_id: str
    ) -> InteractionResult:  # type: ignore[misc]
        """Press a button on ``message``."""
        component = find_component(message, custom_id)
        channel = self.channels[message.channel_id]
        return await self._interact(
            kind=InteractionKind.MESSAGE_COMPONENT,
            name=custom_id,
            guild=self.guilds[channel.guild_id],
            channel=channel,
            member=member,
            data={"custom_id": custom_id, "component_type": component["type"]},
            source_message=message,
        )

    async def choose(
        self: LocalDiscord,
        member: Member,
        message: Message,
        custom_id: str,
        values: list[Any],  # type: ignore[misc]
    ) -> InteractionResult:
        """Pick ``values`` in a select menu on ``message``."""
        component = find_component(message, custom_id)
        channel = self.channels[message.channel_id]
        guild = self.guilds[channel.guild_id]
        data: dict[str, Any] = {"custom_id": custom_id, "component_type": component["type"], "values": []}
        resolved: dict[str, dict[str, Any]] = {}
        for v in values:
            if isinstance(v, Member):
                data["values"].append(str(v.id))
                resolved.setdefault("users", {})[str(v.id)] = payloads.user(v.user)
                resolved.setdefault("members", {})[str(v.id)] = payloads.member(v, with_user=False)
            elif isinstance(v, Channel):
                data["values"].append(str(v.id))
                resolved.setdefault("channels", {})[str(v.id)] = payloads.app_command_channel(
                    v, self.permissions_of(member, v)
                )
            elif hasattr(v, "permissions") and hasattr(v, "guild_id"):
                data["values"].append(str(v.id))
                resolved.setdefault("roles", {})[str(v.id)] = payloads.role(v)
            else:
                data["values"].append(str(v))
        if resolved:
            data["resolved"] = resolved
        return await self._interact(
            kind=InteractionKind.MESSAGE_COMPONENT,
            name=custom_id,
            guild=guild,
            channel=channel,
            member=member,
            data=data,
            source_message=message,
        )

    async def submit_modal(
        self: LocalDiscord,  # type: ignore[misc]
        member: Member,
        source: InteractionResult | dict[str, Any],
        values: dict[str, Any],
    ) -> InteractionResult:
        """Fill in and submit the modal the bot opened (give the InteractionResult that got it)."""
        if isinstance(source, InteractionResult):
            await source.response()
            if source.modal is None:
                raise LookupError(f"{source!r} did not open a modal")
            modal, guild, channel, message = source.modal, source.guild, source.channel, source.source_message
        else:
            modal = source
            guild, channel = self._text_channel(next(iter(self.guilds.values())))
            message = None
        data = {"custom_id": modal["custom_id"], "components": modal_submission(modal, values)}
        return await self._interact(
            kind=InteractionKind.MODAL_SUBMIT,
            name=modal["custom_id"],
            guild=guild,
            channel=channel,
            member=member,
            data=data,
            source_message=message,
        )
