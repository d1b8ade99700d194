"""The feedback repository's blocks on both backends: listed by the item blocked from, lifted by it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.storage import Database
from bot.storage.feedback import FeedbackBlockRow, FeedbackRepository

G, OTHER = 1, 2


@pytest.fixture
async def repo(database_url: str) -> AsyncIterator[FeedbackRepository]:
    database = await Database.open(database_url)
    await database.migrate()
    yield FeedbackRepository(database)
    await database.close()


async def item(repo: FeedbackRepository, guild: int, body: str, at: int) -> int:
    row = await repo.add(guild, "idea", body, author_id=None, author_sealed="sealed", created_at=at, local_day=1)
    return row.id


async def test_blocks_are_listed_newest_first_by_item_and_lifted_only_from_their_item(
    repo: FeedbackRepository,
) -> None:
    first, second, third = [await item(repo, G, f"item {n}", n) for n in (1, 2, 3)]
    elsewhere = await item(repo, OTHER, "another guild's item", 4)
    assert await repo.block(G, "sender-a", first, 9, 100)
    assert await repo.block(G, "sender-b", third, 9, 200)
    assert not await repo.block(G, "sender-a", second, 9, 300)  # already blocked (from #1)
    assert await repo.block(OTHER, "sender-a", elsewhere, 9, 400)
    assert await repo.blocks(G) == [
        FeedbackBlockRow(third, 3, "idea", "item 3", 200),
        FeedbackBlockRow(first, 1, "idea", "item 1", 100),
    ]
    assert not await repo.unblock_from(G, second)  # not where the block came from
    assert not await repo.unblock_from(G, elsewhere)  # another guild's item
    assert await repo.unblock_from(G, first)
    assert not await repo.is_blocked(G, "sender-a") and await repo.is_blocked(G, "sender-b")
    assert await repo.is_blocked(OTHER, "sender-a")  # one guild never touches another's
    assert [b.number for b in await repo.blocks(G)] == [3]
