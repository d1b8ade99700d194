"""Guild isolation: ids of polls, questions, contests, giveaways, schedules, experiments and members
from guild A, used in guild B, are "not found" there and change nothing in A.

Guild A gets one of everything through its moderator's commands. Then every command that takes
an integer id or a member (found by walking the command tree) runs in guild B, as B's own
moderator, with A's ids. A's rows, A's channels and A's secrets must be untouched.
"""

from __future__ import annotations

import re
from typing import Any

import discord
from discord import app_commands

from bot.sandbox.localdiscord.testing import build_community
from tests.reliability.commands import ErrorLogs, build_fuzz_world, leaf_commands, simple_options, snapshot
from tests.reliability.conftest import World, assert_database_consistent

OptionType = discord.AppCommandOptionType
SECRET = "Guild A secret"


async def populate_guild_a(world: World) -> dict[str, str]:
    """One object of each kind in guild A; returns the answers (each names its id)."""
    g = world.general
    made: dict[str, str] = {}
    steps: list[tuple[str, dict[str, Any]]] = [
        ("question add", {"text": f"{SECRET} question?"}),
        ("question schedule", {"channel": g, "time": "09:00", "days": "daily"}),
        ("poll create", {"channel": g, "question": f"{SECRET} poll?", "options": "Yes, No", "duration": "2h"}),
        (
            "poll create",
            {"channel": g, "question": f"{SECRET} anon?", "options": "Yes, No", "duration": "2h", "anonymous": True},
        ),
        ("contest start", {"theme": f"{SECRET} contest", "submit_for": "1d", "vote_for": "1d", "channel": g}),
        ("giveaway start", {"prize": f"{SECRET} prize", "duration": "1d", "channel": g}),
        (
            "experiment start",
            {"name": "slot-test", "factor": "slot", "a": "09:00", "b": "18:00", "schedule": 1, "posts": 4},
        ),
    ]
    names = {c.qualified_name: c for c in leaf_commands(world.bot.tree)}
    for name, options in steps:
        if name not in names:
            continue  # the feature has not landed yet
        known = {p.display_name for p in names[name].parameters}
        result = await world.server.run_command(
            world.moderator, g, name, {k: v for k, v in options.items() if k in known}
        )
        made[name] = await result.text(timeout=5)
    await world.server.say(world.alice, g, "activity in A")
    await world.server.wait_until(lambda: world.bot.recorder.stats.accepted >= 1)
    await world.settle()
    return made


def id_commands(world: World) -> list[app_commands.Command[Any, ..., Any]]:
    return [
        c
        for c in leaf_commands(world.bot.tree)
        if any(p.type in (OptionType.integer, OptionType.user) for p in c.parameters)
    ]


async def rows_of(world: World, guild_id: int) -> dict[str, list[tuple[Any, ...]]]:
    """Every row that belongs to ``guild_id`` (tables keyed by guild_id), in any table."""
    everything = await snapshot(world.bot.db)
    out = {}
    for table in everything:
        columns = await world.bot.db.columns(table)
        if "guild_id" in columns:
            index = columns.index("guild_id")
            out[table] = [row for row in everything[table] if row[index] == guild_id]
    return out


async def test_ids_from_another_guild_are_not_found_and_change_nothing(world: World) -> None:
    server = world.server
    made = await populate_guild_a(world)
    assert made, "no feature objects could be made in guild A"
    print({k: v[:80] for k, v in made.items()})
    b = build_community(server, name="Guild B")
    fuzz = await build_fuzz_world(server, b)  # B's people and places for the other options
    await server.flush()
    await world.settle()
    ids = sorted({int(n) for text in made.values() for n in re.findall(r"#(\d+)", text)} | {1, 2})

    before = await rows_of(world, world.guild.id)
    a_messages = len(server.messages_in(world.general))
    commands = id_commands(world)
    assert commands
    leaks: list[str] = []
    with ErrorLogs() as errors:
        for command in commands:
            for some_id in ids:
                options = simple_options(command, fuzz)
                for p in command.parameters:
                    if p.type is OptionType.integer and not p.choices:
                        options[p.display_name] = some_id
                    elif p.type is OptionType.user:
                        options[p.display_name] = world.alice.user  # a member of A, not of B
                result = await server.run_command(b.moderator, b.general, command.qualified_name, options)
                text = await result.text(timeout=5)
                if SECRET in text:
                    leaks.append(f"/{command.qualified_name} #{some_id} in B shows A's data: {text[:200]!r}")
                if "Something went wrong" in text:
                    leaks.append(f"/{command.qualified_name} #{some_id} in B: unexpected error")
            await world.settle()
    assert not leaks, "\n".join(leaks)
    assert errors.take() == []
    assert await rows_of(world, world.guild.id) == before, "a command run in guild B changed guild A's data"
    assert len(server.messages_in(world.general)) == a_messages, "a command run in guild B posted in guild A"
    await assert_database_consistent(world.bot.db)
