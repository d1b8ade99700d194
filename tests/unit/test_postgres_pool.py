"""The PostgreSQL pool hands connections back without a reset round trip, and leaves no lock behind."""

from __future__ import annotations

import asyncpg
import pytest

from bot.storage import Database
from bot.storage.dialect import advisory_key

pytestmark = pytest.mark.backends("postgresql")

HELD = "SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()"


async def free_elsewhere(url: str, name: str) -> bool:
    """Can another session take the lock ``exclusive(name)`` takes?"""
    other = await asyncpg.connect(url.split("?")[0])
    try:
        key = advisory_key(f"hearth:{name}")
        got = bool(await other.fetchval("SELECT pg_try_advisory_lock($1)", key))
        if got:
            await other.execute("SELECT pg_advisory_unlock($1)", key)
        return got
    finally:
        await other.close()


async def test_exclusive_releases_its_lock_and_the_pool_keeps_none(database_url: str) -> None:
    db = await Database.open(database_url)
    try:
        async with db.exclusive("retention") as mine:
            assert mine
            assert not await free_elsewhere(database_url, "retention")
        assert await free_elsewhere(database_url, "retention")
        for _ in range(10):  # whichever pooled connection answers holds no advisory lock
            assert await db.fetchval(HELD) == 0
    finally:
        await db.close()


async def test_a_lock_whose_unlock_failed_dies_with_its_connection(database_url: str) -> None:
    db = await Database.open(database_url)
    try:
        with pytest.raises((asyncpg.PostgresError, asyncpg.InterfaceError, asyncpg.InternalClientError, OSError)):
            async with db.exclusive("nightly") as mine:
                assert mine
                pid = await db.fetchval(
                    "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND objid = ?",
                    (advisory_key("hearth:nightly") & 0xFFFFFFFF,),
                )
                # The session goes away under it: the unlock fails, the connection is not reused.
                await db.fetchval("SELECT pg_terminate_backend(?)", (pid,))
        assert await free_elsewhere(database_url, "nightly")
        assert await db.fetchval("SELECT 1") == 1
        assert await db.fetchval(HELD) == 0
    finally:
        await db.close()
