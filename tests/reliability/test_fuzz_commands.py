"""Property-based input fuzzing of every slash command, the modals they open and their buttons.

The command list comes from ``bot.tree.walk_commands()``, so a new command is covered the day
it lands. One world (bot + local Discord) serves every example: hypothesis runs in a worker
thread and hands each example to the test's event loop. Per example: the interaction is answered
or deferred within Discord's 3 s, no answer is the "Something went wrong" apology, nothing is
logged at ERROR, no bot message pings anyone; per command the database stays consistent.
"""

from __future__ import annotations

import asyncio
import os
from collections import Counter
from collections.abc import Awaitable
from typing import Any, TypeVar

from discord import app_commands
from hypothesis import given
from hypothesis import strategies as st

from bot.core.tree import UNEXPECTED
from bot.sandbox.localdiscord.interactions import CallbackType, InteractionResult, walk_components
from bot.sandbox.localdiscord.world import Member, Message
from tests.reliability.commands import (
    ErrorLogs,
    FuzzWorld,
    build_fuzz_world,
    leaf_commands,
    modal_strategy,
    options_strategy,
)
from tests.reliability.conftest import World, assert_database_consistent

T = TypeVar("T")
ANSWER_DEADLINE = 3.0  # Discord's interaction deadline, in real seconds here
MAX_ERROR_LENGTH = 600  # "short": an ephemeral refusal fits in a few lines


def allowed_to_ping(world: World, message: Message) -> bool:
    """Giveaway winner announcements are the one message that may notify someone."""
    return "giveaway" in message.content.lower() and (
        "won" in message.content.lower() or "winner" in message.content.lower()
    )


def short(value: Any, limit: int = 300) -> str:
    """A readable, bounded description of generated options (people and places by name)."""
    if isinstance(value, dict):
        value = {
            k: f"<{type(v).__name__} {v.name}>" if hasattr(v, "name") and hasattr(v, "id") else v
            for k, v in value.items()
        }
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + f"... ({len(text)} chars)"


class Checker:
    """Runs one example on the event loop and records what was wrong with the answer."""

    def __init__(self, world: World, fuzz: FuzzWorld, errors: ErrorLogs) -> None:
        self.world = world
        self.fuzz = fuzz
        self.errors = errors
        self.runs: Counter[str] = Counter()  # what was exercised, printed with -s

    async def answer(self, result: InteractionResult, what: str) -> list[str]:
        try:
            await result.response(timeout=ANSWER_DEADLINE)  # answered or deferred in time
        except TimeoutError:
            return [f"{what}: no answer and no defer within {ANSWER_DEADLINE:.0f} s"]
        self.runs[result.name if result.kind == 2 else what.split(" ")[0]] += 1
        problems: list[str] = []
        if result.type == CallbackType.MODAL or result.type == CallbackType.AUTOCOMPLETE_RESULT:
            return problems
        try:
            text = await result.text(timeout=10)
        except TimeoutError:
            return [f"{what}: deferred but never answered"]
        if UNEXPECTED in text or "Something went wrong" in text:
            problems.append(f"{what}: answered with the apology for an unexpected error")
        if result.ephemeral and len(text) > MAX_ERROR_LENGTH and "error" in text.lower():
            problems.append(f"{what}: a long ephemeral error ({len(text)} chars)")
        return problems

    def bot_messages_since(self, mark: int) -> list[Message]:
        server = self.world.server
        return [m for m in server.messages.values() if m.order > mark and m.author.id == server.bot_user.id]

    def common_problems(self, mark: int, what: str) -> list[str]:
        problems = [f"{what}: ERROR log {short(line)}" for line in self.errors.take()]
        for msg in self.bot_messages_since(mark):
            users, roles, everyone = self.world.server.pings(msg)
            if (users or roles or everyone) and not allowed_to_ping(self.world, msg):
                problems.append(f"{what}: message {msg.content[:80]!r} pings {users} {roles} everyone={everyone}")
        self.world.runner.handler_errors.clear()
        return problems

    async def run_command(
        self, member: Member, name: str, options: dict[str, Any]
    ) -> tuple[list[str], dict[str, Any] | None, InteractionResult, list[str]]:
        server = self.world.server
        mark = server.mark()
        result = await server.run_command(member, self.world.general, name, options)
        what = f"/{name} {short(options)} as {member.name}"
        problems = await self.answer(result, what)
        await self.world.settle()
        problems += self.common_problems(mark, what)
        return problems, result.modal, result, self.buttons(result)

    @staticmethod
    def buttons(result: InteractionResult) -> list[str]:
        found = []
        for msg in result.visible_messages():
            for c in walk_components(msg.components):
                if c.get("type") == 2 and c.get("custom_id") and not c.get("disabled"):
                    found.append(c["custom_id"])
        return found

    async def submit(self, member: Member, source: InteractionResult, values: dict[str, str]) -> list[str]:
        mark = self.world.server.mark()
        what = f"modal {source.modal and source.modal.get('title')!r} {short(values)}"
        result = await self.world.server.submit_modal(member, source, values)
        problems = await self.answer(result, what)
        await self.world.settle()
        return problems + self.common_problems(mark, what)

    async def click(self, member: Member, source: InteractionResult, custom_id: str) -> list[str]:
        server = self.world.server
        message = next(
            m
            for m in source.visible_messages()
            if any(c.get("custom_id") == custom_id for c in walk_components(m.components))
        )
        mark = server.mark()
        what = f"button {custom_id!r}"
        result = await server.click(member, message, custom_id)
        problems = await self.answer(result, what)
        await self.world.settle()
        return problems + self.common_problems(mark, what)


