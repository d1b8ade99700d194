"""Hearth when the server changes under it: the gateway events Discord sends, as their causes happen."""

from __future__ import annotations

from tests.e2e.conftest import World, eventually


async def test_a_deleted_channel_pauses_its_schedules_with_a_warning(world: World) -> None:
    for i in range(2):
        assert "Added question" in await (await world.command(world.moderator, "question add", text=f"Q{i}?")).text()
    here = await world.command(world.moderator, "question schedule", channel=world.general, time="9:00", days="daily")
    gone = await world.command(
        world.moderator, "question schedule", channel=world.community.announcements, time="9:00", days="daily"
    )
    assert "#1" in await here.text() and "#2" in await gone.text()
    announcements = world.community.announcements
    await world.server.delete_channel(announcements)
    await world.server.wait_until(lambda: world.bot.get_channel(announcements.id) is None)
    await world.settle()

    async def paused() -> dict:
        found = {s.id: s for s in await world.bot.scheduler.repo.list(world.guild.id)}
        return found if found[2].paused else {}

    # The listener pauses it after its gateway event: on a loaded machine that can outlast settle().
    schedules = await eventually(paused, "schedule #2 was never paused")
    assert schedules[2].paused and not schedules[1].paused
    status = await (await world.command(world.moderator, "hearth status")).text()
    assert "#announcements was deleted, so the schedule #2 (question) posting there is paused" in status
    assert "Schedule #2 (question) posts in a channel that no longer exists (paused)" in status
    world.server.mark()
    await world.advance(days=1, hours=2)
    assert len(world.server.sent_by_bot(world.general)) >= 1
    assert not world.server.rest_calls("POST", f"/channels/{announcements.id}/")


async def test_a_deleted_thread_leaves_the_cache_and_a_deleted_post_keeps_its_responses(world: World) -> None:
    await world.command(world.moderator, "question add", text="What made you smile today?")
    assert "Posted question" in await (await world.command(world.moderator, "question now")).text()
    posted = world.server.sent_by_bot(world.general)[-1]
    thread = world.server.channels[posted.thread_id or 0]
    await world.server.say(world.alice, thread, "My cat did a thing")
    await world.server.react(world.bob, posted, "👍")
    other = await world.server.say(world.alice, world.general, "unrelated")
    await world.settle()
    query = "SELECT kind, member_id FROM activities WHERE post_id IS NOT NULL ORDER BY id"
    before = await world.rows(query)
    assert before == [("message", world.alice.id), ("reaction", world.bob.id)]
    # A moderator purges the post and another message (one MESSAGE_DELETE_BULK), then the thread goes.
    await world.server.bulk_delete(world.general, [posted, other])
    await world.server.delete_channel(thread)
    await world.server.wait_until(lambda: world.bot.get_channel(thread.id) is None)
    await world.settle()
    assert await world.rows(query) == before
    await world.restart()
    assert await world.rows(query) == before
    assert not world.runner.handler_errors


async def test_a_lost_moderator_role_takes_effect_at_once(world: World) -> None:
    helpers = world.server.add_role(world.guild, "Helpers", 0)
    await world.command(world.moderator, "hearth setup", moderator_role=helpers)
    carol = world.server.add_member(world.guild, "carol", roles=[helpers])
    assert "Hearth status" in await (await world.command(carol, "hearth status")).text()
    await world.server.update_member(carol, roles=[])  # GUILD_MEMBER_UPDATE
    assert "Only moderators" in await (await world.command(carol, "hearth status")).text()
    await world.server.update_member(carol, roles=[helpers])
    assert "Hearth status" in await (await world.command(carol, "hearth status")).text()
    await world.server.delete_role(helpers)  # GUILD_ROLE_DELETE
    assert "Only moderators" in await (await world.command(carol, "hearth status")).text()
    # The moderators' role loses Manage Server (GUILD_ROLE_UPDATE).
    await world.server.update_role(world.community.moderator_role, permissions=0)
    assert "Only moderators" in await (await world.command(world.moderator, "hearth status")).text()


async def test_a_renamed_server_is_seen_under_its_new_name(world: World) -> None:
    await world.server.update_guild(world.guild, name="Renamed Guild")
    await world.server.wait_until(lambda: world.bot.get_guild(world.guild.id).name == "Renamed Guild")
    assert world.bot.get_guild(world.guild.id).member_count == len(world.guild.members)
