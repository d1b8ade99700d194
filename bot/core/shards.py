"""Which shards this process runs, and so which guilds it serves.

Discord puts a guild on shard ``(guild_id >> 22) % shard_count``. With ``[shards] count > 1``
and no ids, one process runs every shard (discord.py's AutoShardedBot); with ids, several
processes share the shards, each running the schedules, timers, trivia rounds and summaries
of its own guilds only. Several processes need PostgreSQL: SQLite has one writer on one machine.
"""

from __future__ import annotations

from dataclasses import dataclass

SQLITE_MULTI_PROCESS = (
    "shards split across processes need PostgreSQL: set [database] url (or HEARTH_DATABASE_URL) to "
    "postgresql://..., or run every shard in one process (leave [shards] ids empty)"
)


def shard_of(guild_id: int, count: int) -> int:
    """The shard Discord delivers ``guild_id``'s events on."""
    return (guild_id >> 22) % count


@dataclass(frozen=True)
class ShardPlan:
    count: int = 1
    ids: tuple[int, ...] | None = None  # None: every shard in this process

    @classmethod
    def parse(cls, count: int, ids: str | None) -> ShardPlan:
        """``count`` and ``ids`` as written in config.toml or on the command line ("0,1"); ValueError if wrong."""
        if count < 1:
            raise ValueError("the shard count must be at least 1")
        text = (ids or "").strip()
        if not text or text == "all":
            return cls(count, None)
        try:
            chosen = tuple(sorted({int(part) for part in text.split(",") if part.strip()}))
        except ValueError:
            raise ValueError(f"shard ids must be numbers separated by commas, like 0,1 (got {text!r})") from None
        bad = [i for i in chosen if not 0 <= i < count]
        if bad or not chosen:
            raise ValueError(f"shard ids must be between 0 and {count - 1} (got {text!r})")
        return cls(count, None if chosen == tuple(range(count)) else chosen)

    @property
    def shard_ids(self) -> tuple[int, ...]:
        return self.ids if self.ids is not None else tuple(range(self.count))

    @property
    def sharded(self) -> bool:
        return self.count > 1

    @property
    def shares_work(self) -> bool:
        """True when other processes run the other shards."""
        return self.ids is not None

    def owns(self, guild_id: int) -> bool:
        """Whether this process runs ``guild_id``'s schedules, timers and rounds."""
        return self.ids is None or shard_of(guild_id, self.count) in self.ids

    def storage_filter(self) -> tuple[int, tuple[int, ...]] | None:
        """The form the repositories' shard filter takes (``bot.storage.shards``): None for every guild."""
        return None if self.ids is None else (self.count, self.ids)

    def database_problem(self, engine: str) -> str | None:
        """Why this plan cannot run on ``engine`` (one line), or None."""
        return SQLITE_MULTI_PROCESS if self.shares_work and engine == "sqlite" else None

    def describe(self) -> str:
        if not self.sharded:
            return "1 shard"
        ids = ", ".join(map(str, self.shard_ids))
        return f"shards {ids} of {self.count}" + ("" if self.shares_work else " (all in this process)")
