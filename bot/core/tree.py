"""One ephemeral, human answer for every app-command failure.

Expected problems (bad input, missing permission) are ``UserError`` or check failures and are
answered with their own message. Anything else is logged with its traceback and answered with
a short apology; the member never sees a traceback and never gets silence. Once Hearth is
shutting down (the client is closed), an answer that cannot go out any more is one short log
line, never a traceback or an unretrieved task exception.
"""

from __future__ import annotations

import asyncio
import logging
import weakref

import aiohttp
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


_RUNNING: weakref.WeakKeyDictionary[asyncio.Task[None], discord.Interaction] = weakref.WeakKeyDictionary()
"""The slash command each of discord.py's invoker tasks is running (for the shutdown log)."""

TASK_KINDS = {"discord-ui-view-dispatch": "a button or menu", "discord-ui-modal-dispatch": "a form"}


def describe_task(task: asyncio.Task[object]) -> str:
    """'/report' for a slash command's task, else what kind of interaction it answers."""
    interaction = _RUNNING.get(task)  # type: ignore[call-overload]
    if interaction is not None:
        return describe(interaction)
    name = task.get_name()
    return next((kind for prefix, kind in TASK_KINDS.items() if name.startswith(prefix)), "a command")


def describe(interaction: discord.Interaction) -> str:
    command = interaction.command
    return f"/{command.qualified_name}" if command is not None else "a button or form"


def _shutting_down(interaction: discord.Interaction) -> bool:
    return interaction.client.is_closed()


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
    except (RuntimeError, aiohttp.ClientError) as exc:  # "Session is closed": Hearth stopped meanwhile
        if not _shutting_down(interaction):
            raise
        log.warning("%s: answer not delivered, Hearth is shutting down (%s)", describe(interaction), exc)


async def report_error(interaction: discord.Interaction, error: Exception) -> None:
    """Shared by the command tree and every View/Modal: log if unexpected, then answer."""
    if _shutting_down(interaction):
        cause = error.original if isinstance(error, app_commands.CommandInvokeError) else error
        log.warning("%s: answer not delivered, Hearth is shutting down (%s)", describe(interaction), cause)
        return
    message, expected = explain(error)
    if not expected:
        command = interaction.command.qualified_name if interaction.command else "component"
        log.error("unexpected error in %s", command, exc_info=error)
    await send_ephemeral(interaction, message)


class HearthTree(app_commands.CommandTree):
    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        """Note which command this task runs (discord.py calls this first in each invoker task)."""
        task = asyncio.current_task()
        if task is not None:
            _RUNNING[task] = interaction  # type: ignore[index]
        return True

    async def on_error(self, interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
        await report_error(interaction, error)
