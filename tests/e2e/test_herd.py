"""The top-of-the-hour herd through the real bot: 200 guilds over two Hearth processes (two shard
sets of one bot, one PostgreSQL), every guild's question due at the same minute, under Discord's
global limit (lowered here so the test stays short; ``bench/herd.py`` runs 2,000 guilds at 50/s).

Every question goes out once (occurrence rows and the local Discord's messages agree), the late
flags say what happened (a post is late exactly when it went out more than ``late_after_seconds``
after its due time), the last post goes out within 1.5x of the least time the global limit allows
for the requests the herd needed, and each process meets at most one global 429.
"""

from __future__ import annotations

import pytest

from bot.sandbox.herd import run_herd

pytestmark = pytest.mark.backends("postgresql")  # several processes need PostgreSQL

GUILDS = 200
LIMIT = 20  # requests/s for the bot (Discord: 50): 200 questions need 400 requests, 20 s at this limit
LATE_AFTER_SECONDS = 8  # lowered so part of the herd goes out late and the flags are put to the test


async def test_two_hundred_guilds_at_the_same_minute_post_once_each_within_the_global_limit(
    database_url: str,
) -> None:
    herd = await run_herd(database_url, GUILDS, LIMIT, LATE_AFTER_SECONDS)
    print(herd.summary())
    assert sorted(herd.per_shard) == [0, 1, 2, 3] and max(herd.per_shard.values()) - min(herd.per_shard.values()) <= 2
    assert [len(ids) for ids in herd.questions.values()] == [1] * GUILDS  # every question once: none dropped
    assert sorted(r["guild_id"] for r in herd.occurrences) == sorted(herd.questions)  # one occurrence each
    assert {r["message_id"] for r in herd.occurrences} == {ids[0] for ids in herd.questions.values()}
    assert not herd.dishonest(), herd.dishonest()[:3]
    late = sum(herd.went_late(r) for r in herd.occurrences)
    assert 0 < late < GUILDS  # the test really has both kinds
    assert herd.requests >= 2 * GUILDS  # a message and an answer thread per question
    assert herd.ratio <= 1.5, herd.summary()
    for stats in herd.stats:
        assert stats.global_rate_limited <= 1, herd.summary()
        assert (stats.unauthorized, stats.forbidden, stats.rate_limited) == (0, 0, stats.global_rate_limited)
    assert herd.refused == sum(s.global_rate_limited for s in herd.stats)  # every 429 counted where it landed
    assert max(herd.invalid) <= 2  # far from Discord's 10,000 per 10 minutes
