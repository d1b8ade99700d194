"""Giveaway bookkeeping without Discord: opening one with its commitment, entries, the draw and rerolls.

The cog asks, this service decides and stores; it raises ``RuleError`` with the member-facing message
when a rule says no. One lock per giveaway keeps a timer and a moderator from drawing twice.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from bot.core.clock import Clock, to_ms
from bot.core.entropy import Entropy
from bot.core.limits import RuleError
from bot.features.giveaways import rules
from bot.features.giveaways.draw import commitment, draw_winners, new_seed
from bot.platform.recorder import Activity, Recorder
from bot.storage.giveaways import GiveawayRepository, GiveawayRow

log = logging.getLogger(__name__)


def requirements_of(row: GiveawayRow) -> rules.Requirements:
    """The entry requirements stored on a giveaway."""
    return rules.Requirements(row.required_role_id, row.min_days_in_server, row.min_account_age_days)


class GiveawayService:
    """Giveaway state changes; every write goes through the repository, every entry to the recorder."""

    def __init__(
        self, repo: GiveawayRepository, clock: Clock, recorder: Recorder, entropy: Entropy | None = None
    ) -> None:
        self.repo = repo
        self.entropy = entropy or Entropy()
        self.clock = clock
        self.recorder = recorder
        self._locks: dict[int, asyncio.Lock] = {}

    def lock(self, giveaway_id: int) -> asyncio.Lock:
        """The lock held while a giveaway is drawn, cancelled or rerolled."""
        return self._locks.setdefault(giveaway_id, asyncio.Lock())

    async def create(
        self,
        guild_id: int,
        *,
        channel_id: int,
        host_id: int,
        prize: str,
        winner_count: int,
        requirements: rules.Requirements,
        now: datetime,
        length: timedelta,
    ) -> int:
        """Store a new giveaway with a fresh secret seed and its published commitment."""
        seed = new_seed(self.entropy)
        return await self.repo.create(
            guild_id,
            channel_id=channel_id,
            host_id=host_id,
            prize=prize,
            winner_count=winner_count,
            required_role_id=requirements.role_id,
            min_days_in_server=requirements.min_days_in_server,
            min_account_age_days=requirements.min_account_age_days,
            seed=seed,
            commitment=commitment(seed),
            created_at=to_ms(now),
            ends_at=to_ms(now + length),
        )

    async def enter(self, row: GiveawayRow, member_id: int) -> None:
        """Enter a member (who passed the requirements) and record the entry as activity."""
        now = self.clock.now()
        await self.repo.enter(row.guild_id, row.id, member_id, to_ms(now))
        self.recorder.record(
            Activity(
                guild_id=row.guild_id,
                kind="giveaway_entry",
                member_id=member_id,
                at=now,
                event_key=f"giveaway:{row.id}:{member_id}",
                channel_id=row.channel_id,
                message_id=row.message_id,
                post_id=row.post_id,
            )
        )

    async def leave(self, row: GiveawayRow, member_id: int) -> None:
        """Withdraw a member while the giveaway is open."""
        if row.status != "open":
            raise RuleError("This giveaway has ended, so entries can't change any more.")
        if not await self.repo.leave(row.guild_id, row.id, member_id):
            raise RuleError(f"You weren't entered in giveaway #{row.id}.")

    async def draw(self, guild_id: int, giveaway_id: int) -> GiveawayRow | None:
        """Draw an open giveaway's winners and mark it ended; a drawn one is returned as it is.

        Call with ``lock(giveaway_id)`` held.
        """
        row = await self.repo.get(guild_id, giveaway_id)
        if row is None or row.status != "open":
            return row
        entrants = await self.repo.entrants(guild_id, giveaway_id)
        winners = draw_winners(row.seed, entrants, row.winner_count)
        await self.repo.finish_draw(guild_id, giveaway_id, winners, to_ms(self.clock.now()))
        return await self.repo.get(guild_id, giveaway_id)

    async def cancel(self, row: GiveawayRow) -> None:
        await self.repo.set_status(row.guild_id, row.id, "cancelled", to_ms(self.clock.now()))

    async def reroll(
        self, row: GiveawayRow, *, replace: int | None, count: int | None
    ) -> tuple[rules.Reroll, list[int]]:
        """Draw replacements for an ended giveaway and store them as a new round; returns it and the entrants."""
        if row.status != "ended":
            raise RuleError(f"Giveaway #{row.id} is {row.status}; only ended giveaways can be rerolled.")
        entrants = await self.repo.entrants(row.guild_id, row.id)
        history = await self.repo.winners(row.guild_id, row.id)
        current = [w.member_id for w in history if w.is_current]
        outcome = rules.reroll(
            row.seed, entrants, current, [w.member_id for w in history], replace=replace, count=count
        )
        await self.repo.record_reroll(row.guild_id, row.id, outcome.replaced, outcome.drawn, to_ms(self.clock.now()))
        return outcome, entrants

    async def first_draw(self, row: GiveawayRow) -> tuple[list[int], list[int]]:
        """(sorted entrants, winners of the first draw in draw order): what the results post publishes."""
        entrants = await self.repo.entrants(row.guild_id, row.id)
        winners = [w.member_id for w in await self.repo.winners(row.guild_id, row.id) if w.draw_round == 0]
        return entrants, winners

    async def current_winners(self, guild_id: int, giveaway_id: int) -> list[int]:
        return [w.member_id for w in await self.repo.winners(guild_id, giveaway_id) if w.is_current]

    async def warnings(self, guild_id: int, role_exists: Callable[[int], bool]) -> list[str]:
        """Open giveaways nobody can enter because their required role was deleted."""
        return [
            f"Giveaway #{row.id} requires a deleted role, so nobody can enter: cancel it."
            for row in await self.repo.list(guild_id, statuses=("open",), limit=100)
            if row.required_role_id and not role_exists(row.required_role_id)
        ]
