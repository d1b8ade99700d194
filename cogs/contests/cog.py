"""The /contest commands: start, submit, edit, status, remove, end, cancel, list; the phase timers and poll votes."""

from __future__ import annotations

import logging
from typing import Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import Hearth
from bot.core.checks import moderator_only
from bot.core.clock import from_ms
from bot.core.discord_helpers import NO_PINGS, discord_timestamp, missing_permissions, truncate
from bot.core.limits import RuleError, human_duration
from bot.core.tree import UserError
from bot.features.contests import rules as rules
from bot.features.contests.service import PHASE_NAMES, ContestService, Upload
from bot.storage.contests import ContestRepository, ContestRow
from bot.storage.schedules import TimerRow
from cogs.contests.embeds import (
    post_embed,
)
from cogs.contests.phases import CLOSE_KIND, END_KIND, ContestPhases
from cogs.contests.views import VoteButton

log = logging.getLogger(__name__)



class Contests(commands.Cog):
    contest = app_commands.Group(name="contest", description="Submission contests with member voting", guild_only=True)

    def __init__(self, bot: Hearth) -> None:
        self.bot = bot
        self.repo = ContestRepository(bot.db)
        self.service = ContestService(self.repo, bot.clock, bot.recorder)
        self.phases = ContestPhases(bot, self.service)

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(VoteButton)
        self.bot.scheduler.on_timer(CLOSE_KIND, self._on_close_timer)
        self.bot.scheduler.on_timer(END_KIND, self._on_end_timer)
        self.bot.privacy.on_forget(self.repo.forget_member)
        await self.phases.listen_to_polls()

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(VoteButton)
        self.phases.stop_listening()

    async def _get(self, guild_id: int, contest_id: int) -> ContestRow:
        return await self.phases.get(guild_id, contest_id)

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
        contest_id = await self.service.create(
            guild.id,
            channel_id=target.id,
            host_id=interaction.user.id,
            theme=theme,
            anonymous=anonymous,
            voting=voting,
            submit_length=submit_length,
            vote_length=vote_length,
        )
        row = await self._get(guild.id, contest_id)
        closes = from_ms(row.submissions_close_at)
        try:
            message = await target.send(embed=post_embed(row))
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

    # -- submitting ---------------------------------------------------------------------------
    async def _save_entry(
        self,
        interaction: discord.Interaction,
        contest: int | None,
        text: str | None,
        attachment: discord.Attachment | None,
        *,
        editing: bool,
    ) -> tuple[ContestRow, bool]:
        """Submit or edit through the service: the same contest lookup, file and size limit, and errors."""
        row = await self._resolve(interaction, contest)
        upload = Upload(attachment.url, attachment.filename, attachment.size) if attachment else None
        limit = min(rules.DEFAULT_MAX_ATTACHMENT, interaction.filesize_limit or rules.DEFAULT_MAX_ATTACHMENT)
        save = self.service.edit if editing else self.service.submit
        try:
            saved = await save(row, interaction.user.id, text, upload, limit)
        except RuleError as exc:
            raise UserError(str(exc)) from exc
        return row, editing or bool(saved)

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
        row, added = await self._save_entry(interaction, contest, text, attachment, editing=False)
        if not added:
            raise UserError(
                f"You already have an entry in contest #{row.id} (one each). Change it with `/contest edit` "
                f"until {discord_timestamp(from_ms(row.submissions_close_at))}."
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
        await self._save_entry(interaction, contest, text, attachment, editing=True)
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
        entry = await self.service.remove_entry(row, member.id, reason, interaction.user.id)
        if entry is None:
            raise UserError(f"{member.mention} has no entry in contest #{row.id}.")
        if entry.removed:
            raise UserError(f"{member.mention}'s entry was already removed.")
        if entry.message_id is not None:
            try:
                await (
                    self.phases.destination(row)
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
            await self.phases.close_submissions(row.guild_id, row.id)
            done = "Submissions are closed and voting is open."
        elif row.status == "voting":
            await self.bot.scheduler.cancel_timer(row.guild_id, END_KIND, row.id)
            await self.phases.finish(row.guild_id, row.id)
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
        async with self.service.lock(row.id):
            row = await self._get(row.guild_id, row.id)
            if row.status not in ("submissions", "voting"):
                raise UserError(f"Contest #{row.id} is already {row.status}.")
            await self.repo.update(row.guild_id, row.id, status="cancelled")
            await self.bot.scheduler.cancel_timer(row.guild_id, CLOSE_KIND, row.id)
            await self.bot.scheduler.cancel_timer(row.guild_id, END_KIND, row.id)
        if row.voting_mode == "poll" and row.voting_message_id:
            await self.phases.end_poll(row)
        await self.phases.refresh_post(await self._get(row.guild_id, row.id))
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
        await self.phases.close_submissions(timer.guild_id, timer.ref_id)

    async def _on_end_timer(self, timer: TimerRow) -> None:
        await self.phases.finish(timer.guild_id, timer.ref_id)

    async def press_vote(self, interaction: discord.Interaction, contest_id: int, entry_id: int) -> None:
        """A vote button was pressed (see views.VoteButton)."""
        await self.phases.press_vote(interaction, contest_id, entry_id)


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

