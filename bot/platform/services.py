"""What a feature may use of the bot: the shared services, as a protocol the Hearth bot satisfies.

Features name this instead of ``bot.app.Hearth`` so that nothing below the app imports it.
"""

from __future__ import annotations

from typing import Any, Protocol

from bot.core.clock import Clock
from bot.platform.posts import PostService
from bot.platform.privacy import PrivacyService
from bot.platform.recorder import Recorder
from bot.platform.scheduler import Scheduler
from bot.storage import Database
from bot.storage.guilds import GuildRepository


class SharedServices(Protocol):
    """The services ``bot.app`` builds once; cogs get the bot itself, features this view of it."""

    db: Database
    clock: Clock
    guilds_repo: GuildRepository
    privacy: PrivacyService
    recorder: Recorder
    posts: PostService
    scheduler: Scheduler

    def member_count(self, guild_id: int) -> int | None: ...

    async def warnings_for(self, guild_id: int) -> list[str]: ...

    def get_cog(self, name: str, /) -> Any: ...
