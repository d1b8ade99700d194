"""Direct messages: opening a DM channel and sending into it, with Discord's refusals.

Discord lets a bot open a DM channel with any user (``POST /users/@me/channels``), but a
message into it fails with 403 / 50007 "Cannot send messages to this user" when the person has
closed DMs from server members or shares no server with the bot. The bot's own DMs are not
echoed on the gateway: Hearth asks for no DIRECT_MESSAGES intent.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiohttp import web

from .validation import ApiError
from .world import Channel, ChannelType, Message, User

if TYPE_CHECKING:
    from .server import LocalDiscord


def cannot_message_user() -> ApiError:
    return ApiError(403, 50007, "Cannot send messages to this user")


def dm_channel_payload(channel: Channel, recipient: User, user_payload: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": str(channel.id),
        "type": ChannelType.DM,
        "last_message_id": str(channel.last_message_id) if channel.last_message_id else None,
        "flags": 0,
        "recipients": [user_payload],
    }


class DirectMessages:
    """The DM channels of the bot, one per recipient."""

    def __init__(self, server: LocalDiscord) -> None:
        self.server = server
        self.by_user: dict[int, Channel] = {}

    def open(self, user_id: int) -> Channel:
        s = self.server
        if user_id not in s.users:
            raise ApiError(404, 10013, "Unknown User")
        channel = self.by_user.get(user_id)
        if channel is None:
            channel = Channel(id=s.ids.next(), guild_id=0, name="", type=ChannelType.DM, recipient_id=user_id)
            self.by_user[user_id] = channel
            s.channels[channel.id] = channel
            s.channel_messages[channel.id] = []
        return channel

    def check_send(self, channel: Channel) -> None:
        """Raise 50007 when the recipient closed DMs or shares no guild with the bot."""
        s = self.server
        user = s.users.get(channel.recipient_id or 0)
        if user is None or not user.dms_open:
            raise cannot_message_user()
        if not any(user.id in g.members for g in s.guilds.values()):
            raise cannot_message_user()

    def messages_to(self, user: User | Any) -> list[Message]:
        """What the bot sent this person in DMs (tests read it)."""
        channel = self.by_user.get(int(user.id))
        return [] if channel is None else self.server.messages_in(channel)

    async def create_dm(self, request: web.Request) -> web.Response:
        from .payloads import user as user_payload
        from .rest import json_response

        body = await request.json()
        try:
            user_id = int(body.get("recipient_id"))
        except (TypeError, ValueError):
            raise ApiError(400, 50035, "Invalid Form Body", {"recipient_id": {"_errors": [
                {"code": "NUMBER_TYPE_COERCE", "message": "Value is not snowflake."}]}}) from None
        channel = self.open(user_id)
        recipient = self.server.users[user_id]
        return json_response(dm_channel_payload(channel, recipient, user_payload(recipient)))
