"""/contest: submission contests (submit, vote, winners). Rules in bot/engagement/contests.py, SQL in bot/storage."""

from __future__ import annotations

import asyncio
import logging
import math
import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any, Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import Hearth
from bot.core.checks import moderator_only
from bot.core.clock import from_ms, to_ms
from bot.core.discord_helpers import NO_PINGS, discord_timestamp, missing_permissions, truncate
from bot.core.tree import UserError, report_error
from bot.features.contests import rules as rules
from bot.features.limits import RuleError, human_duration
from bot.platform.recorder import Activity
from bot.storage.contests import ContestRepository, ContestRow, EntryRow
from bot.storage.schedules import TimerRow

log = logging.getLogger(__name__)

CLOSE_KIND = "contest.close_submissions"
END_KIND = "contest.end"
PHASE_NAMES = {
    "submissions": "open for submissions",
    "voting": "voting",
    "ended": "ended",
    "cancelled": "cancelled",
}


def _mentions(ids: list[int]) -> str:
    return ", ".join(f"<@{i}>" for i in ids)


def entry_text(entry: EntryRow, *, credited: bool) -> str:
    """The entry as posted when voting opens: number, author (unless anonymous), text, attachment."""
    head = f"**Entry #{entry.number}**" + (f" by <@{entry.member_id}>" if credited else "")
    parts = [head]
    if entry.text:
        parts.append(entry.text)
    if entry.attachment_url:
        parts.append(entry.attachment_url)
    return truncate("\n".join(parts), 2000)


class VoteButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"contest:vote:(?P<c>\d+):(?P<e>\d+)"):
    """A vote button under one posted entry; used when a poll can't hold every entry."""

    def __init__(self, contest_id: int, entry_id: int, number: int) -> None:
        super().__init__(
            discord.ui.Button(
                label=f"Vote for #{number}",
                style=discord.ButtonStyle.primary,
                custom_id=f"contest:vote:{contest_id}:{entry_id}",
            )
        )
        self.contest_id = contest_id
        self.entry_id = entry_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> VoteButton:
        return cls(int(match["c"]), int(match["e"]), 0)

    async def callback(self, interaction: discord.Interaction) -> None:
        cog: Contests | None = interaction.client.get_cog("Contests")  # type: ignore[assignment, union-attr]
        try:
            if cog is None:
                raise UserError("Contests are unavailable right now; try again in a minute.")
            await cog.press_vote(interaction, self.contest_id, self.entry_id)
        except Exception as exc:
            await report_error(interaction, exc)


