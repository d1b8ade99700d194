"""SQL fragments shared by the analytics queries, and the base the query groups share."""

from __future__ import annotations

from collections.abc import Collection

from bot.storage.database import Database


class AnalyticsTables:
    """What every analytics query group reads through: the database."""

    _db: Database


def not_in(column: str, excluded: Collection[int]) -> tuple[str, list[int]]:
    """`` AND column NOT IN (?, ...)`` for the excluded ids (empty when there are none)."""
    if not excluded:
        return "", []
    ids = sorted(excluded)
    return f" AND {column} NOT IN ({', '.join('?' for _ in ids)})", ids


def in_clause(column: str, ids: Collection[int]) -> tuple[str, list[int]]:
    values = sorted(ids)
    return f"{column} IN ({', '.join('?' for _ in values)})", values
