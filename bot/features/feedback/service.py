"""Feedback bookkeeping without Discord: submit, answer, block, upvote, digest and stats.

Anonymous authors are kept only as ``Sealer.seal`` ciphertext (key outside the database), so the
bot can DM them and block them while nobody, moderators or a database dump, can read who they are.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from bot.analytics.voice import VoiceFigures, load_voice
from bot.core.clock import Clock, to_ms
from bot.core.localtime import zone
from bot.features.feedback import rules
from bot.features.feedback.rules import FeedbackInputError
from bot.platform.recorder import Activity, Recorder
from bot.platform.sealing import Sealer, SealError
from bot.storage.feedback import FeedbackBlockRow, FeedbackChangeRow, FeedbackItemRow, FeedbackRepository

log = logging.getLogger(__name__)

NO_SECRET = (
    "Anonymous feedback is switched off here: the bot's operator has not set HEARTH_SECRET_KEY. "
    "You can send it with your name, or ask the operator to set the key."
)


class UnknownItem(LookupError):
    pass


class Blocked(Exception):
    """The sender was blocked by a moderator."""


@dataclass(frozen=True)
class Digest:
    """"You said, we did" for a time window: latest change per item."""

    done: list[FeedbackChangeRow]
    planned: list[FeedbackChangeRow]
    declined: list[FeedbackChangeRow]

    @property
    def empty(self) -> bool:
        return not (self.done or self.planned or self.declined)

    def lines(self) -> list[str]:
        out: list[str] = []
        for title, rows in (("Done", self.done), ("Planned", self.planned), ("Declined", self.declined)):
            if not rows:
                continue
            out.append(f"**{title}**")
            for r in rows:
                line = f"• #{r.number} ({r.kind}) {rules.shorten(r.body)}"
                if r.reason:
                    line += f" — {rules.shorten(r.reason, 200)}"
                out.append(line)
        return out


async def digest_between(repo: FeedbackRepository, guild_id: int, start_ms: int, end_ms: int) -> Digest:
    """"You said, we did" of [start, end): the digest command and the weekly summary's section."""
    changes = await repo.changes_between(guild_id, start_ms, end_ms)
    return Digest(
        done=[c for c in changes if c.status == "done"],
        planned=[c for c in changes if c.status == "planned"],
        declined=[c for c in changes if c.status == "declined"],
    )