def fuzz_command(
    loop: asyncio.AbstractEventLoop, checker: Checker, command: app_commands.Command[Any, ..., Any]
) -> None:
    """Hypothesis over one command's options (runs in a worker thread)."""
    fuzz = checker.fuzz
    people = [fuzz.home.moderator, fuzz.home.alice]

    def on_loop(coro: Awaitable[T]) -> T:
        return asyncio.run_coroutine_threadsafe(coro, loop).result(timeout=60)  # type: ignore[arg-type]

    @given(data=st.data())
    def example(data: st.DataObject) -> None:
        options = data.draw(options_strategy(command, fuzz), label="options")
        member = data.draw(st.sampled_from(people), label="member")
        problems, modal, result, buttons = on_loop(checker.run_command(member, command.qualified_name, options))
        if modal is not None:
            values = data.draw(modal_strategy(modal, fuzz), label="modal")
            problems += on_loop(checker.submit(member, result, values))
        elif buttons:
            custom_id = data.draw(st.sampled_from(buttons), label="button")
            problems += on_loop(checker.click(member, result, custom_id))
        assert not problems, "\n".join(problems)

    example()


async def test_every_command_and_modal_survives_generated_input(world: World) -> None:
    fuzz = await build_fuzz_world(world.server, world.community)
    loop = asyncio.get_running_loop()
    only = os.environ.get("HEARTH_FUZZ_ONLY")  # e.g. "question schedule" to focus a local run
    commands = [c for c in leaf_commands(world.bot.tree) if not only or c.qualified_name == only]
    assert commands, "the command tree is empty"
    failures: dict[str, BaseException] = {}
    with ErrorLogs() as errors:
        checker = Checker(world, fuzz, errors)
        for command in commands:
            try:
                await asyncio.to_thread(fuzz_command, loop, checker, command)
            except Exception as exc:
                failures[command.qualified_name] = exc
            await assert_database_consistent(world.bot.db)
    print(f"fuzzed: {dict(checker.runs)}")
    assert not failures, "\n\n".join(
        f"/{name}: {exc}\n" + "\n".join(getattr(exc, "__notes__", [])) for name, exc in failures.items()
    )
