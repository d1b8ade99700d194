"""Rows as the repositories' frozen dataclasses, column by field name (one helper for every repository)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields
from typing import Any, TypeVar

T = TypeVar("T")


def as_row(cls: type[T], row: Mapping[str, Any]) -> T:
    """``cls`` built from the columns of ``row`` named like its fields (extra columns are ignored)."""
    return cls(**{f.name: row[f.name] for f in fields(cls)})  # type: ignore[arg-type]
