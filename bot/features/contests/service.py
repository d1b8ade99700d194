"""Contest bookkeeping without Discord: entries (submit and edit share one path), numbering, votes, the tally.

The cog posts and replies; this service checks the phase, stores and records. A broken rule raises
``RuleError`` with the message the member sees. One lock per contest keeps a timer and a moderator
from closing a phase twice.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.core.clock import Clock, from_ms, to_ms
from bot.core.limits import RuleError
from bot.features.contests import rules
from bot.platform.recorder import Activity, Recorder
from bot.storage.contests import ContestRepository, ContestRow, EntryRow

log = logging.getLogger(__name__)

PHASE_NAMES = {
    "submissions": "open for submissions",
    "voting": "voting",
    "ended": "ended",
    "cancelled": "cancelled",
}


@dataclass(frozen=True)
class Upload:
    """The one file of an entry, as Discord described it."""

    url: str
    filename: str
    size: int


class ContestService:
    """Contest state changes; entries and counted votes also go to the recorder."""

    def __init__(self, repo: ContestRepository, clock: Clock, recorder: Recorder) -> None:
        self.repo = repo
        self.clock = clock
        self.recorder = recorder
        self._locks: dict[int, asyncio.Lock] = {}

    def lock(self, contest_id: int) -> asyncio.Lock:
        """The lock held while a contest changes phase or is cancelled."""
        return self._locks.setdefault(contest_id, asyncio.Lock())

    async def create(
        self,
        guild_id: int,
        *,
        channel_id: int,
        host_id: int,
        theme: str,
        anonymous: bool,
        voting: str,
        submit_length: timedelta,
        vote_length: timedelta,
    ) -> int:
        now = self.clock.now()
        return await self.repo.create(
            guild_id,
            channel_id=channel_id,
            host_id=host_id,
            theme=theme,
            anonymous=anonymous,
            voting_preference=voting,
            created_at=to_ms(now),
            submissions_close_at=to_ms(now + submit_length),
            vote_duration_ms=int(vote_length.total_seconds() * 1000),
        )

    # -- entries ------------------------------------------------------------------------------
    def check_open(self, row: ContestRow) -> None:
        """Entries can be made or changed only while submissions are open."""
        if row.status != "submissions" or self.clock.now() >= from_ms(row.submissions_close_at):
            raise RuleError(f"Submissions for contest #{row.id} are closed ({PHASE_NAMES[row.status]}).")

    @staticmethod
    def _cleaned(text: str | None, upload: Upload | None, size_limit: int) -> str | None:
        """The entry's text, checked with its file's size (shared by submit and edit)."""
        return rules.check_entry(text, upload.size if upload else None, size_limit=size_limit)

    async def submit(
        self, row: ContestRow, member_id: int, text: str | None, upload: Upload | None, size_limit: int
    ) -> bool:
        """Store a member's entry and record it; False when they already have one (one each)."""
        self.check_open(row)
        cleaned = self._cleaned(text, upload, size_limit)
        now = self.clock.now()
        added = await self.repo.add_entry(
            row.guild_id,
            row.id,
            member_id,
            cleaned,
            upload.url if upload else None,
            upload.filename if upload else None,
            to_ms(now),
        )
        if added:
            self._record(row, "contest_entry", member_id, now, f"contest:{row.id}:{member_id}", row.message_id)
        return added

    async def edit(
        self, row: ContestRow, member_id: int, text: str | None, upload: Upload | None, size_limit: int
    ) -> None:
        """Replace the text and/or the file of a member's entry while submissions are open."""
        self.check_open(row)
        entry = await self.repo.entry_of(row.guild_id, row.id, member_id)
        if entry is None:
            raise RuleError(f"You have no entry in contest #{row.id} yet: use `/contest submit`.")
        if entry.removed:
            raise RuleError("A moderator removed your entry, so it can't be edited.")
        if text is None and upload is None:
            raise RuleError("Give a new `text`, a new `attachment`, or both.")
        cleaned = self._cleaned(text if text is not None else entry.text, upload, size_limit)
        if cleaned is None and upload is None and entry.attachment_url is None:
            raise RuleError("An entry needs text, an attachment, or both.")
        await self.repo.edit_entry(
            row.guild_id,
            row.id,
            member_id,
            cleaned,
            upload.url if upload else entry.attachment_url,
            upload.filename if upload else entry.attachment_name,
            to_ms(self.clock.now()),
        )

    async def remove_entry(self, row: ContestRow, member_id: int, reason: str, moderator_id: int) -> EntryRow | None:
        """Remove a member's entry (and its votes) with a reason they will see; None when there is none."""
        entry = await self.repo.entry_of(row.guild_id, row.id, member_id)
        if entry is not None and not entry.removed:
            await self.repo.remove_entry(row.guild_id, entry.id, reason, moderator_id, to_ms(self.clock.now()))
        return entry

    async def number_entries(self, row: ContestRow) -> list[EntryRow]:
        """Number every standing entry (keeping numbers already given) for the vote; [] ends the contest."""
        entries = [e for e in await self.repo.entries(row.guild_id, row.id) if not e.removed]
        if not entries:
            await self.repo.update(row.guild_id, row.id, status="ended")
            return []
        next_number = max((e.number for e in entries if e.number), default=0) + 1
        numbered = []
        for entry in entries:
            if entry.number is None:
                await self.repo.number_entry(row.guild_id, entry.id, next_number)
                next_number += 1
            fresh = await self.repo.entry(row.guild_id, entry.id)
            assert fresh is not None
            numbered.append(fresh)
        return numbered

    async def open_voting(self, row: ContestRow, mode: str, voting_message_id: int | None) -> datetime:
        """Move the contest into voting; returns when voting ends."""
        ends = self.clock.now() + timedelta(milliseconds=row.vote_duration_ms)
        await self.repo.update(
            row.guild_id,
            row.id,
            status="voting",
            voting_mode=mode,
            voting_ends_at=to_ms(ends),
            voting_message_id=voting_message_id,
        )
        return ends

    # -- votes --------------------------------------------------------------------------------
    async def button_vote(self, row: ContestRow, voter_id: int, entry_id: int) -> tuple[EntryRow, bool]:
        """The entry a vote button stands for and whether the member's vote is already on it.

        RuleError when the vote can't go there (voting closed, entry removed, one's own entry).
        """
        if row.status != "voting":
            raise RuleError(f"Voting for contest #{row.id} is closed ({PHASE_NAMES[row.status]}).")
        entry = await self.repo.entry(row.guild_id, entry_id)
        if entry is None or entry.contest_id != row.id or entry.removed:
            raise RuleError("That entry was removed, so it can't get votes.")
        if entry.member_id == voter_id:
            raise RuleError("You can't vote for your own entry; pick someone else's.")
        votes = await self.repo.votes(row.guild_id, row.id)
        return entry, votes.get(voter_id) == entry_id

    async def store_vote(
        self, row: ContestRow, voter_id: int, entry: EntryRow, message_id: int | None, *, counts: bool = True
    ) -> None:
        """Store (or move) a vote; a vote that counts is also recorded as activity."""
        now = self.clock.now()
        await self.repo.vote(row.guild_id, row.id, voter_id, entry.id, to_ms(now))
        if counts:
            self._record(row, "contest_vote", voter_id, now, f"contest_vote:{row.id}:{voter_id}", message_id)

    def _record(
        self, row: ContestRow, kind: str, member_id: int, at: datetime, event_key: str, message_id: int | None
    ) -> None:
        """Record a contest entry or vote as activity on the contest's post (it counts in participation)."""
        self.recorder.record(
            Activity(
                guild_id=row.guild_id,
                kind=kind,
                member_id=member_id,
                at=at,
                event_key=event_key,
                channel_id=row.channel_id,
                thread_id=row.thread_id,
                message_id=message_id,
                post_id=row.post_id,
            )
        )

    async def poll_entry(
        self, guild_id: int, message_id: int, answer_id: int
    ) -> tuple[EntryRow | None, ContestRow | None]:
        """The entry a native-poll answer stands for, and its contest, while that poll is the open vote."""
        row = await self.repo.by_voting_message(guild_id, message_id)
        if row is None or row.status != "voting" or row.voting_mode != "poll":
            return None, None
        for entry in await self.repo.entries(guild_id, row.id):
            if entry.poll_answer_id == answer_id and not entry.removed:
                return entry, row
        return None, row

    async def tally(self, row: ContestRow) -> rules.Result:
        """Count the votes of every standing numbered entry (own-entry votes set aside)."""
        entries = [e for e in await self.repo.entries(row.guild_id, row.id) if not e.removed and e.number]
        return rules.tally(
            [(e.id, e.number or 0, e.member_id) for e in entries], await self.repo.votes(row.guild_id, row.id)
        )
