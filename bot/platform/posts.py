"""Hearth posts: the one place feature cogs register what they post, so activities link to it."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from bot.core.clock import Clock, from_ms, to_ms
from bot.core.localtime import hour_of_week, local_day
from bot.storage.activity import PostRepository
from bot.storage.guilds import GuildRepository

log = logging.getLogger(__name__)

POST_KINDS = ("question", "poll", "giveaway", "contest", "trivia", "game", "summary", "survey", "welcome")


@dataclass(frozen=True)
class Post:
    id: int
    guild_id: int
    kind: str
    channel_id: int
    message_id: int
    posted_at: datetime
    tag: str | None = None
    thread_id: int | None = None
    schedule_id: int | None = None
    ref_id: int | None = None


PostHook = Callable[["Post"], Awaitable[None]]


class PostService:
    """Registers Hearth posts and answers, from memory, which post a message or thread belongs to."""

    def __init__(
        self,
        repo: PostRepository,
        guilds: GuildRepository,
        clock: Clock,
        member_count_of: Callable[[int], int | None] | None = None,
    ) -> None:
        self._repo = repo
        self._member_count_of = member_count_of
        self._guilds = guilds
        self._clock = clock
        self._by_message: dict[tuple[int, int], int] = {}
        self._by_thread: dict[tuple[int, int], int] = {}
        self._hooks: list[PostHook] = []

    def on_register(self, hook: PostHook) -> None:
        """``await hook(post)`` after each new post is stored (e.g. publishing in announcement
        channels); a hook that fails is logged and never fails the post."""
        self._hooks.append(hook)

    def remove_hook(self, hook: PostHook) -> None:
        if hook in self._hooks:
            self._hooks.remove(hook)

    async def load(self) -> None:
        for row in await self._repo.link_index():
            self._by_message[(row["guild_id"], row["message_id"])] = row["id"]
            if row["thread_id"]:
                self._by_thread[(row["guild_id"], row["thread_id"])] = row["id"]
        for row in await self._repo.part_index():
            self._by_message[(row["guild_id"], row["message_id"])] = row["post_id"]

    async def register(
        self,
        guild_id: int,
        kind: str,
        channel_id: int,
        message_id: int,
        *,
        tag: str | None = None,
        thread_id: int | None = None,
        schedule_id: int | None = None,
        on_time: bool | None = None,
        ref_id: int | None = None,
        experiment_id: int | None = None,
        arm: str | None = None,
        member_count: int | None = None,
        posted_at: datetime | None = None,
    ) -> Post:
        if kind not in POST_KINDS:
            raise ValueError(f"unknown post kind {kind!r}")
        moment = posted_at or self._clock.now()
        if member_count is None and self._member_count_of is not None:
            member_count = self._member_count_of(guild_id)  # the "reach of all members" base
        tz = self._guilds.timezone(guild_id)
        post_id = await self._repo.add(
            {
                "guild_id": guild_id,
                "kind": kind,
                "tag": tag,
                "channel_id": channel_id,
                "message_id": message_id,
                "thread_id": thread_id,
                "posted_at": to_ms(moment),
                "local_day": local_day(moment, tz),
                "local_hour_of_week": hour_of_week(moment, tz),
                "schedule_id": schedule_id,
                "on_time": None if on_time is None else int(on_time),
                "ref_id": ref_id,
                "experiment_id": experiment_id,
                "arm": arm,
                "member_count": member_count,
            }
        )
        self._by_message[(guild_id, message_id)] = post_id
        if thread_id:
            self._by_thread[(guild_id, thread_id)] = post_id
        post = Post(post_id, guild_id, kind, channel_id, message_id, moment, tag, thread_id, schedule_id, ref_id)
        for hook in list(self._hooks):
            try:
                await hook(post)
            except Exception:
                log.exception("post hook %r failed for post %s", hook, post_id)
        return post

    async def add_part(
        self, post: Post, message_id: int, part: int, *, tag: str | None = None, posted_at: datetime | None = None
    ) -> None:
        """Another message of ``post`` (a trivia round's next question): what members do on it
        counts for the post, which stays one post (METRICS v2: a trivia round is one post)."""
        moment = posted_at or self._clock.now()
        await self._repo.add_part(post.guild_id, post.id, message_id, part, tag, to_ms(moment))
        self._by_message[(post.guild_id, message_id)] = post.id

    async def attach_thread(self, guild_id: int, post_id: int, thread_id: int) -> None:
        await self._repo.set_thread(guild_id, post_id, thread_id)
        self._by_thread[(guild_id, thread_id)] = post_id

    async def get(self, guild_id: int, post_id: int) -> Post | None:
        row = await self._repo.get(guild_id, post_id)
        if row is None:
            return None
        return Post(
            row["id"],
            row["guild_id"],
            row["kind"],
            row["channel_id"],
            row["message_id"],
            from_ms(row["posted_at"]),
            row["tag"],
            row["thread_id"],
            row["schedule_id"],
            row["ref_id"],
        )

    async def first_post_at(self, guild_id: int) -> datetime | None:
        """When Hearth first posted in the guild: the start of its history there."""
        at = await self._repo.first_posted_at(guild_id)
        return None if at is None else from_ms(at)

    def for_message(self, guild_id: int, message_id: int | None) -> int | None:
        return None if message_id is None else self._by_message.get((guild_id, message_id))

    def for_thread(self, guild_id: int, thread_id: int | None) -> int | None:
        return None if thread_id is None else self._by_thread.get((guild_id, thread_id))
