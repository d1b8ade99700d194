"""Publishing Hearth posts that land in announcement channels (``bot.features.shares``).

When a Hearth post goes to an announcement channel, other servers that follow the channel get it
only once it is published (crossposted). ``/shares publishing`` chooses: ``ask`` (a Publish
button for moderators in an offers channel, checked server-side), ``auto`` (Hearth publishes as it
posts) or ``off``. Followers' servers are out of Hearth's sight, and every offer says so.
"""

from __future__ import annotations

import logging
import re
from datetime import timedelta
from typing import Any, Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import Hearth
from bot.core.checks import moderator_only, require_moderator
from bot.core.clock import to_ms
from bot.core.discord_helpers import NO_PINGS
from bot.core.tree import UserError, report_error
from bot.core.views import HearthView
from bot.features.shares import rules
from bot.features.shares.service import CrosspostService
from bot.platform.posts import Post
from bot.storage.crossposts import CrosspostRepository

log = logging.getLogger(__name__)

PUBLISH_ID = r"hearth:publish:(?P<post>\d+)"
UNOFFERED_LOOKBACK = timedelta(days=7)


class PublishFailed(Exception):
    """Discord refused the publish: the reason, in words a moderator can act on."""


class PublishButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=PUBLISH_ID):
    """The Publish button of an offer; the custom id carries the post, so it survives restarts."""

    def __init__(self, post_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label="Publish to followers", style=discord.ButtonStyle.primary, custom_id=f"hearth:publish:{post_id}"
            )
        )
        self.post_id = post_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> PublishButton:
        return cls(int(match["post"]))

    async def callback(self, interaction: discord.Interaction) -> None:  # type: ignore[override]
        try:
            await self._publish(interaction)
        except Exception as error:  # dynamic items bypass View.on_error: route errors like commands do
            await report_error(interaction, error)

    async def _publish(self, interaction: discord.Interaction) -> None:
        refusal = "Only moderators can publish Hearth posts to following servers."
        guild_id = await require_moderator(interaction, refusal)
        bot = interaction.client
        cog = bot.get_cog("Shares") if isinstance(bot, commands.Bot) else None
        if not isinstance(cog, Shares):
            raise UserError("Publishing is not available right now; try again in a moment.")
        text = await cog.publish(guild_id, self.post_id, interaction.user.id)
        await interaction.response.edit_message(content=text, view=None, allowed_mentions=NO_PINGS)


def offer_view(post_id: int) -> HearthView:
    view = HearthView(timeout=None)
    view.add_item(PublishButton(post_id))
    return view


