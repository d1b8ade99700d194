"""Changes people make to a server in Discord's UI, each announced with the event Discord sends.

GUILD_UPDATE (rename), CHANNEL_DELETE, THREAD_DELETE, GUILD_ROLE_UPDATE/DELETE,
GUILD_MEMBER_UPDATE (roles, nickname) and MESSAGE_DELETE_BULK (a moderator's purge; the bot's
own bulk delete over REST emits the same). Every payload comes from ``payloads``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from . import payloads
from .world import Channel, Guild, Member, Message, Role, permission_value

if TYPE_CHECKING:
    from .server import LocalDiscord


class ChangesMixin:
    """Verbs for server changes (all ``async``: they flush the gateway before returning)."""

    async def update_guild(self: LocalDiscord, guild: Guild, *, name: str) -> Guild:  # type: ignore[misc]
        guild.name = name
        self.gateway.emit("GUILD_UPDATE", payloads.guild_rest(guild, len(guild.members)))
        await self.flush()
        return guild

    async def delete_channel(self: LocalDiscord, channel: Channel) -> None:  # type: ignore[misc]
        """Delete a channel (its threads go with it: THREAD_DELETE each) or a thread."""
        self.remove_channel(channel)
        await self.flush()

    def remove_channel(self: LocalDiscord, channel: Channel) -> None:  # type: ignore[misc]
        guild = self.guild_of(channel)
        if channel.is_thread:
            guild.threads.pop(channel.id, None)
            self.channels.pop(channel.id, None)
            self.gateway.emit("THREAD_DELETE", payloads.thread_delete_event(channel))
        else:
            for thread in [t for t in guild.threads.values() if t.parent_id == channel.id]:
                self.remove_channel(thread)
            guild.channels.pop(channel.id, None)
            self.channels.pop(channel.id, None)
            self.gateway.emit("CHANNEL_DELETE", payloads.channel(channel))
        for msg in self.channel_messages.get(channel.id, []):
            msg.deleted = True
        self._bump()

    async def update_role(self: LocalDiscord, role: Role, **changes: Any) -> Role:  # type: ignore[misc]
        """Change ``name``, ``permissions`` (int or flags dict), ``color``, ``mentionable``, ``hoist``."""
        for key, value in changes.items():
            setattr(role, key, permission_value(value) if key == "permissions" else value)
        self.gateway.emit("GUILD_ROLE_UPDATE", {"guild_id": str(role.guild_id), "role": payloads.role(role)})
        await self.flush()
        return role

    async def delete_role(self: LocalDiscord, role: Role) -> None:  # type: ignore[misc]
        """Delete a role; members lose it without a GUILD_MEMBER_UPDATE, as in Discord."""
        guild = self.guilds[role.guild_id]
        guild.roles.pop(role.id, None)
        for m in guild.members.values():
            if role.id in m.roles:
                m.roles.remove(role.id)
        self.gateway.emit("GUILD_ROLE_DELETE", {"guild_id": str(guild.id), "role_id": str(role.id)})
        await self.flush()

    async def update_member(  # type: ignore[misc]
        self: LocalDiscord,
        member: Member,
        *,
        roles: Iterable[Role | int] | None = None,
        nick: str | None = None,
    ) -> Member:
        """Give a member these roles (all of them) and/or a nickname: GUILD_MEMBER_UPDATE."""
        if roles is not None:
            member.roles = [r.id if isinstance(r, Role) else int(r) for r in roles]
        if nick is not None:
            member.nick = nick or None
        self.gateway.emit("GUILD_MEMBER_UPDATE", payloads.member_add_event(member))
        await self.flush()
        return member

    async def bulk_delete(self: LocalDiscord, channel: Channel, messages: Iterable[Message]) -> None:  # type: ignore[misc]
        """A moderator's purge: one MESSAGE_DELETE_BULK for all of them."""
        self.delete_messages(channel, list(messages))
        await self.flush()

    def delete_messages(self: LocalDiscord, channel: Channel, messages: list[Message]) -> None:  # type: ignore[misc]
        for msg in messages:
            msg.deleted = True
        data = {"ids": [str(m.id) for m in messages], "channel_id": str(channel.id)}
        if channel.guild_id:
            data["guild_id"] = str(channel.guild_id)
        self.gateway.emit("MESSAGE_DELETE_BULK", data)
        self._bump()
