"""Analytics storage: every SQL query behind the reports, the rollup tables and their rebuild.

``AnalyticsRepository`` is the one repository callers hold; its query groups live beside it:
``queries`` (reads of the trigger-kept tables), ``rollups`` (the analytics_* tables), ``spans``
(distinct members and pairs over runs of days from the nightly gap rows), ``previous`` (how
``spans`` finds a row's previous days: the nightly lookup or window, the stored last days behind
today's rows), ``cut_day`` (the cut day of a like-for-like comparison from nightly rows) and
``rebuild`` (recomputing the trigger-kept tables from raw activities).
"""

from __future__ import annotations

import logging

from bot.storage import dialect
from bot.storage.activity import fold_queued, queued_activities
from bot.storage.analytics.cut_day import CUT_KEEP_DAYS, CutDayQueries
from bot.storage.analytics.queries import MemberSums, PostRow, ReportQueries
from bot.storage.analytics.rebuild import BaseRollupRebuild
from bot.storage.analytics.rollups import DAY_FIELDS, DayRollup, PostRollup, RollupStore
from bot.storage.analytics.spans import SpanCounts, Window, WindowCounts
from bot.storage.database import Database

log = logging.getLogger(__name__)

__all__ = [
    "CUT_KEEP_DAYS",
    "DAY_FIELDS",
    "AnalyticsRepository",
    "DayRollup",
    "MemberSums",
    "PostRollup",
    "PostRow",
    "SpanCounts",
    "Window",
    "WindowCounts",
]


class AnalyticsRepository(ReportQueries, RollupStore, CutDayQueries, BaseRollupRebuild):
    """Guild-keyed, parameterized analytics queries over one database."""

    def __init__(self, db: Database) -> None:
        self._db = db

    @property
    def db(self) -> Database:
        return self._db

    async def settle(self) -> None:
        """The readers' barrier: what the recorder has committed but not folded yet goes into the
        rollups first (PostgreSQL's rollup queue; nothing to do on SQLite, whose triggers keep them).
        On a read-only connection nothing is folded: ``queued()`` says how much the figures miss.
        Nor when the fold lock is held longer than ``lock_timeout`` (rebuild-rollups runs, which
        folds first itself): the report then reads the rollups as they stand."""
        try:
            await fold_queued(self._db)
        except dialect.LOCK_TIMEOUT:
            log.warning("reading the rollups without folding: the rollup fold lock is held (rebuild-rollups?)")

    async def queued(self) -> int:
        return await queued_activities(self._db)

    def transaction(self):  # type: ignore[no-untyped-def]
        return self._db.transaction()
