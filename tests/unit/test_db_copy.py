"""`hearth db copy` from SQLite to PostgreSQL (resumable, verified) and `hearth db backup` on both."""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.cli.main import main
from bot.storage import Database
from bot.storage.transfer import CopyError, copy_database
from tests.conftest import DatabaseUrls
from tests.unit.analytics_fixtures import GuildBuilder

pytestmark = pytest.mark.backends("postgresql")  # the target is PostgreSQL; the source SQLite

MONDAY = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)


async def a_used_installation(url: str) -> None:
    """Three weeks of a guild: posts, messages, reactions, replies, a poll vote, a schedule."""
    rng = random.Random(5)
    g = await GuildBuilder.open(url, tz="Europe/Berlin")
    for day in range(21):
        at = MONDAY + timedelta(days=day)
        post = await g.post(at, tag=rng.choice(["fun", None]))
        for member in rng.sample(range(1, 40), 12):
            await g.act(member, at + timedelta(minutes=rng.randint(1, 600)), post_id=post if member % 2 else None)
    await g.db.execute(
        "INSERT INTO poll_votes (guild_id, poll_id, voter_hash, option_index) VALUES (1, 1, 'abc', 0), (1, 1, 'abd', 1)"
    )
    await g.db.execute(
        "INSERT INTO schedules (guild_id, kind, local_time, weekdays, created_at) "
        "VALUES (1, 'question', '09:00', '0', 0)"
    )
    await GuildBuilder.close_all()


def report(db: str, capsys: pytest.CaptureFixture[str]) -> str:
    capsys.readouterr()
    assert main(["report", "--db", db, "--period", "2026-W24"]) == 0
    return capsys.readouterr().out


def test_copy_moves_everything_and_the_report_is_the_same(
    tmp_path: Path, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    source = str(tmp_path / "hearth.db")
    asyncio.run(a_used_installation(f"sqlite:///{source}"))
    assert main(["db", "copy", "--from", f"sqlite:///{source}", "--to", database_url, "--batch", "100"]) == 0
    out = capsys.readouterr().out
    assert "verified" in out and "activities" in out
    assert report(database_url, capsys) == report(source, capsys)

    async def new_ids_follow_the_copied_ones() -> None:
        db = await Database.open(database_url)
        try:
            biggest = await db.fetchval("SELECT MAX(id) FROM posts")
            new = await db.execute(
                "INSERT INTO posts (guild_id, kind, channel_id, message_id, posted_at, local_day, local_hour_of_week) "
                "VALUES (1, 'question', 5, 1, 0, 0, 0)"
            )
            assert new == biggest + 1
            assert await db.fetchval("SELECT COUNT(*) FROM schedules") == 1
        finally:
            await db.close()

    asyncio.run(new_ids_follow_the_copied_ones())
    # A second copy into the now-used database is refused rather than mixed in.
    assert main(["db", "copy", "--from", f"sqlite:///{source}", "--to", database_url]) == 2
    assert "already holds Hearth data" in capsys.readouterr().err


async def test_an_interrupted_copy_resumes_and_stores_every_row_once(
    tmp_path: Path, database_urls: DatabaseUrls
) -> None:
    source_url = f"sqlite:///{tmp_path / 'hearth.db'}"
    await a_used_installation(source_url)
    target_url = await database_urls("target")
    source, target = await Database.open(source_url), await Database.open(target_url)
    seen: list[tuple[str, int]] = []

    def stop_midway(table: str, done: int, total: int) -> None:
        seen.append((table, done))
        if table == "activities" and done >= 100 and done < total:
            raise KeyboardInterrupt  # the operator pressed Ctrl-C, or the machine went down

    try:
        with pytest.raises(KeyboardInterrupt):
            await copy_database(source, target, batch_rows=50, progress=stop_midway)
        partial = await target.fetchval("SELECT COUNT(*) FROM activities")
        assert 0 < partial < await source.fetchval("SELECT COUNT(*) FROM activities")
        counts = await copy_database(source, target, batch_rows=50)
        assert all(c.ok for c in counts) and {c.table for c in counts} >= {"activities", "posts", "poll_votes"}
        for table in ("activities", "member_days", "guild_hours", "post_responders", "poll_votes"):
            assert await target.fetchval(f"SELECT COUNT(*) FROM {table}") == await source.fetchval(
                f"SELECT COUNT(*) FROM {table}"
            )
        assert await target.fetchval("SELECT SUM(activities) FROM member_days") == await source.fetchval(
            "SELECT SUM(activities) FROM member_days"
        )
    finally:
        await source.close()
        await target.close()


async def test_the_target_must_be_postgresql(tmp_path: Path) -> None:
    source = await Database.open(tmp_path / "a.db")
    target = await Database.open(tmp_path / "b.db")
    try:
        with pytest.raises(CopyError, match="must be PostgreSQL"):
            await copy_database(source, target)
    finally:
        await source.close()
        await target.close()


def test_backup_of_sqlite_is_an_online_copy(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "hearth.db"
    asyncio.run(a_used_installation(f"sqlite:///{source}"))
    out = tmp_path / "backup" / "hearth-backup.db"
    assert main(["db", "backup", "--db", str(source), "--to", str(out)]) == 0
    assert "online backup" in capsys.readouterr().out
    assert report(str(out), capsys) == report(str(source), capsys)


def test_backup_of_postgresql_uses_pg_dump(
    tmp_path: Path, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    asyncio.run(a_used_installation(database_url))
    out = tmp_path / "hearth.dump"
    code = main(["db", "backup", "--db", database_url, "--to", str(out)])
    captured = capsys.readouterr()
    if code != 0 and "pg_dump not found" in captured.err:
        pytest.skip("pg_dump is not installed")
    assert code == 0, captured.err
    assert out.stat().st_size > 0 and "pg_dump" in captured.out
