"""METRICS v2 "wrong today" items through the real pipeline: gateway → tracking → recorder →
trigger rollups → rebuild → report (half-hour zones, privacy of the one replied to, member count)."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.analytics.rollups import RollupJob
from bot.storage.analytics import AnalyticsRepository
from bot.storage.guilds import GuildConfig
from tests.e2e.conftest import World


async def pair_rows(world: World) -> list[tuple]:
    return await world.rows("SELECT member_a, member_b FROM reply_pairs ORDER BY 1, 2")


async def rebuild(world: World) -> None:
    bot = world.bot
    job = RollupJob(AnalyticsRepository(bot.db), lambda g: _tz(world, g), bot.privacy.opted_out_members, bot.clock.now)
    await job.rebuild()


async def _tz(world: World, guild_id: int) -> str:
    return (await world.bot.guilds_repo.get(guild_id)).timezone


async def test_a_reply_to_an_opted_out_member_keeps_no_id_and_makes_no_pair(world: World) -> None:
    first = await world.server.say(world.alice, world.general, "hi")
    await world.settle()
    result = await world.command(world.alice, "privacy optout")
    assert "records nothing more" in await result.text()
    await world.server.say(world.bob, world.general, "hello alice", reply_to=first)
    await world.settle()
    rows = await world.rows("SELECT member_id, reply_to_member_id FROM activities WHERE member_id = ?", world.bob.id)
    assert rows == [(world.bob.id, 0)]  # a member reply, without her id
    assert await world.rows(
        "SELECT replies, member_replies FROM member_days WHERE member_id = ?", world.bob.id
    ) == [(1, 1)]
    assert await pair_rows(world) == []
    await rebuild(world)  # `hearth db rebuild-rollups` brings no pair back
    assert await pair_rows(world) == []
    assert await world.rows("SELECT COUNT(*) FROM activities WHERE reply_to_member_id = ?", world.alice.id) == [(0,)]


async def _replies_to_alice(world: World) -> None:
    first = await world.server.say(world.alice, world.general, "hi")
    await world.server.flush()
    await world.server.say(world.bob, world.general, "hello alice", reply_to=first)
    await world.settle()
    assert await pair_rows(world) == [tuple(sorted((world.alice.id, world.bob.id)))]


async def test_forget_me_removes_the_id_from_other_members_rows_and_rebuild_keeps_it_out(world: World) -> None:
    await _replies_to_alice(world)
    prompt = await world.command(world.alice, "privacy forget-me")
    confirm = await world.server.click(world.alice, prompt.message, prompt.components[0]["components"][0]["custom_id"])
    await confirm.response()
    assert "Deleted everything" in await confirm.text()
    assert await world.rows("SELECT COUNT(*) FROM activities WHERE reply_to_member_id = ?", world.alice.id) == [(0,)]
    assert await world.rows("SELECT reply_to_member_id FROM activities WHERE member_id = ?", world.bob.id) == [(0,)]
    await rebuild(world)
    assert await pair_rows(world) == []
    assert await world.rows("SELECT member_replies FROM member_days WHERE member_id = ?", world.bob.id) == [(1,)]


async def test_purge_removes_the_id_from_other_members_rows_and_rebuild_keeps_it_out(world: World) -> None:
    await _replies_to_alice(world)
    result = await world.command(world.moderator, "privacy purge", member=world.alice)
    assert "Deleted everything" in await result.text()
    await rebuild(world)
    assert await pair_rows(world) == []
    assert await world.rows("SELECT COUNT(*) FROM activities WHERE reply_to_member_id = ?", world.alice.id) == [(0,)]


async def test_member_count_leaves_out_opted_out_members(world: World) -> None:
    before = world.bot.member_count(world.guild.id)
    assert before is not None
    await world.command(world.alice, "privacy optout")
    assert world.bot.member_count(world.guild.id) == before - 1
    await world.command(world.alice, "privacy optin")
    assert world.bot.member_count(world.guild.id) == before


async def test_half_hour_zone_grid_is_keyed_by_local_hour_and_rebuild_keeps_it(world: World) -> None:
    await world.bot.guilds_repo.save(GuildConfig(world.guild.id, "Asia/Kolkata"), 0)  # UTC+05:30
    # 10:15 UTC = 15:45 IST; 10:45 UTC = 16:15 IST (same UTC hour, two local hours); 11:15 UTC = 16:45 IST.
    for minute in (15, 45, 75):
        world.clock.set(datetime(2026, 11, 2, 10, 0, tzinfo=UTC).replace(minute=0) + _minutes(minute))
        await world.server.say(world.alice, world.general, "chai?")
    await world.settle()
    monday = 0
    expected = [(monday + 15, 1), (monday + 16, 2)]
    grid = "SELECT local_hour_of_week, SUM(activities) FROM guild_hours GROUP BY 1 ORDER BY 1"
    assert await world.rows(grid) == expected
    await rebuild(world)
    assert await world.rows(grid) == expected


def _minutes(n: int):  # type: ignore[no-untyped-def]
    from datetime import timedelta

    return timedelta(minutes=n)
