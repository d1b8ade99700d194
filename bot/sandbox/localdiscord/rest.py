"""The REST API (aiohttp routes under ``/api/v10``) and the gateway route ``/gateway``.

Every answer is ``Content-Type: application/json`` exactly (discord.py reads anything else as
text). A middleware logs each call, injects planned faults, enforces the bot token and turns
unknown routes into Discord's 404 while recording them for tests.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from aiohttp import web

from . import oauth2, payloads
from .forwards import FORWARD, forward_body_errors
from .interactions import ACK_DEADLINE, TOKEN_LIFETIME, CallbackType, InteractionKind, InteractionResult
from .limits import limit
from .validation import (
    ApiError,
    FormErrors,
    already_acknowledged,
    check_autocomplete,
    check_channel_patch,
    check_commands,
    check_message_body,
    check_modal,
    check_thread_body,
    empty_message,
    missing_permissions,
    unknown_interaction,
    unknown_message,
    unknown_webhook,
)
from .world import Attachment, Channel, ChannelType, Message, Perm

if TYPE_CHECKING:
    from .server import LocalDiscord

log = logging.getLogger(__name__)

PREFIX = "/api/v10"
ALLOWED_MESSAGE_FLAGS = (1 << 2) | (1 << 12)  # suppress embeds, suppress notifications
NO_AUTH_PREFIXES = ("/interactions/", "/webhooks/")
JSON_BODY = web.RequestKey("json_body", object)


@dataclass(slots=True)
class RestCall:
    """One REST request the bot made, as the server answered it."""

    method: str
    path: str
    status: int
    at: datetime
    query: dict[str, str] = field(default_factory=dict)
    json: Any = None
    route: str | None = None  # the route template after /api/v10 (None: no such route)
    response: bytes | None = None  # the body answered (JSON), for the conformance check

    def answer(self) -> Any:
        return json.loads(self.response) if self.response else None


def json_response(data: Any, status: int = 200) -> web.Response:
    body = json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode()
    return web.Response(status=status, body=body, headers={"Content-Type": "application/json"})


def no_content() -> web.Response:
    return web.Response(status=204)


async def read_body(request: web.Request) -> tuple[dict[str, Any], list[tuple[str, str, bytes, str | None]]]:
    """JSON body, or ``payload_json`` plus files of a multipart body."""
    files: list[tuple[str, str, bytes, str | None]] = []
    if request.content_type.startswith("multipart/"):
        body: dict[str, Any] = {}
        reader = await request.multipart()
        async for part in reader:
            if part.name == "payload_json":
                body = json.loads(await part.text())  # type: ignore[union-attr]
            elif getattr(part, "filename", None):
                data = bytes(await part.read())  # type: ignore[union-attr]
                files.append(
                    (part.name or "", part.filename or "file", data, part.headers.get("Content-Type"))
                )
        return body, files
    if request.can_read_body:
        raw = await request.read()
        return (json.loads(raw) if raw else {}), files
    return {}, files


def pinned_at(m: Message) -> datetime:
    return m.pinned_at or m.timestamp or m.created_at


class RestApi:
    """Route handlers; the state lives in ``LocalDiscord``."""

    def __init__(self, server: LocalDiscord) -> None:
        self.s = server

    # ---- plumbing -------------------------------------------------------------------------------------
    @web.middleware
    async def middleware(self, request: web.Request, handler: Any) -> web.StreamResponse:
        s = self.s
        if not request.path.startswith(PREFIX):
            return await handler(request)
        path = request.path[len(PREFIX) :] or "/"
        method = request.method
        request[JSON_BODY] = None
        if s.faults.holds:
            await s.faults.hold(method, path)
        response: web.StreamResponse | None = s.faults.take(method, path) or s.global_limit.check(
            path, request.headers.get("Authorization") or request.remote or ""
        )
        if response is None:
            if request.match_info.http_exception is not None:
                s.unknown_routes.append((method, path))
                log.warning("local Discord has no route %s %s", method, path)
                response = json_response({"message": "404: Not Found", "code": 0}, 404)
            elif path in oauth2.NO_AUTH_PATHS:
                response = await handler(request)  # client credentials in the body
            elif request.headers.get("Authorization", "").startswith("Bearer "):
                response = await s.oauth_routes.bearer(path, request)
            elif (
                not path.startswith(NO_AUTH_PREFIXES)
                and request.headers.get("Authorization") != f"Bot {s.token}"
            ):
                response = json_response({"message": "401: Unauthorized", "code": 0}, 401)
            else:
                try:
                    response = await handler(request)
                except ApiError as exc:
                    response = json_response(exc.body(), exc.status)
        resource = request.match_info.route.resource
        known = resource is not None and request.match_info.http_exception is None
        template = resource.canonical[len(PREFIX) :] if known and resource is not None else None
        body = getattr(response, "body", None)
        s.rest_log.append(
            RestCall(
                method,
                path,
                response.status,
                s.now(),
                dict(request.query),
                request[JSON_BODY],
                template,
                body if isinstance(body, bytes) else None,
            )
        )
        s._bump()
        return response

    async def body(
        self, request: web.Request
    ) -> tuple[dict[str, Any], list[tuple[str, str, bytes, str | None]]]:
        body, files = await read_body(request)
        request[JSON_BODY] = body
        return body, files

    def attachments_from(
        self,
        body: dict[str, Any],
        files: list[tuple[str, str, bytes, str | None]],
        *,
        ephemeral: bool = False,
    ) -> list[Attachment]:
        meta = {str(a.get("id")): a for a in body.get("attachments") or []}
        out = []
        for index, (part_name, filename, data, ctype) in enumerate(files):
            key = part_name[6:-1] if part_name.startswith("files[") else str(index)
            m = meta.get(key, {})
            out.append(
                Attachment(
                    id=self.s.ids.next(),
                    filename=m.get("filename") or filename,
                    data=data,
                    content_type=ctype,
                    description=m.get("description"),
                    ephemeral=ephemeral,
                )
            )
        for att in out:
            self.s.attachments[att.id] = att
        return out

    def kept_attachments(self, msg: Message, body: dict[str, Any]) -> list[Attachment]:
        existing = {str(a.id): a for a in msg.attachments}
        return [
            existing[str(a.get("id"))] for a in body.get("attachments") or [] if str(a.get("id")) in existing
        ]

    def reply_target(self, channel: Channel, body: dict[str, Any]) -> Message | None:
        ref = body.get("message_reference")
        if not ref or not ref.get("message_id"):
            return None
        try:
            return self.s.message(ref.get("channel_id") or channel.id, ref["message_id"])
        except ApiError:
            if ref.get("fail_if_not_exists", True):
                raise ApiError(
                    400,
                    50035,
                    "Invalid Form Body",
                    {
                        "message_reference": {
                            "_errors": [{"code": "REPLIES_UNKNOWN_MESSAGE", "message": "Unknown message"}]
                        }
                    },
                ) from None
            return None

    def new_message(
        self,
        channel: Channel,
        body: dict[str, Any],
        files: list[Any],
        *,
        ephemeral_ok: bool = False,
        interaction: InteractionResult | None = None,
        type: int = 0,
        prefix: list[str | int] | None = None,
    ) -> Message:
        """Validate a create body and store the message the bot sends."""
        check_message_body(body, prefix)
        if (
            not any(body.get(k) for k in ("content", "embeds", "poll", "components", "sticker_ids"))
            and not files
        ):
            raise empty_message()
        flags = int(body.get("flags") or 0)
        flags &= ALLOWED_MESSAGE_FLAGS | (Message.EPHEMERAL if ephemeral_ok else 0)
        s = self.s
        metadata = None
        if interaction is not None:
            metadata = {
                "id": str(interaction.id),
                "type": interaction.kind,
                "user": payloads.user(interaction.member.user),
                "authorizing_integration_owners": {"0": str(interaction.guild.id)},
            }
            if interaction.kind == InteractionKind.APPLICATION_COMMAND:
                metadata["name"] = interaction.name
        return s.create_message(
            channel,
            s.bot_user,
            content=str(body.get("content") or ""),
            embeds=body.get("embeds") or [],
            components=payloads.numbered_components(body.get("components") or []),
            attachments=self.attachments_from(body, files, ephemeral=bool(flags & Message.EPHEMERAL)),
            poll=s.build_poll(body["poll"]) if body.get("poll") else None,
            allowed_mentions=body.get("allowed_mentions"),
            reply_to=self.reply_target(channel, body),
            flags=flags,
            tts=bool(body.get("tts")),
            type=type,
            webhook_id=s.application_id if interaction is not None else None,
            interaction_metadata=metadata,
        )

    def apply_edit(
        self, msg: Message, body: dict[str, Any], files: list[Any], prefix: list[str | int] | None = None
    ) -> Message:
        check_message_body({k: v for k, v in body.items() if k != "poll"}, prefix)
        changes: dict[str, Any] = {}
        for key in ("content", "embeds", "components", "allowed_mentions"):
            if key in body:
                changes[key] = body[key] if body[key] is not None else ([] if key != "content" else "")
        if changes.get("components"):
            changes["components"] = payloads.numbered_components(changes["components"])
        if "attachments" in body or files:
            changes["attachments"] = self.kept_attachments(msg, body) + self.attachments_from(
                body, files, ephemeral=msg.ephemeral
            )
        flags = msg.flags & ~Message.LOADING
        if body.get("flags") is not None:
            flags = (flags & Message.EPHEMERAL) | (int(body["flags"]) & ALLOWED_MESSAGE_FLAGS)
        changes["flags"] = flags
        return self.s.edit_message(msg, **changes)

    # ---- login and gateway ----------------------------------------------------------------------------
    async def me(self, request: web.Request) -> web.Response:
        return json_response({**payloads.user(self.s.bot_user), "verified": True, "mfa_enabled": False})

    async def application(self, request: web.Request) -> web.Response:
        s = self.s
        return json_response(payloads.app_info(s.application_id, s.bot_user.name, s.app_owner))

    async def gateway(self, request: web.Request) -> web.Response:
        return json_response({"url": self.s.gateway_url})

    async def gateway_bot(self, request: web.Request) -> web.Response:
        return json_response(
            {
                "url": self.s.gateway_url,
                # Discord recommends a shard per 1,000 guilds and requires one per 2,500.
                "shards": max(1, -(-len(self.s.guilds) // 1000)),
                "session_start_limit": {
                    "total": 1000,
                    "remaining": 1000 - min(self.s.gateway.identifies, 1000),
                    "reset_after": 86_400_000,
                    "max_concurrency": self.s.gateway.max_concurrency,
                },
            }
        )

    # ---- commands -------------------------------------------------------------------------------------
    def _store_commands(
        self, scope: int | None, commands: list[dict[str, Any]], *, replace: bool
    ) -> list[Any]:
        s = self.s
        old = s.commands.get(scope, {})
        new = {} if replace else dict(old)
        for c in commands:
            previous = old.get(c["name"])
            echoed = {
                "type": 1,
                "description": "",
                "options": [],
                "default_member_permissions": None,
                "nsfw": False,
                **c,
                "id": previous["id"] if previous else str(s.ids.next()),
                "application_id": str(s.application_id),
                "version": str(s.ids.next()),
            }
            if echoed["default_member_permissions"] is not None:  # Discord answers it as a string
                echoed["default_member_permissions"] = str(int(echoed["default_member_permissions"]))
            if scope is not None:
                echoed["guild_id"] = str(scope)
                echoed.pop("dm_permission", None)  # global commands only
            else:
                echoed.setdefault("dm_permission", True)
            new[c["name"]] = echoed
        s.commands[scope] = new
        return [new[c["name"]] for c in commands]

    async def put_commands(self, request: web.Request) -> web.Response:
        body, _ = await self.body(request)
        check_commands(body, bulk=True)
        scope = int(request.match_info["guild_id"]) if "guild_id" in request.match_info else None
        return json_response(self._store_commands(scope, body, replace=True))

    async def post_command(self, request: web.Request) -> web.Response:
        body, _ = await self.body(request)
        check_commands(body, bulk=False)
        scope = int(request.match_info["guild_id"]) if "guild_id" in request.match_info else None
        existing = self.s.commands.get(scope, {})
        if body["name"] not in existing and len(existing) >= limit("command.count"):
            raise ApiError(400, 30032, "Maximum number of application commands reached (100)")
        return json_response(self._store_commands(scope, [body], replace=False)[0], 201)

    async def get_commands(self, request: web.Request) -> web.Response:
        scope = int(request.match_info["guild_id"]) if "guild_id" in request.match_info else None
        return json_response(list(self.s.commands.get(scope, {}).values()))

    async def delete_command(self, request: web.Request) -> web.Response:
        scope = int(request.match_info["guild_id"]) if "guild_id" in request.match_info else None
        cmds = self.s.commands.get(scope, {})
        for name, c in list(cmds.items()):
            if c["id"] == request.match_info["command_id"]:
                del cmds[name]
                return no_content()
        raise ApiError(404, 10063, "Unknown application command")

    # ---- guilds, channels, users ----------------------------------------------------------------------
    def _guild(self, request: web.Request) -> Any:
        try:
            return self.s.guilds[int(request.match_info["guild_id"])]
        except (KeyError, ValueError):
            raise ApiError(404, 10004, "Unknown Guild") from None

    async def get_guild(self, request: web.Request) -> web.Response:
        g = self._guild(request)
        with_counts = request.query.get("with_counts", "").lower() in ("1", "true")
        return json_response(payloads.guild_rest(g, len(g.members), with_counts=with_counts))

    async def get_guild_channels(self, request: web.Request) -> web.Response:
        return json_response([payloads.channel(c) for c in self._guild(request).channels.values()])

    async def get_guild_roles(self, request: web.Request) -> web.Response:
        return json_response([payloads.role(r) for r in self._guild(request).roles.values()])

    async def get_guild_member(self, request: web.Request) -> web.Response:
        g = self._guild(request)
        m = g.members.get(int(request.match_info["user_id"]))
        if m is None:
            raise ApiError(404, 10007, "Unknown Member")
        return json_response(payloads.member(m))

    async def get_guild_members(self, request: web.Request) -> web.Response:
        g = self._guild(request)
        limit = min(int(request.query.get("limit", 1)), 1000)
        after = int(request.query.get("after", 0))
        ms = sorted((m for m in g.members.values() if m.id > after), key=lambda m: m.id)[:limit]
        return json_response([payloads.member(m) for m in ms])

    async def get_active_threads(self, request: web.Request) -> web.Response:
        g = self._guild(request)
        return json_response(
            {"threads": [payloads.channel(t) for t in g.threads.values() if not t.archived], "members": []}
        )

    async def get_channel(self, request: web.Request) -> web.Response:
        c = self.s.channel(request.match_info["channel_id"])
        self.s.require(c, self.s.bot_user)
        return json_response(payloads.channel(c))

    async def patch_channel(self, request: web.Request) -> web.Response:
        s = self.s
        c = s.channel(request.match_info["channel_id"])
        body, _ = await self.body(request)
        check_channel_patch(body, thread=c.is_thread)
        if c.is_thread:
            if c.owner_id != s.bot_user.id:
                s.require(c, s.bot_user, Perm.MANAGE_THREADS)
            c.name = body.get("name", c.name)
            c.auto_archive_duration = int(body.get("auto_archive_duration") or c.auto_archive_duration)
            if "archived" in body:
                c.archived = bool(body["archived"])
                c.archive_timestamp = s.now()
            s.gateway.emit("THREAD_UPDATE", payloads.channel(c))
        else:
            s.require(c, s.bot_user, Perm.MANAGE_CHANNELS)
            c.name = body.get("name", c.name)
            c.topic = body.get("topic", c.topic)
            s.gateway.emit("CHANNEL_UPDATE", payloads.channel(c))
        return json_response(payloads.channel(c))

    async def get_user(self, request: web.Request) -> web.Response:
        u = self.s.users.get(int(request.match_info["user_id"]))
        if u is None:
            raise ApiError(404, 10013, "Unknown User")
        return json_response(payloads.user(u))

    # ---- messages -------------------------------------------------------------------------------------
    async def post_message(self, request: web.Request) -> web.Response:
        s = self.s
        channel = s.channel(request.match_info["channel_id"])
        body, files = await self.body(request)
        if channel.type == ChannelType.DM:
            s.dms.check_send(channel)
        else:
            s.check_send(channel, s.bot_user, files=bool(files), poll=bool(body.get("poll")))
        ref = body.get("message_reference") or {}
        if ref.get("type") == FORWARD:
            forward_body_errors(body)
            original = self.reply_target(channel, body)
            if original is None:
                raise unknown_message()
            msg = s.forward_message(original, channel, s.bot_user)
        else:
            msg = self.new_message(channel, body, files)
        return json_response(s.message_payload(msg))

    async def get_message(self, request: web.Request) -> web.Response:
        s = self.s
        channel = s.channel(request.match_info["channel_id"])
        s.require(channel, s.bot_user, Perm.READ_MESSAGE_HISTORY)
        msg = s.message(channel.id, request.match_info["message_id"])
        s.finalize_due_polls()
        return json_response(s.message_payload(msg))

    async def get_messages(self, request: web.Request) -> web.Response:
        s = self.s
        channel = s.channel(request.match_info["channel_id"])
        s.require(channel, s.bot_user, Perm.READ_MESSAGE_HISTORY)
        q = request.query
        limit = max(1, min(int(q.get("limit", 50)), 100))
        msgs = [m for m in s.channel_messages.get(channel.id, []) if not m.deleted]
        if "before" in q:
            msgs = [m for m in msgs if m.id < int(q["before"])][-limit:]
        elif "after" in q:
            msgs = [m for m in msgs if m.id > int(q["after"])][:limit]
        elif "around" in q:
            around = int(q["around"])
            older = [m for m in msgs if m.id <= around][-(limit // 2 + 1) :]
            newer = [m for m in msgs if m.id > around][: limit - len(older)]
            msgs = older + newer
        else:
            msgs = msgs[-limit:]
        return json_response([s.message_payload(m) for m in reversed(msgs)])

    async def patch_message(self, request: web.Request) -> web.Response:
        s = self.s
        channel = s.channel(request.match_info["channel_id"])
        msg = s.message(channel.id, request.match_info["message_id"])
        body, files = await self.body(request)
        if msg.author.id != s.bot_user.id:
            raise ApiError(403, 50005, "Cannot edit a message authored by another user")
        return json_response(s.message_payload(self.apply_edit(msg, body, files)))

    async def delete_message(self, request: web.Request) -> web.Response:
        s = self.s
        channel = s.channel(request.match_info["channel_id"])
        msg = s.message(channel.id, request.match_info["message_id"])
        if msg.author.id != s.bot_user.id:
            s.require(channel, s.bot_user, Perm.MANAGE_MESSAGES)
        s.delete_message(msg)
        return no_content()

    async def bulk_delete(self, request: web.Request) -> web.Response:
        """2..100 message ids, none older than two weeks (50034), all in this channel."""
        s = self.s
        channel = s.channel(request.match_info["channel_id"])
        body, _ = await self.body(request)
        s.require(channel, s.bot_user, Perm.MANAGE_MESSAGES)
        form = FormErrors()
        ids = body.get("messages")
        if form.required(["messages"], ids):
            form.length(["messages"], ids, 2, limit("bulk_delete.messages"))
        form.raise_if_any()
        msgs = [s.message(channel.id, mid) for mid in dict.fromkeys(ids)]
        oldest = s.now() - timedelta(days=limit("bulk_delete.days"))
        if any(m.created_at < oldest for m in msgs):
            raise ApiError(400, 50034, "You can only bulk delete messages that are under 14 days old.")
        s.delete_messages(channel, msgs)
        return no_content()

    async def delete_channel(self, request: web.Request) -> web.Response:
        s = self.s
        c = s.channel(request.match_info["channel_id"])
        s.require(c, s.bot_user, Perm.MANAGE_THREADS if c.is_thread else Perm.MANAGE_CHANNELS)
        s.remove_channel(c)
        return json_response(payloads.channel(c))

    async def pin(self, request: web.Request) -> web.Response:
        s = self.s
        channel = s.channel(request.match_info["channel_id"])
        msg = s.message(channel.id, request.match_info["message_id"])
        s.require(channel, s.bot_user, Perm.MANAGE_MESSAGES)
        msg.pinned = request.method == "PUT"
        msg.pinned_at = s.now() if msg.pinned else None
        s.gateway.emit(
            "CHANNEL_PINS_UPDATE",
            {
                "guild_id": str(channel.guild_id),
                "channel_id": str(channel.id),
                "last_pin_timestamp": payloads.iso(s.now()),
            },
        )
        return no_content()

    def _pinned(self, request: web.Request) -> list[Message]:
        s = self.s
        channel = s.channel(request.match_info["channel_id"])
        s.require(channel, s.bot_user, Perm.READ_MESSAGE_HISTORY)
        msgs = [m for m in s.channel_messages.get(channel.id, []) if m.pinned and not m.deleted]
        return sorted(msgs, key=pinned_at, reverse=True)

    async def list_pins(self, request: web.Request) -> web.Response:
        """``GET /channels/{c}/messages/pins``: ``{items: [{pinned_at, message}], has_more}``, newest first."""
        msgs = self._pinned(request)
        before = request.query.get("before")
        if before:
            cut = datetime.fromisoformat(before)
            msgs = [m for m in msgs if pinned_at(m) < cut]
        limit = max(1, min(int(request.query.get("limit", 50)), 50))
        items = [{"pinned_at": payloads.iso(pinned_at(m)), "message": self.s.message_payload(m)} for m in msgs]
        return json_response({"items": items[:limit], "has_more": len(items) > limit})

    async def list_pins_deprecated(self, request: web.Request) -> web.Response:
        """``GET /channels/{c}/pins``: the pinned messages as a plain list (the older route)."""
        return json_response([self.s.message_payload(m) for m in self._pinned(request)])

    # ---- reactions ------------------------------------------------------------------------------------
    def _reaction_target(self, request: web.Request) -> tuple[Channel, Message, dict[str, Any]]:
        s = self.s
        channel = s.channel(request.match_info["channel_id"])
        msg = s.message(channel.id, request.match_info["message_id"])
        return channel, msg, s.parse_emoji(unquote(request.match_info["emoji"]))

    async def put_reaction(self, request: web.Request) -> web.Response:
        s = self.s
        channel, msg, emoji = self._reaction_target(request)
        bits = [Perm.READ_MESSAGE_HISTORY]
        if s.emoji_key(emoji) not in msg.reactions:
            bits.append(Perm.ADD_REACTIONS)
        s.require(channel, s.bot_user, *bits)
        s.add_reaction(msg, s.bot_user, emoji)
        return no_content()

    async def delete_own_reaction(self, request: web.Request) -> web.Response:
        s = self.s
        _, msg, emoji = self._reaction_target(request)
        s.remove_reaction(msg, s.bot_user, emoji)
        return no_content()

    async def delete_user_reaction(self, request: web.Request) -> web.Response:
        s = self.s
        channel, msg, emoji = self._reaction_target(request)
        s.require(channel, s.bot_user, Perm.MANAGE_MESSAGES)
        who = s.users.get(int(request.match_info["user_id"]))
        if who is not None:
            s.remove_reaction(msg, who, emoji)
        return no_content()

    async def get_reaction_users(self, request: web.Request) -> web.Response:
        s = self.s
        _, msg, emoji = self._reaction_target(request)
        reaction = msg.reactions.get(s.emoji_key(emoji))
        if reaction is None:
            raise ApiError(404, 10014, "Unknown Emoji")
        limit = min(int(request.query.get("limit", 25)), 100)
        after = int(request.query.get("after", 0))
        ids = sorted(uid for uid in reaction.users if uid > after)[:limit]
        return json_response([payloads.user(s.users[uid]) for uid in ids])

    async def clear_reactions(self, request: web.Request) -> web.Response:
        s = self.s
        channel = s.channel(request.match_info["channel_id"])
        msg = s.message(channel.id, request.match_info["message_id"])
        s.require(channel, s.bot_user, Perm.MANAGE_MESSAGES)
        base = {"channel_id": str(channel.id), "message_id": str(msg.id), "guild_id": str(channel.guild_id)}
        if "emoji" in request.match_info:
            emoji = s.parse_emoji(unquote(request.match_info["emoji"]))
            if msg.reactions.pop(s.emoji_key(emoji), None) is not None:
                s.gateway.emit("MESSAGE_REACTION_REMOVE_EMOJI", {**base, "emoji": emoji})
        else:
            msg.reactions.clear()
            s.gateway.emit("MESSAGE_REACTION_REMOVE_ALL", base)
        s._bump()
        return no_content()

    # ---- polls ----------------------------------------------------------------------------------------
    async def expire_poll(self, request: web.Request) -> web.Response:
        s = self.s
        channel = s.channel(request.match_info["channel_id"])
        msg = s.message(channel.id, request.match_info["message_id"])
        if msg.poll is None:
            raise unknown_message()
        if msg.author.id != s.bot_user.id:
            raise missing_permissions()
        if msg.poll.finalized:
            raise ApiError(400, 520001, "Poll has already expired")
        s.finalize_poll(msg)
        return json_response(s.message_payload(msg))

    async def poll_voters(self, request: web.Request) -> web.Response:
        s = self.s
        channel = s.channel(request.match_info["channel_id"])
        msg = s.message(channel.id, request.match_info["message_id"])
        if msg.poll is None:
            raise unknown_message()
        answer = msg.poll.answers.get(int(request.match_info["answer_id"]))
        if answer is None:
            raise ApiError(404, 10008, "Unknown poll answer")
        limit = min(int(request.query.get("limit", 25)), 100)
        after = int(request.query.get("after", 0))
        ids = sorted(uid for uid in answer.voters if uid > after)[:limit]
        return json_response({"users": [payloads.user(s.users[uid]) for uid in ids]})

    # ---- threads --------------------------------------------------------------------------------------
    async def thread_from_message(self, request: web.Request) -> web.Response:
        s = self.s
        channel = s.channel(request.match_info["channel_id"])
        msg = s.message(channel.id, request.match_info["message_id"])
        body, _ = await self.body(request)
        check_thread_body(body)
        s.require(channel, s.bot_user, Perm.CREATE_PUBLIC_THREADS)
        if msg.thread_id is not None:
            raise ApiError(400, 160004, "A thread has already been created for this message")
        thread = s.create_thread(
            channel,
            s.bot_user,
            str(body["name"]),
            message=msg,
            auto_archive_duration=int(body.get("auto_archive_duration") or 1440),
        )
        return json_response(payloads.channel(thread), 201)

    async def thread_without_message(self, request: web.Request) -> web.Response:
        s = self.s
        channel = s.channel(request.match_info["channel_id"])
        body, _ = await self.body(request)
        check_thread_body(body)
        private = int(body.get("type") or ChannelType.PUBLIC_THREAD) == ChannelType.PRIVATE_THREAD
        s.require(channel, s.bot_user, Perm.CREATE_PRIVATE_THREADS if private else Perm.CREATE_PUBLIC_THREADS)
        thread = s.create_thread(
            channel,
            s.bot_user,
            str(body["name"]),
            private=private,
            auto_archive_duration=int(body.get("auto_archive_duration") or 1440),
        )
        return json_response(payloads.channel(thread), 201)

    async def join_thread(self, request: web.Request) -> web.Response:
        c = self.s.channel(request.match_info["channel_id"])
        c.member_ids.add(self.s.bot_user.id)
        return no_content()

    # ---- interactions ---------------------------------------------------------------------------------
    def _interaction(self, request: web.Request, *, by: str) -> InteractionResult:
        s = self.s
        token = request.match_info["token"]
        if by == "id":
            result = s.interactions.get(int(request.match_info["interaction_id"]))
            if result is None or result.token != token:
                raise unknown_interaction()
            return result
        if int(request.match_info["application_id"]) != s.application_id:
            raise unknown_webhook()
        for result in reversed(s.interactions.values()):
            if result.token == token:
                if s.now() - result.created_at > TOKEN_LIFETIME:
                    raise ApiError(401, 50027, "Invalid Webhook Token")
                return result
        raise unknown_webhook()

    async def interaction_callback(self, request: web.Request) -> web.Response:
        s = self.s
        result = self._interaction(request, by="id")
        body, files = await self.body(request)
        if result.acknowledged:
            raise already_acknowledged()
        if s.now() - result.created_at > ACK_DEADLINE:
            raise unknown_interaction()
        kind = int(body.get("type", 0))
        data = body.get("data") or {}
        resource: dict[str, Any] = {"type": kind}
        message: Message | None = None
        if kind == CallbackType.MESSAGE:
            message = self.new_message(
                result.channel,
                data,
                files,
                ephemeral_ok=True,
                interaction=result,
                type=20 if result.kind == InteractionKind.APPLICATION_COMMAND else 0,
                prefix=["data"],
            )
            result.original = message
        elif kind == CallbackType.DEFERRED_MESSAGE:
            flags = Message.LOADING | (int(data.get("flags") or 0) & Message.EPHEMERAL)
            message = s.create_message(
                result.channel,
                s.bot_user,
                flags=flags,
                webhook_id=s.application_id,
                type=20 if result.kind == InteractionKind.APPLICATION_COMMAND else 0,
            )
            result.original = message
        elif kind in (CallbackType.DEFERRED_UPDATE, CallbackType.UPDATE_MESSAGE):
            if result.source_message is None:
                raise ApiError(
                    400,
                    50035,
                    "Invalid Form Body",
                    {
                        "type": {
                            "_errors": [
                                {
                                    "code": "INTERACTION_RESPONSE_TYPE_INVALID",
                                    "message": "This response type is only valid for components",
                                }
                            ]
                        }
                    },
                )
            message = result.source_message
            result.original = message
            if kind == CallbackType.UPDATE_MESSAGE:
                self.apply_edit(message, data, files, prefix=["data"])
        elif kind == CallbackType.MODAL:
            if result.kind in (InteractionKind.MODAL_SUBMIT, InteractionKind.AUTOCOMPLETE):
                raise ApiError(400, 50035, "Invalid Form Body")
            check_modal(data)
            result.modal = data
        elif kind == CallbackType.AUTOCOMPLETE_RESULT:
            check_autocomplete(data)
            result.choices = list(data.get("choices") or [])
        else:
            raise ApiError(
                400,
                50035,
                "Invalid Form Body",
                {
                    "type": {
                        "_errors": [{"code": "BASE_TYPE_CHOICES", "message": f"Value {kind} is not valid"}]
                    }
                },
            )
        result.type = kind
        result.callback_body = body
        result._notify()
        if message is not None and kind != CallbackType.DEFERRED_UPDATE:
            resource["message"] = s.message_payload(message)
        interaction = {
            "id": str(result.id),
            "type": result.kind,
            "response_message_id": str(message.id) if message is not None else None,
            "response_message_loading": kind == CallbackType.DEFERRED_MESSAGE,
            "response_message_ephemeral": bool(message is not None and message.ephemeral),
        }
        return json_response({"interaction": interaction, "resource": resource})

    async def followup(self, request: web.Request) -> web.Response:
        s = self.s
        result = self._interaction(request, by="token")
        if not result.acknowledged:
            raise unknown_webhook()
        body, files = await self.body(request)
        channel = result.channel
        if "thread_id" in request.query:
            channel = s.channel(request.query["thread_id"])
        msg = self.new_message(channel, body, files, ephemeral_ok=True, interaction=result)
        result.followups.append(msg)
        result._notify()
        if request.query.get("wait") in ("1", "true", "True"):
            return json_response(s.message_payload(msg))
        return no_content()

    def _webhook_message(self, request: web.Request) -> tuple[InteractionResult, Message]:
        result = self._interaction(request, by="token")
        mid = request.match_info["message_id"]
        if mid == "@original":
            if result.original is None:
                raise unknown_message()
            return result, result.original
        for m in result.followups:
            if str(m.id) == mid:
                return result, m
        if result.original is not None and str(result.original.id) == mid:
            return result, result.original
        raise unknown_message()

    async def get_webhook_message(self, request: web.Request) -> web.Response:
        _, msg = self._webhook_message(request)
        if msg.deleted:
            raise unknown_message()
        return json_response(self.s.message_payload(msg))

    async def patch_webhook_message(self, request: web.Request) -> web.Response:
        result, msg = self._webhook_message(request)
        body, files = await self.body(request)
        self.apply_edit(msg, body, files)
        result._notify()
        return json_response(self.s.message_payload(msg))

    async def delete_webhook_message(self, request: web.Request) -> web.Response:
        result, msg = self._webhook_message(request)
        self.s.delete_message(msg)
        result._notify()
        return no_content()

    # ---- attachments (the CDN stand-in) ---------------------------------------------------------------
    async def attachment_bytes(self, request: web.Request) -> web.Response:
        att = self.s.attachments.get(int(request.match_info["attachment_id"]))
        if att is None:
            raise web.HTTPNotFound()
        return web.Response(body=att.data, content_type=att.content_type or "application/octet-stream")


def build_app(server: LocalDiscord) -> web.Application:
    api = RestApi(server)
    app = web.Application(middlewares=[api.middleware], client_max_size=64 * 1024 * 1024)
    r = app.router
    p = PREFIX
    app_cmds = p + "/applications/{application_id}"
    routes = [
        ("GET", "/users/@me", api.me),
        ("GET", "/oauth2/applications/@me", api.application),
        ("GET", "/applications/@me", api.application),
        ("GET", "/gateway", api.gateway),
        ("GET", "/gateway/bot", api.gateway_bot),
        ("GET", "/users/{user_id}", api.get_user),
        ("POST", "/users/@me/channels", server.dms.create_dm),
        ("GET", "/guilds/{guild_id}", api.get_guild),
        ("GET", "/guilds/{guild_id}/channels", api.get_guild_channels),
        ("GET", "/guilds/{guild_id}/roles", api.get_guild_roles),
        ("GET", "/guilds/{guild_id}/members", api.get_guild_members),
        ("GET", "/guilds/{guild_id}/members/{user_id}", api.get_guild_member),
        ("GET", "/guilds/{guild_id}/threads/active", api.get_active_threads),
        ("GET", "/channels/{channel_id}", api.get_channel),
        ("PATCH", "/channels/{channel_id}", api.patch_channel),
        ("DELETE", "/channels/{channel_id}", api.delete_channel),
        ("POST", "/channels/{channel_id}/messages/bulk-delete", api.bulk_delete),
        ("POST", "/channels/{channel_id}/messages", api.post_message),
        ("GET", "/channels/{channel_id}/messages", api.get_messages),
        ("GET", "/channels/{channel_id}/messages/pins", api.list_pins),
        ("GET", "/channels/{channel_id}/pins", api.list_pins_deprecated),
        ("PUT", "/channels/{channel_id}/pins/{message_id}", api.pin),
        ("DELETE", "/channels/{channel_id}/pins/{message_id}", api.pin),
        ("PUT", "/channels/{channel_id}/messages/pins/{message_id}", api.pin),
        ("DELETE", "/channels/{channel_id}/messages/pins/{message_id}", api.pin),
        ("GET", "/channels/{channel_id}/messages/{message_id}", api.get_message),
        ("PATCH", "/channels/{channel_id}/messages/{message_id}", api.patch_message),
        ("DELETE", "/channels/{channel_id}/messages/{message_id}", api.delete_message),
        ("PUT", "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me", api.put_reaction),
        (
            "DELETE",
            "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me",
            api.delete_own_reaction,
        ),
        (
            "DELETE",
            "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/{user_id}",
            api.delete_user_reaction,
        ),
        ("GET", "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}", api.get_reaction_users),
        ("DELETE", "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}", api.clear_reactions),
        ("DELETE", "/channels/{channel_id}/messages/{message_id}/reactions", api.clear_reactions),
        ("POST", "/channels/{channel_id}/messages/{message_id}/threads", api.thread_from_message),
        ("POST", "/channels/{channel_id}/threads", api.thread_without_message),
        ("PUT", "/channels/{channel_id}/thread-members/@me", api.join_thread),
        ("POST", "/channels/{channel_id}/polls/{message_id}/expire", api.expire_poll),
        ("GET", "/channels/{channel_id}/polls/{message_id}/answers/{answer_id}", api.poll_voters),
        ("POST", "/interactions/{interaction_id}/{token}/callback", api.interaction_callback),
        ("POST", "/webhooks/{application_id}/{token}", api.followup),
        ("GET", "/webhooks/{application_id}/{token}/messages/{message_id}", api.get_webhook_message),
        ("PATCH", "/webhooks/{application_id}/{token}/messages/{message_id}", api.patch_webhook_message),
        ("DELETE", "/webhooks/{application_id}/{token}/messages/{message_id}", api.delete_webhook_message),
    ]
    for method, path, handler in routes:
        r.add_route(method, p + path, handler)
    for scope in ("", "/guilds/{guild_id}"):
        r.add_route("PUT", app_cmds + scope + "/commands", api.put_commands)
        r.add_route("GET", app_cmds + scope + "/commands", api.get_commands)
        r.add_route("POST", app_cmds + scope + "/commands", api.post_command)
        r.add_route("DELETE", app_cmds + scope + "/commands/{command_id}", api.delete_command)
    oauth2.add_routes(r, server.oauth_routes, p)
    r.add_route("GET", "/gateway", server.gateway.handle)
    r.add_route("GET", "/attachments/{attachment_id}/{filename}", api.attachment_bytes)
    return app
