"""The /question command tree: who may run what (no Discord connection needed)."""

from __future__ import annotations

from discord import app_commands

from bot.core.checks import is_moderator_only
from cogs.questions.cog import Questions

MEMBER_COMMANDS = {"suggest"}


def test_every_question_subcommand_but_suggest_is_moderator_only() -> None:
    group = Questions.question
    assert isinstance(group, app_commands.Group) and group.guild_only
    names = set()
    for command in group.commands:
        assert isinstance(command, app_commands.Command)
        names.add(command.name)
        assert is_moderator_only(command) == (command.name not in MEMBER_COMMANDS), command.name
    assert {
        "add",
        "import",
        "list",
        "remove",
        "schedule",
        "schedules",
        "pause",
        "resume",
        "skip",
        "now",
        "suggest",
        "review",
        "starter-pack",
        "unschedule",
    } == names
