"""Invites, the vanity URL and the audit log's invite entries, as Discord serves them.

- ``POST /channels/{c}/invites`` (Create Instant Invite) makes an invite with ``max_age``
  (seconds, 0 = never, default 86400) and ``max_uses`` (0 = unlimited); ``unique: false`` hands
  back an existing invite with the same settings by the same inviter.
- ``GET /guilds/{g}/invites`` (Manage Server) and ``GET /channels/{c}/invites`` (Manage Channels)
  list invites with their metadata (``uses``, ``max_uses``, ``max_age``, ``created_at``);
  ``GET /invites/{code}`` is public; ``DELETE /invites/{code}`` needs Manage Channels on the
  invite's channel or Manage Server. Missing a permission: 403, 50013. Unknown code: 404, 10006.
- An invite past its ``expires_at`` is gone from every list and lookup; Discord sends no event for
  that. An invite whose ``uses`` reach ``max_uses`` is deleted with INVITE_DELETE.
- INVITE_CREATE / INVITE_DELETE need the ``guild_invites`` intent, and go only to a bot that may
  manage the invite's channel (Manage Channels there, or Manage Server).
- ``GET /guilds/{g}/vanity-url`` (Manage Server): ``{code, uses}`` (``code`` null without one).
  A guild with a vanity URL has ``VANITY_URL`` in its ``features`` and the code in
  ``vanity_url_code`` (GUILD_CREATE, GUILD_UPDATE when it is set).
- ``GET /guilds/{g}/audit-logs`` (View Audit Log): entries for invite create (40) and delete (42),
  newest first, ``action_type``/``user_id``/``before``/``after``/``limit`` honoured. Discord logs a
  moderator's delete, not an invite used up or expired.
- ``join(guild, who, invite=code)`` joins through a code: the code must be live, its ``uses``
  goes up by one (the vanity's too), then GUILD_MEMBER_ADD.
"""

from __future__ import annotations

import secrets
import string
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from aiohttp import web

from . import payloads
from .payloads import iso
from .rest import JSON_BODY, PREFIX, json_response, read_body
from .validation import ApiError, missing_permissions
from .world import Channel, Guild, Member, Perm, User

if TYPE_CHECKING:
    from .server import LocalDiscord

GUILD_INVITES_INTENT = 1 << 6
VIEW_AUDIT_LOG = 1 << 7
AUDIT_INVITE_CREATE = 40
AUDIT_INVITE_UPDATE = 41
AUDIT_INVITE_DELETE = 42
MAX_AGE_LIMIT = 604_800  # 7 days
MAX_USES_LIMIT = 100
_CODE_ALPHABET = string.ascii_letters + string.digits


def unknown_invite() -> ApiError:
    return ApiError(404, 10006, "Unknown Invite")


@dataclass
class Invite:
    code: str
    guild_id: int
    channel_id: int
    inviter_id: int | None
    created_at: datetime
    max_age: int = 86_400
    max_uses: int = 0
    uses: int = 0
    temporary: bool = False

    @property
    def expires_at(self) -> datetime | None:
        return self.created_at + timedelta(seconds=self.max_age) if self.max_age else None

    def live(self, now: datetime) -> bool:
        return self.expires_at is None or now < self.expires_at


@dataclass
class AuditEntry:
    id: int
    guild_id: int
    user_id: int
    action_type: int
    changes: list[dict[str, Any]]
    target_id: int | None = None
    reason: str | None = None


@dataclass
class InviteBook:
    """The local Discord's invite state: live invites by code, vanity codes and uses, audit log."""

    invites: dict[str, Invite] = field(default_factory=dict)
    vanity: dict[int, Invite] = field(default_factory=dict)  # guild id -> its vanity invite
    audit: list[AuditEntry] = field(default_factory=list)


def invite_changes(inv: Invite) -> list[dict[str, Any]]:
    values = {
        "code": inv.code,
        "channel_id": str(inv.channel_id),
        "inviter_id": str(inv.inviter_id) if inv.inviter_id else None,
        "uses": inv.uses,
        "max_uses": inv.max_uses,
        "max_age": inv.max_age,
        "temporary": inv.temporary,
        "flags": 0,
    }
    return [{"key": k, "new_value": v} for k, v in values.items()]


