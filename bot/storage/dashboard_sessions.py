"""Dashboard sessions ended by logout: refused until they would have expired by themselves."""

from __future__ import annotations

from bot.storage.database import Database


class LogoutRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def add(self, session_id: str, until_ms: int, now_ms: int) -> None:
        """Remember a logged-out session (and forget those past their own expiry)."""
        async with self._db.transaction() as db:
            await db.execute("DELETE FROM dashboard_logouts WHERE until_ms < ?", (now_ms,))
            await db.execute(
                "INSERT INTO dashboard_logouts (session_id, until_ms) VALUES (?, ?) "
                "ON CONFLICT (session_id) DO NOTHING",
                (session_id, until_ms),
            )

    async def contains(self, session_id: str) -> bool:
        found = await self._db.fetchval("SELECT 1 FROM dashboard_logouts WHERE session_id = ?", (session_id,))
        return found is not None
