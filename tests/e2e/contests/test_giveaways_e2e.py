"""Giveaways end to end: the real Hearth, real discord.py, the local Discord and a fake clock."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.cli.main import main as cli
from bot.features.giveaways.draw import draw_winners
from bot.features.giveaways.rules import parse_id_list
from tests.e2e.contests.conftest import Stage

pytestmark = pytest.mark.asyncio


def field(message: Any, prefix: str) -> str:
    for embed in message.embeds:
        for f in embed.get("fields", []):
            if f["name"].startswith(prefix):
                return str(f["value"]).strip("`")
    raise AssertionError(f"no field {prefix!r} in {message.embeds}")


def custom_ids(message: Any) -> list[str]:
    return [c.get("custom_id") for row in message.components for c in row.get("components", [])]


async def start_giveaway(stage: Stage, **options: Any) -> Any:
    options.setdefault("prize", "A Hearth mug")
    options.setdefault("duration", "1h")
    answer = await stage.command(stage.world.moderator, "giveaway start", **options)
    assert "is open" in answer, answer
    return stage.server.sent_by_bot(stage.world.general)[-1]


async def enter(stage: Stage, member: Any, post: Any) -> str:
    gid = post.embeds[0]["footer"]["text"].split("#")[1].split()[0]
    result = await stage.server.click(member, post, f"giveaway:enter:{gid}")
    return await result.text()


async def members(stage: Stage, count: int) -> list[Any]:
    return [stage.server.add_member(stage.world.guild, f"fan{i}") for i in range(count)]


async def test_full_giveaway_is_announced_and_recomputable_from_the_posts_alone(stage: Stage, tmp_path: Path) -> None:
    post = await start_giveaway(stage, winners=2)
    commitment_on_post = field(post, "Commitment")
    assert "Enter" in str(post.components)
    people = [stage.world.alice, stage.world.bob, *await members(stage, 4)]
    for person in people:
        assert "You're in!" in await enter(stage, person, post)
    assert "already in" in await enter(stage, stage.world.alice, post)  # entering twice: nothing changes

    stage.clock.advance(timedelta(hours=1, seconds=1))
    await stage.tick()
    results = await stage.server.wait_for_message(stage.world.general, lambda m: "Congratulations" in m.content)

    # Everything needed to recompute is in the two posts: commitment (start), seed + entrants (results).
    seed = field(results, "Seed")
    assert hashlib.sha256(seed.encode()).hexdigest() == commitment_on_post
    entrants = parse_id_list(results.attachments[0].data.decode())
    assert entrants == sorted(p.user.id for p in people)
    winners = draw_winners(seed, entrants, 2)
    assert results.content.startswith(f"🎉 Congratulations <@{winners[0]}>, <@{winners[1]}>!")
    pinged_users, pinged_roles, everyone = stage.server.pings(results)
    assert sorted(pinged_users) == sorted(winners) and not pinged_roles and not everyone
    assert results.message_reference and int(results.message_reference["message_id"]) == post.id

    # The CLI gives the same answer from the same published data.
    path = tmp_path / results.attachments[0].filename
    path.write_bytes(results.attachments[0].data)
    assert (
        cli(
            [
                "verify-draw",
                "--seed",
                seed,
                "--commitment",
                commitment_on_post,
                "--entrants",
                str(path),
                "--winners",
                "2",
            ]
        )
        == 0
    )

    edited = stage.server.messages[post.id]
    assert field(edited, "Seed (revealed)") == seed
    assert not edited.components  # the Enter button is gone
    assert "has ended" in await stage.command(stage.world.alice, "giveaway leave", giveaway=1)

    await stage.bot.recorder.flush()
    count = await stage.bot.db.fetchval("SELECT COUNT(*) FROM activities WHERE kind = 'giveaway_entry'")
    assert count == len(people)
    kind = await stage.bot.db.fetchval("SELECT kind FROM posts WHERE message_id = ?", (post.id,))
    assert kind == "giveaway"


async def test_pressing_again_offers_leave_and_the_command_withdraws(stage: Stage) -> None:
    post = await start_giveaway(stage)
    await enter(stage, stage.world.alice, post)
    again = await stage.server.click(stage.world.alice, post, custom_ids(post)[0])
    await again.response()
    assert again.ephemeral and "already in" in again.content
    left = await stage.server.click(stage.world.alice, again.message, custom_ids(again.message)[0])
    assert "You've left giveaway" in await left.text()
    assert "weren't entered" in await stage.command(stage.world.alice, "giveaway leave", giveaway=1)
    await enter(stage, stage.world.bob, post)
    assert "You've left" in await stage.command(stage.world.bob, "giveaway leave")
    listing = await stage.command(stage.world.alice, "giveaway list")
    assert "#1" in listing and "0 entrant(s)" in listing


async def test_requirements_are_shown_and_each_missing_one_is_named(stage: Stage) -> None:
    server, world = stage.server, stage.world
    regulars = server.add_role(world.guild, "Regulars")
    post = await start_giveaway(stage, required_role=regulars, min_days_in_server=7, min_account_age_days=30)
    shown = field(post, "Requirements")
    assert f"<@&{regulars.id}>" in shown and "7 day(s) in this server" in shown and "30 day(s) old" in shown
    now = stage.clock.now()
    veteran = server.add_member(
        world.guild, "vera", roles=[regulars], joined_at=now - timedelta(days=60), created_at=now - timedelta(days=900)
    )
    newcomer = server.add_member(
        world.guild, "nina", roles=[regulars], joined_at=now - timedelta(days=2), created_at=now - timedelta(days=900)
    )
    fresh = server.add_member(
        world.guild, "finn", roles=[regulars], joined_at=now - timedelta(days=60), created_at=now - timedelta(days=3)
    )
    outsider = server.add_member(
        world.guild, "otto", joined_at=now - timedelta(days=60), created_at=now - timedelta(days=900)
    )
    assert "You're in!" in await enter(stage, veteran, post)
    assert "been in this server for 7 day(s)" in await enter(stage, newcomer, post)
    assert "at least 30 day(s) old" in await enter(stage, fresh, post)
    assert f"You need the <@&{regulars.id}> role" in await enter(stage, outsider, post)

    # The role is deleted: nobody can enter, and moderators are warned.
    del world.guild.roles[regulars.id]
    server.dispatch("GUILD_ROLE_DELETE", {"guild_id": str(world.guild.id), "role_id": str(regulars.id)})
    await server.wait_until(lambda: stage.bot.get_guild(world.guild.id).get_role(regulars.id) is None)
    assert "no longer exists" in await enter(stage, newcomer, post)
    assert any("deleted role" in w for w in await stage.bot.warnings_for(world.guild.id))


async def test_reroll_excludes_past_winners_replaces_one_and_updates_the_post(stage: Stage, tmp_path: Path) -> None:
    post = await start_giveaway(stage, winners=2)
    people = await members(stage, 8)
    for person in people:
        await enter(stage, person, post)
    assert "ended" in await stage.command(stage.world.moderator, "giveaway end", giveaway=1)
    results = await stage.server.wait_for_message(stage.world.general, lambda m: "Congratulations" in m.content)
    seed, entrants = field(results, "Seed"), parse_id_list(results.attachments[0].data.decode())
    first = draw_winners(seed, entrants, 2)

    loser = next(p for p in people if p.user.id == first[1])
    answer = await stage.command(stage.world.moderator, "giveaway reroll", giveaway=1, replace=loser.user)
    reroll = await stage.server.wait_for_message(stage.world.general, lambda m: m.content.startswith("🔁"))
    new = draw_winners(seed, entrants, 1, exclude=first)
    assert new[0] not in first
    assert reroll.content.startswith(f"🔁 Reroll: congratulations <@{new[0]}>!")
    assert stage.server.pings(reroll)[0] == new  # only the new winner is pinged
    assert f"<@{first[0]}>, <@{new[0]}>" in answer
    edited = stage.server.messages[post.id]
    assert field(edited, "Current winners") == f"<@{first[0]}>, <@{new[0]}>"

    # The reroll is checkable too, with the excluded ids it publishes.
    excluded = field(reroll, "Excluded").split()
    path = tmp_path / "entrants.txt"
    path.write_bytes(reroll.attachments[0].data)
    assert (
        cli(
            [
                "verify-draw",
                "--seed",
                seed,
                "--commitment",
                field(post, "Commitment"),
                "--entrants",
                str(path),
                "--winners",
                "1",
                "--exclude",
                *excluded,
            ]
        )
        == 0
    )

    # A full reroll draws two fresh winners, excluding all three who already won.
    await stage.command(stage.world.moderator, "giveaway reroll", giveaway=1)
    again = await stage.server.wait_for_message(stage.world.general, lambda m: m.content.startswith("🔁"))
    fresh = draw_winners(seed, entrants, 2, exclude=[*first, *new])
    assert set(stage.server.pings(again)[0]) == set(fresh)
    assert not set(fresh) & {*first, *new}
    assert "not a current winner" in await stage.command(
        stage.world.moderator, "giveaway reroll", giveaway=1, replace=loser.user
    )


async def test_an_ending_due_while_hearth_was_down_runs_at_start_up(stage: Stage) -> None:
    post = await start_giveaway(stage, duration="2h")
    second = await start_giveaway(stage, prize="Sticker pack", duration="1d")
    await enter(stage, stage.world.alice, post)
    await stage.stop()
    stage.clock.advance(timedelta(hours=3))
    mark = stage.server.mark()
    await stage.start()  # overdue endings run during start-up
    results = await stage.server.wait_for_message(
        stage.world.general, lambda m: "Congratulations" in m.content, after=mark
    )
    assert f"<@{stage.world.alice.user.id}>" in results.content
    assert "every entrant wins" in results.content
    # The other giveaway's button still works after the restart.
    assert "You're in!" in await enter(stage, stage.world.bob, second)


async def test_fewer_entrants_than_winners_all_win_and_an_empty_giveaway_says_so(stage: Stage) -> None:
    post = await start_giveaway(stage, winners=3)
    await enter(stage, stage.world.alice, post)
    await enter(stage, stage.world.bob, post)
    await stage.command(stage.world.moderator, "giveaway end", giveaway=1)
    results = await stage.server.wait_for_message(stage.world.general, lambda m: "Congratulations" in m.content)
    assert "Only 2 member(s) entered for 3 prize(s), so every entrant wins." in results.content
    assert sorted(stage.server.pings(results)[0]) == sorted([stage.world.alice.user.id, stage.world.bob.user.id])

    await start_giveaway(stage, prize="Nothing")
    await stage.command(stage.world.moderator, "giveaway end", giveaway=2)
    empty = await stage.server.wait_for_message(stage.world.general, lambda m: "has ended" in m.content)
    assert "Nobody entered" in empty.content and stage.server.pings(empty)[0] == []


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({"duration": "0m"}, "between 1m and 8w 4d"),
        ({"duration": "soon"}, "not a duration I understand"),
        ({"duration": "400d"}, "between 1m and"),
        ({"winners": 0}, "between 1 and 50 winners"),
        ({"winners": 1000}, "between 1 and 50 winners"),
        ({"min_days_in_server": -3}, "between 0 and"),
        ({"prize": "free nitro @everyone"}, "can't contain mentions"),
    ],
)
async def test_bad_giveaway_input_gets_a_clear_answer(stage: Stage, options: dict[str, Any], expected: str) -> None:
    base: dict[str, Any] = {"prize": "Mug", "duration": "1h"}
    answer = await stage.command(stage.world.moderator, "giveaway start", **{**base, **options})
    assert expected in answer
    assert not stage.server.sent_by_bot(stage.world.general)


async def test_only_moderators_start_end_reroll_or_cancel(stage: Stage) -> None:
    refused = await stage.command(stage.world.alice, "giveaway start", prize="Mug", duration="1h")
    assert "Only moderators" in refused
    await start_giveaway(stage)
    for name in ("giveaway end", "giveaway cancel", "giveaway reroll"):
        assert "Only moderators" in await stage.command(stage.world.alice, name, giveaway=1)
    assert "cancelled" in await stage.command(stage.world.moderator, "giveaway cancel", giveaway=1)
    post = stage.server.messages[stage.server.sent_by_bot(stage.world.general)[-1].id]
    assert "cancelled" in post.embeds[0]["description"] and not post.components
    assert "already cancelled" in await stage.command(stage.world.moderator, "giveaway end", giveaway=1)
    assert "no giveaway #9" in await stage.command(stage.world.moderator, "giveaway end", giveaway=9)


async def test_pressing_enter_again_offers_leave_and_leaving_withdraws_the_entry(stage: Stage) -> None:
    post = await start_giveaway(stage)
    gid = post.embeds[0]["footer"]["text"].split("#")[1].split()[0]
    assert "You're in!" in await enter(stage, stage.world.alice, post)
    again = await stage.server.click(stage.world.alice, post, f"giveaway:enter:{gid}")
    assert "already in" in await again.text() and again.ephemeral
    offer = again.message
    assert offer is not None and custom_ids(offer) == [f"giveaway:leave:{gid}"]
    left = await stage.server.click(stage.world.alice, offer, f"giveaway:leave:{gid}")
    assert "You've left giveaway" in (await left.edited()).content
    assert "You're in!" in await enter(stage, stage.world.alice, post)  # rejoining works
