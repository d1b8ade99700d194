"""/poll: native Discord polls and Hearth's anonymous polls, closed on time with a charted result.

Thin on purpose: input rules live in bot/features/polls/rules.py, vote and close bookkeeping in
bot/features/polls/service.py, SQL in bot/storage/polls.py, the chart in bot/features/polls/chart.py.
Buttons are in views.py, embeds and texts in embeds.py.
"""

from __future__ import annotations

import io
import logging
from datetime import timedelta
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import Hearth
from bot.core.checks import is_moderator, moderator_only
from bot.core.clock import from_ms
from bot.core.discord_helpers import NO_PINGS, POST_PERMISSIONS, discord_timestamp, missing_permissions, truncate
from bot.core.tree import UserError
from bot.features.polls.chart import poll_chart
from bot.features.polls.rules import PollInputError, PollSpec, build_spec, tally
from bot.features.polls.service import PollService, UnknownPoll
from bot.storage.analytics import AnalyticsRepository
from bot.storage.polls import PollRepository, PollRow
from bot.storage.schedules import TimerRow
from cogs.polls.embeds import anonymous_embed, jump_url, result_embed, result_lines
from cogs.polls.views import PollButton, anonymous_view

log = logging.getLogger(__name__)

TIMER_KIND = "poll.close"


