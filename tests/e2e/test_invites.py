"""Word of mouth end to end: joins through invites attributed exactly, or marked unknown, never guessed."""

from __future__ import annotations

import asyncio

import pytest_asyncio

from bot.sandbox.localdiscord.invites import VIEW_AUDIT_LOG
from bot.sandbox.localdiscord.world import Perm
from tests.e2e.conftest import World, eventually


@pytest_asyncio.fixture
async def tracked(world: World) -> World:
    """Hearth with the members intent and Manage Server + View Audit Log."""
    await world.server.grant_bot_guild(world.guild, Perm.MANAGE_GUILD | VIEW_AUDIT_LOG)
    world.settings = world.settings.replace("intents", members=True)
    await world.restart()
    return world


async def joins(world: World) -> list[tuple]:
    await world.settle()
    await world.server.wait_until(lambda: True)
    return await world.rows(
        "SELECT member_id, source, method, inviter_id, credited, rejoin FROM member_joins ORDER BY joined_at, member_id"
    )


async def wait_joins(world: World, n: int) -> list[tuple]:
    async def enough() -> list[tuple]:
        rows = await joins(world)
        return rows if len(rows) >= n else []

    return await eventually(enough, f"expected {n} joins")


async def test_a_join_through_a_members_invite_is_credited_exactly(tracked: World) -> None:
    w = tracked
    inv = await w.server.create_invite(w.general, w.alice, max_uses=10)
    carol = await w.server.join(w.guild, "carol", invite=inv.code)
    assert await wait_joins(w, 1) == [(carol.id, "exact", "diff", w.alice.id, 1, 0)]
    # A guild without the VANITY_URL feature has no vanity to read: no call for it per join.
    assert not [c for c in w.server.rest_log if c.route == "/guilds/{guild_id}/vanity-url"]
    mine = await w.command(w.alice, "invites mine")
    assert "**1** person joined through your invites; **1** are still here" in await mine.text()


async def test_two_simultaneous_joins_are_never_misattributed(tracked: World) -> None:
    w = tracked
    a = await w.server.create_invite(w.general, w.alice)
    b = await w.server.create_invite(w.general, w.bob)
    dan, eve = w.server.add_user("dan"), w.server.add_user("eve")
    await asyncio.gather(w.server.join(w.guild, dan, invite=a.code), w.server.join(w.guild, eve, invite=b.code))
    rows = await wait_joins(w, 2)
    truth = {dan.id: w.alice.id, eve.id: w.bob.id}
    for member, source, _method, inviter, credited, _ in rows:
        assert source in ("exact", "unknown")
        if source == "exact":
            assert inviter == truth[member] and credited == 1
        else:
            assert inviter is None and credited == 0


async def test_a_used_up_single_use_invite_falls_back_to_the_audit_log(tracked: World) -> None:
    w = tracked
    once = await w.server.create_invite(w.general, w.alice, max_uses=1)
    gone = await w.server.create_invite(w.general, w.bob, max_uses=1)
    await w.server.delete_invite(gone.code, w.moderator)  # a moderator's delete is in the audit log
    fay = await w.server.join(w.guild, "fay", invite=once.code)  # its last use deletes the invite
    assert await wait_joins(w, 1) == [(fay.id, "exact", "audit_log", w.alice.id, 1, 0)]
    assert any(c.path.endswith("/audit-logs") for c in w.server.rest_log)


async def test_an_invite_the_cache_never_saw_is_found_in_the_audit_log(tracked: World) -> None:
    w = tracked
    w.server.set_bot_permission(w.general, manage_channels=False)
    once = await w.server.create_invite(w.general, w.alice, max_uses=1)  # no INVITE_CREATE for the bot
    w.bot.get_cog("Invites").tracker.prime(w.guild.id, {}, None)  # as if it was made while Hearth was away
    gus = await w.server.join(w.guild, "gus", invite=once.code)
    assert await wait_joins(w, 1) == [(gus.id, "exact", "audit_log", w.alice.id, 1, 0)]


async def test_self_invites_and_rejoins_earn_no_credit(tracked: World) -> None:
    w = tracked
    own = await w.server.create_invite(w.general, w.alice)
    await w.server.leave(w.guild, w.alice)
    await w.server.join(w.guild, w.alice.user, invite=own.code)  # back through her own invite
    hal = await w.server.join(w.guild, "hal", invite=own.code)  # queued behind hers, same code
    await wait_joins(w, 2)
    await w.server.leave(w.guild, hal)
    await w.advance(hours=1)
    await w.server.join(w.guild, hal.user, invite=own.code)  # a rejoin
    rows = await wait_joins(w, 3)
    assert [(m, s, i, c, r) for m, s, _, i, c, r in rows] == [
        (w.alice.id, "exact", w.alice.id, 0, 0),
        (hal.id, "exact", w.alice.id, 1, 0),
        (hal.id, "exact", w.alice.id, 0, 1),
    ]


