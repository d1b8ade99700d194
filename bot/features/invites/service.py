"""Word-of-mouth bookkeeping without Discord: the invite cache, one join at a time per guild, the
stored source of each join, Hearth's personal invites and what invitees did.

The cog hands in plain values (``Seen`` invites, vanity uses, audit entries through a loader it
calls only when the diff needs them) and gets plain results back.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

from bot.core.clock import Clock, to_ms
from bot.core.localtime import local_day
from bot.features.invites import rules
from bot.platform.privacy import PrivacyService
from bot.storage.invites import HearthInviteRow, InviteRepository, JoinRow

FIRST_WEEK_DAYS = 7
STAYED_DAYS = 7
MS_PER_DAY = 86_400_000


@dataclass(frozen=True)
class AuditView:
    """What the audit log says about invites (None from the loader: it can't be read)."""

    creates: tuple[rules.AuditInvite, ...]
    deleted_by_moderator: frozenset[str]


AuditLoader = Callable[[], Awaitable[AuditView | None]]


@dataclass(frozen=True)
class InviterStats:
    joined: int  # joins credited to you
    still_here: int
    answered: int  # answered a Hearth post in their first week


@dataclass(frozen=True)
class LeaderRow:
    inviter_id: int
    invitees: int  # stayed 7 days and were active in their first week


class InviteTracker:
    """Per-guild invite counts and the join lock (two joins at once would make the diff ambiguous)."""

    def __init__(self, repo: InviteRepository, clock: Clock, privacy: PrivacyService, timezone: Callable[[int], str]):
        self.repo = repo
        self.clock = clock
        self.privacy = privacy
        self.timezone = timezone
        self._cache: dict[int, dict[str, rules.Seen]] = {}
        self._vanity: dict[int, int | None] = {}
        self._locks: dict[int, asyncio.Lock] = {}
        self._unwritten: list[JoinRow] = []  # attributed joins, in order, until the next flush

    async def flush(self) -> None:
        """Write the attributed joins (the recorder calls this with each of its flushes)."""
        if not self._unwritten:
            return
        rows, self._unwritten = self._unwritten, []
        try:
            await self.repo.record_joins(rows)
        except BaseException:
            self._unwritten[:0] = rows  # kept, in order, for the retry
            raise

    async def forget_member(self, guild_id: int, member_id: int) -> None:
        await self.flush()  # nothing about them may land after the delete
        await self.repo.forget_member(guild_id, member_id)

    # -- the cache ----------------------------------------------------------------------------
    def lock(self, guild_id: int) -> asyncio.Lock:
        return self._locks.setdefault(guild_id, asyncio.Lock())

    def primed(self, guild_id: int) -> bool:
        return guild_id in self._cache

    def prime(self, guild_id: int, invites: Mapping[str, rules.Seen], vanity_uses: int | None) -> None:
        self._cache[guild_id] = dict(invites)
        self._vanity[guild_id] = vanity_uses

    def forget_guild(self, guild_id: int) -> None:
        self._cache.pop(guild_id, None)
        self._vanity.pop(guild_id, None)

    def created(self, guild_id: int, seen: rules.Seen) -> None:
        """INVITE_CREATE: a new code at its first count (kept until the next join's diff)."""
        if guild_id in self._cache:
            self._cache[guild_id].setdefault(seen.code, seen)

    def cached(self, guild_id: int) -> dict[str, rules.Seen]:
        return dict(self._cache.get(guild_id, {}))

    # -- joins ----------------------------------------------------------------------------------
    async def attribute_join(
        self,
        guild_id: int,
        member_id: int,
        joined_at: datetime,
        fresh: Mapping[str, rules.Seen] | None,
        *,
        vanity_code: str | None = None,
        vanity_uses: int | None = None,
        load_audit: AuditLoader | None = None,
        inviter_is_member: Callable[[int], bool] = lambda _id: True,
    ) -> JoinRow | None:
        """Attribute the join and queue its row (written with the recorder's next flush: ``flush``;
        ``rejoin`` and ``credited`` are settled by that insert); call under ``lock(guild_id)``.
        ``fresh`` None: Hearth can't list invites (no Manage Server), so the source is unknown."""
        at_ms = to_ms(joined_at)
        before = self._cache.get(guild_id)
        if fresh is None or before is None:
            attribution = rules.Attribution("unknown", "no_access")
        else:
            diff = {
                "at_ms": at_ms,
                "vanity_before": self._vanity.get(guild_id),
                "vanity_after": vanity_uses,
                "vanity_code": vanity_code,
            }
            attribution = rules.attribute(before, fresh, **diff)  # type: ignore[arg-type]
            needs_audit = attribution.method in ("ambiguous", "none") and load_audit is not None
            if needs_audit and (audit := await load_audit()) is not None:  # type: ignore[misc]
                attribution = rules.attribute(
                    before,
                    fresh,
                    **diff,
                    audit_readable=True,  # type: ignore[arg-type]
                    deleted_by_moderator=audit.deleted_by_moderator,
                    audit_creates=audit.creates,
                )
        if fresh is not None:
            kept = dict(fresh)
            if attribution.method == "diff" and attribution.code in kept and before is not None:
                # One code moved by more than one: the other uses are joins still queued behind this
                # one, through the same code; leave them for their own turn.
                seen = kept[attribution.code]
                used = before[attribution.code].uses if attribution.code in before else 0
                kept[attribution.code] = dataclasses.replace(seen, uses=min(seen.uses, used + 1))
            self.prime(guild_id, kept, vanity_uses)
        if self.privacy.is_opted_out(guild_id, member_id):
            return None
        inviter = attribution.inviter_id
        if attribution.code is not None and attribution.source == "exact":
            mine = await self.repo.hearth_invite(guild_id, attribution.code)
            if mine is not None:
                inviter = mine.member_id  # a personal invite Hearth made: exact by construction
        if inviter is not None and self.privacy.is_opted_out(guild_id, inviter):
            inviter = None
        # A rejoin (an earlier stored join) earns no credit: the batched insert itself checks, so a
        # join costs no lookup (InviteRepository.record_joins).
        credited = rules.credited_inviter(
            rules.Attribution(attribution.source, attribution.method, attribution.code, inviter),
            member_id,
            rejoin=False,
            inviter_is_member=inviter is not None and inviter_is_member(inviter),
        )
        row = JoinRow(
            guild_id=guild_id,
            member_id=member_id,
            joined_at=at_ms,
            local_day=local_day(joined_at, self.timezone(guild_id)),
            source=attribution.source,
            method=attribution.method,
            invite_code=attribution.code,
            inviter_id=inviter if attribution.source == "exact" else None,
            credited=int(credited is not None),
            rejoin=0,
        )
        self._unwritten.append(row)
        return row

    # -- Hearth's invites -------------------------------------------------------------------------
    async def add_personal_invite(
        self, guild_id: int, member_id: int, code: str, channel_id: int, expires_at: datetime | None
    ) -> None:
        await self.repo.add_hearth_invite(
            HearthInviteRow(
                guild_id,
                code,
                member_id,
                channel_id,
                to_ms(self.clock.now()),
                to_ms(expires_at) if expires_at else None,
            )
        )

    # -- what invitees did ----------------------------------------------------------------------------
    async def _first_week(self, guild_id: int, joins: list[JoinRow]) -> dict[int, dict[int, int]]:
        if not joins:
            return {}
        first = min(j.local_day for j in joins)
        last = max(j.local_day for j in joins) + FIRST_WEEK_DAYS - 1
        return await self.repo.active_days(guild_id, [j.member_id for j in joins], first, last)

    async def stats_for(self, guild_id: int, inviter_id: int, still_here: Callable[[int], bool]) -> InviterStats:
        await self.flush()
        joins = await self.repo.joins_through(guild_id, inviter_id)
        days = await self._first_week(guild_id, joins)
        answered = sum(
            1
            for j in joins
            if any(j.local_day <= d < j.local_day + FIRST_WEEK_DAYS and n > 0 for d, n in days[j.member_id].items())
        )
        members = {j.member_id for j in joins}
        return InviterStats(len(members), sum(1 for m in members if still_here(m)), answered)

    async def leaderboard(self, guild_id: int, since: datetime, until: datetime, limit: int = 10) -> list[LeaderRow]:
        """Inviters by invitees who joined in [since, until), stayed 7 days and were active in their
        first week: farmed joins (leave at once, never act) earn nothing."""
        await self.flush()
        now_ms = to_ms(self.clock.now())
        joins = [
            j
            for j in await self.repo.credited_since(guild_id, to_ms(since), to_ms(until))
            if j.joined_at + STAYED_DAYS * MS_PER_DAY <= now_ms
            and j.inviter_id is not None
            and not self.privacy.is_opted_out(guild_id, j.inviter_id)
        ]
        days = await self._first_week(guild_id, joins)
        leaves = await self.repo.leaves_of(guild_id, sorted({j.member_id for j in joins}))
        counts: dict[int, set[int]] = {}
        for j in joins:
            left_early = any(j.joined_at <= at < j.joined_at + STAYED_DAYS * MS_PER_DAY for at in leaves[j.member_id])
            active = any(j.local_day <= d < j.local_day + FIRST_WEEK_DAYS for d in days[j.member_id])
            if active and not left_early:
                counts.setdefault(j.inviter_id, set()).add(j.member_id)  # type: ignore[arg-type]
        ranked = sorted(counts.items(), key=lambda kv: (-len(kv[1]), kv[0]))
        return [LeaderRow(inviter, len(members)) for inviter, members in ranked[:limit]]
