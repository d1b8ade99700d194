"""The local Discord's world: guilds, channels, threads, roles, members and messages.

Plain dataclasses with no I/O; ``payloads`` turns them into what the API sends, ``rest`` and
``gateway`` change them. Ids are snowflakes, so creation times are derived from them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .snowflakes import snowflake_time


class Perm:
    """Permission bits Discord defines and the local Discord checks."""

    CREATE_INSTANT_INVITE = 1 << 0
    KICK_MEMBERS = 1 << 1
    BAN_MEMBERS = 1 << 2
    ADMINISTRATOR = 1 << 3
    MANAGE_CHANNELS = 1 << 4
    MANAGE_GUILD = 1 << 5
    ADD_REACTIONS = 1 << 6
    VIEW_CHANNEL = 1 << 10
    SEND_MESSAGES = 1 << 11
    MANAGE_MESSAGES = 1 << 13
    EMBED_LINKS = 1 << 14
    ATTACH_FILES = 1 << 15
    READ_MESSAGE_HISTORY = 1 << 16
    MENTION_EVERYONE = 1 << 17
    USE_EXTERNAL_EMOJIS = 1 << 18
    CHANGE_NICKNAME = 1 << 26
    MANAGE_ROLES = 1 << 28
    USE_APPLICATION_COMMANDS = 1 << 31
    MANAGE_THREADS = 1 << 34
    CREATE_PUBLIC_THREADS = 1 << 35
    CREATE_PRIVATE_THREADS = 1 << 36
    SEND_MESSAGES_IN_THREADS = 1 << 38
    SEND_POLLS = 1 << 49
    ALL = (1 << 51) - 1

    # What @everyone gets in a new guild, close to Discord's default.
    DEFAULT = (
        CREATE_INSTANT_INVITE
        | ADD_REACTIONS
        | VIEW_CHANNEL
        | SEND_MESSAGES
        | EMBED_LINKS
        | ATTACH_FILES
        | READ_MESSAGE_HISTORY
        | MENTION_EVERYONE
        | USE_EXTERNAL_EMOJIS
        | CHANGE_NICKNAME
        | USE_APPLICATION_COMMANDS
        | CREATE_PUBLIC_THREADS
        | CREATE_PRIVATE_THREADS
        | SEND_MESSAGES_IN_THREADS
        | SEND_POLLS
    )


def permission_value(permissions: Any) -> int:
    """Accept an int, a discord.Permissions, or a mapping of flag names to booleans."""
    if permissions is None:
        return Perm.DEFAULT
    if isinstance(permissions, int):
        return permissions
    if hasattr(permissions, "value"):
        return int(permissions.value)
    value = 0
    for name, on in dict(permissions).items():
        if on:
            value |= getattr(Perm, name.upper())
    return value


class ChannelType:
    TEXT = 0
    DM = 1
    CATEGORY = 4
    NEWS = 5
    PUBLIC_THREAD = 11
    PRIVATE_THREAD = 12
    THREADS = (10, 11, 12)


@dataclass(slots=True)
class User:
    id: int
    name: str
    bot: bool = False
    global_name: str | None = None
    avatar: str | None = None
    dms_open: bool = True  # False: "allow direct messages from server members" is off (sends fail, 50007)

    @property
    def created_at(self) -> datetime:
        return snowflake_time(self.id)

    @property
    def mention(self) -> str:
        return f"<@{self.id}>"


@dataclass(slots=True)
class Role:
    id: int
    guild_id: int
    name: str
    permissions: int
    position: int = 0
    color: int = 0
    hoist: bool = False
    managed: bool = False
    mentionable: bool = False

    @property
    def mention(self) -> str:
        return f"<@&{self.id}>"


@dataclass(slots=True)
class Overwrite:
    id: int
    type: int  # 0 role, 1 member
    allow: int = 0
    deny: int = 0


@dataclass(slots=True)
class Member:
    user: User
    guild_id: int
    roles: list[int]
    joined_at: datetime
    nick: str | None = None

    @property
    def id(self) -> int:
        return self.user.id

    @property
    def name(self) -> str:
        return self.user.name

    @property
    def bot(self) -> bool:
        return self.user.bot

    @property
    def mention(self) -> str:
        return f"<@{self.user.id}>"


@dataclass(slots=True)
class Channel:
    """A guild text channel, category or thread (threads carry owner and parent)."""

    id: int
    guild_id: int
    name: str
    type: int = ChannelType.TEXT
    position: int = 0
    parent_id: int | None = None
    topic: str | None = None
    overwrites: dict[int, Overwrite] = field(default_factory=dict)
    last_message_id: int | None = None
    # thread only
    owner_id: int | None = None
    archived: bool = False
    auto_archive_duration: int = 1440
    archive_timestamp: datetime | None = None
    message_count: int = 0
    member_ids: set[int] = field(default_factory=set)
    # DM only
    recipient_id: int | None = None

    @property
    def is_thread(self) -> bool:
        return self.type in ChannelType.THREADS

    @property
    def created_at(self) -> datetime:
        return snowflake_time(self.id)

    @property
    def mention(self) -> str:
        return f"<#{self.id}>"


@dataclass(slots=True)
class Guild:
    id: int
    name: str
    owner_id: int
    roles: dict[int, Role] = field(default_factory=dict)
    channels: dict[int, Channel] = field(default_factory=dict)
    threads: dict[int, Channel] = field(default_factory=dict)
    members: dict[int, Member] = field(default_factory=dict)
    joined_at: datetime | None = None
    vanity_url_code: str | None = None  # set: the guild has the VANITY_URL feature and this code

    @property
    def everyone(self) -> Role:
        return self.roles[self.id]

    def channel_named(self, name: str) -> Channel:
        for channel in (*self.channels.values(), *self.threads.values()):
            if channel.name == name:
                return channel
        raise KeyError(name)

    def role_named(self, name: str) -> Role:
        for role in self.roles.values():
            if role.name == name:
                return role
        raise KeyError(name)


@dataclass(slots=True)
class Attachment:
    id: int
    filename: str
    data: bytes
    content_type: str | None = None
    description: str | None = None
    ephemeral: bool = False

    @property
    def size(self) -> int:
        return len(self.data)


@dataclass(slots=True)
class PollAnswer:
    answer_id: int
    text: str
    emoji: dict[str, Any] | None = None
    voters: dict[int, None] = field(default_factory=dict)  # ordered set of user ids


@dataclass(slots=True)
class Poll:
    question: str
    answers: dict[int, PollAnswer]
    expiry: datetime
    allow_multiselect: bool = False
    layout_type: int = 1
    finalized: bool = False

    def voters_of(self, user_id: int) -> list[int]:
        return [a.answer_id for a in self.answers.values() if user_id in a.voters]


@dataclass(slots=True)
class Reaction:
    emoji: dict[str, Any]
    users: dict[int, None] = field(default_factory=dict)  # ordered set of user ids


@dataclass(slots=True)
class Message:
    id: int
    channel_id: int
    guild_id: int | None
    author: User
    content: str = ""
    embeds: list[dict[str, Any]] = field(default_factory=list)
    components: list[dict[str, Any]] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    reactions: dict[str, Reaction] = field(default_factory=dict)
    poll: Poll | None = None
    allowed_mentions: dict[str, Any] | None = None
    message_reference: dict[str, Any] | None = None
    flags: int = 0
    type: int = 0
    tts: bool = False
    pinned: bool = False
    pinned_at: datetime | None = None
    edited_at: datetime | None = None
    timestamp: datetime | None = None
    webhook_id: int | None = None
    application_id: int | None = None
    interaction_metadata: dict[str, Any] | None = None
    thread_id: int | None = None
    deleted: bool = False
    order: int = 0  # global creation counter, for "messages since" queries
    snapshots: list[dict[str, Any]] | None = None  # a forward's copy of its original (forwards.py)

    EPHEMERAL = 1 << 6
    LOADING = 1 << 7

    @property
    def created_at(self) -> datetime:
        return snowflake_time(self.id)

    @property
    def ephemeral(self) -> bool:
        return bool(self.flags & self.EPHEMERAL)

    @property
    def reply_to_id(self) -> int | None:
        ref = self.message_reference
        if not ref or not ref.get("message_id") or ref.get("type") == 1:  # a forward is no reply
            return None
        return int(ref["message_id"])

    def text(self) -> str:
        """Everything a person reads in this message: content, embeds, poll question and answers."""
        parts = [self.content] if self.content else []
        for embed in self.embeds:
            parts.extend(_embed_texts(embed))
        if self.poll is not None:
            parts.append(self.poll.question)
            parts.extend(a.text for a in self.poll.answers.values())
        return "\n".join(parts)


def _embed_texts(embed: dict[str, Any]) -> list[str]:
    parts: list[str] = []
    for key in ("title", "description"):
        if embed.get(key):
            parts.append(str(embed[key]))
    if (embed.get("author") or {}).get("name"):
        parts.append(embed["author"]["name"])
    for f in embed.get("fields") or []:
        parts.append(f"{f.get('name', '')}\n{f.get('value', '')}")
    if (embed.get("footer") or {}).get("text"):
        parts.append(embed["footer"]["text"])
    return parts


def compute_permissions(guild: Guild, member: Member, channel: Channel | None) -> int:
    """Discord's algorithm: base from roles, then @everyone, role and member overwrites."""
    if member.user.id == guild.owner_id:
        return Perm.ALL
    base = guild.everyone.permissions
    for role_id in member.roles:
        role = guild.roles.get(role_id)
        if role is not None:
            base |= role.permissions
    if base & Perm.ADMINISTRATOR:
        return Perm.ALL
    if channel is None:
        return base
    if channel.is_thread and channel.parent_id is not None:
        parent = guild.channels.get(channel.parent_id)
        if parent is not None:
            channel = parent
    perms = base
    everyone = channel.overwrites.get(guild.id)
    if everyone is not None:
        perms = (perms & ~everyone.deny) | everyone.allow
    allow = deny = 0
    for role_id in member.roles:
        ow = channel.overwrites.get(role_id)
        if ow is not None and ow.type == 0:
            allow |= ow.allow
            deny |= ow.deny
    perms = (perms & ~deny) | allow
    own = channel.overwrites.get(member.user.id)
    if own is not None and own.type == 1:
        perms = (perms & ~own.deny) | own.allow
    if not perms & Perm.VIEW_CHANNEL:
        return 0
    return perms
