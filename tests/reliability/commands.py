"""The command tree as test data: every leaf slash command and a hypothesis strategy for its options.

Options are built from discord.py's own parameter metadata (type, choices, ranges, channel
types), so a command added tomorrow is fuzzed and permission-checked without touching the tests.
Values stay inside what Discord itself lets a client send (it enforces choices, ranges and
lengths before the bot sees anything) and are nasty within that: empty, huge, zero-width,
markdown, mass mentions, ids from another guild, bad durations, times and time zones.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import discord
from discord import app_commands
from hypothesis import strategies as st

from bot.sandbox.localdiscord import LocalDiscord
from bot.sandbox.localdiscord.testing import Community, build_community
from bot.sandbox.localdiscord.world import Channel, ChannelType, Member, Message, Role

OptionType = discord.AppCommandOptionType
STRING_LIMIT = 6000  # Discord's max length of a string option
INT_LIMIT = 2**53  # Discord's integer option range is +-2^53


def leaf_commands(tree: app_commands.CommandTree) -> list[app_commands.Command[Any, ..., Any]]:
    """Every runnable chat-input command (subcommands included), by qualified name."""
    leaves = [c for c in tree.walk_commands() if isinstance(c, app_commands.Command)]
    return sorted(leaves, key=lambda c: c.qualified_name)


@dataclass
class FuzzWorld:
    """The people, places and foreign ids a generated option may name."""

    server: LocalDiscord
    home: Community
    other: Community  # a second guild: its ids must mean nothing in the first
    other_message: Message
    mentionable: Role

    def members(self) -> list[Member]:
        h = self.home
        return [h.alice, h.bob, h.moderator, h.owner, self.server.bot_member(h.guild)]

    def channels(self, types: list[discord.ChannelType]) -> list[Channel]:
        wanted = {t.value for t in types} or {ChannelType.TEXT}
        found = [c for c in self.home.guild.channels.values() if c.type in wanted]
        return found or [self.home.general]

    def roles(self) -> list[Role]:
        return list(self.home.guild.roles.values())

    def foreign_ids(self) -> list[int]:
        o = self.other
        return [o.guild.id, o.general.id, o.alice.id, o.moderator_role.id, self.other_message.id]


async def build_fuzz_world(server: LocalDiscord, home: Community) -> FuzzWorld:
    """Adds a second guild with a message in it, and a mentionable role in the first."""
    other = build_community(server, name="Other Guild")
    message = await server.say(other.alice, other.general, "hello from the other guild")
    role = server.add_role(home.guild, "Pingable", 0, mentionable=True)
    server.add_category(home.guild, "Events")
    await server.flush()
    return FuzzWorld(server, home, other, message, role)


def nasty_text(world: FuzzWorld) -> list[str]:
    h = world.home
    ids = [str(i) for i in world.foreign_ids()]
    return [
        "",
        " ",
        "\u200b",
        "\u200b\u200d\ufeff",
        "@everyone",
        "@here",
        f"<@&{world.mentionable.id}>",
        f"<@&{h.guild.id}>",
        f"<@{h.alice.id}> <@!{h.bob.id}>",
        "**bold** __under__ ~~strike~~ `code` ```block``` > quote || spoiler ||",
        "[link](https://example.com) <https://example.com>",
        "🎉🔥👍🏽 ẞ ǅ ﷽ עברית العربية",
        "\u202eevil\u202c",
        "a\nb\r\nc\td",
        "'; DROP TABLE activities; --",
        "%s %d {0} {name}",
        "-1",
        "0",
        "99999999999999999999",
        "1e309",
        "NaN",
        "25:99",
        "24:00",
        "9:5",
        "09:00",
        "-5m",
        "0d",
        "1000000d",
        "1h30",
        "forever",
        "Mars/Olympus",
        "Europe/Berlin",
        "../../etc/passwd",
        "UTC+25",
        "mon,tue,xyz",
        "x" * 300,
        "é" * 2000,
        *ids,
        f"#{ids[0]}",
    ]


def text_strategy(world: FuzzWorld, min_length: int | None, max_length: int | None) -> st.SearchStrategy[str]:
    low = min_length or 0
    high = min(max_length or STRING_LIMIT, STRING_LIMIT)
    pool = [t for t in nasty_text(world) if low <= len(t) <= high]
    huge = st.sampled_from(sorted({high, max(low, high // 2)})).map(lambda n: ("ab🎉 <@&1> *" * n)[:n])
    generic = st.text(min_size=low, max_size=min(high, 80))
    options: list[st.SearchStrategy[str]] = [generic, huge]
    if pool:
        options.insert(0, st.sampled_from(pool))
    return st.one_of(*options)


def number_strategy(param: app_commands.Parameter, *, integer: bool) -> st.SearchStrategy[Any]:
    low = param.min_value if param.min_value is not None else -INT_LIMIT
    high = param.max_value if param.max_value is not None else INT_LIMIT
    if integer:
        low, high = int(low), int(high)
        edges = sorted({low, high, max(low, min(high, 0)), max(low, min(high, -1)), max(low, min(high, 1))})
        return st.one_of(st.sampled_from(edges), st.integers(min_value=low, max_value=high))
    return st.one_of(
        st.sampled_from([float(low), float(high)]),
        st.floats(min_value=float(low), max_value=float(high), allow_nan=False, allow_infinity=False),
    )


def option_strategy(param: app_commands.Parameter, world: FuzzWorld) -> st.SearchStrategy[Any]:
    """Values Discord would let a client send for this parameter."""
    if param.choices:
        return st.sampled_from([c.value for c in param.choices])
    kind = param.type
    if kind is OptionType.string:
        return text_strategy(world, param.min_value, param.max_value)  # type: ignore[arg-type]
    if kind is OptionType.integer:
        return number_strategy(param, integer=True)
    if kind is OptionType.number:
        return number_strategy(param, integer=False)
    if kind is OptionType.boolean:
        return st.booleans()
    if kind is OptionType.user:
        return st.sampled_from([*world.members(), world.other.alice.user])
    if kind is OptionType.channel:
        return st.sampled_from(world.channels(param.channel_types))
    if kind is OptionType.role:
        return st.sampled_from(world.roles())
    if kind is OptionType.mentionable:
        return st.sampled_from([*world.members(), *world.roles()])
    if kind is OptionType.attachment:
        return st.tuples(
            st.sampled_from(["bank.csv", "bank.toml", "x.png", "noext", "../evil.csv", "😀.txt"]),
            st.one_of(
                st.sampled_from([b"", b"\x00\xff\xfe", b"question,answer\n", b"[[questions]]\ntext = 1\n"]),
                st.binary(max_size=200),
                st.text(max_size=200).map(str.encode),
            ),
        )
    raise AssertionError(f"no strategy for option type {kind!r} of /{param.command.qualified_name}")


def options_strategy(
    command: app_commands.Command[Any, ..., Any], world: FuzzWorld
) -> st.SearchStrategy[dict[str, Any]]:
    """Required options always, optional ones sometimes."""
    required = {p.display_name: option_strategy(p, world) for p in command.parameters if p.required}
    optional = {p.display_name: option_strategy(p, world) for p in command.parameters if not p.required}
    return st.fixed_dictionaries(required, optional=optional)  # type: ignore[arg-type]


def text_inputs(modal: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every text input of a modal (inside action rows or labels)."""
    for c in modal.get("components") or []:
        inner = [c.get("component")] if c.get("component") else c.get("components") or []
        for i in inner:
            if i and i.get("type") == 4:
                yield i


