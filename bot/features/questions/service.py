"""Scheduled questions: the bank, schedules, suggestions and the one posting path. No Discord here.

The cog (cogs/questions/) parses interactions and supplies a ``QuestionPublisher`` that does
the Discord part of a post (embed + answer thread); everything else lives here so it is tested
without a gateway. Every scheduled occurrence, and ``/question now``, goes through ``post()``:
pick a question (``pick_question``, which takes the tag so an experiment can swap the deck per
occurrence), publish it, register the Hearth post, count the use, tell moderators when the bank
ran dry.
"""

from __future__ import annotations

import logging
import random
from datetime import datetime

from bot.core.clock import Clock, from_ms, to_ms
from bot.core.localtime import zone
from bot.core.settings import QuestionSettings
from bot.features.questions.bank import (
    QuestionRow,
    load_starter_questions,
    parse_question_file,
    question_key,
    starter_needing_history,
)
from bot.features.questions.inputs import InvalidInput, clean_question_text, clean_tag, parse_schedule
from bot.features.questions.models import (
    ArmHook,
    ImportReport,
    Pick,
    PostResult,
    Question,
    QuestionMessage,
    QuestionPage,
    QuestionPublisher,
)
from bot.features.questions.rules import (
    Candidate,
    choose_next,
    fresh_count,
    has_history,
    low_bank_message,
    thread_name,
)
from bot.platform.posts import PostService
from bot.platform.scheduler import Occurrence, PostFailed, Scheduler
from bot.storage.guilds import GuildRepository
from bot.storage.questions import NewQuestion, QuestionRepository, SuggestionRow
from bot.storage.schedules import ScheduleRow

log = logging.getLogger(__name__)

SCHEDULE_KIND = "question"
PROBLEM_SOURCE = "questions"
MAX_SCHEDULES_PER_GUILD = 10
MAX_PENDING_SUGGESTIONS_PER_MEMBER = 5
PAGE_SIZE = 10


def _deck(tag: str | None) -> str:
    return f"tagged `{tag}`" if tag else "in the bank"


