"""Where the database is: ``DatabaseUrl`` (SQLite path or PostgreSQL DSN) and ``redact``, which
keeps a password out of every message and log line."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit


class DatabaseUrlError(ValueError):
    """A database URL Hearth cannot use."""


@dataclass(frozen=True)
class DatabaseUrl:
    """Where the database is. ``str()`` and ``repr()`` never show a password."""

    engine: str  # "sqlite" or "postgresql"
    target: str  # the SQLite path, or the full PostgreSQL DSN (with its password)

    @classmethod
    def parse(cls, value: str | Path | DatabaseUrl) -> DatabaseUrl:
        """``sqlite:///relative.db``, ``sqlite:////absolute.db``, a bare path, or ``postgresql://...``."""
        if isinstance(value, DatabaseUrl):
            return value
        text = str(value)
        if text.startswith(("postgresql://", "postgres://")):
            parts = urlsplit(text)
            if not parts.hostname and "host=" not in parts.query:
                raise DatabaseUrlError(f"{redact(text)}: a PostgreSQL URL needs a host, like postgresql://user@host/db")
            return cls("postgresql", text)
        if text.startswith("sqlite:"):
            rest = text[len("sqlite://") :] if text.startswith("sqlite://") else ""
            if not rest.startswith("/") or len(rest) < 2:
                raise DatabaseUrlError(f"{text}: use sqlite:///relative/path.db or sqlite:////absolute/path.db")
            return cls("sqlite", rest[1:])
        if "://" in text:
            raise DatabaseUrlError(f"{redact(text)}: the database URL must start with sqlite:/// or postgresql://")
        return cls("sqlite", text)

    @property
    def path(self) -> Path:
        return Path(self.target)

    def __str__(self) -> str:
        return redact(self.target) if self.engine == "postgresql" else f"sqlite:///{self.target}"

    def __repr__(self) -> str:
        return f"DatabaseUrl({str(self)!r})"


def redact(url: str) -> str:
    """A URL with its password replaced by ``***`` (in the netloc and in a ``password=`` query)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<unparseable database URL>"
    netloc = parts.netloc
    if parts.password is not None:
        user, _, host = netloc.rpartition("@")
        netloc = f"{user.split(':', 1)[0]}:***@{host}"
    query = re.sub(r"(?i)(password=)[^&]*", r"\1***", parts.query)
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))
