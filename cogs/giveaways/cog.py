"""The /giveaway commands: start, leave, end, cancel, reroll, list; and the timer that ends a giveaway."""

from __future__ import annotations

import logging

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import Hearth
from bot.core.checks import moderator_only
from bot.core.clock import from_ms
from bot.core.discord_helpers import NO_PINGS, discord_timestamp, missing_permissions, truncate
from bot.core.limits import RuleError
from bot.core.tree import UserError
from bot.features.giveaways import rules as rules
from bot.features.giveaways.service import GiveawayService, requirements_of
from bot.storage.giveaways import GiveawayRepository, GiveawayRow
from bot.storage.schedules import TimerRow
from cogs.giveaways.embeds import (
    draw_embed,
    entrants_file,
    mentions,
    post_embed,
    reroll_embed,
    results_text,
    winner_mentions,
)
from cogs.giveaways.views import GiveawayButton, button_view

log = logging.getLogger(__name__)

TIMER_KIND = "giveaway.end"


class Giveaways(commands.Cog):
    giveaway = app_commands.Group(
        name="giveaway", description="Giveaways with a draw anyone can check", guild_only=True
    )

    def __init__(self, bot: Hearth) -> None:
        self.bot = bot
        self.repo = GiveawayRepository(bot.db)
        self.service = GiveawayService(self.repo, bot.clock, bot.recorder, bot.entropy)

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(GiveawayButton)
        self.bot.scheduler.on_timer(TIMER_KIND, self._on_timer)
        self.bot.privacy.on_forget(self.repo.forget_member)
        self.bot.warning_sources.append(self.warnings)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(GiveawayButton)
        if self.warnings in self.bot.warning_sources:
            self.bot.warning_sources.remove(self.warnings)

    async def _get(self, guild_id: int, giveaway_id: int) -> GiveawayRow:
        row = await self.repo.get(guild_id, giveaway_id)
        if row is None:
            raise UserError(f"There is no giveaway #{giveaway_id} in this server (see `/giveaway list`).")
        return row

    # -- start --------------------------------------------------------------------------------
    @giveaway.command(name="start", description="Start a giveaway; the draw can be checked by anyone")
    @app_commands.describe(
        prize="What the winners get",
        duration="How long entries stay open, e.g. 30m, 2h, 1d12h, 1w",
        winners="How many winners (1-50)",
        channel="Where to post it (default: here)",
        required_role="Only members with this role may enter",
        min_days_in_server="Members must have been in the server this many days",
        min_account_age_days="Discord accounts must be at least this many days old",
    )
    @moderator_only()
    async def start(
        self,
        interaction: discord.Interaction,
        prize: str,
        duration: str,
        winners: int = 1,
        channel: discord.TextChannel | None = None,
        required_role: discord.Role | None = None,
        min_days_in_server: int | None = None,
        min_account_age_days: int | None = None,
    ) -> None:
        assert interaction.guild is not None
        guild = interaction.guild
        try:
            prize = rules.check_prize(prize)
            length = rules.check_duration(duration)
            rules.check_winner_count(winners)
            requirements = rules.check_requirements(
                rules.Requirements(
                    required_role.id if required_role else None, min_days_in_server, min_account_age_days
                )
            )
        except RuleError as exc:
            raise UserError(str(exc)) from exc
        if required_role is not None:
            if guild.get_role(required_role.id) is None:
                raise UserError("That role no longer exists in this server; pick another one.")
            if required_role.is_default():
                raise UserError("Everyone has @everyone: leave `required_role` empty instead.")
        target = channel or interaction.channel
        if not isinstance(target, discord.TextChannel):
            raise UserError("Pick a text channel for the giveaway with the `channel` option.")
        missing = missing_permissions(target, guild.me)
        if missing:
            raise UserError(f"I can't post in {target.mention}: I'm missing {', '.join(missing)}.")
        now = self.bot.clock.now()
        giveaway_id = await self.service.create(
            guild.id,
            channel_id=target.id,
            host_id=interaction.user.id,
            prize=prize,
            winner_count=winners,
            requirements=requirements,
            now=now,
            length=length,
        )
        row = await self._get(guild.id, giveaway_id)
        try:
            message = await target.send(embed=post_embed(row), view=button_view("enter", giveaway_id))
        except discord.HTTPException as exc:
            await self.repo.delete(guild.id, giveaway_id)
            raise UserError(f"I couldn't post in {target.mention} ({exc.text or exc.status}).") from exc
        post = await self.bot.posts.register(
            guild.id, "giveaway", target.id, message.id, ref_id=giveaway_id
        )
        await self.repo.set_post(guild.id, giveaway_id, message.id, post.id)
        await self.bot.scheduler.set_timer(guild.id, TIMER_KIND, giveaway_id, now + length)
        await interaction.response.send_message(
            f"Giveaway #{giveaway_id} for **{prize}** is open in {target.mention} until "
            f"{discord_timestamp(now + length)}.",
            ephemeral=True,
            allowed_mentions=NO_PINGS,
        )

    # -- entering and leaving -----------------------------------------------------------------
    async def press_enter(self, interaction: discord.Interaction, giveaway_id: int) -> None:
        guild = interaction.guild
        member = interaction.user
        if guild is None or not isinstance(member, discord.Member):
            raise UserError("Giveaways work inside a server.")
        row = await self._get(guild.id, giveaway_id)
        if row.status != "open" or self.bot.clock.now() >= from_ms(row.ends_at):
            raise UserError("This giveaway has ended; entries are closed.")
        if member.bot:
            raise UserError("Bots can't enter giveaways.")
        if await self.repo.has_entered(guild.id, giveaway_id, member.id):
            await interaction.response.send_message(
                "You're already in this giveaway; nothing changed. Want out?",
                view=button_view("leave", giveaway_id),
                ephemeral=True,
            )
            return
        requirements = requirements_of(row)
        facts = rules.MemberFacts(frozenset(r.id for r in member.roles), member.joined_at, member.created_at)
        role_exists = requirements.role_id is None or guild.get_role(requirements.role_id) is not None
        problem = rules.missing_requirement(requirements, facts, self.bot.clock.now(), role_exists=role_exists)
        if problem:
            raise UserError(problem)
        await self.service.enter(row, member.id)
        await interaction.response.send_message(
            f"You're in! Winners are drawn {discord_timestamp(from_ms(row.ends_at), 'R')}. "
            "Press Enter again or use `/giveaway leave` to withdraw.",
            ephemeral=True,
        )

    async def leave(self, guild_id: int, giveaway_id: int, member_id: int) -> str:
        row = await self._get(guild_id, giveaway_id)
        try:
            await self.service.leave(row, member_id)
        except RuleError as exc:
            raise UserError(str(exc)) from exc
        return f"You've left giveaway #{giveaway_id} (**{row.prize}**). Press Enter on the post to rejoin."

    @giveaway.command(name="leave", description="Withdraw from a giveaway you entered")
    @app_commands.describe(giveaway="The giveaway's number (default: the one you're in)")
    async def leave_command(self, interaction: discord.Interaction, giveaway: int | None = None) -> None:
        assert interaction.guild_id is not None
        if giveaway is None:
            mine = await self.repo.open_entries_of(interaction.guild_id, interaction.user.id)
            if not mine:
                raise UserError("You aren't in any open giveaway.")
            if len(mine) > 1:
                raise UserError(
                    f"You're in several giveaways ({', '.join(f'#{g}' for g in mine)}): name one with `giveaway`."
                )
            giveaway = mine[0]
        message = await self.leave(interaction.guild_id, giveaway, interaction.user.id)
        await interaction.response.send_message(message, ephemeral=True, allowed_mentions=NO_PINGS)

    # -- ending -------------------------------------------------------------------------------
    async def _on_timer(self, timer: TimerRow) -> None:
        await self.end_giveaway(timer.guild_id, timer.ref_id)

    async def end_giveaway(self, guild_id: int, giveaway_id: int) -> GiveawayRow | None:
        """Draw and announce; idempotent (a drawn but unannounced giveaway is only announced)."""
        async with self.service.lock(giveaway_id):
            row = await self.service.draw(guild_id, giveaway_id)
            if row is None or row.status == "cancelled":
                return row
            if row.results_message_id is None:
                await self._announce(row)
            return await self.repo.get(guild_id, giveaway_id)

    def _channel(self, row: GiveawayRow) -> discord.PartialMessageable:
        return self.bot.get_partial_messageable(row.channel_id, guild_id=row.guild_id)

    def _reference(self, row: GiveawayRow) -> discord.MessageReference | None:
        if row.message_id is None:
            return None
        return discord.MessageReference(
            message_id=row.message_id, channel_id=row.channel_id, guild_id=row.guild_id, fail_if_not_exists=False
        )

    async def _announce(self, row: GiveawayRow) -> None:
        entrants, winners = await self.service.first_draw(row)
        message = await self._channel(row).send(
            results_text(row, len(entrants), winners),
            embed=draw_embed(row, entrants, winners),
            file=entrants_file(row, entrants),
            allowed_mentions=winner_mentions(winners),
            reference=self._reference(row),  # type: ignore[arg-type]
        )
        await self.repo.set_results_message(row.guild_id, row.id, message.id)
        await self._refresh_post(row, winners)

    async def _refresh_post(self, row: GiveawayRow, current: list[int] | None) -> None:
        """Show the current state (winners, revealed seed) on the original post and drop the button."""
        fresh = await self.repo.get(row.guild_id, row.id) or row
        if fresh.message_id is None:
            return
        try:
            await (
                self._channel(fresh)
                .get_partial_message(fresh.message_id)
                .edit(embed=post_embed(fresh, current), view=None)
            )
        except discord.HTTPException:
            log.warning("could not edit giveaway #%s's post", fresh.id, exc_info=True)

    @giveaway.command(name="end", description="End a giveaway now and draw its winners")
    @app_commands.describe(giveaway="The giveaway's number (see /giveaway list)")
    @moderator_only()
    async def end(self, interaction: discord.Interaction, giveaway: int) -> None:
        assert interaction.guild_id is not None
        row = await self._get(interaction.guild_id, giveaway)
        if row.status != "open":
            raise UserError(f"Giveaway #{giveaway} is already {row.status}.")
        await interaction.response.defer(ephemeral=True, thinking=True)
        await self.bot.scheduler.cancel_timer(interaction.guild_id, TIMER_KIND, giveaway)
        ended = await self.end_giveaway(interaction.guild_id, giveaway)
        winners = await self.service.current_winners(interaction.guild_id, giveaway)
        assert ended is not None
        await interaction.followup.send(
            f"Giveaway #{giveaway} ended; winners: {mentions(winners)}.", ephemeral=True, allowed_mentions=NO_PINGS
        )

    @giveaway.command(name="cancel", description="Cancel a giveaway without drawing winners")
    @app_commands.describe(giveaway="The giveaway's number (see /giveaway list)")
    @moderator_only()
    async def cancel(self, interaction: discord.Interaction, giveaway: int) -> None:
        assert interaction.guild_id is not None
        async with self.service.lock(giveaway):
            row = await self._get(interaction.guild_id, giveaway)
            if row.status != "open":
                raise UserError(f"Giveaway #{giveaway} is already {row.status}; only open giveaways can be cancelled.")
            await self.service.cancel(row)
            await self.bot.scheduler.cancel_timer(interaction.guild_id, TIMER_KIND, giveaway)
        await self._refresh_post(row, None)
        await interaction.response.send_message(
            f"Giveaway #{giveaway} (**{row.prize}**) is cancelled; nobody was drawn.",
            ephemeral=True,
            allowed_mentions=NO_PINGS,
        )

    # -- reroll -------------------------------------------------------------------------------
    @giveaway.command(name="reroll", description="Draw new winners, excluding everyone who already won")
    @app_commands.describe(
        giveaway="The giveaway's number (see /giveaway list)",
        replace="Replace only this winner (default: replace all current winners)",
        count="How many new winners to draw (default: 1 with replace, else as many as now)",
    )
    @moderator_only()
    async def reroll(
        self,
        interaction: discord.Interaction,
        giveaway: int,
        replace: discord.User | None = None,
        count: int | None = None,
    ) -> None:
        assert interaction.guild_id is not None
        guild_id = interaction.guild_id
        async with self.service.lock(giveaway):
            row = await self._get(guild_id, giveaway)
            try:
                outcome, entrants = await self.service.reroll(
                    row, replace=replace.id if replace else None, count=count
                )
            except RuleError as exc:
                raise UserError(str(exc)) from exc
        await interaction.response.defer(ephemeral=True, thinking=True)
        replaced = f" (replacing {mentions(outcome.replaced)})" if outcome.replaced else ""
        await self._channel(row).send(
            f"🔁 Reroll: congratulations {mentions(outcome.drawn)}! You won **{row.prize}**{replaced}.",
            embed=reroll_embed(row, outcome.drawn, outcome.excluded),
            file=entrants_file(row, entrants),
            allowed_mentions=winner_mentions(outcome.drawn),
            reference=self._reference(row),  # type: ignore[arg-type]
        )
        await self._refresh_post(row, outcome.current)
        await interaction.followup.send(
            f"Rerolled giveaway #{giveaway}: the winners now are {mentions(outcome.current)}.",
            ephemeral=True,
            allowed_mentions=NO_PINGS,
        )

    # -- list ---------------------------------------------------------------------------------
    @giveaway.command(name="list", description="Open and recent giveaways")
    async def list_command(self, interaction: discord.Interaction) -> None:
        assert interaction.guild_id is not None
        rows = await self.repo.list(interaction.guild_id, statuses=("open", "ended", "cancelled"), limit=15)
        if not rows:
            await interaction.response.send_message("No giveaways yet.", ephemeral=True)
            return
        counts = await self.repo.entry_counts(interaction.guild_id, [r.id for r in rows])
        lines = []
        for row in rows:
            when = (
                f"ends {discord_timestamp(from_ms(row.ends_at), 'R')}"
                if row.status == "open"
                else f"{row.status} {discord_timestamp(from_ms(row.ended_at or row.ends_at), 'R')}"
            )
            lines.append(
                f"#{row.id} **{truncate(row.prize, 60)}** in <#{row.channel_id}>: "
                f"{counts.get(row.id, 0)} entrant(s), {row.winner_count} winner(s), {when}"
            )
        await interaction.response.send_message("\n".join(lines), ephemeral=True, allowed_mentions=NO_PINGS)

    @end.autocomplete("giveaway")
    @cancel.autocomplete("giveaway")
    @reroll.autocomplete("giveaway")
    @leave_command.autocomplete("giveaway")
    async def giveaway_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[int]]:
        if interaction.guild_id is None:
            return []
        rows = await self.repo.list(interaction.guild_id, statuses=("open", "ended"), limit=25)
        return [
            app_commands.Choice(name=truncate(f"#{r.id} {r.prize} ({r.status})", 100), value=r.id)
            for r in rows
            if current.strip().lstrip("#") in str(r.id) or current.lower() in r.prize.lower()
        ]

    # -- warnings -----------------------------------------------------------------------------
    async def warnings(self, guild_id: int) -> list[str]:
        guild = self.bot.get_guild(guild_id)
        if guild is None:
            return []
        return await self.service.warnings(guild_id, lambda role_id: guild.get_role(role_id) is not None)