class InvitesMixin:
    """Invite verbs and core operations of ``LocalDiscord`` (state in ``self.invite_book``)."""

    invite_book: InviteBook

    # ---- core operations ----------------------------------------------------------------------
    def live_invite(self: LocalDiscord, code: str) -> Invite:  # type: ignore[misc]
        inv = self.invite_book.invites.get(code)
        if inv is None:
            inv = next((v for v in self.invite_book.vanity.values() if v.code == code), None)
        if inv is None or not inv.live(self.now()):
            raise unknown_invite()
        return inv

    def guild_invites(self: LocalDiscord, guild: Guild) -> list[Invite]:  # type: ignore[misc]
        now = self.now()
        return [i for i in self.invite_book.invites.values() if i.guild_id == guild.id and i.live(now)]

    def invite_payload(self: LocalDiscord, inv: Invite, *, metadata: bool = True) -> dict[str, Any]:  # type: ignore[misc]
        guild = self.guilds[inv.guild_id]
        channel = self.channels[inv.channel_id]
        vanity = self.invite_book.vanity.get(guild.id)
        data: dict[str, Any] = {
            "type": 0,
            "code": inv.code,
            "guild": {
                "id": str(guild.id),
                "name": guild.name,
                "splash": None,
                "banner": None,
                "description": None,
                "icon": None,
                "features": ["VANITY_URL"] if vanity else [],
                "verification_level": 0,
                "vanity_url_code": vanity.code if vanity else None,
                "nsfw_level": 0,
                "premium_subscription_count": 0,
            },
            "channel": {"id": str(channel.id), "name": channel.name, "type": channel.type},
            "expires_at": iso(inv.expires_at),
        }
        if inv.inviter_id is not None and inv.inviter_id in self.users:
            data["inviter"] = payloads.user(self.users[inv.inviter_id])
        if metadata:
            data.update(
                uses=inv.uses,
                max_uses=inv.max_uses,
                max_age=inv.max_age,
                temporary=inv.temporary,
                created_at=iso(inv.created_at),
            )
        return data

    def _emit_invite(self: LocalDiscord, event: str, inv: Invite) -> None:  # type: ignore[misc]
        """INVITE_CREATE/DELETE reach a bot that may manage the invite's channel."""
        channel = self.channels[inv.channel_id]
        perms = self.bot_permissions(channel)
        if not perms & (Perm.MANAGE_CHANNELS | Perm.MANAGE_GUILD | Perm.ADMINISTRATOR):
            return
        data: dict[str, Any] = {"channel_id": str(inv.channel_id), "guild_id": str(inv.guild_id), "code": inv.code}
        if event == "INVITE_CREATE":
            data.update(
                created_at=iso(inv.created_at),
                max_age=inv.max_age,
                max_uses=inv.max_uses,
                temporary=inv.temporary,
                uses=0,
                expires_at=iso(inv.expires_at),
            )
            if inv.inviter_id is not None and inv.inviter_id in self.users:
                data["inviter"] = payloads.user(self.users[inv.inviter_id])
        self.gateway.emit(event, data, intent=GUILD_INVITES_INTENT)

    def _audit(self: LocalDiscord, guild_id: int, user_id: int, action: int, inv: Invite, reason: str | None) -> None:  # type: ignore[misc]
        self.invite_book.audit.append(
            AuditEntry(self.ids.next(), guild_id, user_id, action, invite_changes(inv), reason=reason)
        )

    def make_invite(
        self: LocalDiscord,  # type: ignore[misc]
        channel: Channel,
        inviter: Member | User | None,
        *,
        max_age: int = 86_400,
        max_uses: int = 0,
        temporary: bool = False,
        unique: bool = True,
        reason: str | None = None,
    ) -> Invite:
        """Create an invite (the inviter needs Create Instant Invite in the channel)."""
        user = inviter.user if isinstance(inviter, Member) else inviter
        if user is not None:
            self.require(channel, user, Perm.CREATE_INSTANT_INVITE)
        if not unique and user is not None:
            for inv in self.guild_invites(self.guilds[channel.guild_id]):
                same = (inv.channel_id, inv.inviter_id, inv.max_age, inv.max_uses, inv.temporary)
                if same == (channel.id, user.id, max_age, max_uses, temporary):
                    return inv
        code = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(8))
        inv = Invite(
            code, channel.guild_id, channel.id, user.id if user else None, self.now(), max_age, max_uses, 0, temporary
        )
        self.invite_book.invites[code] = inv
        if user is not None:
            self._audit(channel.guild_id, user.id, AUDIT_INVITE_CREATE, inv, reason)
        self._emit_invite("INVITE_CREATE", inv)
        self._bump()
        return inv

    def remove_invite(
        self: LocalDiscord, code: str, by: Member | User | None = None, reason: str | None = None
    ) -> Invite:  # type: ignore[misc]
        """Delete a live invite (a moderator's delete is audit-logged; a used-up one is not)."""
        inv = self.live_invite(code)
        if code not in self.invite_book.invites:  # the vanity URL is not deleted this way
            raise unknown_invite()
        del self.invite_book.invites[code]
        if by is not None:
            user = by.user if isinstance(by, Member) else by
            self._audit(inv.guild_id, user.id, AUDIT_INVITE_DELETE, inv, reason)
        self._emit_invite("INVITE_DELETE", inv)
        self._bump()
        return inv

    def set_vanity(self: LocalDiscord, guild: Guild, code: str | None, uses: int = 0) -> None:  # type: ignore[misc]
        """Give the guild a vanity URL (its invite lands in the first text channel), or take it away."""
        if code is None:
            self.invite_book.vanity.pop(guild.id, None)
        else:
            channel = next(c for c in guild.channels.values() if c.type == 0)
            self.invite_book.vanity[guild.id] = Invite(code, guild.id, channel.id, None, self.now(), 0, 0, uses)
        guild.vanity_url_code = code  # the guild's VANITY_URL feature and code, announced (GUILD_UPDATE)
        self.gateway.emit("GUILD_UPDATE", payloads.guild_rest(guild, len(guild.members)))
        self._bump()

    def use_code(self: LocalDiscord, guild: Guild, code: str) -> None:  # type: ignore[misc]
        """Someone accepts ``code``: the vanity's or an invite's uses go up by one."""
        vanity = self.invite_book.vanity.get(guild.id)
        if vanity is not None and vanity.code == code:
            vanity.uses += 1
            return
        inv = self.live_invite(code)
        if inv.guild_id != guild.id:
            raise unknown_invite()
        inv.uses += 1
        if inv.max_uses and inv.uses >= inv.max_uses:
            del self.invite_book.invites[code]
            self._emit_invite("INVITE_DELETE", inv)

    # ---- verbs ----------------------------------------------------------------------------------
    async def grant_bot_guild(self: LocalDiscord, guild: Guild, bits: int) -> None:  # type: ignore[misc]
        """The bot's managed role gains ``bits`` server-wide (GUILD_ROLE_UPDATE), e.g. Manage Server."""
        member = self.bot_member(guild)
        role = next(guild.roles[r] for r in member.roles if guild.roles[r].managed)
        role.permissions |= bits
        self.gateway.emit("GUILD_ROLE_UPDATE", {"guild_id": str(guild.id), "role": payloads.role(role)})
        self._bump()
        await self.flush()

    async def create_invite(self: LocalDiscord, channel: Channel, inviter: Member | User, **options: Any) -> Invite:  # type: ignore[misc]
        inv = self.make_invite(channel, inviter, **options)
        await self.flush()
        return inv

    async def delete_invite(self: LocalDiscord, code: str, by: Member | User) -> None:  # type: ignore[misc]
        self.remove_invite(code, by)
        await self.flush()


