"""Storage: one Database API over SQLite or PostgreSQL, numbered migrations and one repository per aggregate."""

from bot.storage.database import Database, DatabaseTooNew, DatabaseUrl, MigrationError

__all__ = ["Database", "DatabaseTooNew", "DatabaseUrl", "MigrationError"]
