"""Discord's global rate limit in the local Discord, and Hearth's pacing under it across processes."""

from __future__ import annotations

import asyncio
import time

import aiohttp
import discord

from bot.core.http_stats import GlobalPacer, HttpStats, trace_config
from bot.sandbox.localdiscord import LocalDiscord
from bot.sandbox.localdiscord.testing import build_community, make_bot, run_bot

LIMIT = 40  # requests per second for the bot (Discord: 50); lowered so the test stays short
POSTS = 40  # per process


async def test_over_the_global_limit_discord_answers_429_with_global_true(local_discord: LocalDiscord) -> None:
    local_discord.global_limit.enable(3)
    community = build_community(local_discord)
    url = f"{local_discord.api_base}/channels/{community.general.id}/messages"
    headers = {"Authorization": f"Bot {local_discord.token}"}
    async with aiohttp.ClientSession() as http:
        answers = []
        for n in range(4):
            async with http.post(url, json={"content": f"m{n}"}, headers=headers) as response:
                answers.append((response.status, await response.json(), response.headers))
    assert [a[0] for a in answers] == [200, 200, 200, 429]
    body, headers_429 = answers[3][1], answers[3][2]
    assert body["global"] is True and 0 < body["retry_after"] <= 1 and body["message"] == "You are being rate limited."
    assert headers_429["X-RateLimit-Global"] == "true" and headers_429["X-RateLimit-Scope"] == "global"
    stats = HttpStats()
    for status, _, h in answers:
        stats.record(status, h)
    assert (stats.rate_limited, stats.global_rate_limited, stats.invalid_last_10_min) == (1, 1, 1)


async def test_the_limit_is_per_token_shared_by_every_connection_of_the_bot(local_discord: LocalDiscord) -> None:
    """Two sessions (two processes' connection pools) with the bot's token share one window; a request
    with another token (here refused with 401, as Discord does) neither spends it nor is limited by it."""
    local_discord.global_limit.enable(4)
    community = build_community(local_discord)
    url = f"{local_discord.api_base}/channels/{community.general.id}/messages"
    bot = {"Authorization": f"Bot {local_discord.token}"}
    other = {"Authorization": "Bot someone-elses-token"}
    async with aiohttp.ClientSession() as first, aiohttp.ClientSession() as second:
        statuses = []
        for n in range(4):  # alternately from both connections: one window of 4
            async with (first if n % 2 else second).post(url, json={"content": f"m{n}"}, headers=bot) as r:
                statuses.append(r.status)
        async with second.post(url, json={"content": "over"}, headers=bot) as r:
            over = (r.status, (await r.json())["global"])
        async with first.post(url, json={"content": "x"}, headers=other) as r:
            foreign = r.status
    assert statuses == [200] * 4 and over == (429, True)
    assert foreign == 401  # its own window: not refused by the bot's full one
    assert local_discord.global_limit.served_by == {f"Bot {local_discord.token}": 4, "Bot someone-elses-token": 1}
    assert local_discord.global_limit.refused_by == {f"Bot {local_discord.token}": 1}
    assert [m.content for m in local_discord.channel_messages[community.general.id]] == ["m0", "m1", "m2", "m3"]


async def herd(
    local_discord: LocalDiscord, paced: bool, gave_up: list[str] | None = None
) -> tuple[float, list[HttpStats], list[str]]:
    """Two processes (two clients, one token) each post POSTS messages at once, as at 09:00.
    ``gave_up`` collects the posts discord.py stopped retrying (five 429s in a row); without it,
    one is an error."""
    local_discord.global_limit.enable(LIMIT)
    community = build_community(local_discord)
    stats = [HttpStats(), HttpStats()]
    runners = []
    for s in stats:
        pacer = GlobalPacer.for_share(1, 2, LIMIT) if paced else None
        runners.append(await run_bot(local_discord, make_bot(http_trace=trace_config(s, pacer))))
    try:
        started = time.perf_counter()

        async def post(bot: discord.Client, name: str) -> None:
            channel = bot.get_channel(community.general.id)
            assert isinstance(channel, discord.TextChannel)
            try:
                await channel.send(name)
            except discord.HTTPException as exc:  # discord.py gave up after 5 tries, all 429
                if exc.status != 429 or gave_up is None:
                    raise
                gave_up.append(name)

        await asyncio.gather(
            *(post(r.bot, f"p{n}:{i}") for n, r in enumerate(runners) for i in range(POSTS))
        )
        elapsed = time.perf_counter() - started
    finally:
        for r in runners:
            await r.stop()
    contents = [m.content for m in local_discord.channel_messages.get(community.general.id, [])]
    return elapsed, stats, contents


async def test_a_paced_herd_posts_everything_once_near_the_limit_without_a_429_storm(
    local_discord: LocalDiscord,
) -> None:
    elapsed, stats, contents = await herd(local_discord, paced=True)
    expected = sorted(f"p{n}:{i}" for n in range(2) for i in range(POSTS))
    assert sorted(contents) == expected  # every post once: none dropped, none doubled by a retry
    least = 2 * POSTS / LIMIT
    assert elapsed <= 1.5 * least + 0.5, f"{elapsed:.2f}s for what the limit allows in {least:.2f}s"
    assert all(s.global_rate_limited <= 1 for s in stats), [s.summary() for s in stats]


async def test_without_pacing_the_same_herd_meets_a_storm_of_429s(local_discord: LocalDiscord) -> None:
    gave_up: list[str] = []
    _, stats, contents = await herd(local_discord, paced=False, gave_up=gave_up)
    # discord.py retries, so nothing is doubled and (mostly) nothing lost; on a loaded machine a
    # post can meet a 429 five times running, and discord.py then gives up on it: the storm itself
    assert sorted(contents + gave_up) == sorted(f"p{n}:{i}" for n in range(2) for i in range(POSTS))
    assert sum(s.global_rate_limited for s in stats) > 2  # ... but the limit is hit over and over
