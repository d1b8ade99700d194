"""Discord markup made readable on a terminal: mentions become names, timestamps local times.

Discord renders ``<@123>`` as the member's name and ``<t:1796058000:R>`` as "in 9 hours"; a
terminal shows the raw markup. ``readable`` rewrites a text for a person at a terminal (the
sandbox's printout, ``hearth report`` on a terminal) with the names it knows (``Names``); a
mention it cannot resolve shows its id without the markup (``@123``, ``@&456``, ``#789``).
Hearth stores no member names (privacy), so the offline report knows names only from a names
file, ``<database>.names.csv``, which the sandbox writes beside its database (``Names.to_csv``).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from pathlib import Path

MENTION = re.compile(r"<(@!?|@&|#)(\d{1,20})>")
TIMESTAMP = re.compile(r"<t:(-?\d{1,13})(?::([tTdDfFR]))?>")
KINDS = ("user", "role", "channel")


@dataclass(frozen=True)
class Names:
    """Display names by id: members (users), roles and channels (threads included)."""

    users: Mapping[int, str] = field(default_factory=dict)
    roles: Mapping[int, str] = field(default_factory=dict)
    channels: Mapping[int, str] = field(default_factory=dict)

    def to_csv(self) -> str:
        """``kind,id,name`` rows, sorted, so the same names always give the same file."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(("kind", "id", "name"))
        for kind, names in zip(KINDS, (self.users, self.roles, self.channels), strict=True):
            for id_, name in sorted(names.items()):
                writer.writerow((kind, id_, name))
        return out.getvalue()

    @classmethod
    def from_csv(cls, text: str) -> Names:
        """Read what ``to_csv`` wrote; rows of another kind or with a bad id are skipped."""
        found: dict[str, dict[int, str]] = {kind: {} for kind in KINDS}
        for row in csv.DictReader(io.StringIO(text)):
            kind, id_, name = row.get("kind"), (row.get("id") or "").strip(), row.get("name")
            if kind in found and id_.isdigit() and name:
                found[kind][int(id_)] = name
        return cls(found["user"], found["role"], found["channel"])

    @classmethod
    def beside(cls, database: Path) -> Names:
        """The names file next to a database (``hearth.db`` -> ``hearth.names.csv``), or no names."""
        path = names_file(database)
        try:
            return cls.from_csv(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError):
            return cls()


def names_file(database: Path) -> Path:
    return database.with_suffix(".names.csv")


def _when(at: datetime, style: str, now: datetime | None) -> str:
    if style == "R" and now is not None:
        return _relative(at, now)
    formats = {
        "t": "%H:%M",
        "T": "%H:%M:%S",
        "d": "%d %b %Y",
        "D": "%d %B %Y",
        "f": "%d %b %Y %H:%M",
        "F": "%A %d %B %Y %H:%M",
        "R": "%d %b %Y %H:%M",
    }
    return at.strftime(formats[style])


def _relative(at: datetime, now: datetime) -> str:
    seconds = (at - now).total_seconds()
    size = abs(seconds)
    for unit, length in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if size >= length:
            n = round(size / length)
            amount = f"{n} {unit}{'s' if n != 1 else ''}"
            return f"in {amount}" if seconds > 0 else f"{amount} ago"
    return "now"


def readable(text: str, names: Names, tz: tzinfo = UTC, now: datetime | None = None) -> str:
    """``text`` with every mention as ``@name`` / ``#name`` and every timestamp as a time in ``tz``.

    ``now`` lets a relative timestamp (``<t:…:R>``) read "in 9 hours"; without it, it shows the date.
    """

    def mention(match: re.Match[str]) -> str:
        sigil, id_ = match.group(1), int(match.group(2))
        if sigil == "#":
            name = names.channels.get(id_)
            return f"#{name}" if name else f"#{id_}"
        if sigil == "@&":
            name = names.roles.get(id_)
            return f"@{name}" if name else f"@&{id_}"
        name = names.users.get(id_)
        return f"@{name}" if name else f"@{id_}"

    def timestamp(match: re.Match[str]) -> str:
        try:
            at = datetime.fromtimestamp(int(match.group(1)), UTC).astimezone(tz)
        except (OverflowError, OSError, ValueError):
            return match.group(0)
        return _when(at, match.group(2) or "f", now.astimezone(tz) if now is not None else None)

    return TIMESTAMP.sub(timestamp, MENTION.sub(mention, text))
