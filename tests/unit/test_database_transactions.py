"""Transactions from concurrent tasks on the one connection take turns instead of failing."""

from __future__ import annotations

import asyncio

import pytest

from bot.storage import Database


async def test_concurrent_transactions_all_commit(database_url: str) -> None:
    db = await Database.open(database_url)
    await db.execute("CREATE TABLE t (n INTEGER)")

    async def write(n: int) -> None:
        async with db.transaction():
            await db.execute("INSERT INTO t (n) VALUES (?)", (n,))
            await asyncio.sleep(0)  # another task tries to BEGIN meanwhile
            await db.execute("INSERT INTO t (n) VALUES (?)", (n,))

    await asyncio.gather(*(write(n) for n in range(20)))
    assert await db.fetchval("SELECT COUNT(*) FROM t") == 40
    await db.close()


async def test_a_failed_transaction_rolls_back_and_frees_the_next(database_url: str) -> None:
    db = await Database.open(database_url)
    await db.execute("CREATE TABLE t (n INTEGER)")
    with pytest.raises(ValueError):
        async with db.transaction():
            await db.execute("INSERT INTO t (n) VALUES (1)")
            raise ValueError("boom")
    async with db.transaction():
        await db.execute("INSERT INTO t (n) VALUES (2)")
    assert [tuple(r) for r in await db.fetchall("SELECT n FROM t")] == [(2,)]
    await db.close()

