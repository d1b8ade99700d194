"""rows_for_ids: one read over a list of ids, split into as many statements as the dialect takes."""

from __future__ import annotations

import pytest

from bot.storage import Database, dialect
from bot.storage.id_lists import rows_for_ids


async def test_every_id_is_read_once_across_statements_with_parameters_around_the_list(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    await db.executemany(
        "INSERT INTO member_days (guild_id, local_day, member_id, activities) VALUES (?, ?, ?, ?)",
        [(guild, day, member, 1) for guild in (1, 2) for day in (10, 11, 12) for member in range(100, 110)],
    )
    monkeypatch.setitem(dialect.ID_LIST_MAX, db.engine, 3)  # ten ids: four statements, the last one short

    rows = await rows_for_ids(
        db, "SELECT member_id, local_day FROM member_days WHERE guild_id = ? AND {ids} AND local_day BETWEEN ? AND ?",
        [109, *range(100, 109), 999], (1,), (11, 12),
    )

    assert sorted(tuple(r) for r in rows) == [(m, d) for m in range(100, 110) for d in (11, 12)]


async def test_the_ids_can_filter_another_column_and_none_reads_nothing(db: Database) -> None:
    await db.execute("INSERT INTO member_days (guild_id, local_day, member_id, activities) VALUES (1, 10, 100, 1)")

    by_day = "SELECT member_id FROM member_days WHERE guild_id = ? AND {ids}"
    assert [tuple(r) for r in await rows_for_ids(db, by_day, [10], (1,), column="local_day")] == [(100,)]
    assert await rows_for_ids(db, by_day, [], (1,)) == []