class Shares(commands.Cog):
    shares = app_commands.Group(name="shares", description="Sharing Hearth posts", guild_only=True)

    def __init__(self, bot: Hearth) -> None:
        self.bot = bot
        self.repo = CrosspostRepository(bot.db)
        self.service = CrosspostService(self.repo, bot.clock)

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(PublishButton)
        self.bot.posts.on_register(self.on_post)
        self.bot.privacy.on_forget(self.repo.forget_member)
        self.bot.warning_sources.append(self.warnings)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(PublishButton)
        self.bot.posts.remove_hook(self.on_post)
        if self.warnings in self.bot.warning_sources:
            self.bot.warning_sources.remove(self.warnings)

    def _announcement_channel(self, channel_id: int) -> discord.TextChannel | None:
        channel = self.bot.get_channel(channel_id)
        return channel if isinstance(channel, discord.TextChannel) and channel.is_news() else None

    # -- a Hearth post went out ---------------------------------------------------------------------
    async def on_post(self, post: Post) -> None:
        """Posts in announcement channels: publish (``auto``) or offer a button (``ask``)."""
        if not rules.offered(post.kind) or self._announcement_channel(post.channel_id) is None:
            return
        action = await self.service.landed(post.guild_id, post.id, post.channel_id, post.message_id)
        if action == "auto":
            try:
                await self._crosspost(post.guild_id, post.id, by=None)
            except (PublishFailed, UserError) as exc:
                await self.repo.set_status(post.guild_id, post.id, "failed")
                await self.bot.guilds_repo.add_problem(
                    post.guild_id, "publishing", f"a {post.kind} was not published: {exc}", to_ms(self.bot.clock.now())
                )
        elif action == "ask":
            await self._offer(post)

    async def _offer(self, post: Post) -> None:
        settings = await self.service.settings(post.guild_id)
        assert settings is not None and settings.offer_channel_id is not None
        target = self.bot.get_channel(settings.offer_channel_id)
        if not isinstance(target, discord.TextChannel | discord.Thread):
            await self.repo.set_status(post.guild_id, post.id, "unoffered")
            await self.bot.guilds_repo.add_problem(
                post.guild_id,
                "publishing",
                "the offers channel is gone: `/shares publishing` picks another",
                to_ms(self.bot.clock.now()),
            )
            return
        url = f"https://discord.com/channels/{post.guild_id}/{post.channel_id}/{post.message_id}"
        text = (
            f"Hearth's {post.kind} went out in <#{post.channel_id}>, an announcement channel: {url}\n"
            f"Publish it so servers following <#{post.channel_id}> get it too? {rules.OUT_OF_SIGHT}"
        )
        try:
            message = await target.send(text, view=offer_view(post.id), allowed_mentions=NO_PINGS)
        except discord.HTTPException as exc:
            await self.repo.set_status(post.guild_id, post.id, "unoffered")
            await self.bot.guilds_repo.add_problem(
                post.guild_id,
                "publishing",
                f"Discord refused the publish offer in #{target.name} ({exc.status})",
                to_ms(self.bot.clock.now()),
            )
            return
        await self.repo.set_offer(post.guild_id, post.id, target.id, message.id)

    # -- publishing -----------------------------------------------------------------------------------
    async def publish(self, guild_id: int, post_id: int, by: int) -> str:
        """A moderator pressed Publish: what the offer says afterwards."""
        row = await self.service.row(guild_id, post_id)
        if row is None:
            raise UserError("Hearth has no record of this post any more.")
        if row.status == "published":
            return f"Already published to servers following <#{row.channel_id}>. {rules.OUT_OF_SIGHT}"
        try:
            done = await self._crosspost(guild_id, post_id, by=by)
        except PublishFailed as exc:
            raise UserError(str(exc)) from None
        who = f"by <@{by}>" if done else "before (in Discord)"
        return f"Published {who} to servers following <#{row.channel_id}>. {rules.OUT_OF_SIGHT}"

    async def _crosspost(self, guild_id: int, post_id: int, *, by: int | None) -> bool:
        """Publish through Discord; True when this call did, False when it was published already."""
        row = await self.service.row(guild_id, post_id)
        assert row is not None
        channel = self._announcement_channel(row.channel_id)
        if channel is None:
            raise PublishFailed(f"<#{row.channel_id}> is no longer an announcement channel (or is gone).")
        wait = await self.service.wait_ms(guild_id, channel.id)
        if wait:
            raise PublishFailed(
                f"Discord allows {rules.PUBLISHES_PER_HOUR} publishes an hour in {channel.mention}; "
                f"try again in {rules.minutes_text(wait)}."
            )
        try:
            await channel.get_partial_message(row.message_id).publish()
        except discord.RateLimited as exc:
            raise PublishFailed(
                f"Discord allows {rules.PUBLISHES_PER_HOUR} publishes an hour in {channel.mention} (some were "
                f"published by hand); try again in {rules.minutes_text(int(exc.retry_after * 1000))}."
            ) from None
        except discord.HTTPException as exc:
            if exc.code == 40033:  # published already (by hand in Discord, or a second press)
                await self.service.published(guild_id, post_id, None)
                return False
            if exc.code == 10008:
                raise PublishFailed("The post was deleted, so there is nothing to publish.") from None
            if exc.code in (50001, 50013):
                raise PublishFailed(
                    f"Hearth may not publish in {channel.mention}: it needs View Channel and Send Messages there "
                    "(and Manage Messages for posts by others)."
                ) from None
            raise PublishFailed(f"Discord refused to publish the post ({exc.status}).") from None
        await self.service.published(guild_id, post_id, by)
        return True

    async def warnings(self, guild_id: int) -> list[str]:
        since = to_ms(self.bot.clock.now() - UNOFFERED_LOOKBACK)
        waiting = await self.repo.unoffered_count(guild_id, since)
        if not waiting:
            return []
        posts = "post" if waiting == 1 else "posts"
        return [
            f"Publishing: {waiting} Hearth {posts} went to announcement channels this week without being published "
            "to following servers. `/shares publishing` chooses: a Publish button for moderators, or automatic."
        ]

    # -- the setting ----------------------------------------------------------------------------------
    @shares.command(name="publishing", description="Moderators: publish Hearth posts in announcement channels?")
    @app_commands.describe(
        mode="ask: a Publish button for moderators; auto: Hearth publishes each post; off: neither",
        channel="ask: where the Publish buttons go (a moderators' channel)",
    )
    @moderator_only()
    async def publishing(
        self,
        interaction: discord.Interaction,
        mode: Literal["ask", "auto", "off"],
        channel: discord.TextChannel | None = None,
    ) -> None:
        assert interaction.guild is not None
        if mode == "ask" and channel is None:
            raise UserError("`mode:ask` needs a `channel:` for the Publish buttons, ideally one only moderators see.")
        if channel is not None and channel.guild.me is not None:
            perms = channel.permissions_for(channel.guild.me)
            if not (perms.view_channel and perms.send_messages):
                raise UserError(f"Hearth may not send messages in {channel.mention}; allow it first.")
        await self.service.save(interaction.guild.id, mode, channel.id if channel and mode == "ask" else None)
        said = {
            "ask": "Each Hearth post in an announcement channel gets a Publish button for moderators in "
            f"{channel.mention if channel else ''}.",
            "auto": "Hearth publishes each of its posts in announcement channels as it goes out "
            f"(Discord allows {rules.PUBLISHES_PER_HOUR} an hour per channel).",
            "off": "Hearth neither publishes nor offers to.",
        }[mode]
        await interaction.response.send_message(f"{said} {rules.OUT_OF_SIGHT}", ephemeral=True)


async def setup(bot: Hearth) -> None:
    await bot.add_cog(Shares(bot))
