"""The error explainer and the moderator rule, on real discord.py values (no mocks)."""

from __future__ import annotations

import discord
from discord import app_commands

from bot.core.checks import NotModerator, is_moderator
from bot.core.tree import UNEXPECTED, UserError, explain


def test_user_error_is_shown_as_written() -> None:
    assert explain(UserError("Pick at least one day.")) == ("Pick at least one day.", True)


def test_user_error_raised_inside_a_command_is_unwrapped() -> None:
    wrapped = app_commands.CommandInvokeError.__new__(app_commands.CommandInvokeError)
    wrapped.original = UserError("Bad time.")
    assert explain(wrapped) == ("Bad time.", True)


def test_unexpected_error_gets_an_apology_not_a_traceback() -> None:
    message, expected = explain(ZeroDivisionError("division by zero"))
    assert (message, expected) == (UNEXPECTED, False)
    assert "division" not in message


def test_moderator_refusal_is_an_expected_error() -> None:
    assert explain(NotModerator("Only moderators can use this command.")) == (
        "Only moderators can use this command.",
        True,
    )


def test_manage_server_makes_a_moderator() -> None:
    user = discord.Object(id=1)
    assert is_moderator(user, discord.Permissions(manage_guild=True), None)  # type: ignore[arg-type]


def test_a_member_without_permission_or_role_is_not_a_moderator() -> None:
    user = discord.Object(id=1)
    assert not is_moderator(user, discord.Permissions(send_messages=True), 42)  # type: ignore[arg-type]
