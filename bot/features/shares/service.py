"""Publishing bookkeeping without Discord: the guild's choice (cached), each post's row, the hour's count."""

from __future__ import annotations

from bot.core.clock import Clock, to_ms
from bot.features.shares import rules
from bot.storage.crossposts import CrosspostRepository, CrosspostRow, CrosspostSettings

_UNSET = object()


class CrosspostService:
    def __init__(self, repo: CrosspostRepository, clock: Clock) -> None:
        self.repo = repo
        self.clock = clock
        self._settings: dict[int, CrosspostSettings | None] = {}

    async def settings(self, guild_id: int) -> CrosspostSettings | None:
        found = self._settings.get(guild_id, _UNSET)
        if found is _UNSET:
            found = self._settings[guild_id] = await self.repo.settings(guild_id)
        return found  # type: ignore[return-value]

    async def save(self, guild_id: int, mode: str, offer_channel_id: int | None) -> None:
        if mode not in rules.MODES:
            raise ValueError(mode)
        await self.repo.save_settings(guild_id, mode, offer_channel_id, to_ms(self.clock.now()))
        self._settings.pop(guild_id, None)

    async def landed(self, guild_id: int, post_id: int, channel_id: int, message_id: int) -> str:
        """A Hearth post went to an announcement channel: store it; returns what to do
        (``ask``, ``auto``, ``off``, or ``unset`` while the guild has not chosen)."""
        settings = await self.settings(guild_id)
        action = settings.mode if settings is not None else "unset"
        if action == "ask" and settings is not None and settings.offer_channel_id is None:
            action = "unset"
        status = {"unset": "unoffered", "off": "off"}.get(action, "offering")
        await self.repo.add(guild_id, post_id, channel_id, message_id, status, to_ms(self.clock.now()))
        return action

    async def row(self, guild_id: int, post_id: int) -> CrosspostRow | None:
        return await self.repo.get(guild_id, post_id)

    async def wait_ms(self, guild_id: int, channel_id: int) -> int:
        now_ms = to_ms(self.clock.now())
        recent = await self.repo.published_since(guild_id, channel_id, now_ms - rules.HOUR_MS)
        return rules.publish_wait_ms(recent, now_ms)

    async def published(self, guild_id: int, post_id: int, by: int | None) -> bool:
        return await self.repo.mark_published(guild_id, post_id, by, to_ms(self.clock.now()))
