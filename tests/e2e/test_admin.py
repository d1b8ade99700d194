"""/hearth setup and /hearth status end to end, and the moderator check and error handler."""

from __future__ import annotations

from bot.sandbox.localdiscord import Perm
from tests.e2e.conftest import World


async def test_setup_saves_the_guilds_time_zone_and_answers_ephemerally(world: World) -> None:
    result = await world.command(
        world.moderator, "hearth setup", timezone="Europe/Berlin", summary_channel=world.community.announcements
    )
    assert result.ephemeral
    text = await result.text()
    assert "Hearth is set up." in text and "Europe/Berlin" in text
    config = await world.bot.guilds_repo.get(world.guild.id)
    assert (config.timezone, config.summary_channel_id) == ("Europe/Berlin", world.community.announcements.id)


async def test_setup_refuses_an_unknown_time_zone_and_says_what_to_use(world: World) -> None:
    result = await world.command(world.moderator, "hearth setup", timezone="Mars/Olympus")
    assert result.ephemeral
    assert "is not a time zone I know" in await result.text()
    assert (await world.bot.guilds_repo.get(world.guild.id)).configured is False


async def test_setup_refuses_a_summary_channel_the_bot_cannot_post_in(world: World) -> None:
    world.server.set_bot_permission(world.community.announcements, send_messages=False)
    result = await world.command(world.moderator, "hearth setup", summary_channel=world.community.announcements)
    assert "I'm missing Send Messages" in await result.text()


async def test_time_zone_autocomplete_suggests_matching_zones(world: World) -> None:
    result = await world.server.autocomplete(
        world.moderator, world.general, "hearth setup", {"timezone": "new_y"}, focused="timezone"
    )
    await result.response()
    assert [c["value"] for c in result.choices] == ["America/New_York"]


async def test_member_without_manage_server_is_refused_server_side(world: World) -> None:
    result = await world.command(world.alice, "hearth status")
    assert result.ephemeral
    assert "Only moderators" in await result.text()


async def test_configured_moderator_role_grants_moderator_commands(world: World) -> None:
    helpers = world.server.add_role(world.guild, "Helpers", 0)
    await world.command(world.moderator, "hearth setup", moderator_role=helpers)
    carol = world.server.add_member(world.guild, "carol", roles=[helpers])
    result = await world.command(carol, "hearth status")
    assert "Hearth status" in await result.text()


async def test_status_shows_setup_schedules_recording_and_problems(world: World) -> None:
    await world.command(world.moderator, "hearth setup", timezone="America/New_York")
    await world.bot.guilds_repo.add_problem(world.guild.id, "question schedule #1", "missing Send Messages", 0)
    await world.bot.guilds_repo.add_problem(
        world.guild.id,
        "question schedule #1",
        "2026-03-02: missing Send Messages in #general",
        int(world.clock.now().timestamp() * 1000),
    )
    result = await world.command(world.moderator, "hearth status")
    text = await result.text()
    assert result.ephemeral
    assert "America/New_York" in text
    assert "Recording" in text
    assert "2026-03-02: missing Send Messages in #general" in text


async def test_an_unexpected_error_gets_a_short_apology_not_a_traceback(world: World) -> None:
    async def broken(guild_id: int) -> list[str]:
        raise RuntimeError("boom")

    world.bot.warning_sources.append(broken)  # a failing warning source must not break status
    result = await world.command(world.moderator, "hearth status")
    assert "Hearth status" in await result.text()

    await world.bot.db.execute("DROP TABLE guild_problems")  # now the command itself fails
    result = await world.command(world.moderator, "hearth status")
    text = await result.text()
    assert result.ephemeral
    assert "Something went wrong on Hearth's side" in text and "Traceback" not in text


async def test_commands_are_synced_with_moderator_defaults(world: World) -> None:
    synced = world.server.commands[None]  # global commands by name
    assert int(synced["hearth"]["default_member_permissions"]) == Perm.MANAGE_GUILD
    assert not world.server.unknown_routes
