"""Announcement channels and crossposting ("publishing"), as Discord serves them.

- An announcement channel is a guild channel of type 5 (``GUILD_ANNOUNCEMENT``, discord.py's
  ``ChannelType.news``); other servers may follow it, and a published message is copied into
  their channels. Those copies, and everything members do with them, stay in the followers'
  servers: the local Discord models the publishing, not the followers.
- ``POST /channels/{c}/messages/{m}/crosspost`` publishes a message: only in an announcement
  channel (else 403, 50024 "Cannot execute action on this channel type"); the bot needs View
  Channel (403, 50001), Send Messages for its own messages and also Manage Messages for anyone
  else's (403, 50013); a message published before answers 400, 40033 "This message has already
  been crossposted". It sets the CROSSPOSTED flag (1 << 0), answers the message and sends
  MESSAGE_UPDATE (not an edit: ``edited_timestamp`` stays).
- Rate limit: 10 publishes per announcement channel per hour. Over it Discord answers 429 (not
  global) with ``retry_after`` in seconds until the oldest publish of the hour ages out, the
  ``Via`` header of its proxy (without it discord.py assumes a Cloudflare ban) and
  ``X-RateLimit-Scope: shared``.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from aiohttp import web

from . import payloads
from .rest import PREFIX, json_response
from .validation import ApiError
from .world import Channel, ChannelType, Guild, Member, Message, Perm, User

if TYPE_CHECKING:
    from .server import LocalDiscord

CROSSPOSTED = 1 << 0
IS_CROSSPOST = 1 << 1
PUBLISHES_PER_HOUR = 10
WINDOW = timedelta(hours=1)


def not_announcement_channel() -> ApiError:
    return ApiError(403, 50024, "Cannot execute action on this channel type")


def already_crossposted() -> ApiError:
    return ApiError(400, 40033, "This message has already been crossposted")


class PublishRateLimited(Exception):
    """More than 10 publishes in an hour in one announcement channel."""

    def __init__(self, retry_after: float) -> None:
        super().__init__(f"crosspost rate limit, retry after {retry_after:.0f} s")
        self.retry_after = retry_after

    def response(self) -> web.Response:
        body = {"message": "You are being rate limited.", "retry_after": round(self.retry_after, 3), "global": False}
        headers = {
            "Content-Type": "application/json",
            "Retry-After": str(max(1, round(self.retry_after))),
            "X-RateLimit-Scope": "shared",
            "Via": "1.1 google",
        }
        return web.Response(status=429, body=json.dumps(body).encode(), headers=headers)


class CrosspostsMixin:
    """Announcement channels and the publish verb of ``LocalDiscord``."""

    publish_times: dict[int, list[datetime]]  # channel id -> when its messages were published

    def add_announcement_channel(self: LocalDiscord, guild: Guild, name: str, *, topic: str | None = None) -> Channel:  # type: ignore[misc]
        """A channel of type 5 that other servers may follow (CHANNEL_CREATE)."""
        channel = Channel(
            id=self.ids.next(),
            guild_id=guild.id,
            name=name,
            type=ChannelType.NEWS,
            topic=topic,
            position=len(guild.channels),
        )
        self._register_channel(guild, channel)
        self.gateway.emit("CHANNEL_CREATE", payloads.channel(channel))
        return channel

    def crosspost_message(self: LocalDiscord, msg: Message, by: User) -> Message:  # type: ignore[misc]
        """Publish ``msg`` as ``by`` would, with Discord's checks, and announce it (MESSAGE_UPDATE)."""
        channel = self.channels[msg.channel_id]
        if channel.type != ChannelType.NEWS:
            raise not_announcement_channel()
        bits = [Perm.SEND_MESSAGES] if msg.author.id == by.id else [Perm.SEND_MESSAGES, Perm.MANAGE_MESSAGES]
        self.require(channel, by, *bits)
        if msg.flags & CROSSPOSTED:
            raise already_crossposted()
        now = self.now()
        times = [t for t in self.publish_times.get(channel.id, []) if t > now - WINDOW]
        if len(times) >= PUBLISHES_PER_HOUR:
            raise PublishRateLimited((times[0] + WINDOW - now).total_seconds())
        times.append(now)
        self.publish_times[channel.id] = times
        msg.flags |= CROSSPOSTED
        self._emit_message("MESSAGE_UPDATE", msg)
        self._bump()
        return msg

    async def publish(self: LocalDiscord, member: Member, msg: Message) -> Message:  # type: ignore[misc]
        """A member presses Publish in their client (Discord's rules apply as to the bot)."""
        done = self.crosspost_message(msg, member.user)
        await self.flush()
        return done


class CrosspostRoutes:
    def __init__(self, server: LocalDiscord) -> None:
        self.s = server

    async def crosspost(self, request: web.Request) -> web.Response:
        s = self.s
        channel = s.channel(request.match_info["channel_id"])
        msg = s.message(channel.id, request.match_info["message_id"])
        try:
            done = s.crosspost_message(msg, s.bot_user)
        except PublishRateLimited as exc:
            return exc.response()
        return json_response(s.message_payload(done))


def add_crosspost_routes(app: web.Application, server: LocalDiscord) -> None:
    r = CrosspostRoutes(server)
    app.router.add_route("POST", PREFIX + "/channels/{channel_id}/messages/{message_id}/crosspost", r.crosspost)
