"""Per-guild settings and the problems moderators should see."""

from __future__ import annotations

from dataclasses import dataclass, replace

from bot.storage.database import Database


@dataclass(frozen=True)
class GuildConfig:
    guild_id: int
    timezone: str
    moderator_role_id: int | None = None
    summary_channel_id: int | None = None
    features: frozenset[str] = frozenset()
    configured: bool = False  # False until a moderator ran /hearth setup

    def with_changes(self, **changes: object) -> GuildConfig:
        return replace(self, **changes)


@dataclass(frozen=True)
class GuildProblem:
    at: int
    source: str
    message: str


class GuildRepository:
    """Reads and writes guild_settings, with a cache: the recorder asks for time zones per event."""

    def __init__(self, db: Database, default_timezone: str) -> None:
        self._db = db
        self._default_timezone = default_timezone
        self._cache: dict[int, GuildConfig] = {}

    async def load_all(self) -> None:
        for row in await self._db.fetchall("SELECT * FROM guild_settings"):
            self._cache[row["guild_id"]] = self._from_row(row)

    async def guilds_with_data(self) -> list[int]:
        """Every guild this database knows (set up, or with a post): for the offline tools."""
        rows = await self._db.fetchall("SELECT DISTINCT guild_id FROM posts UNION SELECT guild_id FROM guild_settings")
        return sorted(row[0] for row in rows)

    def timezone(self, guild_id: int) -> str:
        """The guild's time zone without touching disk (the default for a guild never set up); the
        recorder asks once per event."""
        config = self._cache.get(guild_id)
        return config.timezone if config is not None else self._default_timezone

    async def get(self, guild_id: int) -> GuildConfig:
        if guild_id not in self._cache:
            row = await self._db.fetchone("SELECT * FROM guild_settings WHERE guild_id = ?", (guild_id,))
            if row is None:
                return GuildConfig(guild_id, self._default_timezone)
            self._cache[guild_id] = self._from_row(row)
        return self._cache[guild_id]

    async def save(self, config: GuildConfig, now_ms: int) -> GuildConfig:
        await self._db.execute(
            """
            INSERT INTO guild_settings
                (guild_id, timezone, moderator_role_id, summary_channel_id, features, created_at, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (guild_id) DO UPDATE SET
                timezone = excluded.timezone,
                moderator_role_id = excluded.moderator_role_id,
                summary_channel_id = excluded.summary_channel_id,
                features = excluded.features,
                updated_at = excluded.updated_at
            """,
            (
                config.guild_id,
                config.timezone,
                config.moderator_role_id,
                config.summary_channel_id,
                ",".join(sorted(config.features)),
                now_ms,
                now_ms,
            ),
        )
        saved = replace(config, configured=True)
        self._cache[config.guild_id] = saved
        return saved

    async def add_problem(self, guild_id: int, source: str, message: str, now_ms: int) -> None:
        await self._db.execute(
            "INSERT INTO guild_problems (guild_id, at, source, message) VALUES (?, ?, ?, ?)",
            (guild_id, now_ms, source, message[:500]),
        )

    async def recent_problems(self, guild_id: int, since_ms: int = 0, limit: int = 5) -> list[GuildProblem]:
        rows = await self._db.fetchall(
            "SELECT at, source, message FROM guild_problems WHERE guild_id = ? AND at >= ? "
            "ORDER BY at DESC, id DESC LIMIT ?",
            (guild_id, since_ms, limit),
        )
        return [GuildProblem(r["at"], r["source"], r["message"]) for r in rows]

    @staticmethod
    def _from_row(row) -> GuildConfig:  # type: ignore[no-untyped-def]
        features = frozenset(f for f in row["features"].split(",") if f)
        return GuildConfig(
            guild_id=row["guild_id"],
            timezone=row["timezone"],
            moderator_role_id=row["moderator_role_id"],
            summary_channel_id=row["summary_channel_id"],
            features=features,
            configured=True,
        )
