"""Forwarded messages, as Discord sends them since 2024.

A forward is a new message in the target channel with ``message_reference`` of type 1
(FORWARD: ``message_id``, ``channel_id``, ``guild_id`` of the original), no content of its own,
the ``HAS_SNAPSHOT`` flag (1 << 14) and ``message_snapshots``: ``[{"message": {...}}]``, a copy of
the original's content, embeds, attachments, timestamp, flags and type. It carries no
``referenced_message``. The snapshot's content follows the message content intent like the
message's own. The sender needs Read Message History where the original is and may send where the
forward lands; a forward can't carry content (400, 50035) and its original must exist (400, 50035).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .payloads import attachment, iso
from .validation import ApiError
from .world import Channel, Member, Message, Perm

if TYPE_CHECKING:
    from .server import LocalDiscord

FORWARD = 1
HAS_SNAPSHOT = 1 << 14


def forward_reference(original: Message) -> dict[str, Any]:
    return {
        "type": FORWARD,
        "message_id": str(original.id),
        "channel_id": str(original.channel_id),
        "guild_id": str(original.guild_id) if original.guild_id else None,
    }


def snapshot(original: Message, base_url: str, *, include_content: bool = True) -> dict[str, Any]:
    """The copy of a forwarded message (``message_snapshots[0]``)."""
    return {
        "message": {
            "type": original.type,
            "content": original.content if include_content else "",
            "embeds": list(original.embeds) if include_content else [],
            "attachments": [attachment(a, base_url) for a in original.attachments] if include_content else [],
            "timestamp": iso(original.timestamp or original.created_at),
            "edited_timestamp": iso(original.edited_at),
            "flags": original.flags,
            "mentions": [],
            "mention_roles": [],
            "sticker_items": [],
            "components": list(original.components) if include_content else [],
        }
    }


def forward_body_errors(body: dict[str, Any]) -> None:
    """A forward carries nothing of its own (Discord refuses content, embeds, polls with it)."""
    if any(body.get(k) for k in ("content", "embeds", "poll", "sticker_ids", "components")):
        raise ApiError(
            400,
            50035,
            "Invalid Form Body",
            {
                "message_reference": {
                    "_errors": [
                        {"code": "MESSAGE_REFERENCE_FORWARD_HAS_CONTENT", "message": "Forwards cannot have content"}
                    ]
                }
            },
        )


class ForwardsMixin:
    """The forward verb and core operation of ``LocalDiscord``."""

    def forward_message(self: LocalDiscord, original: Message, channel: Channel, author: Any) -> Message:  # type: ignore[misc]
        """Store a forward of ``original`` into ``channel`` and announce it (MESSAGE_CREATE)."""
        if original.deleted:
            raise ApiError(
                400,
                50035,
                "Invalid Form Body",
                {"message_reference": {"_errors": [{"code": "REPLIES_UNKNOWN_MESSAGE", "message": "Unknown message"}]}},
            )
        source = self.channels[original.channel_id]
        self.require(source, author, Perm.READ_MESSAGE_HISTORY)
        msg = self.create_message(channel, author, flags=HAS_SNAPSHOT, forward_of=original)
        return msg

    async def forward(self: LocalDiscord, member: Member, original: Message, channel: Channel) -> Message:  # type: ignore[misc]
        """``member`` forwards ``original`` into ``channel`` (any channel or thread they may post in)."""
        send_bit = Perm.SEND_MESSAGES_IN_THREADS if channel.is_thread else Perm.SEND_MESSAGES
        if not self.permissions_of(member, channel) & send_bit:
            raise PermissionError(f"{member.name} may not send messages in #{channel.name}")
        self._last_action_mark = self._message_order
        msg = self.forward_message(original, channel, member.user)
        await self.flush()
        return msg
