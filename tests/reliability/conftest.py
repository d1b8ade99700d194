"""Reliability and security suite: re-exports the e2e ``world`` and adds shared checks.

Hypothesis profiles: ``ci`` (default, small and derandomized) and ``thorough`` for local runs:
``HYPOTHESIS_PROFILE=thorough python -m pytest tests/reliability``.
"""

from __future__ import annotations

import os
from typing import Any

from hypothesis import HealthCheck, settings

from tests.e2e.conftest import START, World, world

__all__ = ["START", "World", "assert_database_consistent", "world"]

settings.register_profile(
    "ci",
    max_examples=15,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    database=None,
)
settings.register_profile(
    "thorough",
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


async def assert_database_consistent(db: Any) -> None:
    """The stored data is intact and no foreign key points nowhere (SQLite: integrity and FK checks)."""
    assert await db.integrity_problems() == []