async def test_vanity_and_unknown_joins(tracked: World) -> None:
    w = tracked
    w.server.set_vanity(w.guild, "hearth")
    await w.restart()  # the vanity's count is cached at start
    ivy = await w.server.join(w.guild, "ivy", invite="hearth")
    await wait_joins(w, 1)
    jo = await w.server.join(w.guild, "jo")  # no code moved (a server discovery join, say)
    rows = await wait_joins(w, 2)
    assert [(m, s) for m, s, *_ in rows] == [(ivy.id, "vanity"), (jo.id, "unknown")]
    calls = [c.route for c in w.server.rest_log]
    assert "/guilds/{guild_id}/vanity-url" in calls and "/invites/{code}" not in calls  # code and uses in one call


async def test_without_manage_server_joins_are_unknown_and_status_says_why(world: World) -> None:
    world.settings = world.settings.replace("intents", members=True)
    await world.restart()
    inv = await world.server.create_invite(world.general, world.alice)
    kim = await world.server.join(world.guild, "kim", invite=inv.code)
    rows = await wait_joins(world, 1)
    assert rows == [(kim.id, "unknown", "no_access", None, 0, 0)]
    status = await (await world.command(world.moderator, "hearth status")).text()
    assert "lacks Manage Server" in status and "stored as unknown" in status


async def test_status_names_the_missing_members_intent(world: World) -> None:
    status = await (await world.command(world.moderator, "hearth status")).text()
    assert "members intent is off" in status


async def test_forget_me_removes_the_inviter_from_other_members_joins(tracked: World) -> None:
    w = tracked
    inv = await w.server.create_invite(w.general, w.alice)
    await w.server.join(w.guild, "lea", invite=inv.code)
    await wait_joins(w, 1)
    await w.bot.privacy.forget(w.guild.id, w.alice.id)
    ((_, source, _, inviter, credited, _),) = await joins(w)
    assert (source, inviter, credited) == ("exact", None, 0)


async def test_a_personal_invite_credits_its_member_and_the_leaderboard_counts_only_real_joins(
    tracked: World,
) -> None:
    w = tracked
    made = await w.command(w.alice, "invite create", expires="never")
    text = await made.text()
    assert made.ephemeral and "Your invite: https://discord.gg/" in text
    code = text.split("discord.gg/")[1].split(".")[0].split()[0]
    stays = await w.server.join(w.guild, "mo", invite=code)
    await wait_joins(w, 1)
    await w.server.say(stays, w.general, "hello all")  # active in the first week
    await w.advance(minutes=5)
    farmed = await w.server.join(w.guild, "ned", invite=code)
    rows = await wait_joins(w, 2)
    assert [(m, i, c) for m, _, _, i, c, _ in rows] == [(stays.id, w.alice.id, 1), (farmed.id, w.alice.id, 1)]
    await w.server.leave(w.guild, farmed)  # leaves at once, never active
    early = await w.command(w.bob, "invites top", period="month")
    assert "No one has brought a friend" in await early.text()  # nobody has stayed 7 days yet
    await w.advance(days=8)
    top = await w.command(w.bob, "invites top", period="month")
    assert f"1. <@{w.alice.id}>: 1" in await top.text()
    assert top.message.allowed_mentions == {"parse": []}
    off = await w.command(w.moderator, "invites leaderboard", enabled=False)
    assert "off" in await off.text()
    refused = await w.command(w.bob, "invites top")
    assert "turned the invite leaderboard off" in await refused.text()
    denied = await w.command(w.bob, "invites leaderboard", enabled=True)
    assert "Only moderators" in await denied.text()


async def test_the_report_shows_joins_by_source_and_invited_members_activation(tracked: World) -> None:
    w = tracked
    inv = await w.server.create_invite(w.general, w.alice)
    pia = await w.server.join(w.guild, "pia", invite=inv.code)
    await wait_joins(w, 1)
    await w.server.join(w.guild, "quin")  # unknown
    await wait_joins(w, 2)
    await w.server.say(pia, w.general, "hi!")
    await w.advance(days=8)
    text = await (await w.command(w.moderator, "report", period="28 days", section="members")).text()
    assert "**Word of mouth**" in text
    assert "1 member invites, 0 other invites, 0 vanity URL, 1 unknown" in text
    assert "Activation: invited 100.0%" in text and "others 0.0%" in text and "invited − others" in text
