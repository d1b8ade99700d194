"""Storage: one aiosqlite connection, numbered migrations and one repository per aggregate."""

from bot.storage.database import Database, DatabaseTooNew, MigrationError

__all__ = ["Database", "DatabaseTooNew", "MigrationError"]
