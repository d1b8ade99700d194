"""The one place that turns world objects into Discord API payloads.

discord.py's parsers raise KeyError on a missing required field, which silently ends
``bot.start()``; every REST answer and gateway event is therefore built here, always with
every field discord.py 2.7 reads.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from .world import Attachment, Channel, Guild, Member, Message, Poll, Reaction, Role, User

_USER_MENTION = re.compile(r"<@!?(\d+)>")
_ROLE_MENTION = re.compile(r"<@&(\d+)>")


def iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def user(u: User) -> dict[str, Any]:
    return {
        "id": str(u.id),
        "username": u.name,
        "discriminator": "0",
        "global_name": u.global_name,
        "avatar": u.avatar,
        "bot": u.bot,
        "public_flags": 0,
        "flags": 0,
        "banner": None,
        "accent_color": None,
        "avatar_decoration_data": None,
    }


def member(m: Member, *, with_user: bool = True, permissions: int | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "roles": [str(r) for r in m.roles],
        "joined_at": iso(m.joined_at),
        "nick": m.nick,
        "avatar": None,
        "banner": None,
        "premium_since": None,
        "deaf": False,
        "mute": False,
        "flags": 0,
        "pending": False,
        "communication_disabled_until": None,
    }
    if with_user:
        data["user"] = user(m.user)
    if permissions is not None:
        data["permissions"] = str(permissions)
    return data


def role(r: Role) -> dict[str, Any]:
    return {
        "id": str(r.id),
        "name": r.name,
        "permissions": str(r.permissions),
        "position": r.position,
        "color": r.color,
        "colors": {"primary_color": r.color, "secondary_color": None, "tertiary_color": None},
        "hoist": r.hoist,
        "managed": r.managed,
        "mentionable": r.mentionable,
        "icon": None,
        "unicode_emoji": None,
        "flags": 0,
    }


def channel(c: Channel) -> dict[str, Any]:
    """A guild channel or thread as REST and GUILD_CREATE send it."""
    data: dict[str, Any] = {
        "id": str(c.id),
        "type": c.type,
        "guild_id": str(c.guild_id),
        "name": c.name,
        "position": c.position,
        "parent_id": str(c.parent_id) if c.parent_id else None,
        "nsfw": False,
        "rate_limit_per_user": 0,
        "last_message_id": str(c.last_message_id) if c.last_message_id else None,
        "flags": 0,
    }
    if c.is_thread:
        del data["position"], data["nsfw"]  # a thread has neither (it takes its parent's nsfw)
        data.update(
            owner_id=str(c.owner_id),
            message_count=c.message_count,
            total_message_sent=c.message_count,
            member_count=len(c.member_ids),
            thread_metadata=thread_metadata(c),
        )
    else:
        data["topic"] = c.topic
        data["permission_overwrites"] = [
            {"id": str(o.id), "type": o.type, "allow": str(o.allow), "deny": str(o.deny)}
            for o in c.overwrites.values()
        ]
    return data


def thread_metadata(c: Channel) -> dict[str, Any]:
    return {
        "archived": c.archived,
        "auto_archive_duration": c.auto_archive_duration,
        "archive_timestamp": iso(c.archive_timestamp),
        "locked": False,
        "invitable": True,
        "create_timestamp": iso(c.created_at),
    }


def app_command_channel(c: Channel, permissions: int) -> dict[str, Any]:
    """A channel as it appears in an interaction's ``resolved`` data."""
    data = channel(c)
    data["permissions"] = str(permissions)
    return data


