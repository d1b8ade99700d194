"""Shared storage fixtures: every test that asks for a database runs on SQLite and on PostgreSQL.

``database_url`` is a fresh, empty database (not migrated) and ``database_urls(name)`` makes more
of them. Each test that uses either is parametrized over the backends: ``[sqlite]`` is a file
in ``tmp_path``; ``[postgresql]`` is a schema of its own (dropped afterwards) on the server named
by ``HEARTH_TEST_POSTGRES_URL``, and skips with a reason when that is not set (``.ci/run``
starts a throwaway PostgreSQL 15 and sets it).

The end-to-end and reliability suites start the whole bot per test, so there only the modules
marked ``pytest.mark.backends("sqlite", "postgresql")`` run twice (``HEARTH_TEST_BACKENDS=all``
runs every test on both); everything else there uses SQLite.
"""

from __future__ import annotations

import itertools
import logging
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path

import pytest
import pytest_asyncio

from bot.storage import Database

POSTGRES_ENV = "HEARTH_TEST_POSTGRES_URL"
ALL_BACKENDS = ("sqlite", "postgresql")
SQLITE_ONLY_DIRS = ("e2e", "reliability", "localdiscord", "browser")
POSTGRES_HOW = (
    f"PostgreSQL not available: set {POSTGRES_ENV}=postgresql://user@host:port/db "
    "(or run .ci/run, which starts a throwaway PostgreSQL 15)"
)
_schemas = itertools.count(1)

DatabaseUrls = Callable[[str], Awaitable[str]]


@pytest.fixture(autouse=True)
def _logging_restored() -> Iterator[None]:
    """Every test starts with logging as pytest set it up: a CLI run in-process (the sandbox's
    basicConfig, `configure_logging`) or a library calling `logging.config.dictConfig` (which
    disables every existing logger) would otherwise silence later tests' caplog."""
    root = logging.getLogger()
    level, handlers = root.level, root.handlers[:]
    disabled_before = {name for name, logger in _loggers() if logger.disabled}
    yield
    root.setLevel(level)
    root.handlers[:] = handlers
    for name, logger in _loggers():
        logger.disabled = name in disabled_before


def _loggers() -> list[tuple[str, logging.Logger]]:
    return [(name, lg) for name, lg in list(logging.root.manager.loggerDict.items()) if isinstance(lg, logging.Logger)]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "backends(*names): the database backends a test runs on")


def _default_backends(path: Path) -> tuple[str, ...]:
    if os.environ.get("HEARTH_TEST_BACKENDS") == "all":
        return ALL_BACKENDS
    return ("sqlite",) if any(part in SQLITE_ONLY_DIRS for part in path.parts) else ALL_BACKENDS


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "database_backend" in metafunc.fixturenames:
        marker = metafunc.definition.get_closest_marker("backends")
        backends = marker.args if marker else _default_backends(Path(str(metafunc.definition.path)))
        metafunc.parametrize("database_backend", backends)


def postgres_server_url() -> str | None:
    return os.environ.get(POSTGRES_ENV) or None


def with_search_path(url: str, schema: str) -> str:
    """``url`` whose connections use ``schema`` (asyncpg passes unknown query keys as settings)."""
    return f"{url}{'&' if '?' in url else '?'}search_path={schema}"


@pytest_asyncio.fixture
async def database_urls(database_backend: str, tmp_path: Path) -> AsyncIterator[DatabaseUrls]:
    if database_backend == "sqlite":

        async def sqlite_url(name: str = "hearth") -> str:
            return f"sqlite:///{tmp_path / (name + '.db')}"

        yield sqlite_url
        return

    server = postgres_server_url()
    if server is None:
        pytest.skip(POSTGRES_HOW)
    import asyncpg

    admin = await asyncpg.connect(server)
    made: list[str] = []

    async def postgres_url(name: str = "hearth") -> str:
        schema = f"t{os.getpid()}_{next(_schemas)}_{name}".lower()
        await admin.execute(f'CREATE SCHEMA "{schema}"')
        made.append(schema)
        return with_search_path(server, schema)

    try:
        yield postgres_url
    finally:
        if admin.is_closed():  # the test restarted the server
            admin = await asyncpg.connect(server)
        for schema in made:
            await admin.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        await admin.close()


@pytest_asyncio.fixture
async def database_url(database_urls: DatabaseUrls) -> str:
    return await database_urls("hearth")


@pytest_asyncio.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    """The test's database (``database_url``), opened and migrated; closed afterwards."""
    database = await Database.open(database_url)
    await database.migrate()
    yield database
    await database.close()
