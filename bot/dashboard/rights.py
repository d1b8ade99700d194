"""Who may see a guild's dashboard, decided on every request against the live guild.

Hearth's rule (the same as the slash commands'): a moderator has Manage Server (or Administrator,
or owns the guild) or holds the guild's configured moderator role. The facts come from the bot's
member cache when it is live (``hearth run`` with the members intent: GUILD_MEMBER_UPDATE keeps it
current), else from Discord's REST API with the bot token, cached at most 60 s. The login
snapshot (``/users/@me/guilds`` at login) is never used to decide.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

import aiohttp

log = logging.getLogger(__name__)

ADMINISTRATOR = 1 << 3
MANAGE_GUILD = 1 << 5
MAX_CACHE_SECONDS = 60.0


@dataclass(frozen=True)
class MemberFacts:
    """What the rule needs of one member: guild-level permissions and role ids."""

    guild_name: str
    permissions: int
    role_ids: frozenset[int]
    is_owner: bool = False


@dataclass(frozen=True)
class Standing:
    """``moderator``, ``member`` (403, with why) or ``absent`` (404: not a member, or Hearth not there)."""

    kind: str
    guild_name: str = ""
    reason: str = ""

    @property
    def allowed(self) -> bool:
        return self.kind == "moderator"


class FactSource(Protocol):
    async def facts(self, guild_id: int, user_id: int) -> MemberFacts | None: ...


class RightsUnavailable(Exception):
    """Discord could not be asked (rate limit, outage): the request is refused, never allowed."""


class Rights:
    """``standing(guild_id, user_id)`` by Hearth's moderator rule."""

    def __init__(self, source: FactSource, moderator_role: Callable[[int], Awaitable[int | None]]) -> None:
        self.source = source
        self.moderator_role = moderator_role

    async def standing(self, guild_id: int, user_id: int) -> Standing:
        facts = await self.source.facts(guild_id, user_id)
        if facts is None:
            return Standing("absent")
        if facts.is_owner or facts.permissions & (MANAGE_GUILD | ADMINISTRATOR):
            return Standing("moderator", facts.guild_name)
        role_id = await self.moderator_role(guild_id)
        if role_id is not None and role_id in facts.role_ids:
            return Standing("moderator", facts.guild_name)
        role = " or the server's moderator role" if role_id is not None else ""
        return Standing(
            "member", facts.guild_name,
            f"You are a member of {facts.guild_name}, but not one of its moderators: Hearth's dashboard needs "
            f"the Manage Server permission{role}.",
        )


def permissions_of(guild: dict[str, Any], member: dict[str, Any]) -> int:
    """Discord's base permissions: @everyone's and the member's roles' bits; Administrator means all."""
    roles = {int(r["id"]): int(r.get("permissions") or 0) for r in guild.get("roles", [])}
    value = roles.get(int(guild["id"]), 0)
    for role_id in member.get("roles", []):
        value |= roles.get(int(role_id), 0)
    return value


class RestFacts:
    """Facts from Discord's REST API with the bot token; answers are reused at most ``ttl`` seconds."""

    def __init__(
        self,
        api_base: str,
        token: str,
        *,
        ttl: float = 30.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.api_base = api_base.rstrip("/")
        self._auth = {"Authorization": f"Bot {token}"}
        self.ttl = min(ttl, MAX_CACHE_SECONDS)
        self._now = monotonic
        self._cache: dict[str, tuple[float, Any]] = {}
        self._http: aiohttp.ClientSession | None = None

    async def close(self) -> None:
        if self._http is not None:
            await self._http.close()
            self._http = None

    async def get(self, path: str) -> Any:
        """The JSON at ``path``, None for Discord's 404 (unknown guild or member); cached ``ttl`` seconds."""
        now = self._now()
        hit = self._cache.get(path)
        if hit is not None and hit[0] > now:
            return hit[1]
        if self._http is None:
            self._http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10))
        try:
            async with self._http.get(self.api_base + path, headers=self._auth) as resp:
                if resp.status in (403, 404):
                    data = None
                elif resp.status == 200:
                    data = await resp.json()
                else:
                    raise RightsUnavailable(f"Discord answered {resp.status} for {path}")
        except aiohttp.ClientError as exc:
            raise RightsUnavailable(f"Discord could not be reached: {exc}") from exc
        if len(self._cache) > 10_000:
            self._cache.clear()
        self._cache[path] = (now + self.ttl, data)
        return data

    async def facts(self, guild_id: int, user_id: int) -> MemberFacts | None:
        guild = await self.get(f"/guilds/{guild_id}")
        if guild is None:
            return None
        member = await self.get(f"/guilds/{guild_id}/members/{user_id}")
        if member is None:
            return None
        return MemberFacts(
            guild_name=guild.get("name", ""),
            permissions=permissions_of(guild, member),
            role_ids=frozenset(int(r) for r in member.get("roles", [])),
            is_owner=int(guild.get("owner_id") or 0) == user_id,
        )

    async def display_name(self, guild_id: int, user_id: int) -> str | None:
        member = await self.get(f"/guilds/{guild_id}/members/{user_id}")
        if not member:
            return None
        user = member.get("user") or {}
        return member.get("nick") or user.get("global_name") or user.get("username")

    async def bot_guild_ids(self) -> list[int]:
        found = await self.get("/users/@me/guilds")
        return [int(g["id"]) for g in found or []]


class BotCacheFacts:
    """Facts from the running bot's gateway cache, which discord.py keeps live when the members intent
    is on; anything not in the cache (no members intent, member not cached) is asked of ``rest``."""

    def __init__(self, bot: Any, rest: RestFacts) -> None:
        self.bot = bot
        self.rest = rest

    async def facts(self, guild_id: int, user_id: int) -> MemberFacts | None:
        guild = self.bot.get_guild(guild_id)
        if guild is None:
            return None  # the gateway is the truth about where the bot is
        member = guild.get_member(user_id) if self.bot.intents.members else None
        if member is None:
            return await self.rest.facts(guild_id, user_id)
        return MemberFacts(
            guild_name=guild.name,
            permissions=member.guild_permissions.value,
            role_ids=frozenset(r.id for r in member.roles),
            is_owner=guild.owner_id == user_id,
        )

    async def display_name(self, guild_id: int, user_id: int) -> str | None:
        guild = self.bot.get_guild(guild_id)
        member = guild.get_member(user_id) if guild is not None else None
        if member is not None:
            return member.display_name
        return await self.rest.display_name(guild_id, user_id)

    async def bot_guild_ids(self) -> list[int]:
        return [g.id for g in self.bot.guilds]