def guild_create(g: Guild, members: list[Member], member_count: int, large: bool) -> dict[str, Any]:
    return {
        "id": str(g.id),
        "name": g.name,
        "icon": None,
        "splash": None,
        "discovery_splash": None,
        "banner": None,
        "description": None,
        "owner_id": str(g.owner_id),
        "afk_channel_id": None,
        "afk_timeout": 300,
        "verification_level": 0,
        "default_message_notifications": 1,
        "explicit_content_filter": 0,
        "mfa_level": 0,
        "nsfw_level": 0,
        "premium_tier": 0,
        "premium_subscription_count": 0,
        "preferred_locale": "en-US",
        "system_channel_id": None,
        "system_channel_flags": 0,
        "rules_channel_id": None,
        "public_updates_channel_id": None,
        "safety_alerts_channel_id": None,
        "max_members": 500000,
        "max_video_channel_users": 25,
        "vanity_url_code": g.vanity_url_code,
        "application_id": None,
        "features": ["VANITY_URL"] if g.vanity_url_code else [],
        "emojis": [],
        "stickers": [],
        "roles": [role(r) for r in g.roles.values()],
        "channels": [channel(c) for c in g.channels.values()],
        "threads": [channel(t) for t in g.threads.values() if not t.archived],
        "members": [member(m) for m in members],
        "member_count": member_count,
        "large": large,
        "unavailable": False,
        "joined_at": iso(g.joined_at),
        "voice_states": [],
        "presences": [],
        "stage_instances": [],
        "guild_scheduled_events": [],
        "soundboard_sounds": [],
        "premium_progress_bar_enabled": False,
        "nsfw": False,
        "lazy": True,
    }


GATEWAY_ONLY_GUILD_FIELDS = (
    "channels",
    "threads",
    "members",
    "member_count",
    "voice_states",
    "presences",
    "joined_at",
    "large",
    "unavailable",
    "lazy",
    "stage_instances",
    "guild_scheduled_events",
    "soundboard_sounds",
)


def guild_rest(g: Guild, member_count: int, *, with_counts: bool = False) -> dict[str, Any]:
    """``GET /guilds/{id}``: no gateway-only field; ``approximate_*`` counts only ``with_counts``."""
    data = guild_create(g, [], member_count, member_count > 250)
    for key in GATEWAY_ONLY_GUILD_FIELDS:
        data.pop(key, None)
    if with_counts:
        data["approximate_member_count"] = member_count
        data["approximate_presence_count"] = 0
    return data


def attachment(a: Attachment, base_url: str) -> dict[str, Any]:
    url = f"{base_url}/attachments/{a.id}/{a.filename}"
    return {
        "id": str(a.id),
        "filename": a.filename,
        "size": a.size,
        "url": url,
        "proxy_url": url,
        "flags": 0,
        # Discord omits these when they have no value
        **({"content_type": a.content_type} if a.content_type else {}),
        **({"description": a.description} if a.description else {}),
        **({"ephemeral": True} if a.ephemeral else {}),
    }


