"""Retention: raw activities older than ``retention_days`` go; daily rollups stay, without ids."""

from __future__ import annotations

import logging
from datetime import timedelta

from bot.core.clock import Clock, to_ms
from bot.platform.privacy import PrivacyService
from bot.storage.activity import ActivityRepository

log = logging.getLogger(__name__)


class Retention:
    def __init__(self, activities: ActivityRepository, privacy: PrivacyService, clock: Clock, days: int) -> None:
        self._activities = activities
        self._privacy = privacy
        self._clock = clock
        self._days = days

    async def run(self) -> int:
        """Drop expired raw activities and replace member ids in expired rollups by pseudonyms."""
        cutoff = self._clock.now() - timedelta(days=self._days)
        cutoff_day = cutoff.date().toordinal() + 1  # rollup days whose raw rows may be gone
        members = await self._activities.members_in_rollups_before(cutoff_day)
        if members:
            aliases = {(g, m): self._privacy.pseudonym(g, m) for g, m in members}
            await self._activities.pseudonymise_rollups_before(cutoff_day, aliases)
        dropped = await self._activities.drop_older_than(to_ms(cutoff))
        if dropped:
            log.info("retention dropped %d activities older than %d days", dropped, self._days)
        return dropped
