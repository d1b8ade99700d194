"""The PostgreSQL batch statement keeps the rollups exactly as SQLite's triggers do, on the same events."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.core.clock import FakeClock
from bot.core.settings import RecorderSettings
from bot.platform.privacy import PrivacyService
from bot.platform.recorder import Activity, Recorder
from bot.storage import Database
from bot.storage.activity import ActivityRepository, MetaRepository, OptOutRepository
from bot.storage.guilds import GuildRepository

pytestmark = pytest.mark.backends("postgresql")  # compared against a SQLite file of its own

T0 = datetime(2026, 3, 28, 20, 0, tzinfo=UTC)  # across Europe/Berlin's spring-forward night
ROLLUPS = ("member_days", "guild_hours", "post_responders", "reply_pairs")


def events() -> list[Activity]:
    out = []
    for n in range(3_000):
        kind = ("message", "reaction", "poll_vote", "reaction_remove", "message")[n % 5]
        reply = (0 if n % 13 == 0 else 100 + (n * 7) % 41) if n % 3 == 0 else None  # 0: a forgotten member
        out.append(Activity(1 + n % 2, kind, 100 + n % 41, T0 + timedelta(minutes=n % 900), f"e:{n % 2_600}",
                            channel_id=5, post_id=(n % 4) or None, reply_to_member_id=reply, reply_to_bot=n % 17 == 0))
    return out


async def record(url: str) -> dict[str, list[tuple]]:
    db = await Database.open(url)
    try:
        await db.migrate()
        clock = FakeClock(T0)
        guilds = GuildRepository(db, "Europe/Berlin")
        privacy = PrivacyService(OptOutRepository(db), ActivityRepository(db), MetaRepository(db), clock)
        await privacy.load()
        recorder = Recorder(ActivityRepository(db), guilds, privacy, clock, RecorderSettings(batch_size=700))
        for activity in events():
            recorder.record(activity)
        await recorder.flush()
        return {t: sorted(tuple(r) for r in await db.fetchall(f"SELECT * FROM {t}")) for t in ROLLUPS}
    finally:
        await db.close()


async def test_rollups_are_identical_on_both_backends(database_url: str, tmp_path: Path) -> None:
    on_postgres = await record(database_url)
    on_sqlite = await record(f"sqlite:///{tmp_path / 'same.db'}")
    for table in ROLLUPS:
        assert on_postgres[table], table
        assert on_postgres[table] == on_sqlite[table], table
