"""METRICS v2 storage: the 0080 migration keeps every count and re-keys the grid by local hour;
a report opens the database read-only and changes nothing."""

from __future__ import annotations

import hashlib
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.analytics.report import build_report, week_of
from bot.core.clock import to_ms
from bot.core.localtime import hour_of_week, local_day, utc_hour
from bot.storage import Database
from tests.unit.analytics_fixtures import GuildBuilder

KOLKATA = "Asia/Kolkata"
T = datetime(2026, 11, 2, 10, 15, tzinfo=UTC)  # Monday 15:45 IST


async def _old_schema_guild(path: Path) -> Database:
    """A database at schema 0070 (before v2) with activities stored the v1 way, half-hour zone."""
    db = await Database.open(path)
    await db.migrate(target=70)
    await db.execute(
        "INSERT INTO guild_settings (guild_id, timezone, created_at, updated_at) VALUES (1, ?, 0, 0)", (KOLKATA,)
    )
    rows = []
    for n, minutes in enumerate((0, 30, 60, 90)):  # 15:45, 16:15, 16:45, 17:15 IST
        at = T + timedelta(minutes=minutes)
        reply_to = 2 if n % 2 == 0 else None
        rows.append((1, n + 1, "message", 1 if n < 3 else 2, 5, None, None, None, reply_to, 0, to_ms(at),
                     local_day(at, KOLKATA), utc_hour(at), hour_of_week(at, KOLKATA), 1))
    rows.append((1, 99, "message", 2, 5, None, None, None, 1, 0, to_ms(T), local_day(T, KOLKATA), utc_hour(T),
                 hour_of_week(T, KOLKATA), 1))
    cols = ("guild_id, event_key, kind, member_id, channel_id, thread_id, message_id, post_id, reply_to_member_id, "
            "reply_to_bot, at, local_day, utc_hour, local_hour_of_week, counts")
    await db.executemany(f"INSERT INTO activities ({cols}) VALUES ({', '.join('?' * 15)})", rows)
    return db


async def test_migration_rekeys_the_grid_by_local_hour_and_keeps_every_count(tmp_path: Path) -> None:
    db = await _old_schema_guild(tmp_path / "old.db")
    try:
        before = await db.fetchval("SELECT SUM(activities) FROM guild_hours")
        old_grid = dict(await db.fetchall("SELECT local_hour_of_week, SUM(activities) FROM guild_hours GROUP BY 1"))
        assert old_grid != {15: 1, 16: 3, 17: 1}  # v1: keyed by UTC hour, MIN(local hour) per UTC hour
        await db.migrate()
        grid = dict(await db.fetchall("SELECT local_hour_of_week, SUM(activities) FROM guild_hours GROUP BY 1"))
        assert grid == {15: 2, 16: 2, 17: 1}  # 15:45 ×2, 16:15, 16:45, 17:15
        assert await db.fetchval("SELECT SUM(activities) FROM guild_hours") == before == 5
        pairs = await db.fetchall("SELECT member_a, member_b, replies, a_to_b, b_to_a FROM reply_pairs")
        assert [tuple(r) for r in pairs] == [(1, 2, 3, 2, 1)]  # 1 replied to 2 twice, 2 to 1 once: a mutual pair
    finally:
        await db.close()


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


async def _settled_guild(tmp_path: Path) -> Path:
    mon = datetime(2026, 6, 1, tzinfo=UTC)
    g = await GuildBuilder.open(tmp_path)
    post = await g.post(mon + timedelta(hours=9), member_count=10, schedule_id=1)
    for member in (1, 2, 3):
        await g.act(member, mon - timedelta(days=2))
        await g.act(member, mon + timedelta(hours=10), "reaction", post_id=post)
    await g.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    await GuildBuilder.close_all()
    return tmp_path / "a.db"


async def test_a_report_on_a_read_only_database_reads_and_changes_nothing(tmp_path: Path) -> None:
    path = await _settled_guild(tmp_path)
    digest = _digest(path)
    db = await Database.open(path, read_only=True)
    try:
        # A settled week: version 1 stored its figures (save_week_rollup) while building the report.
        report = await build_report(db, 1, week_of(datetime(2026, 6, 1).date()), "UTC",
                                    now=datetime(2026, 6, 20, tzinfo=UTC))
        assert report.figures.responders == 3
        with pytest.raises(Exception, match="readonly"):
            await db.execute("DELETE FROM posts")
    finally:
        await db.close()
    assert _digest(path) == digest


def test_hearth_report_works_on_a_file_it_may_not_write(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import asyncio

    from bot.cli.main import main

    path = asyncio.run(_settled_guild(tmp_path))
    digest = _digest(path)
    for extra in path.parent.glob("a.db-*"):
        extra.unlink()
    path.chmod(stat.S_IRUSR | stat.S_IRGRP)
    tmp_path.chmod(stat.S_IRUSR | stat.S_IXUSR)  # no -wal or -shm file can be made either
    try:  # (as root the permissions don't stop a write: the digest below still must not change)
        assert main(["report", "--db", str(path), "--period", "2026-W23", "--format", "json"]) == 0
        assert '"schema_version": 2' in capsys.readouterr().out
    finally:
        tmp_path.chmod(stat.S_IRWXU)
        path.chmod(stat.S_IRUSR | stat.S_IWUSR)
    assert _digest(path) == digest
