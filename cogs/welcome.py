"""/welcome: a short welcome for each newcomer in a chosen channel (``bot.features.welcome``).

One Hearth post of kind ``welcome`` mentions only the newcomers it greets and links the question of
the day. A member is welcomed once ever (the row is stored before the post, so restarts and rejoins
never repeat it). During a join wave, welcomes wait and go out together, one message per 3 minutes
(a scheduler timer, so a restart keeps the queue).
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from datetime import timedelta

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import Hearth
from bot.core.checks import moderator_only
from bot.core.clock import from_ms, to_ms
from bot.core.limits import RuleError
from bot.core.tree import UserError
from bot.features.welcome import rules
from bot.features.welcome.service import WelcomeService, WelcomeTestStatus
from bot.platform.scheduler import TimerRow
from bot.storage.welcome import WelcomeRepository, WelcomeSettings

log = logging.getLogger(__name__)

TIMER = "welcome"
QUESTION_FRESH = timedelta(hours=36)


class Welcome(commands.Cog):
    welcome = app_commands.Group(name="welcome", description="Greet newcomers", guild_only=True)

    def __init__(self, bot: Hearth) -> None:
        self.bot = bot
        self.repo = WelcomeRepository(bot.db)
        self.service = WelcomeService(self.repo, bot.clock, bot.entropy)
        self._locks: dict[int, asyncio.Lock] = defaultdict(asyncio.Lock)
        self._settings: dict[int, WelcomeSettings | None] = {}

    async def settings(self, guild_id: int) -> WelcomeSettings | None:
        """The guild's welcome settings, cached (this cog is the only writer: setup and off)."""
        if guild_id not in self._settings:
            self._settings[guild_id] = await self.repo.settings(guild_id)
        return self._settings[guild_id]

    async def cog_load(self) -> None:
        self.bot.scheduler.on_timer(TIMER, self._on_timer)
        self.bot.privacy.on_forget(self.repo.forget_member)

    # -- joins -------------------------------------------------------------------------------------
    @commands.Cog.listener()
    async def on_member_join(self, member: discord.Member) -> None:
        if member.bot or self.bot.privacy.is_opted_out(member.guild.id, member.id):
            return
        settings = await self.settings(member.guild.id)
        if settings is None or not settings.enabled:
            return
        if await self.service.enqueue(member.guild.id, member.id, member.joined_at or self.bot.clock.now()):
            await self.send_due(member.guild.id)

    async def _on_timer(self, timer: TimerRow) -> None:
        await self.send_due(timer.guild_id)

    async def send_due(self, guild_id: int) -> int:
        """Send the waiting welcomes if the window allows, else set the timer; returns messages sent."""
        async with self._locks[guild_id]:
            settings = await self.settings(guild_id)
            if settings is None or not settings.enabled or not await self.repo.pending_count(guild_id):
                return 0
            due = await self.service.due_ms(guild_id)
            if due > to_ms(self.bot.clock.now()):
                await self.bot.scheduler.set_timer(guild_id, TIMER, 0, from_ms(due))
                return 0
            rows = await self.repo.claim_pending(guild_id, rules.MAX_PER_MESSAGE)
            by_arm: dict[str | None, list[int]] = defaultdict(list)
            templates: dict[str | None, str] = {}
            for row in rows:
                by_arm[row.arm].append(row.member_id)
                templates.setdefault(row.arm, await self.service.template_for(guild_id, row, settings.message))
            sent = 0
            for arm, members in by_arm.items():
                sent += await self._post(
                    guild_id, settings.channel_id, templates[arm], members, rows[0].experiment_id, arm
                )
            if await self.repo.pending_count(guild_id):
                later = from_ms(to_ms(self.bot.clock.now()) + rules.BATCH_WINDOW_MS)
                await self.bot.scheduler.set_timer(guild_id, TIMER, 0, later)
            return sent

    async def _question_url(self, guild_id: int) -> str | None:
        since = to_ms(self.bot.clock.now() - QUESTION_FRESH)
        found = await self.repo.current_question(guild_id, since)
        if found is None:
            return None
        return f"https://discord.com/channels/{guild_id}/{found[0]}/{found[1]}"

    async def _post(
        self,
        guild_id: int,
        channel_id: int,
        template: str,
        members: list[int],
        experiment_id: int | None,
        arm: str | None,
    ) -> int:
        channel = self.bot.get_channel(channel_id)
        now_ms = to_ms(self.bot.clock.now())
        if not isinstance(channel, discord.TextChannel):
            await self.repo.mark(guild_id, members, "skipped", sent_at=now_ms)
            await self.bot.guilds_repo.add_problem(guild_id, "welcome", "the welcome channel is gone", now_ms)
            return 0
        text = rules.render(template, [f"<@{m}>" for m in members], await self._question_url(guild_id))
        try:
            message = await channel.send(
                text[:2000],
                allowed_mentions=discord.AllowedMentions(
                    everyone=False, roles=False, users=[discord.Object(m) for m in members]
                ),
            )
        except discord.HTTPException as exc:
            log.info("welcome in guild %s failed: %s", guild_id, exc)
            await self.repo.mark(guild_id, members, "skipped", sent_at=now_ms)
            await self.bot.guilds_repo.add_problem(
                guild_id, "welcome", f"Discord refused the welcome in #{channel.name} ({exc.status})", now_ms
            )
            return 0
        post = await self.bot.posts.register(
            guild_id,
            "welcome",
            channel.id,
            message.id,
            experiment_id=experiment_id if arm else None,
            arm=arm,
        )
        await self.repo.mark(guild_id, members, "sent", message_id=message.id, post_id=post.id, sent_at=now_ms)
        return 1

    # -- commands --------------------------------------------------------------------------------------
    @welcome.command(name="setup", description="Welcome each newcomer in a channel with a short message")
    @app_commands.describe(
        channel="Where welcomes go",
        message="The welcome; {member} becomes the newcomer's mention (added in front otherwise)",
    )
    @moderator_only()
    async def setup_welcome(self, interaction: discord.Interaction, channel: discord.TextChannel, message: str) -> None:
        assert interaction.guild_id is not None
        try:
            text = rules.check_message(message)
        except ValueError as exc:
            raise UserError(str(exc)) from None
        me = channel.guild.me
        if me is not None and not channel.permissions_for(me).send_messages:
            raise UserError(f"Hearth may not send messages in {channel.mention}; allow it first.")
        await self.repo.save_settings(interaction.guild_id, channel.id, text, at_ms=to_ms(self.bot.clock.now()))
        self._settings.pop(interaction.guild_id, None)
        note = "" if self.bot.intents.members else " Note: the members intent is off, so Hearth sees no joins yet."
        await interaction.response.send_message(
            f"Welcomes go to {channel.mention}: one per newcomer, batched during join waves, with a link to the "
            f"question of the day.{note}",
            ephemeral=True,
        )

    @welcome.command(name="off", description="Stop welcoming newcomers")
    @moderator_only()
    async def off(self, interaction: discord.Interaction) -> None:
        assert interaction.guild_id is not None
        await self.repo.set_enabled(interaction.guild_id, False, at_ms=to_ms(self.bot.clock.now()))
        self._settings.pop(interaction.guild_id, None)
        await interaction.response.send_message("Welcomes are off. `/welcome setup` turns them on.", ephemeral=True)

    # -- the A/B test (started through /experiment start factor:welcome) --------------------------------
    async def start_test(self, guild_id: int, name: str, text_a: str, text_b: str, joiners: int) -> str:
        try:
            test = await self.service.start_test(guild_id, name, text_a, text_b, joiners)
        except RuleError as exc:
            raise UserError(str(exc)) from None
        return (
            f"Started the welcome test `{test.name}`: the next {test.joiners} welcomed newcomers alternate between "
            "text A and text B (balanced, in random order by join). Outcome: activation in their first week. "
            f"Results: `/experiment status name:{test.name}`."
        )

    async def has_test(self, guild_id: int, name: str) -> bool:
        return await self.repo.experiment_named(guild_id, name) is not None

    async def test_status(self, guild_id: int, name: str) -> WelcomeTestStatus:
        tz = self.bot.guilds_repo.timezone(guild_id)
        test = await self.repo.experiment_named(guild_id, name)
        members = [r.member_id for r in await self.repo.welcomed(guild_id, test.id)] if test else []
        days = await self.repo.active_days(guild_id, members)
        try:
            return await self.service.status(guild_id, name, tz, days)
        except RuleError as exc:
            raise UserError(str(exc)) from None


async def setup(bot: Hearth) -> None:
    await bot.add_cog(Welcome(bot))
