"""The base the analytics query groups share (their id-list clauses are ``bot.storage.id_lists``)."""

from __future__ import annotations

from bot.storage.database import Database


class AnalyticsTables:
    """What every analytics query group reads through: the database."""

    _db: Database
