"""/feedback: send (a modal), setup, list, stats and digest; the review buttons' answers."""

from __future__ import annotations

import logging
from datetime import timedelta

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import Hearth
from bot.core.checks import is_moderator, moderator_only, require_moderator
from bot.core.clock import from_ms
from bot.core.discord_helpers import NO_PINGS, POST_PERMISSIONS, missing_permissions, truncate
from bot.core.tree import UserError
from bot.features.feedback.rules import STATUS_LABELS, FeedbackInputError, shorten, status_message
from bot.features.feedback.service import Blocked, FeedbackService, UnknownItem
from bot.storage.feedback import FeedbackItemRow, FeedbackRepository
from cogs.feedback.embeds import digest_embed, jump_url, list_line, public_embed, review_embed
from cogs.feedback.views import FeedbackModal, ReviewButton, UpvoteButton, public_view, review_view

log = logging.getLogger(__name__)

NOT_SET_UP = "The feedback box isn't set up here yet: a moderator runs `/feedback setup channel:` first."
DMS_CLOSED = (
    "Your DMs from this server are closed, so I can't tell you when its status changes. "
    "Allow direct messages from server members (Privacy settings) to hear back."
)
LIST_PAGE = 15
DIGEST_MAX_DAYS = 90


class Feedback(commands.Cog):
    feedback = app_commands.Group(name="feedback", description="Tell the moderators something", guild_only=True)

    def __init__(self, bot: Hearth) -> None:
        self.bot = bot
        self.service = FeedbackService(
            FeedbackRepository(bot.db), bot.sealer, bot.recorder, bot.clock, lambda g: bot.guilds_repo.timezone(g)
        )
        bot.privacy.on_forget(self.service.forget_member)
        bot.add_dynamic_items(ReviewButton, UpvoteButton)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(ReviewButton, UpvoteButton)

    # -- members ----------------------------------------------------------------------------
    @feedback.command(name="send", description="Send the moderators an idea, a problem or praise (can be anonymous)")
    async def send(self, interaction: discord.Interaction) -> None:
        assert interaction.guild_id is not None
        settings = await self.service.repo.settings(interaction.guild_id)
        if settings.review_channel_id is None:
            raise UserError(NOT_SET_UP)
        await interaction.response.send_modal(FeedbackModal())

    async def submit(self, interaction: discord.Interaction, kind: str, text: str, anonymous: bool) -> None:
        """The modal's submit: store, post for review (with a thread), publicly if set, DM a receipt."""
        guild = interaction.guild
        if guild is None:
            raise UserError("Feedback only works inside a server.")
        settings = await self.service.repo.settings(guild.id)
        if settings.review_channel_id is None:
            raise UserError(NOT_SET_UP)
        try:
            item = await self.service.submit(guild.id, interaction.user.id, kind, text, anonymous)
        except FeedbackInputError as exc:
            raise UserError(str(exc)) from None
        except Blocked:
            raise UserError("A moderator has blocked you from sending feedback in this server.") from None
        await interaction.response.defer(ephemeral=True, thinking=True)
        item = await self._post(guild, item, settings.review_channel_id, settings.public_channel_id)
        receipt = (
            f"Thanks: your {item.kind} #{item.number} reached the moderators of **{guild.name}**"
            + (" without your name" if anonymous else "")
            + ". I'll DM you here whenever its status changes."
        )
        reached = await self._dm(interaction.user.id, receipt)
        answer = f"Sent as {item.kind} #{item.number}" + (" anonymously: nobody, moderators included, sees who sent it."
                                                          if anonymous else ".")
        if not reached:
            answer += "\n" + DMS_CLOSED
        await interaction.followup.send(answer, ephemeral=True, allowed_mentions=NO_PINGS)

    async def _post(
        self, guild: discord.Guild, item: FeedbackItemRow, review_id: int, public_id: int | None
    ) -> FeedbackItemRow:
        review = guild.get_channel(review_id)
        if not isinstance(review, discord.TextChannel):
            raise UserError("The feedback review channel is gone: a moderator runs `/feedback setup channel:` again.")
        if public_id is not None:
            public = guild.get_channel(public_id)
            if isinstance(public, discord.TextChannel):
                sent = await public.send(embed=public_embed(item), view=public_view(item), allowed_mentions=NO_PINGS)
                await self.service.repo.set_messages(guild.id, item.id, public=(public.id, sent.id))
                item = await self.service.get(guild.id, item.id)
        message = await review.send(embed=review_embed(item), view=review_view(item), allowed_mentions=NO_PINGS)
        thread_id = None
        try:
            thread = await message.create_thread(name=truncate(f"#{item.number} {shorten(item.body, 60)}", 100))
            thread_id = thread.id
        except discord.HTTPException as exc:
            log.warning("no thread for feedback #%s in guild %s: %s", item.number, guild.id, exc.status)
        await self.service.repo.set_messages(guild.id, item.id, review=(review.id, message.id), thread_id=thread_id)
        return await self.service.get(guild.id, item.id)

    async def _dm(self, user_id: int, content: str) -> bool:
        """DM a member; False when Discord refuses (DMs closed: 50007) or fails."""
        try:
            channel = await self.bot.create_dm(discord.Object(user_id))
            await channel.send(content, allowed_mentions=NO_PINGS)
            return True
        except discord.Forbidden:
            return False
        except discord.HTTPException as exc:
            log.warning("a feedback DM failed (%s %s)", exc.status, exc.code)
            return False

    # -- moderators: answers ----------------------------------------------------------------
    async def require_moderator(self, interaction: discord.Interaction) -> None:
        await require_moderator(interaction, "Only moderators can answer feedback.")

    async def change_status(
        self, interaction: discord.Interaction, item_id: int, status: str, reason: str | None
    ) -> None:
        await self.require_moderator(interaction)
        guild = interaction.guild
        assert guild is not None
        try:
            item = await self.service.change_status(guild.id, item_id, status, reason, interaction.user.id)
        except FeedbackInputError as exc:
            raise UserError(str(exc)) from None
        except UnknownItem:
            raise UserError("This feedback item no longer exists.") from None
        await interaction.response.defer(ephemeral=True, thinking=True)
        await self._refresh(guild, item)
        said = f"<@{interaction.user.id}> moved this to **{STATUS_LABELS[status]}**."
        if item.reason:
            said += f"\nReason: {item.reason}"
        await self._say_in_thread(guild, item, said)
        text = status_message(item.number, item.kind, item.status, item.reason, guild.name)
        link = jump_url(guild.id, item.public_channel_id, item.public_message_id)
        if link:
            text += f"\n{link}"
        author = self.service.author_of(item)
        told = author is not None and await self._dm(author, text)
        answer = f"#{item.number} is now {STATUS_LABELS[status]}. " + (
            "The author was told by DM." if told else "The author could not be told: their DMs are closed."
        )
        await interaction.followup.send(answer, ephemeral=True, allowed_mentions=NO_PINGS)

    async def block(self, interaction: discord.Interaction, item_id: int) -> None:
        guild = interaction.guild
        assert guild is not None
        try:
            new = await self.service.block_sender(guild.id, item_id, interaction.user.id)
            item = await self.service.get(guild.id, item_id)
        except FeedbackInputError as exc:
            raise UserError(str(exc)) from None
        except UnknownItem:
            raise UserError("This feedback item no longer exists.") from None
        if new:
            await self._say_in_thread(guild, item, f"<@{interaction.user.id}> blocked the sender of this item.")
        text = (
            f"The sender of #{item.number} can no longer send feedback here. Nobody, you included, learns who they are."
            if new
            else f"The sender of #{item.number} was already blocked."
        )
        await interaction.response.send_message(text, ephemeral=True, allowed_mentions=NO_PINGS)

    async def _refresh(self, guild: discord.Guild, item: FeedbackItemRow) -> None:
        """Show the new status on the review embed and the public post."""
        for channel_id, message_id, embed, view in (
            (item.review_channel_id, item.review_message_id, review_embed(item), review_view(item)),
            (item.public_channel_id, item.public_message_id, public_embed(item), public_view(item)),
        ):
            channel = guild.get_channel(channel_id) if channel_id else None
            if isinstance(channel, discord.TextChannel) and message_id:
                try:
                    await channel.get_partial_message(message_id).edit(embed=embed, view=view)
                except discord.HTTPException as exc:
                    log.warning("could not update feedback #%s's message: %s", item.number, exc.status)

    async def _say_in_thread(self, guild: discord.Guild, item: FeedbackItemRow, text: str) -> None:
        thread = guild.get_thread(item.thread_id) if item.thread_id else None
        if thread is None and item.thread_id:
            try:
                fetched = await self.bot.fetch_channel(item.thread_id)
                thread = fetched if isinstance(fetched, discord.Thread) else None
            except discord.HTTPException:
                thread = None
        if thread is not None:
            try:
                await thread.send(text, allowed_mentions=NO_PINGS)
            except discord.HTTPException as exc:
                log.warning("could not post in feedback #%s's thread: %s", item.number, exc.status)

    # -- members: upvotes -------------------------------------------------------------------
    async def upvote(self, interaction: discord.Interaction, item_id: int) -> None:
        guild = interaction.guild
        if guild is None:
            raise UserError("Upvotes only work inside a server.")
        try:
            voted, count = await self.service.upvote(guild.id, item_id, interaction.user.id)
        except FeedbackInputError as exc:
            raise UserError(str(exc)) from None
        except UnknownItem:
            raise UserError("This feedback item no longer exists.") from None
        item = await self.service.get(guild.id, item_id)
        await interaction.response.edit_message(embed=public_embed(item), view=public_view(item))
        await interaction.followup.send(
            f"Upvoted ({count} in all)." if voted else f"Upvote withdrawn ({count} in all).",
            ephemeral=True,
            allowed_mentions=NO_PINGS,
        )

    # -- moderators: commands ---------------------------------------------------------------
    @feedback.command(name="setup", description="Where feedback goes for review, and optionally a public channel")
    @app_commands.describe(
        channel="The moderators' review channel (items arrive here with buttons and a thread)",
        public_channel="Post each item here too, so members can upvote (leave out to keep it private)",
    )
    @moderator_only()
    async def setup(
        self,
        interaction: discord.Interaction,
        channel: discord.TextChannel,
        public_channel: discord.TextChannel | None = None,
    ) -> None:
        assert interaction.guild is not None
        me = interaction.guild.me
        needed = (*POST_PERMISSIONS, "create_public_threads", "send_messages_in_threads")
        for target, what in ((channel, needed), (public_channel, POST_PERMISSIONS)):
            if target is None:
                continue
            missing = missing_permissions(target, me, what)
            if missing:
                raise UserError(f"I can't post in {target.mention}: I'm missing {', '.join(missing)}.")
        now = int(self.bot.clock.now().timestamp() * 1000)
        await self.service.repo.save_settings(
            interaction.guild.id, channel.id, public_channel.id if public_channel else None, now
        )
        where = f" and publicly in {public_channel.mention} (with upvotes)" if public_channel else ""
        await interaction.response.send_message(
            f"Feedback now arrives in {channel.mention}{where}. Members send it with `/feedback send`.",
            ephemeral=True,
            allowed_mentions=NO_PINGS,
        )

    @feedback.command(name="list", description="Feedback items by status, oldest first")
    @app_commands.describe(
        status="Which items (default: open, i.e. new or under review)",
        page=f"Which page ({LIST_PAGE} items a page; default 1)",
    )
    @app_commands.choices(
        status=[
            app_commands.Choice(name=n, value=v)
            for n, v in (("open", "open"), ("under review", "review"), ("planned", "planned"), ("done", "done"),
                         ("declined", "declined"), ("all", "all"))
        ]
    )
    @moderator_only()
    async def list_items(
        self, interaction: discord.Interaction, status: str = "open", page: app_commands.Range[int, 1, 1000] = 1
    ) -> None:
        assert interaction.guild_id is not None
        items = await self.service.items(interaction.guild_id, None if status == "all" else status)
        shown = status if status in ("open", "all") else STATUS_LABELS[status]
        if not items:
            raise UserError(f"No {shown} feedback items.")
        pages = -(-len(items) // LIST_PAGE)
        if not 1 <= page <= pages:  # Discord checks the range client-side only
            raise UserError(f"There {'is' if pages == 1 else 'are'} {pages} page{'s' * (pages > 1)} of {shown} items.")
        now = self.bot.clock.now()
        lines = [
            list_line(item, now, interaction.guild_id)
            for item in items[(page - 1) * LIST_PAGE : page * LIST_PAGE]
        ]
        embed = discord.Embed(title=f"Feedback: {shown} ({len(items)})", description=truncate("\n".join(lines), 4096))
        footer = f"Page {page}/{pages}, oldest first"
        if page < pages:
            footer += f". Next: /feedback list status:{status} page:{page + 1}"
        embed.set_footer(text=footer)
        await interaction.response.send_message(embed=embed, ephemeral=True, allowed_mentions=NO_PINGS)

    @feedback.command(name="unblock", description="Let a blocked sender send feedback again (by the item blocked from)")
    @app_commands.describe(item="The item the block was made from (#number; the suggestions list current blocks)")
    @moderator_only()
    async def unblock(self, interaction: discord.Interaction, item: app_commands.Range[int, 1, None]) -> None:
        guild = interaction.guild
        assert guild is not None
        try:
            found, lifted = await self.service.unblock_sender(guild.id, item)
        except UnknownItem:
            raise UserError(f"There is no feedback item #{item}.") from None
        if not lifted:
            raise UserError(
                f"No block was made from #{item}. A block is lifted from the item it was made from: "
                "start typing in `item:` to see them."
            )
        lifted_by = f"<@{interaction.user.id}> lifted the block on the sender of this item."
        await self._say_in_thread(guild, found, lifted_by)
        await interaction.response.send_message(
            f"The sender of #{item} can send feedback again. Nobody, you included, learns who they are.",
            ephemeral=True,
            allowed_mentions=NO_PINGS,
        )

    @unblock.autocomplete("item")
    async def blocked_items(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[int]]:
        if interaction.guild_id is None:
            return []
        role_id = await self.bot.moderator_role_id(interaction.guild_id)
        if not is_moderator(interaction.user, interaction.permissions, role_id):
            return []  # what was blocked is for moderators only
        wanted = current.strip().lstrip("#").casefold()
        choices = []
        for block in await self.service.blocks(interaction.guild_id):
            when = from_ms(block.blocked_at)
            label = f"#{block.number} {block.kind}: {shorten(block.body, 60)} (blocked {when:%d %b})"
            if wanted in label.casefold():
                choices.append(app_commands.Choice(name=truncate(label, 100), value=block.number))
        return choices[:25]

    @feedback.command(name="stats", description="Open items by age, median time to a first answer, declines")
    @moderator_only()
    async def stats(self, interaction: discord.Interaction) -> None:
        assert interaction.guild_id is not None
        v = await self.service.figures(interaction.guild_id)
        items = await self.service.items(interaction.guild_id, "open")
        now = self.bot.clock.now()
        ages = [(now - from_ms(i.created_at)).days for i in items]
        buckets = (
            ("under 1 day", sum(a < 1 for a in ages)),
            ("1–7 days", sum(1 <= a <= 7 for a in ages)),
            ("over 7 days", sum(a > 7 for a in ages)),
        )
        hours = v.median_hours_to_answer
        lines = [
            f"Open items: {len(items)} (" + ", ".join(f"{label}: {n}" for label, n in buckets) + ")",
            "Median time to a first answer: " + ("no answers yet" if hours is None else f"{hours:.1f} h"),
            f"Declined without a reason: {v.declined_without_reason}",
            f"All items: {v.submitted}, answered: {v.answered}",
        ]
        await interaction.response.send_message("\n".join(lines), ephemeral=True, allowed_mentions=NO_PINGS)

    @feedback.command(name="digest", description="Post 'You said, we did': what moved to done, planned or declined")
    @app_commands.describe(days="How far back (default 7 days)", channel="Where to post it (default: here)")
    @moderator_only()
    async def digest(
        self,
        interaction: discord.Interaction,
        days: app_commands.Range[int, 1, DIGEST_MAX_DAYS] = 7,
        channel: discord.TextChannel | None = None,
    ) -> None:
        assert interaction.guild_id is not None
        if not 1 <= days <= DIGEST_MAX_DAYS:  # Discord checks the range client-side only
            raise UserError(f"`days` is 1 to {DIGEST_MAX_DAYS}.")
        target = channel or interaction.channel
        if not isinstance(target, discord.TextChannel):
            raise UserError("Pick a text channel with the `channel:` option.")
        now = self.bot.clock.now()
        result = await self.service.digest(
            interaction.guild_id, now - timedelta(days=days), now + timedelta(milliseconds=1)
        )
        if result.empty:
            raise UserError(f"Nothing moved to done, planned or declined in the last {days} days: nothing to post.")
        await interaction.response.defer(ephemeral=True, thinking=True)
        sent = await target.send(
            embed=digest_embed(result, f"You said, we did (last {days} days)"), allowed_mentions=NO_PINGS
        )
        await interaction.followup.send(f"Posted: {sent.jump_url}", ephemeral=True, allowed_mentions=NO_PINGS)
