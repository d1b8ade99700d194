"""The services an offline command needs beside the database (no bot, no gateway)."""

from __future__ import annotations

from bot.core.clock import SystemClock
from bot.platform.privacy import PrivacyService
from bot.storage import Database
from bot.storage.activity import ActivityRepository, MetaRepository, OptOutRepository


async def load_privacy(db: Database, *, read_only: bool = False) -> PrivacyService:
    """The opt-out list, so offline figures leave out the same members the bot does."""
    privacy = PrivacyService(OptOutRepository(db), ActivityRepository(db), MetaRepository(db), SystemClock())
    await privacy.load(persist_key=not read_only)
    return privacy
