"""``Database``: the one storage API every repository uses, whichever backend is behind it."""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, ClassVar

from bot.storage.database.schema import (
    DatabaseTooNew,
    Migration,
    MigrationError,
    available_migrations,
)
from bot.storage.database.url import DatabaseUrl

log = logging.getLogger("bot.storage.database")


class Database(ABC):
    """The one storage API; ``Database.open`` picks the backend from the URL."""

    engine: str
    url: DatabaseUrl
    _backends: ClassVar[dict[str, type[Database]]] = {}  # engine -> backend, as each one is defined

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        Database._backends[cls.engine] = cls

    @staticmethod
    async def open(url: str | Path | DatabaseUrl, *, read_only: bool = False) -> Database:
        """Open (creating a SQLite file if need be) the database; ``read_only`` opens an existing one
        so that nothing can be written (reports, exports): SQLite's ``mode=ro``, PostgreSQL's
        ``default_transaction_read_only``."""
        parsed = DatabaseUrl.parse(url)
        return await Database._backends[parsed.engine].connect(parsed, read_only=read_only)

    @classmethod
    @abstractmethod
    async def connect(cls, url: DatabaseUrl, *, read_only: bool = False) -> Database:
        """The backend's own opening of ``url`` (``open`` picks the backend)."""

    @property
    def path(self) -> str:
        """What to show an operator: the SQLite path, or the URL without its password."""
        return self.url.target if self.engine == "sqlite" else str(self.url)

    @abstractmethod
    async def close(self) -> None: ...

    # -- schema ---------------------------------------------------------------------------
    @abstractmethod
    async def _legacy_version(self) -> int:
        """The highest applied number as Hearths before ``schema_migrations`` kept it (0: none)."""

    @abstractmethod
    async def _tracked(self) -> dict[int, str] | None:
        """``schema_migrations`` as {number: file name}; None when the table does not exist."""

    @abstractmethod
    async def _record_untracked(self, migrations: list[Migration]) -> None:
        """Create ``schema_migrations`` holding ``migrations`` (applied before tracking), in one transaction."""

    @abstractmethod
    async def _apply(self, migration: Migration) -> bool:
        """Apply one migration with its row and the highest number in one transaction; False if
        another process did it."""

    async def applied_migrations(self) -> dict[int, str]:
        """{number: file name} of every migration the database holds. A database from before the
        set was tracked holds every migration up to its version (an unknown number among them is
        listed as ``NNNN (unknown)``); nothing is written, so this works read-only."""
        tracked = await self._tracked()
        if tracked is not None:
            return tracked
        legacy = await self._legacy_version()
        assumed = {m.version: m.name for m in available_migrations(self.engine) if m.version <= legacy}
        if legacy and legacy not in assumed:
            assumed[legacy] = f"{legacy:04d} (unknown)"
        return assumed

    async def version(self) -> int:
        """The highest applied migration number (0 for an empty database)."""
        return max(await self.applied_migrations(), default=0)

    async def pending_migrations(self) -> list[Migration]:
        """The known migrations the database lacks, oldest first; raises ``DatabaseTooNew`` when it
        holds one this Hearth does not know (a newer Hearth's, or another build's with that number)."""
        known = available_migrations(self.engine)
        names = {m.version: m.name for m in known}
        applied = await self.applied_migrations()
        foreign = sorted(v for v, name in applied.items() if names.get(v) != name)
        if foreign:
            listed = ", ".join(applied[v] for v in foreign)
            newest = known[-1].name if known else "none"
            raise DatabaseTooNew(
                f"database {self.path} holds migration{'s' if len(foreign) > 1 else ''} {listed} that this Hearth "
                f"does not know (its newest is {newest}): the database is newer than this Hearth; upgrade Hearth "
                "(pip install -U hearth-bot) or use a backup from this version"
            )
        return [m for m in known if m.version not in applied]

    async def migrate(self, target: int | None = None) -> list[int]:
        """Apply every missing migration numbered up to ``target`` (default: all), oldest first;
        returns the numbers applied. A database from before ``schema_migrations`` gets its set
        recorded first (every known migration up to its version)."""
        pending = await self.pending_migrations()  # refuses a newer database before writing anything
        if await self._tracked() is None and await self._legacy_version():
            applied = await self.applied_migrations()
            await self._record_untracked([m for m in available_migrations(self.engine) if m.version in applied])
            log.info("recorded %d migrations applied before they were tracked", len(applied))
        done: list[int] = []
        for migration in pending:
            if target is not None and migration.version > target:
                continue
            try:
                applied_now = await self._apply(migration)
            except MigrationError:
                raise
            except Exception as exc:
                raise MigrationError(f"migration {migration.name} failed: {exc}") from exc
            if applied_now:
                log.info("applied migration %s", migration.name)
                done.append(migration.version)
        await self._schema_changed()
        return done

    async def _schema_changed(self) -> None:
        """Hook for backends that cache facts about the schema."""
        return None

    async def integrity_problems(self) -> list[str]:
        """What is broken in the stored data (empty when all is well)."""
        return []

    @abstractmethod
    async def tables(self) -> list[str]:
        """Hearth's tables, in name order."""

    @abstractmethod
    async def columns(self, table: str) -> list[str]:
        """The columns of ``table``, in declaration order."""

    # -- queries ----------------------------------------------------------------------------
    @abstractmethod
    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run one statement; returns the new row's id (an insert into a table with an id) or 0."""

    @abstractmethod
    async def execute_rowcount(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run one statement; returns the rows it changed."""

    @abstractmethod
    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None: ...

    @abstractmethod
    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Any]: ...

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> Any:
        rows = await self.fetchall(sql, params)
        return rows[0] if rows else None

    async def fetchval(self, sql: str, params: Sequence[Any] = ()) -> Any:
        row = await self.fetchone(sql, params)
        return None if row is None else row[0]

    @abstractmethod
    def transaction(self) -> Any:
        """``async with db.transaction():`` everything inside commits together or not at all."""

    @asynccontextmanager
    async def exclusive(self, name: str) -> AsyncIterator[bool]:
        """Work that must run once across processes: yields True in the one process that holds ``name``."""
        yield True

    @asynccontextmanager
    async def own_connection(self) -> AsyncIterator[int | None]:
        """Inside, the task's queries go to one connection kept for it (the rollup folder's, so the
        writer never waits for one); yields the server process id where there is one."""
        yield None
