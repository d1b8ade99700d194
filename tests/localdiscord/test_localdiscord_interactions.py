"""Slash commands, autocomplete, buttons, selects and modals, answered by a real discord.py tree."""

from __future__ import annotations

import asyncio

import discord
import pytest
from discord import app_commands

from bot.sandbox.localdiscord import CallbackType, LocalDiscord
from bot.sandbox.localdiscord.testing import ManualClock, build_community, make_bot, run_bot


class Feedback(discord.ui.Modal, title="Feedback"):
    answer = discord.ui.TextInput(label="Your answer", custom_id="answer")
    note = discord.ui.TextInput(label="Note", custom_id="note", required=False)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(
            f"thanks: {self.answer.value} / {self.note.value}", ephemeral=True
        )


class Panel(discord.ui.View):
    @discord.ui.button(label="Answer", custom_id="open")
    async def open(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        await interaction.response.send_modal(Feedback())

    @discord.ui.select(custom_id="pick", options=[discord.SelectOption(label=x, value=x) for x in "abc"])
    async def pick(self, interaction: discord.Interaction, select: discord.ui.Select) -> None:
        await interaction.response.edit_message(content=f"picked {','.join(select.values)}")


def build_bot() -> discord.ext.commands.Bot:
    bot = make_bot()
    question = app_commands.Group(name="question", description="Questions")
    admin = app_commands.Group(name="admin", description="Admin")
    config = app_commands.Group(name="config", description="Config", parent=admin)

    @question.command(name="add", description="Add a question")
    async def add(
        interaction: discord.Interaction,
        text: str,
        weight: int = 1,
        who: discord.Member | None = None,
        where: discord.TextChannel | None = None,
        role: discord.Role | None = None,
        file: discord.Attachment | None = None,
    ) -> None:
        data = (await file.read()).decode() if file else None
        await interaction.response.send_message(
            f"added {text} w={weight} who={who and who.name} where={where and where.name} "
            f"role={role and role.name} file={file and file.filename}:{data}",
            ephemeral=True,
        )

    @add.autocomplete("text")
    async def suggest(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        return [app_commands.Choice(name=f"{current} {i}", value=f"{current}{i}") for i in range(3)]

    @config.command(name="set", description="Set a value")
    async def set_value(interaction: discord.Interaction, key: str, value: str) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        await interaction.followup.send(f"{key} is now {value}", ephemeral=True)

    @app_commands.command(name="panel", description="A panel")
    async def panel(interaction: discord.Interaction) -> None:
        await interaction.response.send_message(
            "Panel", view=Panel(), embed=discord.Embed(title="Pick one", description="below")
        )

    @app_commands.command(name="slow", description="Defers then edits")
    async def slow(interaction: discord.Interaction) -> None:
        await interaction.response.defer()
        await interaction.edit_original_response(content="done slowly")

    for cmd in (question, admin, panel, slow):
        bot.tree.add_command(cmd)
    return bot


async def test_sync_echoes_commands_and_remembers_their_ids(local_discord, community, start_bot) -> None:
    runner = await start_bot(build_bot())
    synced = await runner.bot.tree.sync()
    assert sorted(c.name for c in synced) == ["admin", "panel", "question", "slow"]
    assert all(c.application_id == local_discord.application_id for c in synced)
    guild_synced = await runner.bot.tree.sync(guild=discord.Object(community.guild.id))
    assert guild_synced == []
    fetched = await runner.bot.tree.fetch_commands()
    assert {c.id for c in fetched} == {c.id for c in synced}
    result = await local_discord.run_command(community.alice, community.general, "panel")
    assert result.payload["data"]["id"] == str(next(c.id for c in synced if c.name == "panel"))


async def test_slash_command_with_typed_options_answers_ephemerally(
    local_discord, community, start_bot
) -> None:
    runner = await start_bot(build_bot())
    await runner.bot.tree.sync()
    result = await local_discord.run_command(
        community.alice,
        community.general,
        "question add",
        options={
            "text": "Best tea?",
            "weight": 3,
            "who": community.bob,
            "where": community.announcements,
            "role": community.moderator_role,
            "file": ("q.txt", b"hello"),
        },
    )
    await result.response()
    assert result.type == CallbackType.MESSAGE and result.ephemeral
    assert await result.text() == (
        "added Best tea? w=3 who=bob where=announcements role=Moderator file=q.txt:hello"
    )
    assert local_discord.messages_in(community.general) == []  # ephemeral: not in the channel


async def test_subcommand_group_with_defer_and_followup(local_discord, community, start_bot) -> None:
    runner = await start_bot(build_bot())
    await runner.bot.tree.sync()
    result = await local_discord.run_command(
        community.moderator, community.general, "admin config set", options={"key": "tz", "value": "UTC"}
    )
    assert await result.text() == "tz is now UTC"
    assert result.type == CallbackType.DEFERRED_MESSAGE and result.ephemeral
    assert result.followups[0].ephemeral


async def test_defer_then_edit_original_is_visible_in_the_channel(
    local_discord, community, start_bot
) -> None:
    runner = await start_bot(build_bot())
    await runner.bot.tree.sync()
    result = await local_discord.run_command(community.alice, community.general, "slow")
    edited = await result.edited()
    assert edited.content == "done slowly" and not edited.ephemeral
    assert [m.content for m in local_discord.sent_by_bot(community.general)] == ["done slowly"]


async def test_autocomplete_returns_choices(local_discord, community, start_bot) -> None:
    runner = await start_bot(build_bot())
    await runner.bot.tree.sync()
    result = await local_discord.autocomplete(
        community.alice, community.general, "question add", {"text": "tea"}, focused="text"
    )
    await result.response()
    assert result.type == CallbackType.AUTOCOMPLETE_RESULT
    assert [c["value"] for c in result.choices] == ["tea0", "tea1", "tea2"]


async def test_button_modal_and_select_round_trip(local_discord, community, start_bot) -> None:
    runner = await start_bot(build_bot())
    await runner.bot.tree.sync()
    panel = await (await local_discord.run_command(community.alice, community.general, "panel")).response()
    assert panel.message is not None and "Pick one" in await panel.text()
    opened = await (await local_discord.click(community.bob, panel.message, "open")).response()
    assert opened.type == CallbackType.MODAL and opened.modal["title"] == "Feedback"
    submitted = await local_discord.submit_modal(community.bob, opened, {"answer": "green tea"})
    assert await submitted.text() == "thanks: green tea / "
    picked = await (await local_discord.choose(community.bob, panel.message, "pick", ["a", "c"])).response()
    assert picked.type == CallbackType.UPDATE_MESSAGE
    assert local_discord.messages[panel.message.id].content == "picked a,c"
    with pytest.raises(LookupError):
        await local_discord.click(community.bob, panel.message, "nope")


async def test_late_or_double_answers_get_discords_errors() -> None:
    clock = ManualClock()
    async with LocalDiscord(clock=clock) as server:
        world = build_community(server)
        release = asyncio.Event()
        errors: list[discord.HTTPException] = []
        bot = make_bot()

        @bot.tree.command(name="late", description="Answers after 3 s")
        async def late(interaction: discord.Interaction) -> None:
            await release.wait()
            try:
                await interaction.response.send_message("too late")
            except discord.HTTPException as exc:
                errors.append(exc)

        @bot.tree.command(name="twice", description="Answers twice")
        async def twice(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("once")
            try:
                await bot.http.request(
                    discord.http.Route(
                        "POST", "/interactions/{i}/{t}/callback", i=interaction.id, t=interaction.token
                    ),
                    json={"type": 4, "data": {"content": "twice"}},
                )
            except discord.HTTPException as exc:
                errors.append(exc)

        runner = await run_bot(server, bot)
        try:
            await bot.tree.sync()
            result = await server.run_command(world.alice, world.general, "late")
            clock.advance(seconds=3.5)
            release.set()
            await server.wait_until(lambda: errors)
            assert (errors[0].status, errors[0].code) == (404, 10062)
            assert not result.acknowledged
            await server.run_command(world.alice, world.general, "twice")
            await server.wait_until(lambda: len(errors) == 2)
            assert (errors[1].status, errors[1].code) == (400, 40060)
        finally:
            await runner.stop()