class QuestionService:
    def __init__(
        self,
        repo: QuestionRepository,
        scheduler: Scheduler,
        posts: PostService,
        guilds: GuildRepository,
        clock: Clock,
        settings: QuestionSettings,
        *,
        rng: random.Random | None = None,
    ) -> None:
        self.repo = repo
        self._scheduler = scheduler
        self._posts = posts
        self._guilds = guilds
        self._clock = clock
        self._settings = settings
        self._rng = rng or random.Random()
        self.publisher: QuestionPublisher | None = None
        self.arm_hook: ArmHook | None = None

    def attach(self) -> None:
        """Register the schedule handler (called once by the cog)."""
        self._scheduler.on_schedule(SCHEDULE_KIND, self.handle_occurrence)

    def set_arm_hook(self, hook: ArmHook | None) -> None:
        """Let an experiment choose the arm (and the deck) of each scheduled occurrence."""
        self.arm_hook = hook

    # -- the bank --------------------------------------------------------------------------
    async def add(self, guild_id: int, text: str, tag: str | None, added_by: int | None) -> Question:
        clean, deck = clean_question_text(text), clean_tag(tag)
        row = await self.repo.add(
            guild_id, NewQuestion(clean, question_key(clean), deck, added_by=added_by), self._now_ms()
        )
        if row is None:
            existing = await self.repo.by_key(guild_id, question_key(clean))
            number = f" (#{existing.id})" if existing else ""
            raise InvalidInput(f"That question is already in the bank{number}; nothing was added.")
        return Question.from_row(row)

    async def get(self, guild_id: int, question_id: int) -> Question | None:
        row = await self.repo.get(guild_id, question_id)
        return Question.from_row(row) if row and row.status == "active" else None

    async def remove(self, guild_id: int, question_id: int) -> Question:
        question = await self.get(guild_id, question_id)
        if question is None or not await self.repo.remove(guild_id, question_id):
            raise InvalidInput(f"There is no question #{question_id} in this server's bank: see `/question list`.")
        return question

    async def list_page(self, guild_id: int, page: int = 1, tag: str | None = None) -> QuestionPage:
        tag = clean_tag(tag)
        total = await self.repo.count(guild_id, tag)
        pages = max(1, -(-total // PAGE_SIZE))
        page = min(max(1, page), pages)
        rows = await self.repo.page(guild_id, (page - 1) * PAGE_SIZE, PAGE_SIZE, tag)
        return QuestionPage([Question.from_row(r) for r in rows], page, pages, total)

    async def search(self, guild_id: int, needle: str) -> list[Question]:
        return [Question.from_row(r) for r in await self.repo.search(guild_id, needle.strip())]

    async def tags(self, guild_id: int) -> list[tuple[str | None, int]]:
        return await self.repo.tags(guild_id)

    async def import_file(self, guild_id: int, filename: str, data: bytes, added_by: int | None) -> ImportReport:
        """Add every good row of a CSV/TOML file; duplicates are skipped, bad rows listed by line."""
        try:
            parsed = parse_question_file(filename, data)
        except ValueError as exc:
            raise InvalidInput(f"I can't import that file: {exc}.") from exc
        report = ImportReport()
        for bad in parsed.rejected:
            if bad.reason.startswith("duplicate of"):
                report.duplicates += 1
            else:
                report.rejected.append(bad)
        await self._add_rows(guild_id, parsed.rows, added_by, "import", report)
        if report.added == 0 and report.rejected:
            raise InvalidInput(
                f"Nothing was imported from {filename}.\n{report.summary()}\nFix those lines and upload the file again "
                "(format: docs/question-bank.md)."
            )
        return report

    async def add_starter_pack(self, guild_id: int, tags: frozenset[str] | None, added_by: int | None) -> ImportReport:
        """Add the shipped starter questions (only some tags when given), skipping duplicates."""
        rows = load_starter_questions()
        if tags:
            known = {row.tag for row in rows}
            unknown = sorted(t for t in tags if t not in known)
            if unknown:
                raise InvalidInput(
                    f"The starter pack has no tag {', '.join(f'`{t}`' for t in unknown)}; "
                    f"its tags are {', '.join(f'`{t}`' for t in sorted(t for t in known if t))}."
                )
            rows = [row for row in rows if row.tag in tags]
        report = ImportReport()
        await self._add_rows(guild_id, rows, added_by, "starter", report)
        return report

    async def _add_rows(
        self, guild_id: int, rows: list[QuestionRow], added_by: int | None, source: str, report: ImportReport
    ) -> None:
        new = [NewQuestion(r.text, question_key(r.text), r.tag, added_by=added_by, source=source) for r in rows]
        for stored in await self.repo.add_many(guild_id, new, self._now_ms()):
            if stored is None:
                report.duplicates += 1
            else:
                report.added += 1

    # -- suggestions -------------------------------------------------------------------------
    async def suggest(self, guild_id: int, text: str, member_id: int, tag: str | None = None) -> SuggestionRow:
        clean, deck = clean_question_text(text), clean_tag(tag)
        key = question_key(clean)
        existing = await self.repo.by_key(guild_id, key)
        if existing is not None and existing.status == "active":
            raise InvalidInput("That question is already in the bank, so there's no need to suggest it. Thanks!")
        if await self.repo.pending_suggestion_with_key(guild_id, key):
            raise InvalidInput("Someone already suggested that question; it's waiting for a moderator.")
        if await self.repo.count_pending_by(guild_id, member_id) >= MAX_PENDING_SUGGESTIONS_PER_MEMBER:
            raise InvalidInput(
                f"You already have {MAX_PENDING_SUGGESTIONS_PER_MEMBER} suggestions waiting for review; "
                "please wait until moderators have looked at them."
            )
        return await self.repo.add_suggestion(guild_id, clean, key, deck, member_id, self._now_ms())

    async def pending_suggestions(self, guild_id: int) -> list[SuggestionRow]:
        return await self.repo.pending_suggestions(guild_id)

    async def approve(self, guild_id: int, suggestion_id: int, moderator_id: int) -> Question:
        """Add the suggestion to the bank, crediting the member; raises InvalidInput if already handled."""
        suggestion = await self._pending(guild_id, suggestion_id)
        new = NewQuestion(
            suggestion.text,
            suggestion.key,
            suggestion.tag,
            added_by=moderator_id,
            suggested_by=suggestion.suggested_by,
            source="suggestion",
        )
        stored = await self.repo.add(guild_id, new, self._now_ms())
        if stored is None:
            await self.repo.review_suggestion(guild_id, suggestion_id, "rejected", moderator_id, self._now_ms())
            raise InvalidInput("That question is already in the bank, so the suggestion was closed as a duplicate.")
        await self.repo.review_suggestion(
            guild_id, suggestion_id, "approved", moderator_id, self._now_ms(), question_id=stored.id
        )
        return Question.from_row(stored)

    async def reject(self, guild_id: int, suggestion_id: int, moderator_id: int) -> SuggestionRow:
        suggestion = await self._pending(guild_id, suggestion_id)
        await self.repo.review_suggestion(guild_id, suggestion_id, "rejected", moderator_id, self._now_ms())
        return suggestion

    async def _pending(self, guild_id: int, suggestion_id: int) -> SuggestionRow:
        suggestion = await self.repo.suggestion(guild_id, suggestion_id)
        if suggestion is None:
            raise InvalidInput(f"There is no suggestion #{suggestion_id} in this server.")
        if suggestion.status != "pending":
            raise InvalidInput(f"Suggestion #{suggestion_id} was already {suggestion.status}.")
        return suggestion

    async def forget(self, guild_id: int, member_id: int) -> None:
        await self.repo.forget_member(guild_id, member_id)

    # -- schedules ---------------------------------------------------------------------------
    async def add_schedule(
        self,
        guild_id: int,
        channel_id: int,
        time_text: str,
        days_text: str,
        tag: str | None,
        created_by: int | None,
    ) -> ScheduleRow:
        at, days, deck = parse_schedule(time_text, days_text, tag)
        if len(await self.schedules(guild_id)) >= MAX_SCHEDULES_PER_GUILD:
            raise InvalidInput(
                f"This server already has {MAX_SCHEDULES_PER_GUILD} question schedules; "
                "remove one with `/question unschedule` first."
            )
        return await self._scheduler.add_schedule(
            guild_id, SCHEDULE_KIND, channel_id, at, days, tag=deck, created_by=created_by
        )

    async def schedules(self, guild_id: int) -> list[ScheduleRow]:
        return await self._scheduler.repo.list(guild_id, SCHEDULE_KIND)

    async def schedule(self, guild_id: int, schedule_id: int | None) -> ScheduleRow:
        """One question schedule; with no id, the guild's only one (or a message saying to pick)."""
        schedules = await self.schedules(guild_id)
        if schedule_id is None:
            if len(schedules) == 1:
                return schedules[0]
            if not schedules:
                raise InvalidInput("There are no question schedules yet: create one with `/question schedule`.")
            raise InvalidInput("This server has several question schedules: pick one (see `/question schedules`).")
        for schedule in schedules:
            if schedule.id == schedule_id:
                return schedule
        raise InvalidInput(f"There is no question schedule #{schedule_id}: see `/question schedules`.")

    async def set_paused(self, guild_id: int, schedule_id: int | None, paused: bool) -> list[ScheduleRow]:
        """Pause or resume one schedule, or all of the guild's question schedules when no id is given."""
        targets = (
            [await self.schedule(guild_id, schedule_id)] if schedule_id is not None else await self.schedules(guild_id)
        )
        if not targets:
            raise InvalidInput("There are no question schedules yet: create one with `/question schedule`.")
        changed = []
        for schedule in targets:
            updated = await self._scheduler.update_schedule(guild_id, schedule.id, paused=paused)
            if updated is not None:
                changed.append(updated)
        return changed

    async def skip_next(self, guild_id: int, schedule_id: int | None, by: str) -> tuple[ScheduleRow, datetime]:
        schedule = await self.schedule(guild_id, schedule_id)
        if schedule.paused:
            raise InvalidInput(f"Schedule #{schedule.id} is paused, so there is nothing to skip.")
        skipped = await self._scheduler.skip_next(schedule, by=by)
        if skipped is None:
            raise InvalidInput(f"Schedule #{schedule.id} has no upcoming post to skip.")
        return schedule, skipped

    async def remove_schedule(self, guild_id: int, schedule_id: int) -> ScheduleRow:
        schedule = await self.schedule(guild_id, schedule_id)
        await self._scheduler.remove_schedule(guild_id, schedule.id)
        return schedule

    async def next_run(self, schedule: ScheduleRow) -> datetime | None:
        """When the schedule really posts next: occurrences already claimed (skipped) don't count."""
        after: datetime | None = None
        tz = zone(self.timezone_of(schedule.guild_id))
        for _ in range(8):
            due = self._scheduler.next_run(schedule, after)
            if due is None:
                return None
            key = due.astimezone(tz).date().isoformat()
            if await self._scheduler.repo.occurrence(schedule.guild_id, schedule.id, key) is None:
                return due
            after = due
        return None

    def timezone_of(self, guild_id: int) -> str:
        return self._scheduler.timezone_of(guild_id)

    # -- choosing and posting ----------------------------------------------------------------
    async def pick_question(self, guild_id: int, tag: str | None) -> Pick | None:
        """The question this occurrence should post (docs/questions.md); None when the deck is empty."""
        rows = await self.repo.active(guild_id, tag)
        by_id = {row.id: row for row in rows}
        needs_history = starter_needing_history()
        candidates = [
            Candidate(
                r.id,
                r.times_used,
                from_ms(r.last_used_at) if r.last_used_at is not None else None,
                needs_history=r.key in needs_history,
            )
            for r in rows
        ]
        now = self._clock.now()
        history = has_history(await self._posts.first_post_at(guild_id), now)
        choice = choose_next(candidates, now, self._settings.no_repeat_days, self._rng, history=history)
        if choice is None:
            return None
        return Pick(Question.from_row(by_id[choice.question_id]), choice.exhausted)

    async def handle_occurrence(self, occurrence: Occurrence) -> int:
        """The scheduler's handler: post one question for this occurrence; returns the post id."""
        schedule = occurrence.schedule
        tag, experiment_id, arm = schedule.tag, None, None
        if self.arm_hook is not None:
            assignment = await self.arm_hook(occurrence)
            if assignment is not None:
                experiment_id, arm = assignment.experiment_id, assignment.arm
                if assignment.swap_tag:
                    tag = assignment.tag
        if schedule.channel_id is None:
            raise PostFailed("the schedule has no channel; remove it and create it again")
        result = await self.post(
            schedule.guild_id,
            schedule.channel_id,
            tag,
            schedule_id=schedule.id,
            on_time=not occurrence.late,
            experiment_id=experiment_id,
            arm=arm,
        )
        return result.post_id

    async def post(
        self,
        guild_id: int,
        channel_id: int,
        tag: str | None,
        *,
        schedule_id: int | None = None,
        on_time: bool | None = None,
        experiment_id: int | None = None,
        arm: str | None = None,
    ) -> PostResult:
        """Pick, publish, register, count: the one posting path (schedules and /question now)."""
        if self.publisher is None:
            raise PostFailed("Hearth is not connected to Discord yet")
        pick = await self.pick_question(guild_id, tag)
        if pick is None:
            raise PostFailed(
                f"there are no questions {_deck(tag)}; add some with `/question add`, `/question import` "
                "or `/question starter-pack`"
            )
        question = pick.question
        message = QuestionMessage(
            question.id, question.text, question.tag, question.suggested_by, thread_name(question.text)
        )
        published = await self.publisher.publish(guild_id, channel_id, message)
        now = self._clock.now()
        await self.repo.mark_used(guild_id, question.id, to_ms(now))
        post = await self._posts.register(
            guild_id,
            "question",
            published.channel_id,
            published.message_id,
            tag=question.tag if question.tag is not None else tag,
            thread_id=published.thread_id,
            schedule_id=schedule_id,
            on_time=on_time,
            ref_id=question.id,
            experiment_id=experiment_id,
            arm=arm,
            member_count=published.member_count,
            posted_at=now,
        )
        if pick.exhausted:
            detail = (
                f"every question {_deck(tag)} was used in the last {self._settings.no_repeat_days} days, "
                f"so #{question.id} was reused; add more questions"
            )
            log.info("guild %s question bank exhausted: %s", guild_id, detail)
            await self._guilds.add_problem(guild_id, PROBLEM_SOURCE, detail, to_ms(now))
        return PostResult(post.id, question, pick.exhausted, published)

    # -- warnings ----------------------------------------------------------------------------
    async def warnings(self, guild_id: int) -> list[str]:
        """Low-bank and review-queue warnings for /hearth status and the weekly summary."""
        found: list[str] = []
        active_schedules = [s for s in await self.schedules(guild_id) if not s.paused]
        rows = await self.repo.active(guild_id)
        if rows or active_schedules:
            now, days = self._clock.now(), self._settings.no_repeat_days
            decks: list[str | None] = [None, *sorted({s.tag for s in active_schedules if s.tag})]
            for tag in decks:
                candidates = [
                    Candidate(r.id, r.times_used, from_ms(r.last_used_at) if r.last_used_at is not None else None)
                    for r in rows
                    if tag is None or r.tag == tag
                ]
                message = low_bank_message(fresh_count(candidates, now, days), self._settings.low_bank_warning, tag)
                if message:
                    found.append(message)
        pending = await self.repo.count_pending(guild_id)
        if pending:
            noun = "suggestion waits" if pending == 1 else "suggestions wait"
            found.append(f"{pending} question {noun} for review: `/question review`.")
        return found

    def _now_ms(self) -> int:
        return to_ms(self._clock.now())
