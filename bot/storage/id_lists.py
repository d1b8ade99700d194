"""Statements over lists of ids: ``IN (...)`` and ``NOT IN (...)`` clauses, and reads split into as
many statements as the dialect takes ids (``dialect.ID_LIST_MAX``)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from bot.storage import dialect
from bot.storage.database import Database


def not_in(column: str, excluded: Collection[int]) -> tuple[str, list[int]]:
    """`` AND column NOT IN (?, ...)`` for the excluded ids (empty when there are none)."""
    if not excluded:
        return "", []
    ids = sorted(excluded)
    return f" AND {column} NOT IN ({', '.join('?' for _ in ids)})", ids


def in_clause(column: str, ids: Collection[int]) -> tuple[str, list[int]]:
    values = sorted(ids)
    return f"{column} IN ({', '.join('?' for _ in values)})", values


async def rows_for_ids(
    db: Database, sql: str, ids: Collection[int], before: Sequence[Any] = (), after: Sequence[Any] = (),
    column: str = "member_id",
) -> list[Any]:
    """The rows of ``sql`` (its ``{ids}``: ``column IN (...)``, between the ``before`` and ``after``
    parameters) over the ids, as many per statement as the dialect takes (``ID_LIST_MAX``)."""
    found: list[Any] = []
    values = sorted(ids)
    step = dialect.ID_LIST_MAX[db.engine]
    for first in range(0, len(values), step):
        clause, params = in_clause(column, values[first : first + step])
        found += await db.fetchall(sql.format(ids=clause), (*before, *params, *after))
    return found
