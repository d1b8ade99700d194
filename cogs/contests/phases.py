"""How a contest moves through its phases on Discord: entries posted, the vote opened and counted, results.

The timers, ``/contest end`` and ``/contest cancel`` come here; the bookkeeping is ContestService.
Native poll votes are gated so that only a contest's own voting poll costs a task.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta

import discord

from bot.app import Hearth
from bot.core.limits import RuleError
from bot.core.tree import UserError
from bot.features.contests import rules as rules
from bot.features.contests.service import ContestService
from bot.storage.contests import ContestRow, EntryRow
from cogs.contests.embeds import buttons_vote_text, entry_text, poll_vote_text, post_embed, results_text, vote_poll
from cogs.contests.views import vote_view

log = logging.getLogger(__name__)

CLOSE_KIND = "contest.close_submissions"
END_KIND = "contest.end"


class ContestPhases:
    """Closes submissions, runs the vote (buttons or a native poll) and posts the results; each step idempotent."""

    def __init__(self, bot: Hearth, service: ContestService) -> None:
        self.bot = bot
        self.service = service
        self._voting_polls: set[tuple[int, int]] = set()  # (guild, message) of open contest polls
        self._poll_gates: list[tuple[str, Callable[..., None]]] = []

    async def listen_to_polls(self) -> None:
        self._voting_polls.update(await self.service.repo.voting_poll_messages())
        for guild_id, message_id in self._voting_polls:
            self.bot.recorder.claim_poll(guild_id, message_id)  # votes are contest votes, not poll votes
        # Every native poll vote in a guild comes by: only a contest's voting poll is worth a task.
        for event, listener in (("raw_poll_vote_add", self._vote_added), ("raw_poll_vote_remove", self._vote_removed)):
            self._poll_gates.append((event, self.bot.listen_when(event, self._is_contest_poll, listener)))

    def stop_listening(self) -> None:
        for event, gate in self._poll_gates:
            self.bot.stop_listening_instantly(event, gate)
        self._poll_gates.clear()

    async def get(self, guild_id: int, contest_id: int) -> ContestRow:
        row = await self.service.repo.get(guild_id, contest_id)
        if row is None:
            raise UserError(f"There is no contest #{contest_id} in this server (see `/contest list`).")
        return row

    def destination(self, row: ContestRow) -> discord.PartialMessageable:
        return self.bot.get_partial_messageable(row.thread_id or row.channel_id, guild_id=row.guild_id)

    def channel(self, row: ContestRow) -> discord.PartialMessageable:
        return self.bot.get_partial_messageable(row.channel_id, guild_id=row.guild_id)

    async def refresh_post(self, row: ContestRow, result_line: str | None = None) -> None:
        if row.message_id is None:
            return
        try:
            await self.channel(row).get_partial_message(row.message_id).edit(embed=post_embed(row, result_line))
        except discord.HTTPException:
            log.warning("could not edit contest #%s's post", row.id, exc_info=True)

    async def close_submissions(self, guild_id: int, contest_id: int) -> None:
        """Post every entry and open the vote. Idempotent: entries already posted are not posted again."""
        async with self.service.lock(contest_id):
            row = await self.service.repo.get(guild_id, contest_id)
            if row is None or row.status != "submissions":
                return
            numbered = await self.service.number_entries(row)
            if not numbered:
                ended = await self.get(guild_id, contest_id)
                await self.refresh_post(ended, "Submissions closed with no entries, so there is no winner.")
                return
            mode = row.voting_mode or rules.voting_mode(len(numbered), row.voting_preference)
            destination = self.destination(row)
            for entry in numbered:
                if entry.message_id is not None:
                    continue
                view = vote_view(contest_id, entry.id, entry.number or 0) if mode == "buttons" else None
                sent = await destination.send(entry_text(entry, credited=not row.anonymous), view=view)  # type: ignore[arg-type]
                await self.service.repo.set_entry_post(guild_id, entry.id, sent.id)
            voting_message_id = row.voting_message_id
            if voting_message_id is None:
                voting_message_id = await self._open_vote(row, numbered, mode)
            ends = await self.service.open_voting(row, mode, voting_message_id)
            if mode == "poll" and voting_message_id is not None:
                self._voting_polls.add((guild_id, voting_message_id))
                self.bot.recorder.claim_poll(guild_id, voting_message_id)
            await self.bot.scheduler.set_timer(guild_id, END_KIND, contest_id, ends)
            await self.refresh_post(await self.get(guild_id, contest_id))

    async def _open_vote(self, row: ContestRow, entries: list[EntryRow], mode: str) -> int:
        destination = self.destination(row)
        length = timedelta(milliseconds=row.vote_duration_ms)
        ends = self.bot.clock.now() + length
        if mode == "buttons":
            return (await destination.send(buttons_vote_text(len(entries), ends))).id
        guild = self.bot.get_guild(row.guild_id)

        def name_of(member_id: int) -> str | None:
            member = guild.get_member(member_id) if guild else None
            return member.display_name if member else None

        message = await destination.send(
            poll_vote_text(len(entries), ends), poll=vote_poll(row, entries, length, name_of)
        )
        answer_ids = [a.id for a in message.poll.answers] if message.poll else []
        for index, entry in enumerate(entries):
            answer_id = answer_ids[index] if index < len(answer_ids) else index + 1
            await self.service.repo.set_entry_post(row.guild_id, entry.id, None, answer_id)
        return message.id

    async def press_vote(self, interaction: discord.Interaction, contest_id: int, entry_id: int) -> None:
        assert interaction.guild_id is not None
        guild_id = interaction.guild_id
        row = await self.get(guild_id, contest_id)
        try:
            entry, already = await self.service.button_vote(row, interaction.user.id, entry_id)
        except RuleError as exc:
            raise UserError(str(exc)) from exc
        if already:
            await interaction.response.send_message(f"Your vote is already on entry #{entry.number}.", ephemeral=True)
            return
        await self.service.store_vote(
            row, interaction.user.id, entry, interaction.message.id if interaction.message else None
        )
        await interaction.response.send_message(
            f"Your vote is on entry #{entry.number}. Press another entry's button to move it.", ephemeral=True
        )

    def _is_contest_poll(self, payload: discord.RawPollVoteActionEvent) -> bool:
        return (payload.guild_id, payload.message_id) in self._voting_polls

    async def _vote_added(self, payload: discord.RawPollVoteActionEvent) -> None:
        entry, row = await self._poll_entry(payload)
        if entry is None or row is None:
            return
        # Discord can't refuse a poll click: a vote for one's own entry is kept but the tally ignores it.
        own = entry.member_id == payload.user_id
        await self.service.store_vote(row, payload.user_id, entry, payload.message_id, counts=not own)

    async def _vote_removed(self, payload: discord.RawPollVoteActionEvent) -> None:
        entry, row = await self._poll_entry(payload)
        if entry is not None and row is not None:
            await self.service.repo.unvote(row.guild_id, row.id, payload.user_id, entry.id)

    async def _poll_entry(self, payload: discord.RawPollVoteActionEvent) -> tuple[EntryRow | None, ContestRow | None]:
        if payload.guild_id is None or (self.bot.user is not None and payload.user_id == self.bot.user.id):
            return None, None
        if not self._is_contest_poll(payload):  # closed since the vote was dispatched
            return None, None
        return await self.service.poll_entry(payload.guild_id, payload.message_id, payload.answer_id)

    async def end_poll(self, row: ContestRow) -> None:
        if row.voting_message_id is None:
            return
        try:
            await self.destination(row).get_partial_message(row.voting_message_id).end_poll()
        except discord.HTTPException:
            log.info("contest #%s's poll was already closed", row.id)

    # -- results ------------------------------------------------------------------------------
    async def finish(self, guild_id: int, contest_id: int) -> None:
        """Close the vote and announce the winners. Idempotent: announced once."""
        async with self.service.lock(contest_id):
            row = await self.service.repo.get(guild_id, contest_id)
            if row is None:
                return
            if row.status == "voting":
                if row.voting_mode == "poll":
                    await self.end_poll(row)
                await self.service.repo.update(guild_id, contest_id, status="ended")
                row = await self.get(guild_id, contest_id)
            if row.status != "ended" or row.results_message_id is not None or row.voting_mode is None:
                return
            result = await self.service.tally(row)
            content, headline = results_text(row, result)
            winners = sorted({s.author_id for s in result.winners})
            message = await self.channel(row).send(
                content,
                allowed_mentions=discord.AllowedMentions(
                    everyone=False, roles=False, replied_user=False, users=[discord.Object(id=w) for w in winners]
                ),
                reference=discord.MessageReference(  # type: ignore[arg-type]
                    message_id=row.message_id or 0,
                    channel_id=row.channel_id,
                    guild_id=row.guild_id,
                    fail_if_not_exists=False,
                )
                if row.message_id
                else None,
            )
            await self.service.repo.update(guild_id, contest_id, results_message_id=message.id)
            await self.refresh_post(row, headline)
