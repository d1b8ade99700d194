"""Gateway faults during a 10,000-activity stream: every delivered activity is stored exactly once.

"Delivered" is defined on the client side, where it can be observed exactly: an activity is
delivered when discord.py parsed its dispatch and called the bot's listeners (a witness
listener records it next to Hearth's own). Discord replays a resumed session's missed events,
so everything emitted into a session that is later resumed (socket closed, op 7 RECONNECT)
must be delivered. Discord does NOT replay (a) events emitted while the bot has no session
(after op 9 INVALID_SESSION, before the new READY) and (b) events of an invalidated session the
client had not read yet; those are "at risk" and may be missing, never duplicated.
"""

from __future__ import annotations

import random
from collections import Counter

from bot.sandbox.localdiscord.world import Message
from tests.reliability.conftest import World, assert_database_consistent

TOTAL = 10_000
CHUNK = 250


async def test_every_delivered_activity_is_stored_exactly_once_through_drops_reconnects_and_invalid_sessions(
    world: World,
) -> None:
    server, bot = world.server, world.bot
    rng = random.Random(14)
    people = [world.alice.user, world.bob.user, world.moderator.user, world.community.owner.user]
    seen: list[str] = []  # client-side witness, in dispatch order, duplicates kept
    seen_set: set[str] = set()

    async def witness_message(message) -> None:  # type: ignore[no-untyped-def]
        if message.author.id != server.bot_user.id:
            seen.append(f"m:{message.id}")
            seen_set.add(seen[-1])

    async def witness_reaction(payload) -> None:  # type: ignore[no-untyped-def]
        seen.append(f"r:{payload.message_id}:{payload.user_id}")
        seen_set.add(seen[-1])

    bot.add_listener(witness_message, "on_message")
    bot.add_listener(witness_reaction, "on_raw_reaction_add")

    emitted: list[str] = []  # every activity the local Discord produced
    emitted_set: set[str] = set()
    without_session: set[str] = set()  # produced while the bot had no gateway session
    at_risk: set[str] = set()  # in an invalidated session and not yet read by the client
    messages: list[Message] = []
    faults: Counter[str] = Counter()

    def produce_one() -> None:
        had_session = bool(server.gateway.sessions)
        if messages and rng.random() < 0.2:
            target = rng.choice(messages[-200:])
            who = rng.choice(people)
            key = f"r:{target.id}:{who.id}"
            if key in emitted_set:
                return
            server.add_reaction(target, who, {"id": None, "name": "👍"})
        else:
            msg = server.create_message(world.general, rng.choice(people), content="x")
            messages.append(msg)
            key = f"m:{msg.id}"
        emitted.append(key)
        emitted_set.add(key)
        if not had_session:
            without_session.add(key)

    while len(emitted) < TOTAL:
        # A burst of events, left in flight (not flushed) when the fault hits.
        target = min(TOTAL, len(emitted) + rng.randint(CHUNK // 2, CHUNK * 2))
        while len(emitted) < target:
            produce_one()
        if rng.random() < 0.5:  # sometimes the client catches up before the next fault
            await server.wait_connected(timeout=10)
            pending = emitted_set - at_risk - without_session
            await server.wait_until(lambda pending=pending: pending <= seen_set, timeout=10)
        fault = rng.choice(["drop", "reconnect", "invalidate", "duplicate", "none"])
        faults[fault] += 1
        if fault == "drop":
            await server.drop_connection()
        elif fault == "reconnect":
            server.send_reconnect()
        elif fault == "invalidate":
            read = set(seen_set)
            at_risk.update(k for k in emitted if k not in read)
            server.invalidate_session()
            for _ in range(rng.randint(1, 20)):  # the bot has no session now: Discord drops these
                produce_one()
            await server.wait_connected(timeout=10)
        elif fault == "duplicate":
            # Discord may deliver an event twice; the recorder must not count it twice.
            for msg in rng.sample(messages, min(5, len(messages))):
                server.dispatch("MESSAGE_CREATE", server.message_payload(msg, gateway=True))
        if rng.random() < 0.3:
            await server.wait_connected(timeout=10)

    await server.wait_connected(timeout=10)
    await server.flush()
    guaranteed = emitted_set - at_risk - without_session
    await server.wait_until(lambda: guaranteed <= seen_set, timeout=30)
    # A final marker proves the client has read everything before it.
    marker = await server.say(world.alice, world.general, "end")
    await server.wait_until(lambda: f"m:{marker.id}" in seen, timeout=10)
    await world.settle()

    rows = await world.rows(
        "SELECT kind, message_id, member_id FROM activities WHERE guild_id = ? AND kind IN ('message', 'reaction')",
        world.guild.id,
    )
    stored = Counter(
        f"m:{message_id}" if kind == "message" else f"r:{message_id}:{member_id}"
        for kind, message_id, member_id in rows
    )
    delivered = set(seen)

    assert max(stored.values()) == 1, "an activity was stored twice"
    assert set(stored) == delivered, "stored and delivered activities differ"
    assert guaranteed <= set(stored), f"{len(guaranteed - set(stored))} replayable activities were lost"
    assert not (without_session & set(stored)), "an event Discord never sent to the bot was stored"
    # Replays and duplicates reached the client, yet the rollups stayed exact.
    message_rows = sum(1 for k in stored if k.startswith("m:"))
    assert (
        await world.bot.db.fetchval("SELECT SUM(messages) FROM member_days WHERE guild_id = ?", (world.guild.id,))
        == message_rows
    )
    assert await world.bot.db.fetchval(
        "SELECT SUM(activities) FROM member_days WHERE guild_id = ?", (world.guild.id,)
    ) == len(stored)
    assert len(seen) > len(delivered), "no duplicate deliveries were exercised"
    assert without_session and faults["drop"] and faults["reconnect"] and faults["invalidate"]
    assert server.gateway.resumes >= 1 and server.gateway.identifies >= 1 + faults["invalidate"]
    print(
        f"faults {dict(faults)}, emitted {len(emitted)}, delivered {len(delivered)}, at risk {len(at_risk)}, "
        f"without session {len(without_session)}, duplicate deliveries {len(seen) - len(delivered)}"
    )
    assert len(emitted) >= TOTAL
    await assert_database_consistent(world.bot.db)
    world.runner.assert_no_handler_errors()
