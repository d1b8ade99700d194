"""The bot's shared request timeline (``global_pace``, migration 0240): how several processes of one
bot stay under Discord's global limit together (``bot.core.http_stats.GlobalPacer``).

Each paced request reserves the next free slot with one statement: the slot is the later of the
timeline's next free moment and the database's time now, and the timeline moves one interval past
it. A process with more requests waiting reserves more slots, so the limit follows the work, not
the shard count, and a process that dies just stops reserving. Times are the database's clock, so
the processes need no common clock of their own; the answer is "wait this long", measured on it.
"""

from __future__ import annotations

from bot.storage import dialect
from bot.storage.database import Database

TIMELINE = "discord"


class PaceRepository:
    def __init__(self, db: Database, name: str = TIMELINE) -> None:
        self._db, self._name = db, name
        now = dialect.CLOCK_US[db.engine]
        # One statement, so two processes reserving at once get two slots (the row lock orders them).
        self._claim = (
            f"WITH t AS (SELECT {now} AS now_us) "
            "UPDATE global_pace SET claimed_us = t.now_us, "
            "next_us = CASE WHEN global_pace.next_us > t.now_us THEN global_pace.next_us ELSE t.now_us END + ? "
            "FROM t WHERE global_pace.name = ? RETURNING global_pace.next_us, global_pace.claimed_us"
        )
        self._hold = (
            f"WITH t AS (SELECT {now} + ? AS until_us) "
            "UPDATE global_pace SET next_us = t.until_us FROM t "
            "WHERE global_pace.name = ? AND global_pace.next_us < t.until_us"
        )

    async def claim(self, interval: float) -> float:
        """Reserve the next slot ``interval`` seconds wide; returns the seconds until it starts (0: now)."""
        step = max(1, round(interval * 1_000_000))
        row = await self._db.fetchone(self._claim, (step, self._name))
        if row is None:  # the first reservation of this bot: make its timeline
            await self._db.execute(
                "INSERT INTO global_pace (name, next_us, claimed_us) VALUES (?, 0, 0) ON CONFLICT (name) DO NOTHING",
                (self._name,),
            )
            row = await self._db.fetchone(self._claim, (step, self._name))
            assert row is not None
        return max(0.0, (int(row[0]) - step - int(row[1])) / 1_000_000)

    async def hold(self, seconds: float) -> None:
        """Nothing more starts before ``seconds`` from now (a global 429's Retry-After), in any process."""
        await self._db.execute(self._hold, (round(seconds * 1_000_000), self._name))