class Polls(commands.Cog):
    poll = app_commands.Group(name="poll", description="Native and anonymous polls", guild_only=True)

    def __init__(self, bot: Hearth) -> None:
        self.bot = bot
        self.service = PollService(
            PollRepository(bot.db),
            bot.privacy,
            bot.recorder,
            bot.clock,
            AnalyticsRepository(bot.db),
            lambda guild_id: bot.guilds_repo.timezone(guild_id),
        )
        bot.scheduler.on_timer(TIMER_KIND, self._on_close_timer)
        bot.privacy.on_forget(self.service.forget_member)
        bot.add_dynamic_items(PollButton)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(PollButton)

    # -- /poll create -------------------------------------------------------------------------
    @poll.command(name="create", description="Post a poll: a native Discord poll, or an anonymous one run by Hearth")
    @app_commands.describe(
        question="What you ask (up to 300 characters)",
        options="2 to 10 options separated by commas (each up to 55 characters)",
        duration="How long it stays open, e.g. 30m, 2h, 1d, 1w or 1d12h (default 1d; native polls 1h to 32d)",
        multi="Let members pick several options",
        anonymous="Hearth runs it with buttons: nobody can see who voted for what, counts hidden until it closes",
        channel="Where to post it (default: here)",
    )
    @moderator_only()
    async def create(
        self,
        interaction: discord.Interaction,
        question: str,
        options: str,
        duration: str | None = None,
        multi: bool = False,
        anonymous: bool = False,
        channel: discord.TextChannel | None = None,
    ) -> None:
        assert interaction.guild is not None
        try:
            spec = build_spec(question, options, duration, multi=multi, anonymous=anonymous)
        except PollInputError as exc:
            raise UserError(str(exc)) from None
        target = channel or interaction.channel
        if not isinstance(target, discord.TextChannel | discord.Thread):
            raise UserError("Pick a text channel for the poll with the `channel:` option.")
        needed = POST_PERMISSIONS if anonymous else (*POST_PERMISSIONS, "send_polls")
        missing = missing_permissions(target, interaction.guild.me, needed)
        if missing:
            raise UserError(
                f"I can't post the poll in {target.mention}: I'm missing {', '.join(missing)}. "
                "Grant those in the channel's permissions, then try again."
            )
        await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            row, message = await self.publish(interaction.guild.id, target, spec, interaction.user.id)
        except discord.HTTPException as exc:
            raise UserError(f"Discord refused the poll ({exc.status}: {exc.text or 'no reason given'}).") from None
        kind = "Anonymous poll" if anonymous else "Poll"
        await interaction.followup.send(
            f"{kind} #{row.id} is up in {target.mention}: {message.jump_url}. "
            f"It closes {discord_timestamp(from_ms(row.closes_at))}; results are posted then.",
            ephemeral=True,
            allowed_mentions=NO_PINGS,
        )

    async def publish(
        self,
        guild_id: int,
        target: discord.TextChannel | discord.Thread,
        spec: PollSpec,
        created_by: int | None,
        **post_fields: Any,
    ) -> tuple[PollRow, discord.Message]:
        """Send a checked poll, register it as a Hearth post and arm its closing timer.

        ``post_fields`` go to ``bot.posts.register`` (schedule_id, on_time, experiment_id, arm, tag):
        an experiment's poll arm posts through here. On a Discord refusal the poll row is removed
        and the HTTPException propagates.
        """
        row = await self.service.create(guild_id, target.id, spec, created_by)
        try:
            if spec.anonymous:
                message = await target.send(
                    embed=anonymous_embed(row), view=anonymous_view(row), allowed_mentions=NO_PINGS
                )
            else:
                native = discord.Poll(
                    question=spec.question, duration=timedelta(hours=spec.native_hours), multiple=spec.multi
                )
                for option in spec.options:
                    native.add_answer(text=option)
                message = await target.send(poll=native, allowed_mentions=NO_PINGS)
        except discord.HTTPException:
            await self.service.repo.delete(guild_id, row.id)
            raise
        post = await self.bot.posts.register(
            guild_id,
            "poll",
            target.id,
            message.id,
            ref_id=row.id,
            member_count=self.bot.member_count(guild_id),
            **post_fields,
        )
        await self.service.repo.set_posted(guild_id, row.id, message.id, post.id)
        await self.bot.scheduler.set_timer(guild_id, TIMER_KIND, row.id, from_ms(row.closes_at))
        row = await self.service.repo.get(guild_id, row.id) or row
        return row, message

    # -- /poll close ----------------------------------------------------------------------------
    @poll.command(name="close", description="Close a poll now and post its result")
    @app_commands.describe(poll="The poll to close")
    @moderator_only()
    async def close(self, interaction: discord.Interaction, poll: int) -> None:
        assert interaction.guild_id is not None
        row = await self._poll_or_error(interaction.guild_id, poll)
        if not row.is_open and row.result_message_id is not None:
            raise UserError(f"Poll #{row.id} is already closed.")
        await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            closed = await self.close_poll(interaction.guild_id, row.id, "command")
        except discord.Forbidden:
            raise UserError(
                f"Poll #{row.id} is closed, but I may not post its result in <#{row.channel_id}>: grant me Send "
                "Messages, Embed Links and Attach Files there, then run `/poll close` again to post it."
            ) from None
        link = (
            f": {jump_url(closed.guild_id, closed.channel_id, closed.result_message_id)}"
            if closed and closed.result_message_id
            else "."
        )
        await interaction.followup.send(f"Closed poll #{row.id}; the result is posted{link}", ephemeral=True)

    # -- /poll list -----------------------------------------------------------------------------
    @poll.command(name="list", description="Open and recent polls")
    async def list_polls(self, interaction: discord.Interaction) -> None:
        assert interaction.guild_id is not None
        rows = await self.service.repo.recent(interaction.guild_id, limit=15)
        if not rows:
            await interaction.response.send_message("No polls yet.", ephemeral=True)
            return
        lines = []
        for row in rows:
            kind = "anonymous" if row.anonymous else "native"
            if row.is_open:
                when = f"open, closes {discord_timestamp(from_ms(row.closes_at), 'R')}"
            else:
                when = f"closed {discord_timestamp(from_ms(row.closed_at or row.closes_at), 'R')}"
            link = jump_url(row.guild_id, row.channel_id, row.message_id)
            lines.append(f"**#{row.id}** [{truncate(row.question, 80)}]({link}) · {kind} · {when}")
        embed = discord.Embed(title="Polls", description="\n".join(lines)[:4000], colour=discord.Colour.blurple())
        await interaction.response.send_message(embed=embed, ephemeral=True, allowed_mentions=NO_PINGS)

    # -- /poll results --------------------------------------------------------------------------
    @poll.command(name="results", description="A poll's counts (anonymous polls: moderators only until it closes)")
    @app_commands.describe(poll="The poll")
    async def results(self, interaction: discord.Interaction, poll: int) -> None:
        assert interaction.guild_id is not None
        row = await self._poll_or_error(interaction.guild_id, poll)
        final = self.service.final_tally(row)
        if final is not None:
            heading = f"Poll #{row.id} (closed): {row.question}"
            result = final
        elif row.anonymous:
            config = await self.bot.guilds_repo.get(interaction.guild_id)
            if not is_moderator(interaction.user, interaction.permissions, config.moderator_role_id):
                raise UserError(
                    "This poll is anonymous: its counts stay hidden until it closes "
                    f"{discord_timestamp(from_ms(row.closes_at), 'R')}."
                )
            result = await self.service.live_tally(row)
            heading = f"Poll #{row.id} (open; only you see this, counts only): {row.question}"
        else:
            counts, voters = await self._native_counts(row, end=False)
            result = tally(row.options, counts, voters)
            heading = f"Poll #{row.id} (open): {row.question}"
        lines = [truncate(heading, 300), *result_lines(result, row.multi), f"{result.voters} voter(s)."]
        await interaction.response.send_message("\n".join(lines)[:2000], ephemeral=True, allowed_mentions=NO_PINGS)

    @close.autocomplete("poll")
    @results.autocomplete("poll")
    async def poll_autocomplete(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[int]]:
        if interaction.guild_id is None:
            return []
        needle = current.strip().lstrip("#").lower()
        choices = []
        for row in await self.service.repo.recent(interaction.guild_id, limit=50):
            name = f"#{row.id} {'(open) ' if row.is_open else ''}{row.question}"
            if needle in name.lower():
                choices.append(app_commands.Choice(name=truncate(name, 100), value=row.id))
        return choices[:25]

    async def _poll_or_error(self, guild_id: int, poll_id: int) -> PollRow:
        try:
            return await self.service.get(guild_id, poll_id)
        except UnknownPoll:
            raise UserError(f"There is no poll #{poll_id} here; `/poll list` shows them.") from None

    # -- closing --------------------------------------------------------------------------------
    async def _on_close_timer(self, timer: TimerRow) -> None:
        await self.close_poll(timer.guild_id, timer.ref_id, "time")

    async def close_poll(self, guild_id: int, poll_id: int, closed_by: str) -> PollRow | None:
        """Close once and post the result once, however often this runs (timer, command, restart)."""
        async with self.service.close_lock(poll_id):
            poll = await self.service.repo.get(guild_id, poll_id)
            if poll is None or poll.message_id is None:
                return None
            if poll.is_open:
                if poll.anonymous:
                    result = await self.service.live_tally(poll)
                else:
                    counts, voters = await self._native_counts(poll, end=True)
                    result = tally(poll.options, counts, voters)
                await self.service.mark_closed(poll, result, closed_by)
                if closed_by != "time":
                    await self.bot.scheduler.cancel_timer(guild_id, TIMER_KIND, poll_id)
                poll = await self.service.repo.get(guild_id, poll_id)
                assert poll is not None
                if poll.anonymous:
                    await self._show_closed(poll)
            if poll.result_message_id is None:
                message = await self._posted_before_a_crash(poll) or await self._post_result(poll)
                await self.service.repo.set_result_message(guild_id, poll_id, message.id)
                poll = await self.service.repo.get(guild_id, poll_id)
        return poll

    def _message(self, poll: PollRow) -> discord.PartialMessage:
        channel = self.bot.get_partial_messageable(poll.channel_id, guild_id=poll.guild_id)
        assert poll.message_id is not None
        return channel.get_partial_message(poll.message_id)

    async def _native_counts(self, poll: PollRow, *, end: bool) -> tuple[list[int], int]:
        """Counts from the poll message (ended first when closing); recorded votes if the message is gone."""
        recorded = await self.service.native_voters(poll)
        partial = self._message(poll)
        try:
            message = await partial.fetch()
            if end and message.poll is not None and not message.poll.is_finalised():
                try:
                    message = await message.end_poll()
                except discord.HTTPException:  # already expired on Discord's side
                    message = await partial.fetch()
        except discord.NotFound:
            message = None
        if message is None or message.poll is None:
            log.warning("poll #%s: message gone, using recorded votes", poll.id)
            counts = [sum(1 for chosen in recorded.values() if i + 1 in chosen) for i in range(len(poll.options))]
            return counts, len(recorded)
        counts = []
        for i in range(len(poll.options)):
            answer = message.poll.get_answer(i + 1)
            counts.append(answer.vote_count if answer else 0)
        voters = len(recorded) if poll.multi else sum(counts)
        return counts, voters

    async def _show_closed(self, poll: PollRow) -> None:
        try:
            await self._message(poll).edit(embed=anonymous_embed(poll), view=None)
        except discord.HTTPException as exc:
            log.warning("poll #%s: could not mark the message closed: %s", poll.id, exc)

    async def _posted_before_a_crash(self, poll: PollRow) -> discord.Message | None:
        """A result Discord already has but the database doesn't (killed between the post and the write)."""
        me = self.bot.user
        if me is None or poll.message_id is None:
            return None
        channel = self.bot.get_partial_messageable(poll.channel_id, guild_id=poll.guild_id)
        try:
            async for message in channel.history(after=discord.Object(poll.message_id), limit=100):
                if (
                    message.author.id == me.id
                    and message.reference is not None
                    and message.reference.message_id == poll.message_id
                    and message.embeds
                    and (message.embeds[0].title or "").startswith("📊 Results")
                ):
                    return message
        except discord.HTTPException:
            return None  # can't look: posting is still better than no result
        return None

    async def _post_result(self, poll: PollRow) -> discord.Message:
        result = self.service.final_tally(poll)
        assert result is not None
        figures = await self.service.participation(poll)
        filename = f"poll-{poll.id}-results.png"
        chart = discord.File(io.BytesIO(poll_chart(poll.question, result)), filename=filename)
        channel = self.bot.get_partial_messageable(poll.channel_id, guild_id=poll.guild_id)
        reference = discord.MessageReference(
            message_id=poll.message_id or 0,
            channel_id=poll.channel_id,
            guild_id=poll.guild_id,
            fail_if_not_exists=False,
        )
        return await channel.send(
            embed=result_embed(poll, result, figures, filename),
            file=chart,
            reference=reference,
            allowed_mentions=NO_PINGS,
        )