class Contests(commands.Cog):
    contest = app_commands.Group(name="contest", description="Submission contests with member voting", guild_only=True)

    def __init__(self, bot: Hearth) -> None:
        self.bot = bot
        self.repo = ContestRepository(bot.db)
        self._locks: dict[int, asyncio.Lock] = {}
        self._voting_polls: set[tuple[int, int]] = set()  # (guild, message) of open contest polls
        self._poll_gates: list[tuple[str, Callable[..., None]]] = []

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(VoteButton)
        self.bot.scheduler.on_timer(CLOSE_KIND, self._on_close_timer)
        self.bot.scheduler.on_timer(END_KIND, self._on_end_timer)
        self.bot.privacy.on_forget(self.repo.forget_member)
        self._voting_polls.update(await self.repo.voting_poll_messages())
        # Every native poll vote in a guild comes by: only a contest's voting poll is worth a task.
        for event, listener in (("raw_poll_vote_add", self._vote_added), ("raw_poll_vote_remove", self._vote_removed)):
            self._poll_gates.append((event, self.bot.listen_when(event, self._is_contest_poll, listener)))

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(VoteButton)
        for event, gate in self._poll_gates:
            self.bot.stop_listening_instantly(event, gate)
        self._poll_gates.clear()

    def _lock(self, contest_id: int) -> asyncio.Lock:
        return self._locks.setdefault(contest_id, asyncio.Lock())

    async def _get(self, guild_id: int, contest_id: int) -> ContestRow:
        row = await self.repo.get(guild_id, contest_id)
        if row is None:
            raise UserError(f"There is no contest #{contest_id} in this server (see `/contest list`).")
        return row

    async def _resolve(self, interaction: discord.Interaction, contest_id: int | None) -> ContestRow:
        """The named contest, else the one whose thread we're in, else the only running one."""
        assert interaction.guild_id is not None
        if contest_id is not None:
            return await self._get(interaction.guild_id, contest_id)
        if isinstance(interaction.channel, discord.Thread):
            row = await self.repo.by_thread(interaction.guild_id, interaction.channel.id)
            if row is not None:
                return row
        running = await self.repo.list(interaction.guild_id)
        if len(running) == 1:
            return running[0]
        if not running:
            raise UserError("No contest is running in this server right now.")
        raise UserError(
            f"Several contests are running ({', '.join(f'#{r.id}' for r in running)}): name one with `contest`."
        )

    def _destination(self, row: ContestRow) -> discord.PartialMessageable:
        return self.bot.get_partial_messageable(row.thread_id or row.channel_id, guild_id=row.guild_id)

    def _channel(self, row: ContestRow) -> discord.PartialMessageable:
        return self.bot.get_partial_messageable(row.channel_id, guild_id=row.guild_id)

    # -- start --------------------------------------------------------------------------------
    @contest.command(name="start", description="Open a submission contest with a thread, then a vote")
    @app_commands.describe(
        theme="What members make or share",
        submit_for="How long submissions stay open, e.g. 2d",
        vote_for="How long voting lasts after that, e.g. 1d (at least 1h)",
        channel="Where to post it (default: here)",
        anonymous="Post entries without their authors' names until the results",
        voting="auto: a native poll for up to 10 entries, else buttons; buttons: always buttons",
    )
    @moderator_only()
    async def start(
        self,
        interaction: discord.Interaction,
        theme: str,
        submit_for: str,
        vote_for: str,
        channel: discord.TextChannel | None = None,
        anonymous: bool = False,
        voting: Literal["auto", "buttons"] = "auto",
    ) -> None:
        assert interaction.guild is not None
        guild = interaction.guild
        try:
            theme = rules.check_theme(theme)
            submit_length, vote_length = rules.check_phases(submit_for, vote_for)
        except RuleError as exc:
            raise UserError(str(exc)) from exc
        target = channel or interaction.channel
        if not isinstance(target, discord.TextChannel):
            raise UserError("Pick a text channel for the contest with the `channel` option.")
        missing = missing_permissions(target, guild.me)
        if missing:
            raise UserError(f"I can't post in {target.mention}: I'm missing {', '.join(missing)}.")
        await interaction.response.defer(ephemeral=True, thinking=True)
        now = self.bot.clock.now()
        closes = now + submit_length
        contest_id = await self.repo.create(
            guild.id,
            channel_id=target.id,
            host_id=interaction.user.id,
            theme=theme,
            anonymous=anonymous,
            voting_preference=voting,
            created_at=to_ms(now),
            submissions_close_at=to_ms(closes),
            vote_duration_ms=int(vote_length.total_seconds() * 1000),
        )
        row = await self._get(guild.id, contest_id)
        try:
            message = await target.send(embed=self._post_embed(row))
        except discord.HTTPException as exc:
            await self.repo.delete(guild.id, contest_id)
            raise UserError(f"I couldn't post in {target.mention} ({exc.text or exc.status}).") from exc
        thread_id: int | None = None
        try:
            thread = await message.create_thread(name=truncate(f"Contest: {theme}", 100))
            thread_id = thread.id
        except discord.HTTPException:
            log.warning("could not open a thread for contest #%s; using the channel", contest_id, exc_info=True)
        post = await self.bot.posts.register(
            guild.id,
            "contest",
            target.id,
            message.id,
            thread_id=thread_id,
            ref_id=contest_id,
            member_count=self.bot.member_count(guild.id),
        )
        await self.repo.update(guild.id, contest_id, message_id=message.id, thread_id=thread_id, post_id=post.id)
        await self.bot.scheduler.set_timer(guild.id, CLOSE_KIND, contest_id, closes)
        where = f"<#{thread_id}>" if thread_id else target.mention
        await interaction.followup.send(
            f"Contest #{contest_id} is open in {where}; submissions close {discord_timestamp(closes)}, "
            f"then voting runs {human_duration(vote_length)}.",
            ephemeral=True,
            allowed_mentions=NO_PINGS,
        )

    def _post_embed(self, row: ContestRow, result_line: str | None = None) -> discord.Embed:
        embed = discord.Embed(title=truncate(f"🏆 Contest: {row.theme}", 256), colour=discord.Colour.blurple())
        closes = from_ms(row.submissions_close_at)
        vote_length = timedelta(milliseconds=row.vote_duration_ms)
        if row.status == "submissions":
            embed.description = (
                f"Submit your entry with `/contest submit` (text and/or one file) until "
                f"{discord_timestamp(closes)} ({discord_timestamp(closes, 'R')}). One entry each; change it with "
                f"`/contest edit` until then. Voting runs {human_duration(vote_length)} after that."
            )
        elif row.status == "voting":
            ends = from_ms(row.voting_ends_at or 0)
            embed.description = f"Submissions are closed. Vote in the thread until {discord_timestamp(ends)}."
        elif row.status == "cancelled":
            embed.description = "This contest was cancelled by a moderator."
            embed.colour = discord.Colour.dark_grey()
        else:
            embed.description = result_line or "This contest has ended."
            embed.colour = discord.Colour.green()
        embed.add_field(name="Entries", value="anonymous until the results" if row.anonymous else "credited")
        embed.add_field(name="Hosted by", value=f"<@{row.host_id}>")
        embed.set_footer(text=f"Contest #{row.id} · you can't vote for your own entry")
        return embed

    async def _refresh_post(self, row: ContestRow, result_line: str | None = None) -> None:
        if row.message_id is None:
            return
        try:
            await self._channel(row).get_partial_message(row.message_id).edit(embed=self._post_embed(row, result_line))
        except discord.HTTPException:
            log.warning("could not edit contest #%s's post", row.id, exc_info=True)

    # -- submitting ---------------------------------------------------------------------------
    def _check_entry(
        self, interaction: discord.Interaction, text: str | None, attachment: discord.Attachment | None
    ) -> str | None:
        limit = min(rules.DEFAULT_MAX_ATTACHMENT, interaction.filesize_limit or rules.DEFAULT_MAX_ATTACHMENT)
        try:
            return rules.check_entry(text, attachment.size if attachment else None, size_limit=limit)
        except RuleError as exc:
            raise UserError(str(exc)) from exc

    def _check_open(self, row: ContestRow) -> None:
        closes = from_ms(row.submissions_close_at)
        if row.status != "submissions" or self.bot.clock.now() >= closes:
            raise UserError(f"Submissions for contest #{row.id} are closed ({PHASE_NAMES[row.status]}).")

    @contest.command(name="submit", description="Enter a contest (one entry each)")
    @app_commands.describe(
        text="Your entry's text",
        attachment="One file (image, audio, ...), at most 8 MiB",
        contest="The contest's number (default: the one in this thread, or the only one running)",
    )
    async def submit(
        self,
        interaction: discord.Interaction,
        text: str | None = None,
        attachment: discord.Attachment | None = None,
        contest: int | None = None,
    ) -> None:
        assert interaction.guild_id is not None
        row = await self._resolve(interaction, contest)
        self._check_open(row)
        cleaned = self._check_entry(interaction, text, attachment)
        now = self.bot.clock.now()
        added = await self.repo.add_entry(
            interaction.guild_id,
            row.id,
            interaction.user.id,
            cleaned,
            attachment.url if attachment else None,
            attachment.filename if attachment else None,
            to_ms(now),
        )
        if not added:
            raise UserError(
                f"You already have an entry in contest #{row.id} (one each). Change it with `/contest edit` "
                f"until {discord_timestamp(from_ms(row.submissions_close_at))}."
            )
        self.bot.recorder.record(
            Activity(
                guild_id=interaction.guild_id,
                kind="contest_entry",
                member_id=interaction.user.id,
                at=now,
                event_key=f"contest:{row.id}:{interaction.user.id}",
                channel_id=row.channel_id,
                thread_id=row.thread_id,
                message_id=row.message_id,
                post_id=row.post_id,
            )
        )
        await interaction.response.send_message(
            f"Your entry for **{row.theme}** is in. It stays hidden until submissions close "
            f"{discord_timestamp(from_ms(row.submissions_close_at), 'R')}; change it with `/contest edit`.",
            ephemeral=True,
            allowed_mentions=NO_PINGS,
        )

    @contest.command(name="edit", description="Change your contest entry while submissions are open")
    @app_commands.describe(
        text="The new text (leave empty to keep the old one)",
        attachment="A new file (replaces the old one)",
        contest="The contest's number (default: the one in this thread, or the only one running)",
    )
    async def edit(
        self,
        interaction: discord.Interaction,
        text: str | None = None,
        attachment: discord.Attachment | None = None,
        contest: int | None = None,
    ) -> None:
        assert interaction.guild_id is not None
        row = await self._resolve(interaction, contest)
        self._check_open(row)
        entry = await self.repo.entry_of(interaction.guild_id, row.id, interaction.user.id)
        if entry is None:
            raise UserError(f"You have no entry in contest #{row.id} yet: use `/contest submit`.")
        if entry.removed:
            raise UserError("A moderator removed your entry, so it can't be edited.")
        if text is None and attachment is None:
            raise UserError("Give a new `text`, a new `attachment`, or both.")
        new_text = text if text is not None else entry.text
        cleaned = self._check_entry(interaction, new_text, attachment)
        if cleaned is None and attachment is None and entry.attachment_url is None:
            raise UserError("An entry needs text, an attachment, or both.")
        await self.repo.edit_entry(
            interaction.guild_id,
            row.id,
            interaction.user.id,
            cleaned,
            attachment.url if attachment else entry.attachment_url,
            attachment.filename if attachment else entry.attachment_name,
            to_ms(self.bot.clock.now()),
        )
        await interaction.response.send_message("Your entry is updated.", ephemeral=True)

    @contest.command(name="status", description="Where a contest stands and what happened to your entry")
    @app_commands.describe(contest="The contest's number (default: the one in this thread, or the only one running)")
    async def status(self, interaction: discord.Interaction, contest: int | None = None) -> None:
        assert interaction.guild_id is not None
        row = await self._resolve(interaction, contest)
        counts = await self.repo.entry_counts(interaction.guild_id, [row.id])
        lines = [f"Contest #{row.id} **{row.theme}** is {PHASE_NAMES[row.status]}: {counts.get(row.id, 0)} entries."]
        if row.status == "submissions":
            lines.append(f"Submissions close {discord_timestamp(from_ms(row.submissions_close_at))}.")
        elif row.status == "voting" and row.voting_ends_at:
            lines.append(f"Voting ends {discord_timestamp(from_ms(row.voting_ends_at))}.")
        entry = await self.repo.entry_of(interaction.guild_id, row.id, interaction.user.id)
        if entry is None:
            lines.append("You have no entry.")
        elif entry.removed:
            lines.append(f"A moderator removed your entry. Reason: {entry.removed_reason}")
        else:
            number = f" (#{entry.number})" if entry.number else ""
            lines.append(f"Your entry{number}: {truncate(entry.text or entry.attachment_name or '', 200)}")
        await interaction.response.send_message("\n".join(lines), ephemeral=True, allowed_mentions=NO_PINGS)

    # -- moderation ---------------------------------------------------------------------------
    @contest.command(name="remove", description="Remove a member's entry (they see the reason in /contest status)")
    @app_commands.describe(member="Whose entry", reason="Why (shown to the member)", contest="The contest's number")
    @moderator_only()
    async def remove(
        self, interaction: discord.Interaction, member: discord.User, reason: str, contest: int | None = None
    ) -> None:
        assert interaction.guild_id is not None
        row = await self._resolve(interaction, contest)
        if row.status in ("ended", "cancelled"):
            raise UserError(f"Contest #{row.id} is {row.status}; entries can't be removed any more.")
        reason = " ".join(reason.split())
        if not reason or len(reason) > 300:
            raise UserError("Give a reason of at most 300 characters; the member will see it.")
        entry = await self.repo.entry_of(interaction.guild_id, row.id, member.id)
        if entry is None:
            raise UserError(f"{member.mention} has no entry in contest #{row.id}.")
        if entry.removed:
            raise UserError(f"{member.mention}'s entry was already removed.")
        await self.repo.remove_entry(
            interaction.guild_id, entry.id, reason, interaction.user.id, to_ms(self.bot.clock.now())
        )
        if entry.message_id is not None:
            try:
                await (
                    self._destination(row)
                    .get_partial_message(entry.message_id)
                    .edit(content=f"**Entry #{entry.number}** was removed by a moderator.", view=None)
                )
            except discord.HTTPException:
                log.warning("could not mark entry %s as removed", entry.id, exc_info=True)
        await interaction.response.send_message(
            f"Removed {member.mention}'s entry from contest #{row.id}. They'll see the reason in `/contest status`.",
            ephemeral=True,
            allowed_mentions=NO_PINGS,
        )

    @contest.command(name="end", description="Finish the current phase now (close submissions, or end voting)")
    @app_commands.describe(contest="The contest's number")
    @moderator_only()
    async def end(self, interaction: discord.Interaction, contest: int | None = None) -> None:
        assert interaction.guild_id is not None
        row = await self._resolve(interaction, contest)
        await interaction.response.defer(ephemeral=True, thinking=True)
        if row.status == "submissions":
            await self.bot.scheduler.cancel_timer(row.guild_id, CLOSE_KIND, row.id)
            await self.close_submissions(row.guild_id, row.id)
            done = "Submissions are closed and voting is open."
        elif row.status == "voting":
            await self.bot.scheduler.cancel_timer(row.guild_id, END_KIND, row.id)
            await self.finish(row.guild_id, row.id)
            done = "Voting is over and the results are posted."
        else:
            raise UserError(f"Contest #{row.id} is already {row.status}.")
        fresh = await self._get(row.guild_id, row.id)
        if fresh.status == "ended" and row.status == "submissions":
            done = "Submissions are closed; there were no entries, so the contest is over."
        await interaction.followup.send(done, ephemeral=True)

    @contest.command(name="cancel", description="Cancel a contest; nothing is posted or decided")
    @app_commands.describe(contest="The contest's number")
    @moderator_only()
    async def cancel(self, interaction: discord.Interaction, contest: int | None = None) -> None:
        assert interaction.guild_id is not None
        row = await self._resolve(interaction, contest)
        async with self._lock(row.id):
            row = await self._get(row.guild_id, row.id)
            if row.status not in ("submissions", "voting"):
                raise UserError(f"Contest #{row.id} is already {row.status}.")
            await self.repo.update(row.guild_id, row.id, status="cancelled")
            await self.bot.scheduler.cancel_timer(row.guild_id, CLOSE_KIND, row.id)
            await self.bot.scheduler.cancel_timer(row.guild_id, END_KIND, row.id)
        if row.voting_mode == "poll" and row.voting_message_id:
            await self._end_poll(row)
        await self._refresh_post(await self._get(row.guild_id, row.id))
        await interaction.response.send_message(f"Contest #{row.id} is cancelled.", ephemeral=True)

    @contest.command(name="list", description="Running and recent contests")
    async def list_command(self, interaction: discord.Interaction) -> None:
        assert interaction.guild_id is not None
        rows = await self.repo.list(
            interaction.guild_id, statuses=("submissions", "voting", "ended", "cancelled"), limit=15
        )
        if not rows:
            await interaction.response.send_message("No contests yet.", ephemeral=True)
            return
        counts = await self.repo.entry_counts(interaction.guild_id, [r.id for r in rows])
        lines = [
            f"#{r.id} **{truncate(r.theme, 60)}** in <#{r.channel_id}>: {PHASE_NAMES[r.status]}, "
            f"{counts.get(r.id, 0)} entries"
            for r in rows
        ]
        await interaction.response.send_message("\n".join(lines), ephemeral=True, allowed_mentions=NO_PINGS)

    # -- closing submissions, voting ----------------------------------------------------------
    async def _on_close_timer(self, timer: TimerRow) -> None:
        await self.close_submissions(timer.guild_id, timer.ref_id)

    async def _on_end_timer(self, timer: TimerRow) -> None:
        await self.finish(timer.guild_id, timer.ref_id)

    async def close_submissions(self, guild_id: int, contest_id: int) -> None:
        """Post every entry and open the vote. Idempotent: entries already posted are not posted again."""
        async with self._lock(contest_id):
            row = await self.repo.get(guild_id, contest_id)
            if row is None or row.status != "submissions":
                return
            entries = [e for e in await self.repo.entries(guild_id, contest_id) if not e.removed]
            if not entries:
                await self.repo.update(guild_id, contest_id, status="ended")
                ended = await self._get(guild_id, contest_id)
                await self._refresh_post(ended, "Submissions closed with no entries, so there is no winner.")
                return
            used = {e.number for e in entries if e.number}
            next_number = max(used, default=0) + 1
            numbered = []
            for entry in entries:
                if entry.number is None:
                    await self.repo.number_entry(guild_id, entry.id, next_number)
                    next_number += 1
                numbered.append(await self.repo.entry(guild_id, entry.id))
            mode = row.voting_mode or rules.voting_mode(len(numbered), row.voting_preference)
            destination = self._destination(row)
            credited = not row.anonymous
            for entry in numbered:
                assert entry is not None
                if entry.message_id is not None:
                    continue
                view = None
                if mode == "buttons":
                    view = discord.ui.View(timeout=None)
                    view.add_item(VoteButton(contest_id, entry.id, entry.number or 0))
                sent = await destination.send(entry_text(entry, credited=credited), view=view)  # type: ignore[arg-type]
                await self.repo.set_entry_post(guild_id, entry.id, sent.id)
            now = self.bot.clock.now()
            vote_length = timedelta(milliseconds=row.vote_duration_ms)
            ends = now + vote_length
            voting_message_id = row.voting_message_id
            if voting_message_id is None:
                voting_message_id = await self._open_vote(row, [e for e in numbered if e], mode, vote_length)
            await self.repo.update(
                guild_id,
                contest_id,
                status="voting",
                voting_mode=mode,
                voting_ends_at=to_ms(ends),
                voting_message_id=voting_message_id,
            )
            if mode == "poll" and voting_message_id is not None:
                self._voting_polls.add((guild_id, voting_message_id))
            await self.bot.scheduler.set_timer(guild_id, END_KIND, contest_id, ends)
            await self._refresh_post(await self._get(guild_id, contest_id))

    async def _open_vote(self, row: ContestRow, entries: list[EntryRow], mode: str, length: timedelta) -> int:
        destination = self._destination(row)
        ends = self.bot.clock.now() + length
        if mode == "buttons":
            message = await destination.send(
                f"Submissions are closed: {len(entries)} entries. Vote with the button under your favourite "
                f"until {discord_timestamp(ends)}. One vote each (press another to move it); "
                "you can't vote for your own entry."
            )
            return message.id
        hours = min(max(1, math.ceil(length.total_seconds() / 3600)), 32 * 24)
        poll = discord.Poll(question=truncate(f"Vote: {row.theme}", 300), duration=timedelta(hours=hours))
        guild = self.bot.get_guild(row.guild_id)
        for entry in entries:
            name = None
            if not row.anonymous:
                member = guild.get_member(entry.member_id) if guild else None
                name = member.display_name if member else None
            poll.add_answer(text=rules.poll_answer_text(entry.number or 0, name, entry.text or entry.attachment_name))
        message = await destination.send(
            f"Submissions are closed: {len(entries)} entries above. Vote in the poll until {discord_timestamp(ends)}; "
            "votes for your own entry don't count.",
            poll=poll,
        )
        answer_ids = [a.id for a in message.poll.answers] if message.poll else []
        for index, entry in enumerate(entries):
            answer_id = answer_ids[index] if index < len(answer_ids) else index + 1
            await self.repo.set_entry_post(row.guild_id, entry.id, None, answer_id)
        return message.id

    async def press_vote(self, interaction: discord.Interaction, contest_id: int, entry_id: int) -> None:
        assert interaction.guild_id is not None
        guild_id = interaction.guild_id
        row = await self._get(guild_id, contest_id)
        if row.status != "voting":
            raise UserError(f"Voting for contest #{contest_id} is closed ({PHASE_NAMES[row.status]}).")
        entry = await self.repo.entry(guild_id, entry_id)
        if entry is None or entry.contest_id != contest_id or entry.removed:
            raise UserError("That entry was removed, so it can't get votes.")
        if entry.member_id == interaction.user.id:
            raise UserError("You can't vote for your own entry; pick someone else's.")
        votes = await self.repo.votes(guild_id, contest_id)
        if votes.get(interaction.user.id) == entry_id:
            await interaction.response.send_message(f"Your vote is already on entry #{entry.number}.", ephemeral=True)
            return
        await self._store_vote(row, interaction.user.id, entry, interaction.message.id if interaction.message else None)
        await interaction.response.send_message(
            f"Your vote is on entry #{entry.number}. Press another entry's button to move it.", ephemeral=True
        )

    async def _store_vote(
        self, row: ContestRow, voter_id: int, entry: EntryRow, message_id: int | None, *, counts: bool = True
    ) -> None:
        now = self.bot.clock.now()
        await self.repo.vote(row.guild_id, row.id, voter_id, entry.id, to_ms(now))
        if not counts:
            return
        self.bot.recorder.record(
            Activity(
                guild_id=row.guild_id,
                kind="contest_vote",
                member_id=voter_id,
                at=now,
                event_key=f"contest_vote:{row.id}:{voter_id}",
                channel_id=row.channel_id,
                thread_id=row.thread_id,
                message_id=message_id,
                post_id=row.post_id,
            )
        )

    def _is_contest_poll(self, payload: discord.RawPollVoteActionEvent) -> bool:
        return (payload.guild_id, payload.message_id) in self._voting_polls

    async def _vote_added(self, payload: discord.RawPollVoteActionEvent) -> None:
        entry, row = await self._poll_entry(payload)
        if entry is None or row is None:
            return
        # Discord can't refuse a poll click: a vote for one's own entry is kept but the tally ignores it.
        own = entry.member_id == payload.user_id
        await self._store_vote(row, payload.user_id, entry, payload.message_id, counts=not own)

    async def _vote_removed(self, payload: discord.RawPollVoteActionEvent) -> None:
        entry, row = await self._poll_entry(payload)
        if entry is not None and row is not None:
            await self.repo.unvote(row.guild_id, row.id, payload.user_id, entry.id)

    async def _poll_entry(self, payload: discord.RawPollVoteActionEvent) -> tuple[EntryRow | None, ContestRow | None]:
        if payload.guild_id is None or (self.bot.user is not None and payload.user_id == self.bot.user.id):
            return None, None
        if not self._is_contest_poll(payload):  # closed since the vote was dispatched
            return None, None
        row = await self.repo.by_voting_message(payload.guild_id, payload.message_id)
        if row is None or row.status != "voting" or row.voting_mode != "poll":
            return None, None
        for entry in await self.repo.entries(payload.guild_id, row.id):
            if entry.poll_answer_id == payload.answer_id and not entry.removed:
                return entry, row
        return None, row

    async def _end_poll(self, row: ContestRow) -> None:
        if row.voting_message_id is None:
            return
        try:
            await self._destination(row).get_partial_message(row.voting_message_id).end_poll()
        except discord.HTTPException:
            log.info("contest #%s's poll was already closed", row.id)

    # -- results ------------------------------------------------------------------------------
    async def finish(self, guild_id: int, contest_id: int) -> None:
        """Close the vote and announce the winners. Idempotent: announced once."""
        async with self._lock(contest_id):
            row = await self.repo.get(guild_id, contest_id)
            if row is None:
                return
            if row.status == "voting":
                if row.voting_mode == "poll":
                    await self._end_poll(row)
                await self.repo.update(guild_id, contest_id, status="ended")
                row = await self._get(guild_id, contest_id)
            if row.status != "ended" or row.results_message_id is not None or row.voting_mode is None:
                return
            entries = [e for e in await self.repo.entries(guild_id, contest_id) if not e.removed and e.number]
            result = rules.tally(
                [(e.id, e.number or 0, e.member_id) for e in entries], await self.repo.votes(guild_id, contest_id)
            )
            content, headline = self._results_text(row, result)
            winners = sorted({s.author_id for s in result.winners})
            message = await self._channel(row).send(
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
            await self.repo.update(guild_id, contest_id, results_message_id=message.id)
            await self._refresh_post(row, headline)

    @staticmethod
    def _results_text(row: ContestRow, result: rules.Result) -> tuple[str, str]:
        """The results post and the one-line headline shown on the contest post."""
        if not result.winners:
            headline = "No votes were cast, so there is no winner."
        elif result.tied:
            names = " and ".join(f"#{s.number} by <@{s.author_id}>" for s in result.winners)
            headline = f"🤝 It's a tie: {names} share the win with {result.winners[0].votes} vote(s) each."
        else:
            top = result.winners[0]
            headline = f"🏆 Entry #{top.number} by <@{top.author_id}> wins with {top.votes} vote(s)!"
        lines = [f"**Results of contest #{row.id}: {row.theme}**", headline, ""]
        for standing in result.standings:
            lines.append(f"#{standing.number} by <@{standing.author_id}>: {standing.votes} vote(s)")
        if result.ignored_self_votes:
            lines.append(f"\n{result.ignored_self_votes} vote(s) for the voter's own entry were not counted.")
        return truncate("\n".join(lines), 2000), headline

    @end.autocomplete("contest")
    @cancel.autocomplete("contest")
    @remove.autocomplete("contest")
    @status.autocomplete("contest")
    @submit.autocomplete("contest")
    @edit.autocomplete("contest")
    async def contest_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[int]]:
        if interaction.guild_id is None:
            return []
        rows = await self.repo.list(interaction.guild_id, statuses=("submissions", "voting"), limit=25)
        return [
            app_commands.Choice(name=truncate(f"#{r.id} {r.theme} ({PHASE_NAMES[r.status]})", 100), value=r.id)
            for r in rows
            if current.strip().lstrip("#") in str(r.id) or current.lower() in r.theme.lower()
        ]


async def setup(bot: Hearth) -> None:
    await bot.add_cog(Contests(bot))
