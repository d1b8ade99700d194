"""Every moderator command, found by walking the command tree, is refused server-side.

Discord's default member permissions are only a hint a server admin can remove in the UI, so
the test removes them from the synced commands and runs every moderator command as a member
who has every permission except Manage Server and Administrator. Each must be refused with a
short ephemeral answer and change nothing. A command without the server-side check must be in
MEMBER_COMMANDS, the explicit list of commands meant for everyone; anything else fails.
"""

from __future__ import annotations

import discord

from bot.core.checks import is_moderator_only
from bot.sandbox.localdiscord.world import Perm
from tests.reliability.commands import build_fuzz_world, leaf_commands, simple_options, snapshot
from tests.reliability.conftest import World

# Commands intentionally open to every member. Adding one here is a reviewed decision.
MEMBER_COMMANDS = frozenset(
    {
        "privacy optout",
        "privacy optin",
        "privacy forget-me",
        "question suggest",
        "poll list",
        "poll results",  # anonymous polls: refused to members until closed (checked inside; tested below)
        "contest submit",
        "contest edit",  # own entry only
        "contest status",
        "contest list",
        "giveaway leave",
        "giveaway list",
        "trivia leaderboard",
        "streak",
        "invite create",  # a personal invite link (Create Invite is @everyone's by default)
        "invites mine",  # one's own invitees only
        "invites top",  # names without pings; moderators can turn it off
        "feedback send",  # opens the feedback modal; the review buttons check moderators server-side
    }
)

ALL_BUT_MODERATION = discord.Permissions.all()
ALL_BUT_MODERATION.update(manage_guild=False, administrator=False)


async def test_every_command_is_either_moderator_only_or_an_intended_member_command(world: World) -> None:
    unchecked = [
        c.qualified_name
        for c in leaf_commands(world.bot.tree)
        if not is_moderator_only(c) and c.qualified_name not in MEMBER_COMMANDS
    ]
    assert not unchecked, (
        f"commands without the server-side moderator check: {unchecked}. Add @moderator_only() or, "
        "if members are meant to use them, add them to MEMBER_COMMANDS in this test."
    )


async def test_moderator_commands_refuse_a_non_moderator_even_without_discords_default_permissions(
    world: World,
) -> None:
    server = world.server
    fuzz = await build_fuzz_world(server, world.community)
    await server.wait_until(lambda: world.bot.recorder.stats.accepted >= 1)  # the other guild's hello
    await world.settle()
    for scope in server.commands.values():  # a server admin cleared the defaults in Discord's UI
        for command in scope.values():
            command["default_member_permissions"] = None
    helper_role = server.add_role(world.guild, "Helper", ALL_BUT_MODERATION.value)
    mallory = server.add_member(world.guild, "mallory", roles=[helper_role])
    assert server.permissions_of(mallory, world.general) & Perm.MANAGE_MESSAGES
    assert not server.permissions_of(mallory, world.general) & Perm.MANAGE_GUILD

    moderator_commands = [c for c in leaf_commands(world.bot.tree) if is_moderator_only(c)]
    assert moderator_commands
    refused = []
    for command in moderator_commands:
        for member in (mallory, world.alice):
            before = await snapshot(world.bot.db)
            mark = server.mark()
            threads = len(server.threads_created)
            result = await server.run_command(
                member, world.general, command.qualified_name, simple_options(command, fuzz)
            )
            text = await result.text()
            await world.settle()
            what = f"/{command.qualified_name} as {member.name}"
            assert result.ephemeral, f"{what}: refusal is not ephemeral"
            assert "Only moderators" in text and len(text) < 300, f"{what}: answered {text[:200]!r}"
            assert await snapshot(world.bot.db) == before, f"{what}: changed the database"
            assert not [m for m in server.sent_by_bot() if m.order > mark], f"{what}: posted a message"
            assert len(server.threads_created) == threads, f"{what}: created a thread"
            refused.append(what)
    world.runner.assert_no_handler_errors()
    assert len(refused) == 2 * len(moderator_commands)
