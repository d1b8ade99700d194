"""A trivia round as an object that owns its task: post, wait on the clock, reveal, repeat.

The session knows nothing about Discord. It talks to a ``RoundOutput`` (the cog's adapter that
sends and edits messages) and to ``RoundHooks`` (the service that registers posts and stores
answers). Its waits go through a ``ClockWaiter``, so with a test clock a whole round runs in
milliseconds: the test moves the clock and calls ``SessionRegistry.tick()``.

A crash inside one round is logged, marks that round failed and never touches another round.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from bot.core.clock import Clock
from bot.core.clock_waiter import ClockWaiter
from bot.features.trivia.bank import TriviaQuestion
from bot.features.trivia.scoring import rank, score
from bot.storage.trivia import RoundRow

log = logging.getLogger(__name__)

DEFAULT_PAUSE_S = 5
SETTLE_TIMEOUT_S = 5.0  # a round that neither waits nor ends within this is stuck (tests fail loudly)


@dataclass
class OpenQuestion:
    """The question members can answer right now, and who answered it."""

    index: int
    question: TriviaQuestion
    choices: list[str]
    correct_index: int
    post_id: int  # the round's Hearth post (all its questions belong to it)
    message_id: int
    posted_at: datetime
    closes_at: datetime
    answers: dict[int, AnswerResult | None] = field(default_factory=dict)

    def results(self) -> list[AnswerResult]:
        return sorted((a for a in self.answers.values() if a is not None), key=lambda a: (-a.points, a.elapsed_ms))


@dataclass(frozen=True)
class AnswerResult:
    member_id: int
    choice: int
    correct: bool
    points: int
    elapsed_ms: int


@dataclass(frozen=True)
class AnswerOutcome:
    """What a click did: ``accepted`` with the answer, or ``refused`` with the reason to show."""

    accepted: AnswerResult | None = None
    refused: str | None = None
    choice_text: str = ""


Standings = list[tuple[int, list[int], int]]


class RoundOutput(Protocol):
    """The Discord side of a round (implemented by the trivia cog)."""

    async def post_question(
        self, round_: RoundRow, index: int, question: TriviaQuestion, choices: list[str], closes_at: datetime
    ) -> int:
        """Send the question with one button per choice; returns the message id."""

    async def close_question(self, round_: RoundRow, open_question: OpenQuestion) -> None:
        """Disable the buttons and show the right answer and who got it."""

    async def post_standings(self, round_: RoundRow, standings: Standings, *, stopped: bool) -> None:
        """The round's final standings (also after /trivia stop)."""

    async def post_failure(self, round_: RoundRow) -> None:
        """Tell the channel the round broke off."""


class RoundHooks(Protocol):
    """The service side of a round: posts, answers and the round's end are stored."""

    async def question_posted(
        self, round_: RoundRow, index: int, question: TriviaQuestion, message_id: int, round_post_id: int | None
    ) -> int:
        """Register the question as part of the round's Hearth post (the first one creates the post,
        ``round_post_id`` None); returns the round's post id."""

    async def answer_given(self, round_: RoundRow, open_question: OpenQuestion, answer: AnswerResult) -> bool:
        """Store the answer and record the activity; False if the member already answered."""

    async def round_ended(self, round_: RoundRow, status: str) -> None:
        """Store how the round ended: finished, stopped, failed or interrupted."""