class FeedbackService:
    def __init__(
        self,
        repo: FeedbackRepository,
        sealer: Sealer,
        recorder: Recorder,
        clock: Clock,
        timezone_of: Callable[[int], str],
    ) -> None:
        self.repo = repo
        self.sealer = sealer
        self._recorder = recorder
        self._clock = clock
        self._tz = timezone_of

    # -- identities -------------------------------------------------------------------------
    @staticmethod
    def _context(guild_id: int) -> str:
        return f"feedback-author:{guild_id}"

    def _sender_tag(self, guild_id: int, member_id: int) -> str:
        return self.sealer.tag(f"feedback-sender:{guild_id}", member_id)

    def author_of(self, item: FeedbackItemRow) -> int | None:
        """Who to DM about an item: the named author, or the anonymous one unsealed (never shown)."""
        if item.author_id is not None:
            return item.author_id
        if item.author_sealed is None or not self.sealer.available:
            return None
        try:
            return self.sealer.unseal(item.author_sealed, self._context(item.guild_id))
        except SealError:
            log.warning("feedback item %s was sealed under another key: its author can't be reached", item.id)
            return None

    async def is_blocked(self, guild_id: int, member_id: int) -> bool:
        return self.sealer.available and await self.repo.is_blocked(guild_id, self._sender_tag(guild_id, member_id))

    # -- submit -----------------------------------------------------------------------------
    async def submit(self, guild_id: int, member_id: int, kind: str, text: str, anonymous: bool) -> FeedbackItemRow:
        kind = rules.check_kind(kind)
        text = rules.check_text(text)
        if anonymous and not self.sealer.available:
            raise FeedbackInputError(NO_SECRET)
        if await self.is_blocked(guild_id, member_id):
            raise Blocked()
        now = self._clock.now()
        day = now.astimezone(zone(self._tz(guild_id))).date().toordinal()
        item = await self.repo.add(
            guild_id,
            kind,
            text,
            author_id=None if anonymous else member_id,
            author_sealed=self.sealer.seal(member_id, self._context(guild_id)) if anonymous else None,
            created_at=to_ms(now),
            local_day=day,
        )
        if not anonymous:  # an anonymous item leaves no trace with the member's id (docs/feedback.md)
            self._recorder.record(
                Activity(guild_id, "feedback", member_id, now, f"feedback:{item.id}")
            )
        return item

    # -- answer -----------------------------------------------------------------------------
    async def get(self, guild_id: int, item_id: int) -> FeedbackItemRow:
        item = await self.repo.get(guild_id, item_id)
        if item is None:
            raise UnknownItem(item_id)
        return item

    async def change_status(
        self, guild_id: int, item_id: int, status: str, reason: str | None, moderator_id: int
    ) -> FeedbackItemRow:
        status = rules.check_status(status)
        reason = rules.check_reason(status, reason)
        item = await self.get(guild_id, item_id)
        rules.check_change(item.status, status)
        await self.repo.change_status(
            guild_id, item_id, status, reason, moderator_id, to_ms(self._clock.now()), status in rules.ANSWERING
        )
        return await self.get(guild_id, item_id)

    async def block_sender(self, guild_id: int, item_id: int, moderator_id: int) -> bool:
        """Block the item's sender from sending more feedback, without anyone learning who it is."""
        item = await self.get(guild_id, item_id)
        if not self.sealer.available:
            raise FeedbackInputError(
                "Blocking needs HEARTH_SECRET_KEY (the key that keeps blocked senders unreadable); ask the operator."
            )
        author = self.author_of(item)
        if author is None:
            raise FeedbackInputError("This item's sender can no longer be identified, so they can't be blocked.")
        return await self.repo.block(
            guild_id, self._sender_tag(guild_id, author), item_id, moderator_id, to_ms(self._clock.now())
        )

    async def unblock_sender(self, guild_id: int, number: int) -> tuple[FeedbackItemRow, bool]:
        """Lift the block made from item #``number`` (the item, False when no block was made from it).

        By the item the block came from, not by sender: nothing to unseal, so it works after a key
        change too, and asking about another item of the same sender tells nothing about who sent
        what (docs/feedback.md)."""
        item = await self.repo.by_number(guild_id, number)
        if item is None:
            raise UnknownItem(number)
        return item, await self.repo.unblock_from(guild_id, item.id)

    async def blocks(self, guild_id: int) -> list[FeedbackBlockRow]:
        return await self.repo.blocks(guild_id)

    # -- upvotes ----------------------------------------------------------------------------
    async def upvote(self, guild_id: int, item_id: int, member_id: int) -> tuple[bool, int]:
        """Toggle one member's upvote; who voted is a keyed hash per item (secret outside the database)."""
        await self.get(guild_id, item_id)
        if not self.sealer.available:
            raise FeedbackInputError("Upvotes need HEARTH_SECRET_KEY to stay anonymous; ask the operator.")
        return await self.repo.upvote(guild_id, item_id, self.sealer.tag(f"feedback-vote:{item_id}", member_id))

    # -- reading ----------------------------------------------------------------------------
    async def items(self, guild_id: int, status: str | None) -> list[FeedbackItemRow]:
        if status == "open":
            return await self.repo.items(guild_id, ("open", "review"))
        return await self.repo.items(guild_id, (status,) if status else None)

    async def figures(self, guild_id: int) -> VoiceFigures:
        """The voice figures over all time (for /feedback stats): the report's definitions."""
        now = self._clock.now()
        today = now.astimezone(zone(self._tz(guild_id))).date().toordinal()
        return await load_voice(self.repo.db, guild_id, first_day=1, last_day=today, today=today, now_ms=to_ms(now))

    async def digest(self, guild_id: int, start: datetime, end: datetime) -> Digest:
        return await digest_between(self.repo, guild_id, to_ms(start), to_ms(end))

    async def forget_member(self, guild_id: int, member_id: int) -> None:
        await self.repo.forget_member(guild_id, member_id)
