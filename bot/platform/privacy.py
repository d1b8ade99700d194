"""Opt-outs stored as a keyed hash, forget-me and purge across every table that knows a member."""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Awaitable, Callable

from bot.core.clock import Clock, to_ms
from bot.core.entropy import Entropy
from bot.storage.activity import ActivityRepository, MetaRepository, OptOutRepository

log = logging.getLogger(__name__)

ForgetHook = Callable[[int, int], Awaitable[None]]
KEY_NAME = "privacy_hash_key"


class PrivacyService:
    def __init__(
        self,
        optouts: OptOutRepository,
        activities: ActivityRepository,
        meta: MetaRepository,
        clock: Clock,
        entropy: Entropy | None = None,
    ) -> None:
        self._entropy = entropy or Entropy()
        self._optouts = optouts
        self._activities = activities
        self._meta = meta
        self._clock = clock
        self._key = b""
        self._opted_out: set[tuple[int, str]] = set()
        self._hash_cache: dict[int, str] = {}
        self._forget_hooks: list[ForgetHook] = []

    async def load(self, *, persist_key: bool = True) -> None:
        """Load the key and the opt-outs; without ``persist_key`` (a read-only report) a missing key
        stays unsaved (then no opt-out was ever stored, so none can match)."""
        key = await self._meta.get(KEY_NAME)
        if key is None:
            key = self._entropy.token_hex(32, "privacy key")
            if persist_key:
                await self._meta.set(KEY_NAME, key)
        self._key = bytes.fromhex(key)
        self._opted_out = set(await self._optouts.all())

    def member_hash(self, member_id: int) -> str:
        """HMAC-SHA256 of the id under this database's secret key: stable, not reversible without it."""
        cached = self._hash_cache.get(member_id)
        if cached is None:
            cached = hmac.new(self._key, str(member_id).encode(), hashlib.sha256).hexdigest()
            if len(self._hash_cache) > 100_000:
                self._hash_cache.clear()
            self._hash_cache[member_id] = cached
        return cached

    def scoped_hash(self, scope: str, member_id: int) -> str:
        """A keyed hash that differs per scope (anonymous poll votes), so hashes can't be joined."""
        return hmac.new(self._key, f"{scope}:{member_id}".encode(), hashlib.sha256).hexdigest()

    def pseudonym(self, guild_id: int, member_id: int) -> int:
        """A negative stand-in for a member id in rollups kept past retention (never a real id)."""
        digest = hmac.new(self._key, f"alias:{guild_id}:{member_id}".encode(), hashlib.sha256).digest()
        return -(int.from_bytes(digest[:8], "big") >> 2) - 1  # negative: never a real Discord id

    def is_opted_out(self, guild_id: int, member_id: int) -> bool:
        return bool(self._opted_out) and (guild_id, self.member_hash(member_id)) in self._opted_out

    def opted_out_count(self, guild_id: int) -> int:
        """How many members of the guild opted out (member count leaves them out)."""
        return sum(1 for g, _ in self._opted_out if g == guild_id) if self._opted_out else 0

    def opted_out_members(self, guild_id: int, member_ids: set[int]) -> set[int]:
        """Which of ``member_ids`` opted out in this guild (analytics excludes them)."""
        if not self._opted_out:
            return set()
        return {m for m in member_ids if (guild_id, self.member_hash(m)) in self._opted_out}

    async def opt_out(self, guild_id: int, member_id: int) -> None:
        digest = self.member_hash(member_id)
        await self._optouts.add(guild_id, digest, to_ms(self._clock.now()))
        self._opted_out.add((guild_id, digest))

    async def opt_in(self, guild_id: int, member_id: int) -> None:
        digest = self.member_hash(member_id)
        await self._optouts.remove(guild_id, digest)
        self._opted_out.discard((guild_id, digest))

    def on_forget(self, hook: ForgetHook) -> None:
        """Feature services register how to delete their own rows about a member."""
        self._forget_hooks.append(hook)

    async def forget(self, guild_id: int, member_id: int) -> int:
        removed = await self._activities.forget_member(guild_id, member_id)
        for hook in self._forget_hooks:
            await hook(guild_id, member_id)
        log.info("forgot a member in guild %s (%s activities)", guild_id, removed)
        return removed
