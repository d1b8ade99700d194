"""A protocol-faithful local Discord (REST + gateway) for discord.py 2.7, on 127.0.0.1.

See docs/local-discord.md. Typical use::

    async with LocalDiscord() as server:
        world = build_community(server)
        runner = await run_bot(server, bot)
        await server.say(world.alice, world.general, "hello")
"""

from __future__ import annotations

from .faults import RestFault
from .gateway import Intent
from .interactions import CallbackType, InteractionKind, InteractionResult
from .rest import RestCall
from .server import BotDied, LocalDiscord
from .validation import ApiError
from .world import Attachment, Channel, ChannelType, Guild, Member, Message, Perm, Poll, Role, User

__all__ = [
    "ApiError",
    "Attachment",
    "BotDied",
    "CallbackType",
    "Channel",
    "ChannelType",
    "Guild",
    "Intent",
    "InteractionKind",
    "InteractionResult",
    "LocalDiscord",
    "Member",
    "Message",
    "Perm",
    "Poll",
    "RestCall",
    "RestFault",
    "Role",
    "User",
]