class InviteRoutes:
    """REST handlers for invites, vanity URL and the audit log."""

    def __init__(self, server: LocalDiscord) -> None:
        self.s = server

    def _guild(self, request: web.Request) -> Guild:
        try:
            return self.s.guilds[int(request.match_info["guild_id"])]
        except (KeyError, ValueError):
            raise ApiError(404, 10004, "Unknown Guild") from None

    @staticmethod
    async def _body(request: web.Request) -> dict[str, Any]:
        body, _ = await read_body(request)
        request[JSON_BODY] = body
        return body

    def _require_guild_perm(self, guild: Guild, bit: int) -> None:
        s = self.s
        member = s.bot_member(guild)
        perms = 0
        for rid in (guild.id, *member.roles):
            role = guild.roles.get(rid)
            if role is not None:
                perms |= role.permissions
        if guild.owner_id != s.bot_user.id and not perms & (bit | Perm.ADMINISTRATOR):
            raise missing_permissions()

    async def create(self, request: web.Request) -> web.Response:
        s = self.s
        channel = s.channel(request.match_info["channel_id"])
        body = await self._body(request)
        max_age = int(body.get("max_age", 86_400))
        max_uses = int(body.get("max_uses", 0))
        errors: dict[str, Any] = {}
        if not 0 <= max_age <= MAX_AGE_LIMIT:
            errors["max_age"] = {"_errors": [{"code": "NUMBER_TYPE_MAX", "message": "int value should be <= 604800."}]}
        if not 0 <= max_uses <= MAX_USES_LIMIT:
            errors["max_uses"] = {"_errors": [{"code": "NUMBER_TYPE_MAX", "message": "int value should be <= 100."}]}
        if errors:
            raise ApiError(400, 50035, "Invalid Form Body", errors)
        inv = s.make_invite(
            channel,
            s.bot_user,
            max_age=max_age,
            max_uses=max_uses,
            temporary=bool(body.get("temporary", False)),
            unique=bool(body.get("unique", False)),
            reason=request.headers.get("X-Audit-Log-Reason"),
        )
        return json_response(s.invite_payload(inv))

    async def list_guild(self, request: web.Request) -> web.Response:
        guild = self._guild(request)
        self._require_guild_perm(guild, Perm.MANAGE_GUILD)
        return json_response([self.s.invite_payload(i) for i in self.s.guild_invites(guild)])

    async def list_channel(self, request: web.Request) -> web.Response:
        s = self.s
        channel = s.channel(request.match_info["channel_id"])
        s.require(channel, s.bot_user, Perm.MANAGE_CHANNELS)
        invites = [i for i in s.guild_invites(s.guild_of(channel)) if i.channel_id == channel.id]
        return json_response([s.invite_payload(i) for i in invites])

    async def get(self, request: web.Request) -> web.Response:
        inv = self.s.live_invite(request.match_info["code"])
        return json_response(self.s.invite_payload(inv, metadata=False))

    async def delete(self, request: web.Request) -> web.Response:
        s = self.s
        inv = s.live_invite(request.match_info["code"])
        channel = s.channels[inv.channel_id]
        perms = s.bot_permissions(channel)
        if not perms & (Perm.MANAGE_CHANNELS | Perm.MANAGE_GUILD | Perm.ADMINISTRATOR):
            raise missing_permissions()
        data = s.invite_payload(inv)
        s.remove_invite(inv.code, s.bot_user, request.headers.get("X-Audit-Log-Reason"))
        return json_response(data)

    async def vanity(self, request: web.Request) -> web.Response:
        guild = self._guild(request)
        self._require_guild_perm(guild, Perm.MANAGE_GUILD)
        vanity = self.s.invite_book.vanity.get(guild.id)
        return json_response({"code": vanity.code if vanity else None, "uses": vanity.uses if vanity else 0})

    async def audit_logs(self, request: web.Request) -> web.Response:
        s = self.s
        guild = self._guild(request)
        self._require_guild_perm(guild, VIEW_AUDIT_LOG)
        q = request.query
        entries = [e for e in s.invite_book.audit if e.guild_id == guild.id]
        if "action_type" in q:
            entries = [e for e in entries if e.action_type == int(q["action_type"])]
        if "user_id" in q:
            entries = [e for e in entries if e.user_id == int(q["user_id"])]
        limit = max(1, min(int(q.get("limit", 50)), 100))
        if "after" in q and "before" not in q:
            entries = sorted((e for e in entries if e.id > int(q["after"])), key=lambda e: e.id)[:limit]
        else:
            before = int(q.get("before", 1 << 63))
            entries = sorted((e for e in entries if e.id < before), key=lambda e: -e.id)[:limit]
        user_ids = {e.user_id for e in entries}
        return json_response(
            {
                "audit_log_entries": [
                    {
                        "id": str(e.id),
                        "user_id": str(e.user_id),
                        "target_id": str(e.target_id) if e.target_id else None,
                        "action_type": e.action_type,
                        "changes": e.changes,
                        "reason": e.reason,
                    }
                    for e in entries
                ],
                "users": [payloads.user(s.users[u]) for u in user_ids if u in s.users],
                "webhooks": [],
                "integrations": [],
                "threads": [],
                "application_commands": [],
                "auto_moderation_rules": [],
                "guild_scheduled_events": [],
            }
        )


def add_invite_routes(app: web.Application, server: LocalDiscord) -> None:
    r = InviteRoutes(server)
    routes = [
        ("POST", "/channels/{channel_id}/invites", r.create),
        ("GET", "/channels/{channel_id}/invites", r.list_channel),
        ("GET", "/guilds/{guild_id}/invites", r.list_guild),
        ("GET", "/guilds/{guild_id}/vanity-url", r.vanity),
        ("GET", "/guilds/{guild_id}/audit-logs", r.audit_logs),
        ("GET", "/invites/{code}", r.get),
        ("DELETE", "/invites/{code}", r.delete),
    ]
    for method, path, handler in routes:
        app.router.add_route(method, PREFIX + path, handler)
