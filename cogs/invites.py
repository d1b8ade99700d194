"""Word of mouth on Discord: the invite cache, join attribution, /invite create, /invites mine|top|leaderboard.

Needs the members intent (joins) and Manage Server (listing invites and the vanity URL); the
audit log (View Audit Log) resolves invites used up by the join. Without them nothing errors:
joins are stored as ``unknown`` and ``/hearth status`` says what is missing and what it costs.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import Hearth
from bot.core.checks import moderator_only
from bot.core.clock import to_ms
from bot.core.discord_helpers import NO_PINGS
from bot.core.tree import UserError
from bot.features.invites import rules
from bot.features.invites.service import AuditView, InviteTracker
from bot.storage.invites import InviteRepository

log = logging.getLogger(__name__)

AUDIT_LOOKBACK = 100
PERIODS = {"week": 7, "month": 30, "quarter": 91, "all time": None}
MAX_AGE_CHOICES = {"1 hour": 3600, "1 day": 86_400, "7 days": 604_800, "never": 0}


def seen_of(invite: discord.Invite) -> rules.Seen:
    inviter = invite.inviter
    return rules.Seen(
        code=invite.code,
        inviter_id=inviter.id if inviter is not None and not inviter.bot else None,
        uses=invite.uses or 0,
        max_uses=invite.max_uses or 0,
        expires_at_ms=to_ms(invite.expires_at) if invite.expires_at else None,
    )


class Invites(commands.Cog):
    invite = app_commands.Group(name="invite", description="Bring a friend", guild_only=True)
    invites = app_commands.Group(name="invites", description="Who joined through whom", guild_only=True)

    def __init__(self, bot: Hearth) -> None:
        self.bot = bot
        self.repo = InviteRepository(bot.db)
        self.tracker = InviteTracker(self.repo, bot.clock, bot.privacy, bot.guilds_repo.timezone)

    async def cog_load(self) -> None:
        self.bot.privacy.on_forget(self.tracker.forget_member)
        self.bot.recorder.on_flush(self.tracker.flush)
        self.bot.warning_sources.append(self.warnings)

    async def cog_unload(self) -> None:
        if self.warnings in self.bot.warning_sources:
            self.bot.warning_sources.remove(self.warnings)

    # -- what Hearth may see ---------------------------------------------------------------------
    @staticmethod
    def _perms(guild: discord.Guild) -> discord.Permissions:
        return guild.me.guild_permissions if guild.me is not None else discord.Permissions.none()

    async def warnings(self, guild_id: int) -> list[str]:
        guild = self.bot.get_guild(guild_id)
        if guild is None:
            return []
        found = []
        if not self.bot.intents.members:
            found.append(
                "Word of mouth: the members intent is off, so Hearth sees no joins or leaves: no invite "
                "attribution, no welcome, no new-member activation."
            )
        perms = self._perms(guild)
        if not perms.manage_guild:
            found.append(
                "Word of mouth: Hearth lacks Manage Server, so it can't list invites or read the vanity URL: "
                "every join is stored as unknown and `/invites` credits nobody."
            )
        elif not perms.view_audit_log:
            found.append(
                "Word of mouth: Hearth lacks View Audit Log, so a join through an invite that its last use "
                "removed (single-use invites) is stored as unknown."
            )
        return found

    # -- the cache ----------------------------------------------------------------------------------
    async def _snapshot(self, guild: discord.Guild) -> tuple[dict[str, rules.Seen] | None, str | None, int | None]:
        """The guild's invites by code and its vanity URL's code and uses, or None without Manage Server."""
        if not self._perms(guild).manage_guild:
            return None, None, None
        try:
            fresh = {i.code: seen_of(i) for i in await guild.invites()}
        except discord.HTTPException as exc:
            log.info("can't list invites of guild %s: %s", guild.id, exc)
            return None, None, None
        vanity_code = vanity_uses = None
        if "VANITY_URL" in guild.features:  # only such a guild can have one: no call per join otherwise
            try:  # code and uses in one call (Guild.vanity_invite also looks the invite up)
                vanity = await self.bot.http.get_vanity_code(guild.id)
            except discord.HTTPException:
                vanity = {}
            if vanity.get("code"):
                vanity_code, vanity_uses = vanity["code"], vanity.get("uses") or 0
        return fresh, vanity_code, vanity_uses

    async def _prime(self, guild: discord.Guild) -> None:
        async with self.tracker.lock(guild.id):
            fresh, _, vanity_uses = await self._snapshot(guild)
            if fresh is not None:
                self.tracker.prime(guild.id, fresh, vanity_uses)

    @commands.Cog.listener()
    async def on_ready(self) -> None:
        for guild in self.bot.guilds:
            if not self.tracker.primed(guild.id):
                await self._prime(guild)

    @commands.Cog.listener()
    async def on_guild_join(self, guild: discord.Guild) -> None:
        await self._prime(guild)

    @commands.Cog.listener()
    async def on_guild_remove(self, guild: discord.Guild) -> None:
        self.tracker.forget_guild(guild.id)

    @commands.Cog.listener()
    async def on_invite_create(self, invite: discord.Invite) -> None:
        if invite.guild is not None:
            self.tracker.created(invite.guild.id, seen_of(invite))

    async def _audit(self, guild: discord.Guild) -> AuditView | None:
        if not self._perms(guild).view_audit_log:
            return None
        creates: list[rules.AuditInvite] = []
        deleted: set[str] = set()
        try:
            async for entry in guild.audit_logs(limit=AUDIT_LOOKBACK):
                after, before = entry.changes.after, entry.changes.before
                if entry.action is discord.AuditLogAction.invite_create:
                    inviter = getattr(after, "inviter", None)
                    creates.append(
                        rules.AuditInvite(
                            code=after.code,
                            inviter_id=inviter.id if inviter is not None and not inviter.bot else None,
                            max_uses=getattr(after, "max_uses", 0) or 0,
                            created_at_ms=to_ms(entry.created_at),
                            max_age_s=getattr(after, "max_age", 0) or 0,
                        )
                    )
                elif entry.action is discord.AuditLogAction.invite_delete:
                    code = getattr(before, "code", None) or getattr(after, "code", None)
                    if code:
                        deleted.add(code)
        except discord.HTTPException as exc:
            log.info("can't read the audit log of guild %s: %s", guild.id, exc)
            return None
        return AuditView(tuple(creates), frozenset(deleted))

    @commands.Cog.listener()
    async def on_member_join(self, member: discord.Member) -> None:
        if member.bot:
            return
        guild = member.guild
        joined_at = member.joined_at or self.bot.clock.now()
        async with self.tracker.lock(guild.id):  # one join at a time: the diff belongs to this join
            fresh, vanity_code, vanity_uses = await self._snapshot(guild)

            async def audit() -> AuditView | None:
                return await self._audit(guild)

            def is_member(user_id: int) -> bool:
                who = guild.get_member(user_id)
                return who is None or not who.bot

            await self.tracker.attribute_join(
                guild.id,
                member.id,
                joined_at,
                fresh,
                vanity_code=vanity_code,
                vanity_uses=vanity_uses,
                load_audit=audit,
                inviter_is_member=is_member,
            )
        self.bot.dispatch("hearth_join_recorded", member)

    # -- commands -------------------------------------------------------------------------------------
    @invite.command(name="create", description="A personal invite link: joins through it are credited to you")
    @app_commands.describe(expires="When the link stops working (default 7 days)")
    @app_commands.choices(expires=[app_commands.Choice(name=k, value=k) for k in MAX_AGE_CHOICES])
    async def create(self, interaction: discord.Interaction, expires: str = "7 days") -> None:
        assert interaction.guild is not None
        guild = interaction.guild
        if self.bot.privacy.is_opted_out(guild.id, interaction.user.id):
            raise UserError("You opted out of recording, so Hearth can't credit joins to you (`/privacy optin`).")
        channel = interaction.channel
        if not isinstance(channel, discord.TextChannel):
            channel = guild.system_channel or next(iter(guild.text_channels), None)
        if channel is None:
            raise UserError("This server has no text channel to invite people into.")
        max_age = MAX_AGE_CHOICES.get(expires)
        if max_age is None:
            raise UserError(f"`{expires}` is not a choice: pick one of {', '.join(MAX_AGE_CHOICES)}.")
        try:
            made = await channel.create_invite(
                max_age=max_age, max_uses=0, unique=True, reason=f"Hearth personal invite for {interaction.user.id}"
            )
        except discord.Forbidden:
            raise UserError(f"Hearth may not create invites in {channel.mention} (Create Invite).") from None
        await self.tracker.add_personal_invite(guild.id, interaction.user.id, made.code, channel.id, made.expires_at)
        self.tracker.created(guild.id, seen_of(made))
        until = f", valid until {discord.utils.format_dt(made.expires_at, 'f')}" if made.expires_at else ""
        await interaction.response.send_message(
            f"Your invite: {made.url}{until}. Everyone who joins through it is credited to you.", ephemeral=True
        )

    @invites.command(name="mine", description="How many joined through you, are still here and joined in")
    async def mine(self, interaction: discord.Interaction) -> None:
        assert interaction.guild is not None
        guild = interaction.guild
        if self.bot.privacy.is_opted_out(guild.id, interaction.user.id):
            raise UserError("You opted out of recording, so Hearth credits no joins to you (`/privacy optin`).")
        stats = await self.tracker.stats_for(guild.id, interaction.user.id, lambda m: guild.get_member(m) is not None)
        if not stats.joined:
            text = "Nobody has joined through your invites yet. `/invite create` makes you a personal link."
        else:
            people = "person" if stats.joined == 1 else "people"
            text = (
                f"**{stats.joined}** {people} joined through your invites; **{stats.still_here}** are still here and "
                f"**{stats.answered}** answered a Hearth post in their first week."
            )
        await interaction.response.send_message(text, ephemeral=True)

    @invites.command(name="top", description="Who brought friends that stayed and joined in")
    @app_commands.describe(period="How far back to look (default month)")
    @app_commands.choices(period=[app_commands.Choice(name=k, value=k) for k in PERIODS])
    async def top(self, interaction: discord.Interaction, period: str = "month") -> None:
        assert interaction.guild is not None
        guild_id = interaction.guild.id
        if not await self.repo.leaderboard_enabled(guild_id):
            raise UserError("The moderators turned the invite leaderboard off in this server.")
        if period not in PERIODS:
            raise UserError(f"`{period}` is not a period: pick one of {', '.join(PERIODS)}.")
        now = self.bot.clock.now()
        days = PERIODS[period]
        since = now - timedelta(days=days) if days is not None else datetime(2015, 1, 1, tzinfo=UTC)
        rows = await self.tracker.leaderboard(guild_id, since, now)
        if not rows:
            text = (
                f"No one has brought a friend who stayed a week and joined in ({period}). Only invitees who stay "
                "7 days and are active count."
            )
        else:
            lines = [f"**Invite leaderboard** ({period}; invitees who stayed 7 days and joined in)"]
            lines += [f"{i}. <@{r.inviter_id}>: {r.invitees}" for i, r in enumerate(rows, 1)]
            text = "\n".join(lines)
        await interaction.response.send_message(text, ephemeral=True, allowed_mentions=NO_PINGS)

    @invites.command(name="leaderboard", description="Moderators: turn the invite leaderboard on or off")
    @app_commands.describe(enabled="Show /invites top to members")
    @moderator_only()
    async def leaderboard(self, interaction: discord.Interaction, enabled: bool) -> None:
        assert interaction.guild_id is not None
        await self.repo.set_leaderboard(interaction.guild_id, enabled)
        await interaction.response.send_message(
            f"The invite leaderboard is {'on' if enabled else 'off'}.", ephemeral=True
        )


async def setup(bot: Hearth) -> None:
    await bot.add_cog(Invites(bot))