class TriviaSession:
    def __init__(
        self,
        round_: RoundRow,
        questions: list[TriviaQuestion],
        *,
        clock: Clock,
        waiter: ClockWaiter,
        output: RoundOutput,
        hooks: RoundHooks,
        rng: random.Random | None = None,
        pause_s: float = DEFAULT_PAUSE_S,
    ) -> None:
        self.round = round_
        self.questions = questions
        self._clock = clock
        self._waiter = waiter
        self._output = output
        self._hooks = hooks
        self._rng = rng or random.Random()
        self._pause = timedelta(seconds=pause_s)
        self._timer = timedelta(seconds=round_.timer_s)
        self._stopping = asyncio.Event()
        self._parked = asyncio.Event()
        self.open: OpenQuestion | None = None
        self.scores: dict[int, int] = {}
        self.status = "running"
        self.task: asyncio.Task[None] | None = None
        # The round's Hearth post id, made with its first question (or why it could not be posted);
        # every later question is a part of that post. Scheduled rounds return it.
        self.first_post: asyncio.Future[int] = asyncio.get_running_loop().create_future()

    # -- life cycle -------------------------------------------------------------------------------
    def start(self) -> asyncio.Task[None]:
        self.task = asyncio.create_task(self._run(), name=f"trivia-round-{self.round.id}")
        return self.task

    def stop(self) -> None:
        """Ask the round to end after closing the open question; the task finishes by itself."""
        self._stopping.set()
        self._parked.clear()

    @property
    def stopping(self) -> bool:
        return self._stopping.is_set()

    async def settle(self) -> None:
        """Return once the round waits on the clock again or has ended (tests drive rounds with this)."""
        if self.task is None:
            return
        parked = asyncio.ensure_future(self._parked.wait())
        try:
            await asyncio.wait({parked, self.task}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            parked.cancel()

    async def _sleep_until(self, deadline: datetime) -> bool:
        return await self._waiter.sleep_until(deadline, self._stopping, self._parked)

    async def _run(self) -> None:
        status = "finished"
        try:
            next_at = self._clock.now()
            for index, question in enumerate(self.questions):
                if not await self._sleep_until(next_at):
                    status = "stopped"
                    break
                closes_at = await self._ask(index, question)
                reached = await self._sleep_until(closes_at)
                open_question, self.open = self.open, None
                assert open_question is not None
                await self._output.close_question(self.round, open_question)
                if not reached:
                    status = "stopped"
                    break
                next_at = closes_at + self._pause
            standings = rank(self.scores)
            await self._output.post_standings(self.round, standings, stopped=status == "stopped")
        except asyncio.CancelledError:
            status = "interrupted"  # Hearth is shutting down: nothing more is posted
            raise
        except Exception as exc:
            status = "failed"
            if not self.first_post.done():
                self.first_post.set_exception(exc)
            log.exception("trivia round %s in guild %s failed", self.round.id, self.round.guild_id)
            try:
                await self._output.post_failure(self.round)
            except Exception:
                log.warning("could not announce the failed round %s", self.round.id, exc_info=True)
        finally:
            if not self.first_post.done():
                self.first_post.cancel()
            self.open = None
            self.status = status
            try:
                await self._hooks.round_ended(self.round, status)
            except Exception:
                log.exception("could not store the end of trivia round %s", self.round.id)

    async def _ask(self, index: int, question: TriviaQuestion) -> datetime:
        choices = question.choices(self._rng)
        planned_close = self._clock.now() + self._timer
        message_id = await self._output.post_question(self.round, index, question, choices, planned_close)
        round_post = self.first_post.result() if self.first_post.done() else None
        post_id = await self._hooks.question_posted(self.round, index, question, message_id, round_post)
        if not self.first_post.done():
            self.first_post.set_result(post_id)
        posted_at = self._clock.now()
        closes_at = posted_at + self._timer
        self.open = OpenQuestion(
            index, question, choices, choices.index(question.correct), post_id, message_id, posted_at, closes_at
        )
        return closes_at

    # -- answers --------------------------------------------------------------------------------------
    async def answer(self, member_id: int, index: int, choice: int) -> AnswerOutcome:
        """A member clicked ``choice`` on question ``index``: score it once, refuse late or second answers."""
        open_question = self.open
        if open_question is None or open_question.index != index:
            return AnswerOutcome(refused="This question is closed; watch for the next one.")
        now = self._clock.now()
        elapsed = (now - open_question.posted_at).total_seconds()
        if now > open_question.closes_at:
            return AnswerOutcome(refused="Too late: time was up for this question.")
        if member_id in open_question.answers:
            return AnswerOutcome(refused="You already answered this question.")
        if not 0 <= choice < len(open_question.choices):
            return AnswerOutcome(refused="That is not one of the answers.")
        open_question.answers[member_id] = None  # taken before any await: a double click can't slip in
        correct = choice == open_question.correct_index
        result = AnswerResult(
            member_id, choice, correct, score(correct, elapsed, self.round.timer_s), int(elapsed * 1000)
        )
        try:
            stored = await self._hooks.answer_given(self.round, open_question, result)
        except Exception:
            open_question.answers.pop(member_id, None)
            raise
        if not stored:
            return AnswerOutcome(refused="You already answered this question.")
        open_question.answers[member_id] = result
        self.scores[member_id] = self.scores.get(member_id, 0) + result.points
        return AnswerOutcome(accepted=result, choice_text=open_question.choices[choice])


class SessionRegistry:
    """The live rounds: at most one per channel; finished rounds remove themselves."""

    def __init__(self, waiter: ClockWaiter) -> None:
        self.waiter = waiter
        self._by_round: dict[int, TriviaSession] = {}
        self._by_channel: dict[tuple[int, int], TriviaSession] = {}

    def add(self, session: TriviaSession) -> None:
        key = (session.round.guild_id, session.round.channel_id)
        if key in self._by_channel:
            raise RuntimeError("a round is already running in that channel")
        self._by_round[session.round.id] = session
        self._by_channel[key] = session
        task = session.start()
        task.add_done_callback(self._remover(session))

    def _remover(self, session: TriviaSession) -> Callable[[asyncio.Task[None]], None]:
        def remove(_: asyncio.Task[None]) -> None:
            self._by_round.pop(session.round.id, None)
            key = (session.round.guild_id, session.round.channel_id)
            if self._by_channel.get(key) is session:
                del self._by_channel[key]

        return remove

    def by_round(self, round_id: int) -> TriviaSession | None:
        return self._by_round.get(round_id)

    def in_channel(self, guild_id: int, channel_id: int) -> TriviaSession | None:
        return self._by_channel.get((guild_id, channel_id))

    def all(self) -> list[TriviaSession]:
        return list(self._by_round.values())

    async def tick(self) -> None:
        """Wake rounds whose wait is over on the clock and return once each has settled again."""
        self.waiter.wake_due()
        sessions = self.all()
        if sessions:
            async with asyncio.timeout(SETTLE_TIMEOUT_S):
                await asyncio.gather(*(s.settle() for s in sessions))

    async def close(self) -> None:
        """Hearth is shutting down: cancel every round (marked interrupted, nothing more posted)."""
        tasks = [s.task for s in self.all() if s.task is not None and not s.task.done()]
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
