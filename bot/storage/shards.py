"""The portable SQL filter for "guilds on these shards" (Discord's ``(guild_id >> 22) % count``)."""

from __future__ import annotations

from typing import Any

Shards = tuple[int, tuple[int, ...]] | None  # (count, ids this process runs); None: every guild


def shard_filter(shards: Shards, column: str = "guild_id") -> tuple[str, list[Any]]:
    """`` AND ...`` restricting ``column`` to the shards, with its parameters; empty for every guild."""
    if shards is None:
        return "", []
    count, ids = shards
    return f" AND (({column} >> 22) % ?) IN ({', '.join('?' * len(ids))})", [count, *ids]