def modal_strategy(modal: dict[str, Any], world: FuzzWorld) -> st.SearchStrategy[dict[str, str]]:
    fields = {
        i["custom_id"]: text_strategy(
            world, i.get("min_length") or (1 if i.get("required", True) else 0), i.get("max_length") or 4000
        )
        for i in text_inputs(modal)
    }
    return st.fixed_dictionaries(fields)


class ErrorLogs(logging.Handler):
    """Collects ERROR records (tracebacks of unexpected errors) while installed."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def __enter__(self) -> ErrorLogs:
        logging.getLogger().addHandler(self)
        return self

    def __exit__(self, *exc: object) -> None:
        logging.getLogger().removeHandler(self)

    def take(self) -> list[str]:
        out = [f"{r.name}: {r.getMessage()}" for r in self.records]
        self.records.clear()
        return out


def simple_value(param: app_commands.Parameter, world: FuzzWorld) -> Any:
    """One plain, valid value for a parameter (the permission walk needs no variety)."""
    if param.choices:
        return param.choices[0].value
    kind = param.type
    if kind is OptionType.string:
        return "x" * max(1, int(param.min_value or 1))
    if kind in (OptionType.integer, OptionType.number):
        low = param.min_value if param.min_value is not None else 1
        return int(low) if kind is OptionType.integer else float(low)
    if kind is OptionType.boolean:
        return True
    if kind in (OptionType.user, OptionType.mentionable):
        return world.home.bob
    if kind is OptionType.channel:
        return world.channels(param.channel_types)[0]
    if kind is OptionType.role:
        return world.mentionable
    if kind is OptionType.attachment:
        return ("bank.csv", b"text,tags\nWhat is your favourite song?,music\n")
    raise AssertionError(f"no value for option type {kind!r}")


def simple_options(command: app_commands.Command[Any, ..., Any], world: FuzzWorld) -> dict[str, Any]:
    return {p.display_name: simple_value(p, world) for p in command.parameters}


async def snapshot(db: Any) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table: a refused command must leave this unchanged."""
    out: dict[str, list[tuple[Any, ...]]] = {}
    for name in await db.tables():
        rows = await db.fetchall(f'SELECT * FROM "{name}"', ())
        out[name] = sorted((tuple(r) for r in rows), key=repr)
    return out