def numbered_components(components: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Copies with the numeric ``id`` Discord gives every component that has none (1, 2, ... in
    depth-first order, skipping ids the sender chose)."""
    taken: set[int] = set()

    def collect(items: list[dict[str, Any]]) -> None:
        for c in items:
            if isinstance(c.get("id"), int):
                taken.add(c["id"])
            collect(c.get("components") or [])

    collect(components)
    counter = iter(i for i in range(1, 10_000) if i not in taken)

    def number(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        out = []
        for c in items:
            copy = {**c, "id": c["id"] if isinstance(c.get("id"), int) else next(counter)}
            if "components" in c:
                copy["components"] = number(c["components"] or [])
            out.append(copy)
        return out

    return number(components)


def reaction(r: Reaction, me_id: int) -> dict[str, Any]:
    return {
        "emoji": r.emoji,
        "count": len(r.users),
        "count_details": {"burst": 0, "normal": len(r.users)},
        "me": me_id in r.users,
        "me_burst": False,
        "burst_colors": [],
    }


def poll(p: Poll, me_id: int) -> dict[str, Any]:
    return {
        "question": {"text": p.question},
        "answers": [
            {
                "answer_id": a.answer_id,
                "poll_media": {"text": a.text, **({"emoji": a.emoji} if a.emoji else {})},
            }
            for a in p.answers.values()
        ],
        "expiry": iso(p.expiry),
        "allow_multiselect": p.allow_multiselect,
        "layout_type": p.layout_type,
        "results": {
            "is_finalized": p.finalized,
            "answer_counts": [
                {"id": a.answer_id, "count": len(a.voters), "me_voted": me_id in a.voters}
                for a in p.answers.values()
                if a.voters
            ],
        },
    }


def mentions(
    content: str, guild: Guild | None, allowed: dict[str, Any] | None
) -> tuple[list[int], list[int], bool]:
    """Users, roles and @everyone that ``content`` pings under ``allowed_mentions`` (Discord's rules)."""
    parse = None if allowed is None else set(allowed.get("parse") or [])
    allowed_users = {int(u) for u in (allowed or {}).get("users") or []}
    allowed_roles = {int(r) for r in (allowed or {}).get("roles") or []}
    users = [int(x) for x in dict.fromkeys(_USER_MENTION.findall(content))]
    roles = [int(x) for x in dict.fromkeys(_ROLE_MENTION.findall(content))]
    everyone = "@everyone" in content or "@here" in content
    if parse is not None:
        users = [u for u in users if "users" in parse or u in allowed_users]
        roles = [r for r in roles if "roles" in parse or r in allowed_roles]
        everyone = everyone and "everyone" in parse
    if guild is not None:
        roles = [r for r in roles if r in guild.roles]
    return users, roles, everyone


def message(
    msg: Message,
    *,
    me_id: int,
    base_url: str,
    guild: Guild | None,
    referenced: Message | None = None,
    include_content: bool = True,
    depth: int = 0,
    gateway: bool = False,
) -> dict[str, Any]:
    """A message as REST answers it or, with ``gateway``, as MESSAGE_CREATE/UPDATE carry it.

    Only the gateway adds ``guild_id``, the author's ``member`` and ``mentions[].member``: REST
    messages (fetch, history, the create answer, ``referenced_message``) have ``User`` authors.
    """
    author_member = guild.members.get(msg.author.id) if guild is not None else None
    users, roles, everyone = mentions(msg.content, guild, msg.allowed_mentions)
    mention_payloads = []
    if guild is not None:
        for uid in users:
            m = guild.members.get(uid)
            if m is not None:
                mention_payloads.append(
                    {**user(m.user), "member": member(m, with_user=False)} if gateway else user(m.user)
                )
    data: dict[str, Any] = {
        "id": str(msg.id),
        "channel_id": str(msg.channel_id),
        "author": user(msg.author),
        "content": msg.content if include_content else "",
        "timestamp": iso(msg.timestamp or msg.created_at),
        "edited_timestamp": iso(msg.edited_at),
        "tts": msg.tts,
        "mention_everyone": everyone,
        "mentions": mention_payloads,
        "mention_roles": [str(r) for r in roles],
        "mention_channels": [],
        "attachments": [attachment(a, base_url) for a in msg.attachments] if include_content else [],
        "embeds": list(msg.embeds) if include_content else [],
        "components": list(msg.components) if include_content else [],
        "reactions": [reaction(r, me_id) for r in msg.reactions.values()],
        "pinned": msg.pinned,
        "type": msg.type,
        "flags": msg.flags,
        "sticker_items": [],
    }
    if gateway and msg.guild_id is not None:
        data["guild_id"] = str(msg.guild_id)
    if gateway and author_member is not None and msg.webhook_id is None:
        data["member"] = member(author_member, with_user=False)
    if msg.poll is not None and include_content:
        data["poll"] = poll(msg.poll, me_id)
    if msg.snapshots is not None:
        data["message_snapshots"] = msg.snapshots if include_content else strip_snapshots(msg.snapshots)
    if msg.message_reference is not None:
        data["message_reference"] = msg.message_reference
        if depth == 0 and msg.snapshots is None:
            data["referenced_message"] = (
                message(referenced, me_id=me_id, base_url=base_url, guild=guild, depth=1)
                if referenced is not None and not referenced.deleted
                else None
            )
    if msg.webhook_id is not None:
        data["webhook_id"] = str(msg.webhook_id)
    if msg.application_id is not None:
        data["application_id"] = str(msg.application_id)
    if msg.interaction_metadata is not None:
        data["interaction_metadata"] = msg.interaction_metadata
    return data


def strip_snapshots(snapshots: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Snapshots as a bot without the message content intent gets them."""
    return [
        {"message": {**s["message"], "content": "", "embeds": [], "attachments": [], "components": []}}
        for s in snapshots
    ]


def reaction_event(msg: Message, who: Member | User, emoji: dict[str, Any], *, add: bool) -> dict[str, Any]:
    data: dict[str, Any] = {
        "user_id": str(who.id),
        "channel_id": str(msg.channel_id),
        "message_id": str(msg.id),
        "emoji": emoji,
        "burst": False,
        "type": 0,
    }
    if msg.guild_id is not None:
        data["guild_id"] = str(msg.guild_id)
    if add:
        data["message_author_id"] = str(msg.author.id)
        data["burst_colors"] = []
        if isinstance(who, Member):
            data["member"] = member(who)
    return data


def poll_vote_event(msg: Message, user_id: int, answer_id: int) -> dict[str, Any]:
    data = {
        "user_id": str(user_id),
        "channel_id": str(msg.channel_id),
        "message_id": str(msg.id),
        "answer_id": answer_id,
    }
    if msg.guild_id is not None:
        data["guild_id"] = str(msg.guild_id)
    return data


def member_add_event(m: Member) -> dict[str, Any]:
    return {**member(m), "guild_id": str(m.guild_id)}


def member_remove_event(guild_id: int, u: User) -> dict[str, Any]:
    return {"guild_id": str(guild_id), "user": user(u)}


def thread_create_event(t: Channel, newly_created: bool = True) -> dict[str, Any]:
    return {**channel(t), "newly_created": newly_created}


def thread_delete_event(t: Channel) -> dict[str, Any]:
    """THREAD_DELETE carries only these four fields."""
    return {"id": str(t.id), "guild_id": str(t.guild_id), "parent_id": str(t.parent_id), "type": t.type}


def ready(me: User, app_id: int, guild_ids: list[int], session_id: str, resume_url: str) -> dict[str, Any]:
    return {
        "v": 10,
        "user": {**user(me), "verified": True, "mfa_enabled": False, "email": None},
        "guilds": [{"id": str(g), "unavailable": True} for g in guild_ids],
        "session_id": session_id,
        "session_type": "normal",
        "resume_gateway_url": resume_url,
        "application": {"id": str(app_id), "flags": 0},
        "private_channels": [],
        "relationships": [],
        "presences": [],
        "user_settings": {},
        "guild_join_requests": [],
        "geo_ordered_rtc_regions": [],
        "_trace": ["localdiscord"],
    }


def app_info(app_id: int, name: str, owner: User) -> dict[str, Any]:
    return {
        "id": str(app_id),
        "name": name,
        "description": "",
        "icon": None,
        "bot_public": True,
        "bot_require_code_grant": False,
        "owner": user(owner),
        "verify_key": "0" * 64,
        "team": None,
        "flags": 0,
        "rpc_origins": [],
        "tags": [],
        "terms_of_service_url": None,
        "privacy_policy_url": None,
        "approximate_guild_count": 1,
        "interactions_endpoint_url": None,
        "redirect_uris": [],
        "integration_types_config": {},
    }


def interaction(
    *,
    interaction_id: int,
    token: str,
    kind: int,
    app_id: int,
    data: dict[str, Any] | None,
    guild: Guild,
    chan: Channel,
    who: Member,
    member_permissions: int,
    app_permissions: int,
    message_payload: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """INTERACTION_CREATE for a guild interaction (commands, components, modals, autocomplete)."""
    payload: dict[str, Any] = {
        "id": str(interaction_id),
        "application_id": str(app_id),
        "type": kind,
        "token": token,
        "version": 1,
        "guild_id": str(guild.id),
        "guild": {"id": str(guild.id), "locale": "en-US", "features": []},
        "channel_id": str(chan.id),
        "channel": {**channel(chan), "permissions": str(member_permissions)},
        "member": member(who, permissions=member_permissions),
        "app_permissions": str(app_permissions),
        "locale": "en-US",
        "guild_locale": "en-US",
        "entitlements": [],
        "authorizing_integration_owners": {"0": str(guild.id)},
        "context": 0,
        "attachment_size_limit": 10 * 1024 * 1024,
    }
    if data is not None:
        payload["data"] = data
    if message_payload is not None:
        payload["message"] = message_payload
    return payload
