"""One ephemeral, human answer for every app-command failure.

Expected problems (bad input, missing permission) are ``UserError`` or check failures and are
answered with their own message. Anything else is logged with its traceback and answered with
a short apology; the member never sees a traceback and never gets silence.
"""

from __future__ import annotations

import logging

import discord
from discord import app_commands

log = logging.getLogger(__name__)

UNEXPECTED = "Something went wrong on Hearth's side; it has been logged. Please try again in a moment."


class UserError(app_commands.AppCommandError):
    """A problem the user can fix; ``str(error)`` is shown to them as it is."""


def explain(error: Exception) -> tuple[str, bool]:
    """The message for ``error`` and whether it was expected (not a bug)."""
    if isinstance(error, app_commands.CommandInvokeError) and isinstance(error.original, UserError):
        error = error.original
    if isinstance(error, UserError):
        return str(error), True
    if isinstance(error, app_commands.NoPrivateMessage):
        return "This command only works inside a server.", True
    if isinstance(error, app_commands.MissingPermissions):
        missing = ", ".join(p.replace("_", " ").title() for p in error.missing_permissions)
        return f"You need the {missing} permission to use this.", True
    if isinstance(error, app_commands.BotMissingPermissions):
        missing = ", ".join(p.replace("_", " ").title() for p in error.missing_permissions)
        return f"I need the {missing} permission here to do that.", True
    if isinstance(error, app_commands.CommandOnCooldown):
        return f"Slow down: try again in {error.retry_after:.0f} s.", True
    if isinstance(error, app_commands.TransformerError):
        return f"{error.value!r} is not a valid {error.type.name.lower().replace('_', ' ')}.", True
    if isinstance(error, app_commands.CheckFailure):
        return str(error) or "You can't use this command here.", True
    return UNEXPECTED, False


MAX_ANSWER = 1900  # Discord refuses content over 2000 characters; an error must never be lost to that


async def send_ephemeral(interaction: discord.Interaction, message: str) -> None:
    """Answer ephemerally whether or not the interaction was already responded to."""
    if len(message) > MAX_ANSWER:  # an error that echoes huge user input would otherwise get a 400: no answer
        message = message[: MAX_ANSWER - 1] + "…"
    try:
        if interaction.response.is_done():
            await interaction.followup.send(message, ephemeral=True, allowed_mentions=discord.AllowedMentions.none())
        else:
            await interaction.response.send_message(
                message, ephemeral=True, allowed_mentions=discord.AllowedMentions.none()
            )
    except discord.HTTPException:
        log.warning("could not deliver an error message for interaction %s", interaction.id, exc_info=True)


async def report_error(interaction: discord.Interaction, error: Exception) -> None:
    """Shared by the command tree and every View/Modal: log if unexpected, then answer."""
    message, expected = explain(error)
    if not expected:
        command = interaction.command.qualified_name if interaction.command else "component"
        log.error("unexpected error in %s", command, exc_info=error)
    await send_ephemeral(interaction, message)


class HearthTree(app_commands.CommandTree):
    async def on_error(self, interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
        await report_error(interaction, error)
