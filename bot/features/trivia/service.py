"""Trivia as a service: picking questions, running rounds, answers, leaderboards, seasons, imports.

No Discord here: messages go out through the trivia cog's adapters (``TriviaOutputs``). Rounds
are ``TriviaSession`` objects kept in a ``SessionRegistry``; answers are stored once per member
and question and recorded as ``trivia_answer`` activities on the round's one Hearth post (each
question's message is a part of it: METRICS v2, a trivia round is one post).
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Protocol

from bot.core.clock import Clock, from_ms, to_ms
from bot.core.clock_waiter import ClockWaiter
from bot.features.trivia.bank import (
    ImportResult,
    TriviaQuestion,
    category_slug,
    load_shipped_bank,
    parse_open_trivia_json,
    parse_trivia_toml,
    question_key,
    shipped_categories,
    validate_question,
)
from bot.features.trivia.scoring import rank
from bot.features.trivia.seasons import period_start, season_end_after
from bot.features.trivia.session import (
    DEFAULT_PAUSE_S,
    AnswerOutcome,
    AnswerResult,
    OpenQuestion,
    RoundOutput,
    SessionRegistry,
    Standings,
    TriviaSession,
)
from bot.platform.posts import PostService
from bot.platform.recorder import Activity, Recorder
from bot.platform.scheduler import Scheduler
from bot.storage.guilds import GuildRepository
from bot.storage.schedules import TimerRow
from bot.storage.trivia import RoundRow, SeasonRow, TriviaQuestionRow, TriviaRepository

log = logging.getLogger(__name__)

MIN_QUESTIONS, MAX_QUESTIONS, DEFAULT_QUESTIONS = 1, 20, 5
MIN_TIMER_S, MAX_TIMER_S, DEFAULT_TIMER_S = 10, 120, 20
SEASON_TIMER = "trivia_season"
ANY_CATEGORY = "any"
LEADERBOARD_SIZE = 10


class GameError(Exception):
    """Something the member or moderator can fix; the cog shows ``str()`` as it is."""


class TriviaOutputs(Protocol):
    """Where trivia posts go (the trivia cog): a channel's round output, and season boards."""

    async def round_output(self, guild_id: int, channel_id: int) -> RoundOutput: ...

    async def post_season_end(self, ended: SeasonRow, standings: Standings, following: SeasonRow) -> None: ...


@dataclass
class ImportReport:
    added: int = 0
    rejected: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class Leaderboard:
    period: str
    since: datetime
    standings: Standings
    season: SeasonRow | None = None


def check_round_options(count: int, timer_s: int) -> None:
    if not MIN_QUESTIONS <= count <= MAX_QUESTIONS:
        raise GameError(f"A round has {MIN_QUESTIONS} to {MAX_QUESTIONS} questions.")
    if not MIN_TIMER_S <= timer_s <= MAX_TIMER_S:
        raise GameError(f"The timer must be {MIN_TIMER_S} to {MAX_TIMER_S} seconds.")


def _stored(q: TriviaQuestion) -> TriviaQuestionRow:
    """A question as storage keeps it, with its duplicate-detection key."""
    return TriviaQuestionRow(question_key(q), q.category, q.question, q.correct, q.incorrect, q.difficulty, q.kind)


def _from_stored(row: TriviaQuestionRow) -> TriviaQuestion:
    return TriviaQuestion(row.category, row.question, row.correct, row.incorrect, row.difficulty, row.kind)


