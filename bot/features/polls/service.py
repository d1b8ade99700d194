"""Poll bookkeeping without Discord: create, anonymous voting, closing, results and forget-me.

The cog does the Discord side (sending, ending native polls, posting results); this service
owns the rules around the rows: a closed poll takes no votes, a vote is stored under a keyed
hash scoped to the poll, and a close is recorded once however often it is attempted.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence

from bot.analytics.report import post_figures
from bot.analytics.rollups import excluded_members
from bot.core.clock import Clock, to_ms
from bot.features.polls.rules import Participation, PollSpec, Tally, VoteChange, apply_vote, tally
from bot.platform.privacy import PrivacyService
from bot.platform.recorder import Activity, Recorder, event_hash
from bot.storage.analytics import AnalyticsRepository
from bot.storage.polls import PollRepository, PollRow

log = logging.getLogger(__name__)


class PollClosed(Exception):
    """The poll no longer takes votes."""


class UnknownPoll(Exception):
    """No such poll in this guild."""


def voter_scope(poll_id: int) -> str:
    return f"poll:{poll_id}"


def native_current_votes(events: Sequence[tuple[str, int, int]], message_id: int, answers: int) -> dict[int, set[int]]:
    """Replay recorded native votes into member -> answer ids still chosen.

    Activities keep only a hash of their event key (``v:<message>:<member>:<answer>``, ``v-:...``
    for removals), so each member's possible keys are recomputed to learn which answer a row is.
    """
    current: dict[int, set[int]] = {}
    known: dict[int, dict[int, tuple[int, bool]]] = {}
    for kind, member_id, key in events:
        if member_id not in known:
            known[member_id] = {}
            for answer in range(1, answers + 1):
                known[member_id][event_hash(f"v:{message_id}:{member_id}:{answer}")] = (answer, True)
                known[member_id][event_hash(f"v-:{message_id}:{member_id}:{answer}")] = (answer, False)
        found = known[member_id].get(key)
        if found is None:
            continue
        answer, added = found
        chosen = current.setdefault(member_id, set())
        if added and kind == "poll_vote":
            chosen.add(answer)
        elif not added and kind == "poll_unvote":
            chosen.discard(answer)
    return {m: a for m, a in current.items() if a}


class PollService:
    def __init__(
        self,
        repo: PollRepository,
        privacy: PrivacyService,
        recorder: Recorder,
        clock: Clock,
        analytics: AnalyticsRepository,
        timezone_of: Callable[[int], str],
    ) -> None:
        self.repo = repo
        self._analytics = analytics
        self._timezone_of = timezone_of
        self._privacy = privacy
        self._recorder = recorder
        self._clock = clock
        self._vote_locks: dict[int, asyncio.Lock] = {}
        self._close_locks: dict[int, asyncio.Lock] = {}

    # -- creating ---------------------------------------------------------------------------------
    async def create(self, guild_id: int, channel_id: int, spec: PollSpec, created_by: int | None) -> PollRow:
        now = self._clock.now()
        return await self.repo.create(
            guild_id,
            channel_id,
            spec.question,
            spec.options,
            multi=spec.multi,
            anonymous=spec.anonymous,
            created_by=created_by,
            created_at=to_ms(now),
            closes_at=to_ms(now + spec.duration),
        )

    async def get(self, guild_id: int, poll_id: int) -> PollRow:
        poll = await self.repo.get(guild_id, poll_id)
        if poll is None or poll.message_id is None:
            raise UnknownPoll(poll_id)
        return poll

    def takes_votes(self, poll: PollRow) -> bool:
        return poll.is_open and to_ms(self._clock.now()) < poll.closes_at

    # -- anonymous voting -------------------------------------------------------------------------
    async def current_vote(self, guild_id: int, poll_id: int, member_id: int) -> tuple[PollRow, frozenset[int]]:
        poll = await self.get(guild_id, poll_id)
        voter = self._privacy.scoped_hash(voter_scope(poll_id), member_id)
        return poll, await self.repo.votes_of(guild_id, poll_id, voter)

    async def vote(self, guild_id: int, poll_id: int, member_id: int, option: int | None) -> tuple[PollRow, VoteChange]:
        """Apply one click (``option`` None = withdraw). Raises PollClosed, UnknownPoll or ValueError."""
        lock = self._vote_locks.setdefault(poll_id, asyncio.Lock())
        async with lock:
            poll = await self.get(guild_id, poll_id)
            if not poll.anonymous:
                raise ValueError("native polls are voted on in Discord")
            if not self.takes_votes(poll):
                raise PollClosed(poll_id)
            if option is not None and not 0 <= option < len(poll.options):
                raise ValueError(f"poll {poll_id} has no option {option}")
            voter = self._privacy.scoped_hash(voter_scope(poll_id), member_id)
            change = apply_vote(await self.repo.votes_of(guild_id, poll_id, voter), option, multi=poll.multi)
            if change.after != change.before:
                await self.repo.replace_votes(guild_id, poll_id, voter, change.after)
        if change.after and poll.post_id is not None:
            # Participation counts the member, never the option (one event per member and poll).
            self._recorder.record(
                Activity(
                    guild_id=guild_id,
                    kind="anon_poll_vote",
                    member_id=member_id,
                    at=self._clock.now(),
                    event_key=f"apv:{poll_id}:{member_id}",
                    channel_id=poll.channel_id,
                    message_id=poll.message_id,
                    post_id=poll.post_id,
                )
            )
        return poll, change

    async def live_tally(self, poll: PollRow) -> Tally:
        """Counts of an anonymous poll right now (callers decide who may see them)."""
        counts, voters = await self.repo.counts(poll.guild_id, poll.id, len(poll.options))
        return tally(poll.options, counts, voters)

    # -- closing ----------------------------------------------------------------------------------
    def close_lock(self, poll_id: int) -> asyncio.Lock:
        return self._close_locks.setdefault(poll_id, asyncio.Lock())

    async def mark_closed(self, poll: PollRow, result: Tally, closed_by: str) -> bool:
        return await self.repo.mark_closed(
            poll.guild_id,
            poll.id,
            closed_at=to_ms(self._clock.now()),
            closed_by=closed_by,
            counts=result.counts,
            voters=result.voters,
        )

    @staticmethod
    def final_tally(poll: PollRow) -> Tally | None:
        if poll.result_counts is None:
            return None
        return tally(poll.options, poll.result_counts, poll.result_voters)

    async def participation(self, poll: PollRow) -> Participation:
        """The poll post's participation, from the same function as /report's per-post table."""
        if poll.post_id is None:
            return Participation(0, 0, None)
        await self._recorder.flush()
        excluded = await excluded_members(self._analytics, self._privacy.opted_out_members, poll.guild_id, 0)
        figures = await post_figures(
            self._analytics,
            poll.guild_id,
            [poll.post_id],
            self._timezone_of(poll.guild_id),
            now=self._clock.now(),
            excluded=excluded,
        )
        if not figures:
            return Participation(0, 0, None)
        return Participation(figures[0].responders, figures[0].base, figures[0].member_count)

    async def native_voters(self, poll: PollRow) -> dict[int, set[int]]:
        """Recorded native votes still standing, member -> answer ids (fallback and multi-select voters)."""
        if poll.message_id is None:
            return {}
        await self._recorder.flush()
        events = await self.repo.native_vote_events(poll.guild_id, poll.message_id)
        return native_current_votes(events, poll.message_id, len(poll.options))

    # -- privacy ----------------------------------------------------------------------------------
    async def forget_member(self, guild_id: int, member_id: int) -> None:
        """Delete a member's anonymous votes: recompute their per-poll hash to find them."""
        poll_ids = await self.repo.anonymous_poll_ids(guild_id)
        pairs = [(pid, self._privacy.scoped_hash(voter_scope(pid), member_id)) for pid in poll_ids]
        removed = await self.repo.delete_votes_by_hash(guild_id, pairs)
        if removed:
            log.info("forgot %d anonymous poll vote(s) in guild %s", removed, guild_id)
