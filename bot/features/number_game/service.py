"""The daily number game as a service: one game per guild and local day, guesses stored and recorded.

Rules live in ``bot.features.number_game.rules``; the number game cog posts the message with 25 buttons and
answers each click privately with the hint this service returns.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass

from bot.core.clock import Clock, to_ms
from bot.core.localtime import local_day
from bot.features.number_game.rules import MAX_GUESSES, MAX_NUMBER, GuessOutcome, judge, pick_target, possible_range
from bot.platform.posts import PostService
from bot.platform.recorder import Activity, Recorder
from bot.storage.guilds import GuildRepository
from bot.storage.number_game import DailyGameRepository, DailyGameRow

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class GuessReply:
    outcome: GuessOutcome
    guess: int
    low: int
    high: int
    game: DailyGameRow


class DailyGameService:
    def __init__(
        self,
        repo: DailyGameRepository,
        *,
        posts: PostService,
        recorder: Recorder,
        guilds: GuildRepository,
        clock: Clock,
        rng: random.Random | None = None,
    ) -> None:
        self.repo = repo
        self._posts = posts
        self._recorder = recorder
        self._guilds = guilds
        self._clock = clock
        self._rng = rng or random.Random()

    def today(self, guild_id: int) -> int:
        return local_day(self._clock.now(), self._guilds.timezone(guild_id))

    async def todays_game(self, guild_id: int) -> DailyGameRow | None:
        return await self.repo.for_day(guild_id, self.today(guild_id))

    async def new_game(self, guild_id: int, channel_id: int) -> DailyGameRow | None:
        """Create today's game (None if today already has one); the cog posts it, then ``posted()``."""
        return await self.repo.create(
            guild_id,
            self.today(guild_id),
            pick_target(self._rng),
            MAX_NUMBER,
            MAX_GUESSES,
            channel_id,
            to_ms(self._clock.now()),
        )

    async def posted(
        self, game: DailyGameRow, message_id: int, *, schedule_id: int | None = None, on_time: bool | None = None
    ) -> int:
        post = await self._posts.register(
            game.guild_id,
            "game",
            game.channel_id,
            message_id,
            tag="number",
            ref_id=game.id,
            schedule_id=schedule_id,
            on_time=on_time,
        )
        await self.repo.set_post(game.guild_id, game.id, message_id, post.id)
        return post.id

    async def not_posted(self, game: DailyGameRow) -> None:
        await self.repo.delete(game.guild_id, game.id)

    async def guess(self, guild_id: int, game_id: int, member_id: int, number: int) -> GuessReply | str:
        """Judge a guess; a string is why it was refused (another day's game, out of guesses, ...)."""
        game = await self.repo.get(guild_id, game_id)
        if game is None or game.post_id is None:
            return "This game is no longer available."
        if game.local_day != self.today(guild_id):
            return "That was an earlier day's game; look for today's!"
        previous = await self.repo.guesses(guild_id, game.id, member_id)
        outcome = judge(previous, number, game.target, game.max_guesses, game.max_number)
        if outcome.refused is not None:
            return outcome.refused
        now = self._clock.now()
        if not await self.repo.add_guess(guild_id, game.id, member_id, outcome.guess_no, number, to_ms(now)):
            return "Easy there: one guess at a time."
        self._recorder.record(
            Activity(
                guild_id=guild_id,
                kind="game_play",
                member_id=member_id,
                at=now,
                event_key=f"game:{game.post_id}:{member_id}:{outcome.guess_no}",
                channel_id=game.channel_id,
                message_id=game.message_id,
                post_id=game.post_id,
            )
        )
        low, high = possible_range([*previous, number], game.target, game.max_number)
        return GuessReply(outcome, number, low, high, game)