class TriviaService:
    def __init__(
        self,
        repo: TriviaRepository,
        *,
        posts: PostService,
        recorder: Recorder,
        guilds: GuildRepository,
        scheduler: Scheduler,
        clock: Clock,
        outputs: TriviaOutputs,
        waiter: ClockWaiter | None = None,
        rng: random.Random | None = None,
        pause_s: float = DEFAULT_PAUSE_S,
    ) -> None:
        self.repo = repo
        self._posts = posts
        self._recorder = recorder
        self._guilds = guilds
        self._scheduler = scheduler
        self._clock = clock
        self._outputs = outputs
        self._rng = rng or random.Random()
        self._pause_s = pause_s
        self.sessions = SessionRegistry(waiter or ClockWaiter(clock))
        self._scheduled: dict[int, tuple[int, bool]] = {}  # round id -> (schedule id, on time)
        self._round_tags: dict[int, str] = {}  # round id -> its post's tag (round_tag)

    async def recover(self, shards: tuple[int, tuple[int, ...]] | None = None) -> int:
        """At start-up: rounds a stopped process left running can't resume; mark them interrupted.

        ``shards``: only this process's guilds (``ShardPlan.storage_filter()``); others run theirs.
        """
        return await self.repo.interrupt_running(to_ms(self._clock.now()), shards)

    # -- questions ----------------------------------------------------------------------------------
    async def categories(self, guild_id: int) -> list[str]:
        return sorted(set(shipped_categories()) | set(await self.repo.categories(guild_id)))

    async def pick_questions(self, guild_id: int, category: str | None, count: int) -> list[TriviaQuestion]:
        """``count`` questions, never-asked ones first (random among them), then the longest unasked."""
        pool = [q for q in load_shipped_bank() if category is None or q.category == category]
        pool += [_from_stored(row) for row in await self.repo.questions(guild_id, category)]
        if not pool:
            raise GameError(f"There are no questions in the category `{category}` yet.")
        asked = await self.repo.asked(guild_id)
        self._rng.shuffle(pool)
        pool.sort(key=lambda q: asked.get(question_key(q), -1))
        return pool[:count]

    async def add_question(self, guild_id: int, question: TriviaQuestion, added_by: int | None) -> None:
        try:
            validate_question(question)
        except ValueError as exc:
            raise GameError(f"That question can't be added: {exc}.") from exc
        if question_key(question) in _shipped_keys():
            raise GameError("Hearth's shipped bank already has that question.")
        if not await self.repo.add_question(guild_id, _stored(question), added_by, to_ms(self._clock.now())):
            raise GameError("This server's bank already has that question.")

    async def import_questions(
        self, guild_id: int, filename: str, data: bytes, category: str | None, added_by: int | None
    ) -> ImportReport:
        """Import a TOML bank or Open Trivia DB JSON; every refused row is reported with its position."""
        default = category_slug(category) if category else None
        name = filename.lower()
        try:
            if name.endswith(".toml"):
                parsed, prefix = parse_trivia_toml(data, default), "question"
            elif name.endswith(".json"):
                parsed, prefix = parse_open_trivia_json(data, default), "result"
            else:
                raise GameError("Import a `.toml` file (Hearth's format) or a `.json` file from Open Trivia DB.")
        except ValueError as exc:
            raise GameError(str(exc)) from exc
        report = ImportReport(rejected=list(parsed.rejected))
        shipped = _shipped_keys()
        now_ms = to_ms(self._clock.now())
        for position, question in zip(_accepted_positions(parsed, prefix), parsed.questions, strict=True):
            if question_key(question) in shipped:
                report.rejected.append((position, "already in Hearth's shipped bank"))
            elif await self.repo.add_question(guild_id, _stored(question), added_by, now_ms):
                report.added += 1
            else:
                report.rejected.append((position, "already in this server's bank"))
        report.rejected.sort(key=lambda item: _position_order(item[0]))
        return report

    # -- rounds -----------------------------------------------------------------------------------------
    async def start_round(
        self,
        guild_id: int,
        channel_id: int,
        *,
        category: str | None,
        count: int,
        timer_s: int,
        started_by: int | None = None,
        schedule_id: int | None = None,
        on_time: bool = True,
    ) -> TriviaSession:
        """Start a round in the channel; it runs in its own task. Await ``first_post`` to see it went out."""
        check_round_options(count, timer_s)
        if category in (None, "", ANY_CATEGORY):
            category = None
        if self.sessions.in_channel(guild_id, channel_id) is not None:
            raise GameError("A trivia round is already running in this channel; `/trivia stop` ends it.")
        output = await self._outputs.round_output(guild_id, channel_id)
        questions = await self.pick_questions(guild_id, category, count)
        round_ = await self.repo.start_round(
            guild_id,
            channel_id,
            category,
            len(questions),
            timer_s,
            started_by=started_by,
            schedule_id=schedule_id,
            now_ms=to_ms(self._clock.now()),
        )
        if schedule_id is not None:
            self._scheduled[round_.id] = (schedule_id, on_time)
        self._round_tags[round_.id] = round_tag(category, questions)
        await self.repo.mark_asked(guild_id, [question_key(q) for q in questions], to_ms(self._clock.now()))
        session = TriviaSession(
            round_,
            questions,
            clock=self._clock,
            waiter=self.sessions.waiter,
            output=output,
            hooks=self,
            rng=self._rng,
            pause_s=self._pause_s,
        )
        self.sessions.add(session)
        log.info("trivia round %s started in guild %s (%d questions)", round_.id, guild_id, len(questions))
        return session

    def stop_round(self, guild_id: int, channel_id: int) -> TriviaSession | None:
        session = self.sessions.in_channel(guild_id, channel_id)
        if session is not None:
            session.stop()
        return session

    async def answer(self, guild_id: int, round_id: int, index: int, choice: int, member_id: int) -> AnswerOutcome:
        session = self.sessions.by_round(round_id)
        if session is None or session.round.guild_id != guild_id:
            return AnswerOutcome(refused="This trivia round is over.")
        return await session.answer(member_id, index, choice)

    # RoundHooks ----------------------------------------------------------------------------------------
    async def question_posted(
        self, round_: RoundRow, index: int, question: TriviaQuestion, message_id: int, round_post_id: int | None
    ) -> int:
        """The first question creates the round's one Hearth post; each question's message is a part
        of it, so answers, reactions and replies on any question count for the round (METRICS v2)."""
        if round_post_id is None:
            schedule_id, on_time = self._scheduled.get(round_.id, (None, None))
            post = await self._posts.register(
                round_.guild_id,
                "trivia",
                round_.channel_id,
                message_id,
                tag=self._round_tags.get(round_.id, question.category),
                ref_id=round_.id,
                schedule_id=schedule_id,
                on_time=on_time,
            )
        else:
            found = await self._posts.get(round_.guild_id, round_post_id)
            assert found is not None, f"round {round_.id} lost its post {round_post_id}"
            post = found
        await self._posts.add_part(post, message_id, index, tag=question.category)
        return post.id

    async def answer_given(self, round_: RoundRow, open_question: OpenQuestion, answer: AnswerResult) -> bool:
        now = self._clock.now()
        stored = await self.repo.save_answer(
            round_.guild_id,
            open_question.post_id,
            round_.id,
            open_question.index,
            answer.member_id,
            choice=answer.choice,
            correct=answer.correct,
            points=answer.points,
            elapsed_ms=answer.elapsed_ms,
            now_ms=to_ms(now),
        )
        if stored:
            self._recorder.record(
                Activity(
                    guild_id=round_.guild_id,
                    kind="trivia_answer",
                    member_id=answer.member_id,
                    at=now,
                    event_key=f"trivia:{open_question.post_id}:{open_question.index}:{answer.member_id}",
                    channel_id=round_.channel_id,
                    message_id=open_question.message_id,
                    post_id=open_question.post_id,
                )
            )
        return stored

    async def round_ended(self, round_: RoundRow, status: str) -> None:
        self._scheduled.pop(round_.id, None)
        self._round_tags.pop(round_.id, None)
        await self.repo.finish_round(round_.guild_id, round_.id, status, to_ms(self._clock.now()))

    # -- leaderboards and seasons --------------------------------------------------------------------------
    async def leaderboard(self, guild_id: int, period: str) -> Leaderboard:
        now = self._clock.now()
        tz = self._guilds.timezone(guild_id)
        season = await self.repo.active_season(guild_id) if period == "season" else None
        if period == "season" and season is None:
            raise GameError("No trivia season is running; a moderator can start one with `/trivia season`.")
        since = period_start(period, now, tz, from_ms(season.started_at) if season else None)
        scores = await self.repo.scores_between(guild_id, to_ms(since), to_ms(now) + 1)
        return Leaderboard(period, since, _top(scores), season)

    async def set_season(self, guild_id: int, length: str, channel_id: int) -> SeasonRow:
        """Set the season length; the running season (or a new one from now) ends at the next boundary."""
        now = self._clock.now()
        tz = self._guilds.timezone(guild_id)
        try:
            ends_at = season_end_after(now, length, tz)
        except ValueError as exc:
            raise GameError(str(exc)) from exc
        season = await self.repo.active_season(guild_id)
        if season is None:
            season = await self.repo.add_season(guild_id, length, channel_id, to_ms(now), to_ms(ends_at))
            if season is None:
                raise GameError("Another season was started at the same moment; try again.")
        else:
            await self.repo.update_season(
                guild_id, season.id, length=length, channel_id=channel_id, ends_at=to_ms(ends_at)
            )
            season = await self.repo.season(guild_id, season.id)
            assert season is not None
        await self._scheduler.set_timer(guild_id, SEASON_TIMER, season.id, ends_at)
        return season

    async def end_season(self, timer: TimerRow) -> None:
        """The season-end timer: close the season, open the next one, post the final board.

        Safe to run again after a crash: an ended season is not announced twice, and the next
        season is opened if it is still missing.
        """
        season = await self.repo.season(timer.guild_id, timer.ref_id)
        if season is None:
            return
        scores = await self.repo.scores_between(season.guild_id, season.started_at, season.ends_at)
        announce = season.status == "active" and await self.repo.end_season(season.guild_id, season.id)
        following = await self.repo.active_season(season.guild_id)
        if following is None:
            tz = self._guilds.timezone(season.guild_id)
            following_end = season_end_after(from_ms(season.ends_at), season.length, tz)
            following = await self.repo.add_season(
                season.guild_id, season.length, season.channel_id, season.ends_at, to_ms(following_end)
            )
            if following is None:
                following = await self.repo.active_season(season.guild_id)
            assert following is not None
            await self._scheduler.set_timer(season.guild_id, SEASON_TIMER, following.id, from_ms(following.ends_at))
        if announce:
            await self._outputs.post_season_end(season, _top(scores), following)
            log.info("trivia season %s of guild %s ended", season.number, season.guild_id)

    async def forget_member(self, guild_id: int, member_id: int) -> None:
        await self.repo.forget_member(guild_id, member_id)
        for session in self.sessions.all():
            if session.round.guild_id == guild_id:
                session.scores.pop(member_id, None)


def round_tag(category: str | None, questions: list[TriviaQuestion]) -> str:
    """The tag of a round's post: its category, else its questions' one category, else "mixed"
    (the same rule migration 0155 applied to rounds recorded before)."""
    if category:
        return category
    found = {q.category for q in questions}
    return found.pop() if len(found) == 1 else "mixed"


def _top(scores: dict[int, int]) -> Standings:
    return [row for row in rank({m: p for m, p in scores.items() if p > 0})][:LEADERBOARD_SIZE]


@lru_cache(maxsize=1)
def _shipped_keys() -> frozenset[str]:
    return frozenset(question_key(q) for q in load_shipped_bank())


def _accepted_positions(parsed: ImportResult, prefix: str) -> list[str]:
    """Positions of the accepted questions: every numbered row that was not rejected, in order."""
    rejected = {position for position, _ in parsed.rejected if position.startswith(f"{prefix} ")}
    total = len(parsed.questions) + len(rejected)
    return [p for p in (f"{prefix} {i}" for i in range(1, total + 1)) if p not in rejected]


def _position_order(position: str) -> tuple[int, str]:
    tail = position.rsplit(" ", 1)[-1]
    return (int(tail), position) if tail.isdigit() else (-1, position)
