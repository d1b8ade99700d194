"""``LocalDiscord``: the world, the REST API and the gateway on one 127.0.0.1 port.

Build a world with the ``add_*`` methods, start the server, point discord.py at
``api_base``/``gateway_url`` and act through the verbs in ``actors``. Every change to the
world that Discord would announce is emitted on the gateway at once (O(1) per event).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp import web

from . import payloads
from .actors import ActorsMixin
from .changes import ChangesMixin
from .crossposts import CrosspostsMixin, add_crosspost_routes
from .dms import DirectMessages
from .faults import FaultPlan, RestFault, RestHold
from .forwards import ForwardsMixin, forward_reference, snapshot
from .gateway import CHUNK_SIZE, GatewayHub, Intent, dumps
from .interactions import WAIT, InteractionResult
from .invites import InviteBook, InvitesMixin, add_invite_routes
from .oauth2 import OAuth2, OAuth2Routes
from .ratelimit import GlobalRateLimit
from .rest import RestCall, build_app
from .snowflakes import SnowflakeGenerator, to_ms
from .validation import (
    ApiError,
    missing_access,
    missing_permissions,
    too_many_reactions,
    unknown_channel,
    unknown_message,
)
from .world import (
    Attachment,
    Channel,
    ChannelType,
    Guild,
    Member,
    Message,
    Overwrite,
    Perm,
    Poll,
    PollAnswer,
    Reaction,
    Role,
    User,
    compute_permissions,
    permission_value,
)

log = logging.getLogger(__name__)

LARGE_THRESHOLD = 250
POLL_INTERVAL = 0.005


class BotDied(AssertionError):
    """A watched client task (``bot.start()``) ended while the test was still running."""


class _UTCClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class LocalDiscord(ActorsMixin, ChangesMixin, InvitesMixin, ForwardsMixin, CrosspostsMixin):
    """A protocol-faithful Discord for one bot application, served on 127.0.0.1."""

    def __init__(
        self,
        *,
        clock: Any = None,
        host: str = "127.0.0.1",
        port: int = 0,
        token: str | None = None,
        bot_name: str = "Hearth",
        resume_buffer: int = 100_000,
    ) -> None:
        self.clock = clock or _UTCClock()
        self.host = host
        self.port = port
        self.token = token or f"local.{secrets.token_hex(12)}"
        self.ids = SnowflakeGenerator(lambda: to_ms(self.clock.now()))
        owner_id = self.ids.next()
        self.app_owner = User(id=owner_id, name="app-owner")
        self.bot_user = User(id=self.ids.next(), name=bot_name, bot=True)
        self.application_id = self.bot_user.id
        self.oauth = OAuth2(client_id=self.application_id)
        self.oauth_routes = OAuth2Routes(self)
        self.guilds: dict[int, Guild] = {}
        self.users: dict[int, User] = {self.bot_user.id: self.bot_user, owner_id: self.app_owner}
        self.channels: dict[int, Channel] = {}
        self.messages: dict[int, Message] = {}
        self.channel_messages: dict[int, list[Message]] = {}
        self.attachments: dict[int, Attachment] = {}
        self.interactions: dict[int, InteractionResult] = {}
        self.commands: dict[int | None, dict[str, dict[str, Any]]] = {None: {}}
        self.rest_log: list[RestCall] = []
        self.unknown_routes: list[tuple[str, str]] = []
        self.faults = FaultPlan()
        self.global_limit = GlobalRateLimit()  # Discord's 50 requests/s per token; off until enabled
        self.gateway = GatewayHub(self, resume_buffer=resume_buffer)
        self.dms = DirectMessages(self)
        self.threads_created: list[Channel] = []
        self.open_polls: dict[int, Message] = {}
        self.invite_book = InviteBook()
        self.publish_times = {}
        self._message_order = 0
        self._last_action_mark = 0
        self._changed = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self._watched: dict[asyncio.Task[Any], str] = {}
        self._crash: tuple[str, BaseException | None] | None = None

    # ---- lifecycle ----------------------------------------------------------------------
    async def start(self) -> LocalDiscord:
        app = build_app(self)
        add_invite_routes(app, self)
        add_crosspost_routes(app, self)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        sockets = site._server.sockets  # type: ignore[union-attr]
        self.port = sockets[0].getsockname()[1]
        log.info("local Discord on %s", self.api_base)
        return self

    async def stop(self) -> None:
        for hold in self.faults.holds:
            hold.release()  # a held call must not keep the server from stopping
        await self.gateway.drop_connections(code=1001)
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> LocalDiscord:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def api_base(self) -> str:
        return f"{self.base_url}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"ws://{self.host}:{self.port}/gateway"

    def now(self) -> datetime:
        return self.clock.now()

    # ---- building the world ---------------------------------------------------------------
    def add_user(self, name: str, *, bot: bool = False, created_at: datetime | None = None) -> User:
        uid = self.ids.at(created_at) if created_at is not None else self.ids.next()
        u = User(id=uid, name=name, bot=bot)
        self.users[uid] = u
        return u

    def add_guild(
        self,
        name: str = "Hearth Test Guild",
        owner: str | User | Member | None = None,
        *,
        bot_permissions: Any = Perm.MANAGE_MESSAGES | Perm.MANAGE_THREADS,
        everyone_permissions: Any = None,
    ) -> Guild:
        """A guild with @everyone, the bot as a member (with a managed role) and an owner."""
        gid = self.ids.next()
        owner_user = owner.user if isinstance(owner, Member) else owner
        if owner_user is None or isinstance(owner_user, str):
            owner_user = self.add_user(owner_user or "owner")
        guild = Guild(id=gid, name=name, owner_id=owner_user.id, joined_at=self.now())
        guild.roles[gid] = Role(
            id=gid, guild_id=gid, name="@everyone", permissions=permission_value(everyone_permissions)
        )
        bot_role = Role(
            id=self.ids.next(),
            guild_id=gid,
            name=self.bot_user.name,
            permissions=permission_value(bot_permissions),
            position=1,
            managed=True,
        )
        guild.roles[bot_role.id] = bot_role
        self.guilds[gid] = guild
        guild.members[owner_user.id] = Member(owner_user, gid, [], self.now())
        guild.members[self.bot_user.id] = Member(self.bot_user, gid, [bot_role.id], self.now())
        if self.gateway.sessions:
            for data_json in self._guild_create_payloads(Intent.GUILDS, [guild]):
                self.gateway.emit("GUILD_CREATE", data_json=data_json, guild_id=gid)
        return guild

    def add_text_channel(
        self, guild: Guild, name: str, *, topic: str | None = None, category: Channel | None = None
    ) -> Channel:
        channel = Channel(
            id=self.ids.next(),
            guild_id=guild.id,
            name=name,
            topic=topic,
            position=len(guild.channels),
            parent_id=category.id if category else None,
        )
        self._register_channel(guild, channel)
        self.gateway.emit("CHANNEL_CREATE", payloads.channel(channel))
        return channel

    def add_category(self, guild: Guild, name: str) -> Channel:
        channel = Channel(id=self.ids.next(), guild_id=guild.id, name=name, type=ChannelType.CATEGORY)
        self._register_channel(guild, channel)
        self.gateway.emit("CHANNEL_CREATE", payloads.channel(channel))
        return channel

    def _register_channel(self, guild: Guild, channel: Channel) -> None:
        (guild.threads if channel.is_thread else guild.channels)[channel.id] = channel
        self.channels[channel.id] = channel
        self.channel_messages[channel.id] = []

    def add_role(
        self, guild: Guild, name: str, permissions: Any = 0, *, mentionable: bool = False, color: int = 0
    ) -> Role:
        r = Role(
            id=self.ids.next(),
            guild_id=guild.id,
            name=name,
            permissions=permission_value(permissions),
            position=len(guild.roles),
            mentionable=mentionable,
            color=color,
        )
        guild.roles[r.id] = r
        self.gateway.emit("GUILD_ROLE_CREATE", {"guild_id": str(guild.id), "role": payloads.role(r)})
        return r

    def add_member(
        self,
        guild: Guild,
        name: str | User,
        roles: Iterable[Role | int] = (),
        *,
        bot: bool = False,
        joined_at: datetime | None = None,
        created_at: datetime | None = None,
        nick: str | None = None,
    ) -> Member:
        """Put a person in the guild silently (world building); ``join`` announces it."""
        u = name if isinstance(name, User) else self.add_user(name, bot=bot, created_at=created_at)
        m = Member(
            u, guild.id, [r if isinstance(r, int) else r.id for r in roles], joined_at or self.now(), nick
        )
        guild.members[u.id] = m
        return m

    def add_members(
        self,
        guild: Guild,
        count: int,
        *,
        prefix: str = "member",
        roles: Iterable[Role | int] = (),
        joined_at: datetime | None = None,
        created_at: datetime | None = None,
    ) -> list[Member]:
        """Bulk world building: ``count`` members named ``prefix-N``, cheap for 50,000."""
        role_ids = [r if isinstance(r, int) else r.id for r in roles]
        joined = joined_at or self.now()
        out = []
        for i in range(count):
            uid = self.ids.at(created_at) if created_at is not None else self.ids.next()
            u = User(id=uid, name=f"{prefix}-{i}")
            self.users[uid] = u
            m = Member(u, guild.id, list(role_ids), joined)
            guild.members[uid] = m
            out.append(m)
        return out

    # ---- permissions ------------------------------------------------------------------------
    def bot_member(self, guild: Guild | int) -> Member:
        g = guild if isinstance(guild, Guild) else self.guilds[guild]
        return g.members[self.bot_user.id]

    def permissions_of(self, who: Member | User, channel: Channel) -> int:
        """Effective permission bits of a member in a channel (threads use their parent)."""
        guild = self.guilds[channel.guild_id]
        member = who if isinstance(who, Member) else guild.members[who.id]
        return compute_permissions(guild, member, channel)

    def bot_permissions(self, channel: Channel) -> int:
        return self.permissions_of(self.bot_user, channel)

    def set_permission(self, channel: Channel, target: Role | Member | User, **flags: bool | None) -> None:
        """Change a channel overwrite: ``True`` allows, ``False`` denies, ``None`` inherits."""
        if channel.is_thread:
            channel = self.channels[channel.parent_id]  # type: ignore[index]
        is_role = isinstance(target, Role)
        ow = channel.overwrites.setdefault(target.id, Overwrite(target.id, 0 if is_role else 1))
        for name, value in flags.items():
            bit = getattr(Perm, name.upper())
            ow.allow &= ~bit
            ow.deny &= ~bit
            if value is True:
                ow.allow |= bit
            elif value is False:
                ow.deny |= bit
        if ow.allow == 0 and ow.deny == 0:
            channel.overwrites.pop(target.id, None)
        self.gateway.emit("CHANNEL_UPDATE", payloads.channel(channel))
        self._bump()

    def set_bot_permission(self, channel: Channel, **flags: bool | None) -> None:
        """Revoke (``False``), grant (``True``) or reset (``None``) the bot's permissions in a channel."""
        self.set_permission(channel, self.bot_user, **flags)

    def require(self, channel: Channel, who: User, *bits: int) -> None:
        """Raise Discord's 403 unless ``who`` has every bit in ``channel``."""
        perms = self.permissions_of(who, channel)
        if not perms & Perm.VIEW_CHANNEL:
            raise missing_access()
        for bit in bits:
            if not perms & bit:
                raise missing_permissions()

    # ---- lookups ----------------------------------------------------------------------------
    def channel(self, channel_id: int | str) -> Channel:
        try:
            return self.channels[int(channel_id)]
        except (KeyError, ValueError):
            raise unknown_channel() from None

    def message(self, channel_id: int | str, message_id: int | str) -> Message:
        try:
            msg = self.messages[int(message_id)]
        except (KeyError, ValueError):
            raise unknown_message() from None
        if msg.deleted or msg.channel_id != int(channel_id):
            raise unknown_message()
        return msg

    def guild_of(self, channel: Channel) -> Guild:
        return self.guilds[channel.guild_id]

    # ---- observations -------------------------------------------------------------------------
    def messages_in(self, channel: Channel, *, include_deleted: bool = False) -> list[Message]:
        return [m for m in self.channel_messages.get(channel.id, []) if include_deleted or not m.deleted]

    def sent_by_bot(
        self, channel: Channel | None = None, *, include_ephemeral: bool = False
    ) -> list[Message]:
        pool = self.channel_messages.get(channel.id, []) if channel else self.messages.values()
        return [
            m
            for m in pool
            if m.author.id == self.bot_user.id and not m.deleted and (include_ephemeral or not m.ephemeral)
        ]

    def mark(self) -> int:
        """A cursor: messages created after it have a larger ``order``."""
        return self._message_order

    def rest_calls(self, method: str | None = None, path_contains: str = "") -> list[RestCall]:
        return [
            c for c in self.rest_log if (method is None or c.method == method) and path_contains in c.path
        ]

    def pings(self, msg: Message) -> tuple[list[int], list[int], bool]:
        """Users, roles and @everyone this message notifies, after its ``allowed_mentions``."""
        guild = self.guilds.get(msg.guild_id) if msg.guild_id else None
        return payloads.mentions(msg.content, guild, msg.allowed_mentions)

    async def wait_until(self, predicate: Callable[[], Any], timeout: float = WAIT) -> Any:  # noqa: ASYNC109 - tests pass timeout=
        """Wait until ``predicate()`` is truthy: re-checked after every change to the world and
        every few milliseconds (for conditions on the bot's side, such as a listener's list)."""
        try:
            async with asyncio.timeout(timeout):
                while True:
                    self.check_alive()
                    if result := predicate():
                        break
                    self._changed.clear()
                    with contextlib.suppress(TimeoutError):
                        async with asyncio.timeout(POLL_INTERVAL):
                            await self._changed.wait()
                return result
        except TimeoutError:
            raise TimeoutError(f"condition not met within {timeout}s") from None

    async def wait_for_message(
        self,
        channel: Channel | None = None,
        predicate: Callable[[Message], bool] | None = None,
        *,
        timeout: float = WAIT,  # noqa: ASYNC109 - tests pass timeout=
        from_bot: bool | None = True,
        after: int | Message | None = None,
        include_ephemeral: bool = False,
    ) -> Message:
        """The first message created after ``after`` (default: since the last test action) that matches."""
        since = (
            after.order
            if isinstance(after, Message)
            else (self._last_action_mark if after is None else after)
        )

        def find() -> Message | None:
            if channel is None or include_ephemeral:
                pool: Iterable[Message] = self.messages.values()
            else:
                pool = self.channel_messages.get(channel.id, [])
            recent = []
            for m in reversed(pool):  # type: ignore[call-overload]
                if m.order <= since:
                    break
                recent.append(m)
            for m in reversed(recent):
                if m.deleted or (channel is not None and m.channel_id != channel.id):
                    continue
                if from_bot is not None and (m.author.id == self.bot_user.id) != from_bot:
                    continue
                if m.ephemeral and not include_ephemeral:
                    continue
                if predicate is None or predicate(m):
                    return m
            return None

        try:
            return await self.wait_until(find, timeout)
        except TimeoutError:
            where = f"#{channel.name}" if channel else "any channel"
            raise TimeoutError(f"no matching message in {where} within {timeout}s") from None

    async def wait_connected(self, timeout: float = WAIT) -> None:  # noqa: ASYNC109 - tests pass timeout=
        """Wait until every live gateway session has a socket again (after a drop or RECONNECT)."""
        hub = self.gateway
        await hub.wait_until(
            lambda: bool(hub.sessions) and all(s.conn is not None for s in hub.sessions.values()), timeout
        )

    def _bump(self) -> None:
        self._changed.set()

    # ---- watching the client -----------------------------------------------------------------------
    def watch(self, task: asyncio.Task[Any], name: str) -> None:
        """If ``task`` ends before ``unwatch``, every wait raises ``BotDied`` at once."""
        self._watched[task] = name

        def died(t: asyncio.Task[Any]) -> None:
            if t not in self._watched:
                return
            exc = None if t.cancelled() else t.exception()
            log.error("%s ended unexpectedly: %r", name, exc)
            self._crash = (name, exc)
            self._bump()
            for result in self.interactions.values():
                result._wake()

        task.add_done_callback(died)

    def unwatch(self, task: asyncio.Task[Any]) -> None:
        self._watched.pop(task, None)

    def check_alive(self) -> None:
        if self._crash is not None:
            name, exc = self._crash
            raise BotDied(f"{name} ended while the test was running: {exc!r}") from exc

    # ---- faults ----------------------------------------------------------------------------------
    async def drop_connection(self) -> None:
        """Close every gateway socket (code 4000); sessions stay resumable."""
        await self.gateway.drop_connections(4000)

    def send_reconnect(self) -> None:
        """Op 7 RECONNECT: the client closes and RESUMEs."""
        self.gateway.send_op(7, None)

    def invalidate_session(self) -> None:
        """Op 9 INVALID_SESSION (not resumable): the client must IDENTIFY again."""
        self.gateway.invalidate_sessions()

    def rate_limit_next(
        self,
        count: int = 1,
        *,
        method: str | None = None,
        path: str | None = None,
        retry_after: float = 0.05,
        is_global: bool = False,
    ) -> RestFault:
        """Answer the next ``count`` matching REST calls with 429 (``Via`` header, JSON retry_after)."""
        return self.faults.add(RestFault(429, count, method, path, retry_after, is_global))

    def fail_next(
        self, count: int = 1, *, status: int = 500, method: str | None = None, path: str | None = None
    ) -> RestFault:
        """Answer the next ``count`` matching REST calls with ``status`` (discord.py retries 500/502/504)."""
        return self.faults.add(RestFault(status, count, method, path))

    def hold_next(self, *, method: str | None = None, path: str | None = None) -> RestHold:
        """Keep the next matching REST call waiting until ``release()`` (a slow Discord)."""
        hold = RestHold(method, path)
        self.faults.holds.append(hold)
        return hold

    # ---- gateway glue ------------------------------------------------------------------------------
    def _ready_payload(self, session_id: str) -> dict[str, Any]:
        return payloads.ready(
            self.bot_user, self.application_id, list(self.guilds), session_id, self.gateway_url
        )

    def _guild_create_payloads(self, intents: int, guilds: Iterable[Guild] | None = None) -> list[str]:
        """GUILD_CREATE for ``guilds`` (default: every guild), encoded; with the members intent the member
        list of guilds up to the large threshold (as Discord sends it), else the bot and the owner."""
        out = []
        for guild in list(self.guilds.values()) if guilds is None else guilds:
            count = len(guild.members)
            if intents & Intent.GUILD_MEMBERS and count <= LARGE_THRESHOLD:
                members = list(guild.members.values())
            else:
                members = [guild.members[self.bot_user.id]]
                if guild.owner_id in guild.members and guild.owner_id != self.bot_user.id:
                    members.append(guild.members[guild.owner_id])
            out.append(dumps(payloads.guild_create(guild, members, count, count > LARGE_THRESHOLD)))
        return out

    def _member_chunks(self, d: dict[str, Any]) -> list[str]:
        guild = self.guilds.get(int(d.get("guild_id", 0)))
        nonce = d.get("nonce")
        if guild is None:
            return []
        not_found: list[str] = []
        if d.get("user_ids"):
            ids = d["user_ids"] if isinstance(d["user_ids"], list) else [d["user_ids"]]
            members = []
            for uid in ids:
                m = guild.members.get(int(uid))
                if m is None:
                    not_found.append(str(uid))
                else:
                    members.append(m)
        else:
            query = (d.get("query") or "").lower()
            limit = int(d.get("limit") or 0)
            members = [
                m for m in guild.members.values() if not query or m.user.name.lower().startswith(query)
            ]
            if limit:
                members = members[:limit]
        chunks = [members[i : i + CHUNK_SIZE] for i in range(0, len(members), CHUNK_SIZE)] or [[]]
        out = []
        for index, chunk in enumerate(chunks):
            data: dict[str, Any] = {
                "guild_id": str(guild.id),
                "members": [payloads.member(m) for m in chunk],
                "chunk_index": index,
                "chunk_count": len(chunks),
            }
            if nonce is not None:
                data["nonce"] = nonce
            if not_found and index == 0:
                data["not_found"] = not_found
            out.append(dumps(data))
        return out

    async def flush(self) -> None:
        """Wait until every queued gateway frame is on the wire."""
        await self.gateway.flush()

    def dispatch(self, event: str, data: Any) -> None:
        """Emit a raw gateway event (intents respected); build ``data`` with ``payloads``."""
        self.gateway.emit(event, data)

    async def dispatch_many(self, events: Iterable[tuple[str, Any]]) -> int:
        """Stream raw events (``(name, dict or pre-encoded JSON str)``), then wait until sent."""
        emit = self.gateway.emit
        n = 0
        for event, data in events:
            if isinstance(data, str):
                emit(event, data_json=data)
            else:
                emit(event, data)
            n += 1
        await self.flush()
        return n

    # ---- the core operations (REST and verbs share them) --------------------------------------------
    def message_payload(
        self, msg: Message, *, include_content: bool = True, gateway: bool = False
    ) -> dict[str, Any]:
        guild = self.guilds.get(msg.guild_id) if msg.guild_id else None
        referenced = self.messages.get(msg.reply_to_id) if msg.reply_to_id else None
        return payloads.message(
            msg,
            me_id=self.bot_user.id,
            base_url=self.base_url,
            guild=guild,
            referenced=referenced,
            include_content=include_content,
            gateway=gateway,
        )

    def _emit_message(self, event: str, msg: Message) -> None:
        if msg.ephemeral or not self.gateway.sessions or msg.guild_id is None:  # DMs need an intent Hearth lacks
            return
        data = self.message_payload(msg, gateway=True)
        bot_id = self.bot_user.id
        needs_no_intent = msg.author.id == bot_id or any(int(m["id"]) == bot_id for m in data["mentions"])
        without = None
        if not needs_no_intent:

            def without() -> str:
                stripped = dict(data)
                stripped.update(content="", embeds=[], attachments=[], components=[])
                stripped.pop("poll", None)
                if "message_snapshots" in stripped:
                    stripped["message_snapshots"] = payloads.strip_snapshots(stripped["message_snapshots"])
                return dumps(stripped)

        guild = data.get("guild_id")
        self.gateway.emit(
            event, data_json=dumps(data), without_content=without, guild_id=int(guild) if guild is not None else None
        )

    def create_message(
        self,
        channel: Channel,
        author: User,
        *,
        content: str = "",
        embeds: list[dict[str, Any]] | None = None,
        components: list[dict[str, Any]] | None = None,
        attachments: list[Attachment] | None = None,
        poll: Poll | None = None,
        allowed_mentions: dict[str, Any] | None = None,
        reply_to: Message | None = None,
        flags: int = 0,
        type: int = 0,
        webhook_id: int | None = None,
        interaction_metadata: dict[str, Any] | None = None,
        tts: bool = False,
        forward_of: Message | None = None,
    ) -> Message:
        """Store a message and announce it with MESSAGE_CREATE (ephemeral ones stay private)."""
        mid = self.ids.next()
        self._message_order += 1
        ref = None
        if reply_to is not None:
            ref = {
                "type": 0,
                "message_id": str(reply_to.id),
                "channel_id": str(reply_to.channel_id),
                "guild_id": str(reply_to.guild_id) if reply_to.guild_id else None,
            }
            if type == 0:
                type = 19
        elif forward_of is not None:
            ref = forward_reference(forward_of)
        msg = Message(
            id=mid,
            channel_id=channel.id,
            guild_id=channel.guild_id or None,  # DM channels have no guild
            author=author,
            content=content,
            embeds=embeds or [],
            components=components or [],
            attachments=attachments or [],
            poll=poll,
            allowed_mentions=allowed_mentions,
            message_reference=ref,
            flags=flags,
            type=type,
            tts=tts,
            timestamp=self.now(),
            webhook_id=webhook_id,
            application_id=self.application_id if webhook_id else None,
            interaction_metadata=interaction_metadata,
            order=self._message_order,
            snapshots=[snapshot(forward_of, self.base_url)] if forward_of is not None else None,
        )
        self.messages[mid] = msg
        if poll is not None:
            self.open_polls[mid] = msg
        if not msg.ephemeral:
            self.channel_messages[channel.id].append(msg)
            channel.last_message_id = mid
            if channel.is_thread:
                channel.message_count += 1
        self._emit_message("MESSAGE_CREATE", msg)
        self._bump()
        return msg

    def edit_message(self, msg: Message, **changes: Any) -> Message:
        for key, value in changes.items():
            setattr(msg, key, value)
        msg.edited_at = self.now()
        self._emit_message("MESSAGE_UPDATE", msg)
        self._bump()
        return msg

    def delete_message(self, msg: Message) -> None:
        msg.deleted = True
        if not msg.ephemeral:
            data = {"id": str(msg.id), "channel_id": str(msg.channel_id)}
            if msg.guild_id:
                data["guild_id"] = str(msg.guild_id)
            self.gateway.emit("MESSAGE_DELETE", data)
        self._bump()

    @staticmethod
    def parse_emoji(text: str) -> dict[str, Any]:
        """``"👍"`` or ``"name:id"`` (or ``"<:name:id>"``) to Discord's emoji object."""
        text = text.strip("<>")
        if text.startswith("a:"):
            text = text[2:]
        if ":" in text:
            name, _, eid = text.rpartition(":")
            return {"id": eid, "name": name.lstrip(":"), "animated": False}
        return {"id": None, "name": text}

    @staticmethod
    def emoji_key(emoji: dict[str, Any]) -> str:
        return str(emoji["id"]) if emoji.get("id") else emoji["name"]

    def add_reaction(self, msg: Message, who: User, emoji: dict[str, Any]) -> bool:
        key = self.emoji_key(emoji)
        reaction = msg.reactions.get(key)
        if reaction is None:
            if len(msg.reactions) >= 20:
                raise too_many_reactions()
            reaction = msg.reactions[key] = Reaction(emoji=emoji)
        if who.id in reaction.users:
            return False
        reaction.users[who.id] = None
        guild = self.guilds.get(msg.guild_id) if msg.guild_id else None
        actor: Member | User = guild.members.get(who.id, who) if guild else who
        self.gateway.emit("MESSAGE_REACTION_ADD", payloads.reaction_event(msg, actor, emoji, add=True))
        self._bump()
        return True

    def remove_reaction(self, msg: Message, who: User, emoji: dict[str, Any]) -> bool:
        key = self.emoji_key(emoji)
        reaction = msg.reactions.get(key)
        if reaction is None or who.id not in reaction.users:
            return False
        del reaction.users[who.id]
        if not reaction.users:
            del msg.reactions[key]
        self.gateway.emit(
            "MESSAGE_REACTION_REMOVE", payloads.reaction_event(msg, who, reaction.emoji, add=False)
        )
        self._bump()
        return True

    def build_poll(self, data: dict[str, Any]) -> Poll:
        answers = {}
        for i, a in enumerate(data.get("answers") or [], start=1):
            media = a.get("poll_media") or {}
            answers[i] = PollAnswer(answer_id=i, text=media.get("text") or "", emoji=media.get("emoji"))
        return Poll(
            question=(data.get("question") or {}).get("text") or "",
            answers=answers,
            expiry=self.now() + timedelta(hours=float(data.get("duration", 24))),
            allow_multiselect=bool(data.get("allow_multiselect", False)),
            layout_type=int(data.get("layout_type", 1)),
        )

    def finalize_poll(self, msg: Message) -> None:
        """End a poll now: results become final and MESSAGE_UPDATE announces it."""
        poll = msg.poll
        if poll is None or poll.finalized:
            return
        poll.finalized = True
        self.open_polls.pop(msg.id, None)
        if poll.expiry > self.now():
            poll.expiry = self.now()
        self._emit_message("MESSAGE_UPDATE", msg)
        self._bump()

    def finalize_due_polls(self) -> list[Message]:
        """Finalize every poll whose expiry the clock has passed (Discord does this on its own)."""
        now = self.now()
        due = [m for m in self.open_polls.values() if m.poll is not None and m.poll.expiry <= now]
        for m in due:
            self.finalize_poll(m)
        return due

    def create_thread(
        self,
        channel: Channel,
        owner: User,
        name: str,
        *,
        message: Message | None = None,
        private: bool = False,
        auto_archive_duration: int = 1440,
    ) -> Channel:
        guild = self.guild_of(channel)
        tid = message.id if message is not None else self.ids.next()
        thread = Channel(
            id=tid,
            guild_id=guild.id,
            name=name,
            type=ChannelType.PRIVATE_THREAD if private else ChannelType.PUBLIC_THREAD,
            parent_id=channel.id,
            owner_id=owner.id,
            auto_archive_duration=auto_archive_duration,
            archive_timestamp=self.now(),
            member_ids={owner.id},
        )
        self._register_channel(guild, thread)
        if message is not None:
            message.thread_id = tid
        self.threads_created.append(thread)
        self.gateway.emit("THREAD_CREATE", payloads.thread_create_event(thread))
        self._bump()
        return thread

    def check_send(self, channel: Channel, author: User, *, files: bool = False, poll: bool = False) -> None:
        if channel.type == ChannelType.CATEGORY:
            raise ApiError(400, 50008, "Cannot send messages in a non-text channel")
        send_bit = Perm.SEND_MESSAGES_IN_THREADS if channel.is_thread else Perm.SEND_MESSAGES
        bits = [send_bit]
        if files:
            bits.append(Perm.ATTACH_FILES)
        if poll:
            bits.append(Perm.SEND_POLLS)
        self.require(channel, author, *bits)
        if channel.is_thread and channel.archived:
            raise ApiError(400, 50083, "Thread is archived")
