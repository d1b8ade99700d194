"""The moderator check: Discord-side default permissions AND a server-side check.

Default permissions can be changed by a server's admins in Discord's UI, so they are only a
hint; the server-side check decides. A moderator has Manage Server in the channel, or holds the
guild's configured moderator role.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, TypeVar, cast

import discord
from discord import app_commands

from bot.core.tree import UserError

T = TypeVar("T")

MODERATOR_ONLY_ATTR = "__hearth_moderator_only__"


class ModeratorRoles(Protocol):
    """What the check needs of the bot: each guild's configured moderator role (Hearth has it)."""

    async def moderator_role_id(self, guild_id: int) -> int | None: ...


class NotModerator(app_commands.CheckFailure):
    """Raised when a member without moderator rights runs a moderator command."""


def is_moderator(
    member: discord.Member | discord.User, permissions: discord.Permissions, moderator_role_id: int | None
) -> bool:
    if permissions.manage_guild or permissions.administrator:
        return True
    if moderator_role_id is None or not isinstance(member, discord.Member):
        return False
    return any(role.id == moderator_role_id for role in member.roles) or member.get_role(moderator_role_id) is not None


async def check_moderator(interaction: discord.Interaction) -> bool:
    """Raise NotModerator unless the user may run moderator commands in this guild."""
    if interaction.guild_id is None:
        raise app_commands.NoPrivateMessage()
    role_id = await cast(ModeratorRoles, interaction.client).moderator_role_id(interaction.guild_id)
    if is_moderator(interaction.user, interaction.permissions, role_id):
        return True
    role = f" or the <@&{role_id}> role" if role_id else ""
    raise NotModerator(f"Only moderators (Manage Server permission{role}) can use this command.")


async def require_moderator(interaction: discord.Interaction, refusal: str) -> int:
    """The same server-side rule for a button, modal or autocomplete, where app-command checks
    don't run: raise UserError(refusal) unless the user moderates this guild; return its id."""
    if interaction.guild_id is None:
        raise UserError("This only works inside a server.")
    role_id = await cast(ModeratorRoles, interaction.client).moderator_role_id(interaction.guild_id)
    if not is_moderator(interaction.user, interaction.permissions, role_id):
        raise UserError(refusal)
    return interaction.guild_id


def moderator_only() -> Callable[[T], T]:
    """Mark an app command (or group callback) as moderator-only, checked on both sides."""

    def decorator(func: Any) -> Any:
        func = app_commands.default_permissions(manage_guild=True)(func)
        func = app_commands.guild_only()(func)
        func = app_commands.check(check_moderator)(func)
        setattr(func, MODERATOR_ONLY_ATTR, True)
        return func

    return decorator


def is_moderator_only(command: app_commands.Command[Any, ..., Any]) -> bool:
    """True when the command carries the server-side moderator check (used by the tree walk test)."""
    return check_moderator in command.checks
