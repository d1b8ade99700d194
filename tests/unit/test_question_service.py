"""QuestionService against a real SQLite database, the real Scheduler and a fake clock.

The Discord side is a small recording publisher (the real one is exercised end to end in
tests/e2e); everything a moderator or member would see is asserted: the stored bank, the
posts, the occurrence statuses and the problems shown in /hearth status.
"""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.core.clock import FakeClock
from bot.core.settings import QuestionSettings, SchedulerSettings
from bot.features.questions.bank import question_key, starter_needing_history
from bot.features.questions.inputs import InvalidInput, parse_schedule
from bot.features.questions.models import ArmAssignment, Published, QuestionMessage
from bot.features.questions.service import QuestionService
from bot.platform.posts import PostService
from bot.platform.scheduler import Occurrence, PostFailed, Scheduler
from bot.storage import Database
from bot.storage.activity import PostRepository
from bot.storage.guilds import GuildConfig, GuildRepository
from bot.storage.questions import QuestionRepository
from bot.storage.schedules import ScheduleRepository

GUILD = 1
OTHER_GUILD = 2
CHANNEL = 10
MOD = 100
MEMBER = 200


class RecordingPublisher:
    """Stands in for Discord: remembers each message, or fails like Discord would."""

    def __init__(self) -> None:
        self.sent: list[tuple[int, QuestionMessage]] = []
        self.fail_with: str | None = None

    async def publish(self, guild_id: int, channel_id: int, message: QuestionMessage) -> Published:
        if self.fail_with:
            raise PostFailed(self.fail_with)
        self.sent.append((channel_id, message))
        n = len(self.sent)
        return Published(channel_id, 1000 + n, 2000 + n, member_count=50)


class World:
    def __init__(self, db: Database, clock: FakeClock) -> None:
        self.db, self.clock = db, clock
        self.guilds = GuildRepository(db, "UTC")
        self.publisher = RecordingPublisher()
        self.settings = QuestionSettings(no_repeat_days=30, low_bank_warning=7)
        self.build()

    def build(self) -> None:
        """Fresh services on the same database: what a restart gives."""
        self.scheduler = Scheduler(
            ScheduleRepository(self.db), self.guilds, self.clock, SchedulerSettings(grace_minutes=60), drive_jobs=False
        )
        self.posts = PostService(PostRepository(self.db), self.guilds, self.clock)
        self.service = QuestionService(
            QuestionRepository(self.db),
            self.scheduler,
            self.posts,
            self.guilds,
            self.clock,
            self.settings,
            rng=random.Random(4),
        )
        self.service.publisher = self.publisher
        self.service.attach()

    async def restart(self) -> None:
        await self.scheduler.stop()
        self.build()
        await self.posts.load()
        await self.scheduler.start()
        await self.scheduler.run_due()  # what the bot does once connected

    async def statuses(self) -> list[tuple[str, str]]:
        return [(o.occurrence_key, o.status) for o in await self.scheduler.repo.occurrences(GUILD)]

    async def repo_rows(self) -> list:  # type: ignore[type-arg]
        return await self.service.repo.active(GUILD)

    def posted_texts(self) -> list[str]:
        return [m.text for _, m in self.publisher.sent]


@pytest.fixture
async def w(tmp_path: Path) -> AsyncIterator[World]:
    db = await Database.open(tmp_path / "h.db")
    await db.migrate()
    world = World(db, FakeClock(datetime(2026, 3, 2, 8, 0, tzinfo=UTC)))  # a Monday
    await world.guilds.save(GuildConfig(GUILD, "UTC"), 0)
    await world.scheduler.start()
    yield world
    await world.scheduler.stop()
    await db.close()


async def add_bank(w: World, count: int, tag: str | None = None) -> None:
    for i in range(count):
        await w.service.add(GUILD, f"Question number {i} {tag or ''}?", tag, MOD)


# -- the bank --------------------------------------------------------------------------------
async def test_added_question_is_cleaned_and_duplicates_are_refused(w: World) -> None:
    question = await w.service.add(GUILD, "  What is   your favourite tea? ", "Fun", MOD)
    assert (question.text, question.tag) == ("What is your favourite tea?", "fun")
    with pytest.raises(InvalidInput, match="already in the bank"):
        await w.service.add(GUILD, "what is your FAVOURITE tea?", None, MOD)
    # Another guild has its own bank.
    assert (await w.service.add(OTHER_GUILD, "What is your favourite tea?", None, MOD)).id != question.id


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("   ", "empty"),
        ("x" * 1001, "1001 characters"),
        ("Hey @everyone what's up?", "mentions"),
        ("Ask <@123> about it?", "mentions"),
    ],
)
async def test_bad_question_text_says_what_to_fix(w: World, text: str, reason: str) -> None:
    with pytest.raises(InvalidInput, match=reason):
        await w.service.add(GUILD, text, None, MOD)


async def test_bad_tag_is_refused(w: World) -> None:
    with pytest.raises(InvalidInput, match="tag"):
        await w.service.add(GUILD, "A fine question?", "two words", MOD)


async def test_removed_question_is_not_posted_and_can_be_added_again(w: World) -> None:
    question = await w.service.add(GUILD, "Only one?", None, MOD)
    await w.service.remove(GUILD, question.id)
    with pytest.raises(InvalidInput, match="no question"):
        await w.service.remove(GUILD, question.id)
    assert await w.service.pick_question(GUILD, None) is None
    again = await w.service.add(GUILD, "Only one?", "fun", MOD)
    assert again.id == question.id and again.tag == "fun"


async def test_removing_another_guilds_question_is_refused(w: World) -> None:
    question = await w.service.add(OTHER_GUILD, "Theirs?", None, MOD)
    with pytest.raises(InvalidInput):
        await w.service.remove(GUILD, question.id)


async def test_list_is_paged_with_tags_and_times_used(w: World) -> None:
    await add_bank(w, 23, "fun")
    await w.service.post(GUILD, CHANNEL, None)
    first = await w.service.list_page(GUILD, 1)
    assert (first.page, first.pages, first.total, len(first.items)) == (1, 3, 23, 10)
    last = await w.service.list_page(GUILD, 99)
    assert (last.page, len(last.items)) == (3, 3)
    assert sum(q.times_used for q in (await w.service.list_page(GUILD, 1)).items + last.items) <= 1
    assert all(q.tag == "fun" for q in first.items)
    assert (await w.service.list_page(GUILD, 1, "deep")).total == 0


async def test_import_reports_added_duplicates_and_rejected_with_lines(w: World) -> None:
    await w.service.add(GUILD, "Tea or coffee?", None, MOD)
    data = (
        b"text,tag\n"
        b"Tea or coffee?,\n"  # line 2: already in the bank
        b"What got you into this hobby?,on-topic\n"  # line 3
        b"what got you into THIS hobby?,\n"  # line 4: duplicate of line 3
        b"Hello @everyone?,fun\n"  # line 5: mention
        b",fun\n"  # line 6: empty
        b"Best snack?,fun\n"  # line 7
    )
    report = await w.service.import_file(GUILD, "bank.csv", data, MOD)
    assert (report.added, report.duplicates) == (2, 2)
    assert [(r.line, r.reason.split(" ")[0]) for r in report.rejected] == [(5, "mentions"), (6, "the")]
    summary = report.summary()
    assert "Added **2** questions" in summary and "line 5: mentions" in summary
    assert (await w.service.list_page(GUILD, 1)).total == 3


async def test_malformed_import_is_refused_with_the_line_number(w: World) -> None:
    data = b'[[question]]\ntext = "Fine?"\n\n[[question]]\ntext = "Broken\n'
    with pytest.raises(InvalidInput, match=r"line 5: not valid TOML"):
        await w.service.import_file(GUILD, "bank.toml", data, MOD)
    with pytest.raises(InvalidInput, match=r"\.csv.*\.toml"):
        await w.service.import_file(GUILD, "bank.xlsx", b"whatever", MOD)
    assert (await w.service.list_page(GUILD, 1)).total == 0


async def test_starter_pack_adds_every_tag_or_only_some_and_skips_duplicates(w: World) -> None:
    some = await w.service.add_starter_pack(GUILD, frozenset({"fun"}), MOD)
    assert some.added >= 30 and some.duplicates == 0
    assert {t for t, _ in await w.service.tags(GUILD)} == {"fun"}
    everything = await w.service.add_starter_pack(GUILD, None, MOD)
    assert everything.duplicates == some.added and everything.added > 100
    with pytest.raises(InvalidInput, match="no tag `nope`"):
        await w.service.add_starter_pack(GUILD, frozenset({"nope"}), MOD)


async def test_questions_about_the_servers_past_wait_for_its_first_weeks_to_pass(w: World) -> None:
    """A question such as "Which past event here did you enjoy?" makes no sense in a guild Hearth just joined."""
    await w.service.add_starter_pack(GUILD, frozenset({"feedback"}), MOD)
    past = starter_needing_history()
    feedback = [q for q in await w.repo_rows() if q.tag == "feedback"]
    assert 2 <= len([q for q in feedback if q.key in past]) < len(feedback)
    first = w.clock.now()
    drawn = []
    while w.clock.now() - first < timedelta(days=28):  # the first four weeks: one post a day
        drawn.append((await w.service.post(GUILD, CHANNEL, "feedback")).question)
        w.clock.advance(days=1)
    assert len(drawn) == 28 and not [q.text for q in drawn if question_key(q.text) in past]
    later = []
    for _ in range(30):  # afterwards they are drawn like any other
        later.append((await w.service.post(GUILD, CHANNEL, "feedback")).question)
        w.clock.advance(days=1)
    assert [q for q in later if question_key(q.text) in past]


async def test_a_deck_of_only_such_questions_still_posts_in_the_first_weeks(w: World) -> None:
    await w.service.add(GUILD, "Which past event here did you enjoy the most?", "feedback", MOD)
    result = await w.service.post(GUILD, CHANNEL, "feedback")
    assert result.question.text == "Which past event here did you enjoy the most?"


# -- suggestions -----------------------------------------------------------------------------
async def test_approved_suggestion_is_credited_when_posted(w: World) -> None:
    suggestion = await w.service.suggest(GUILD, "What's your comfort food?", MEMBER)
    with pytest.raises(InvalidInput, match="already suggested"):
        await w.service.suggest(GUILD, "what's your comfort food?", MEMBER + 1)
    assert [s.id for s in await w.service.pending_suggestions(GUILD)] == [suggestion.id]
    assert "1 question suggestion waits for review" in " ".join(await w.service.warnings(GUILD))
    question = await w.service.approve(GUILD, suggestion.id, MOD)
    assert question.suggested_by == MEMBER
    with pytest.raises(InvalidInput, match="already approved"):
        await w.service.reject(GUILD, suggestion.id, MOD)
    result = await w.service.post(GUILD, CHANNEL, None)
    assert w.publisher.sent[-1][1].suggested_by == MEMBER and result.question.id == question.id
    assert await w.service.pending_suggestions(GUILD) == []


async def test_rejected_suggestion_never_reaches_the_bank(w: World) -> None:
    suggestion = await w.service.suggest(GUILD, "Pineapple on pizza?", MEMBER)
    await w.service.reject(GUILD, suggestion.id, MOD)
    assert (await w.service.list_page(GUILD, 1)).total == 0
    assert await w.service.pending_suggestions(GUILD) == []


async def test_suggestions_are_limited_per_member_and_validated(w: World) -> None:
    for i in range(5):
        await w.service.suggest(GUILD, f"Suggestion {i}?", MEMBER)
    with pytest.raises(InvalidInput, match="5 suggestions waiting"):
        await w.service.suggest(GUILD, "One more?", MEMBER)
    with pytest.raises(InvalidInput, match="mentions"):
        await w.service.suggest(GUILD, "Ping <@&5>?", MEMBER + 1)


async def test_forgetting_a_member_removes_their_credit(w: World) -> None:
    suggestion = await w.service.suggest(GUILD, "Favourite season?", MEMBER)
    question = await w.service.approve(GUILD, suggestion.id, MOD)
    await w.service.suggest(GUILD, "Another one?", MEMBER)
    await w.service.forget(GUILD, MEMBER)
    assert (await w.service.get(GUILD, question.id)).suggested_by is None  # type: ignore[union-attr]
    assert await w.service.pending_suggestions(GUILD) == []


# -- choosing and posting --------------------------------------------------------------------
async def test_post_registers_a_question_post_with_its_thread_and_question(w: World) -> None:
    question = await w.service.add(GUILD, "What are you reading?", "fun", MOD)
    result = await w.service.post(GUILD, CHANNEL, None)
    post = await w.posts.get(GUILD, result.post_id)
    assert post is not None
    assert (post.kind, post.tag, post.ref_id, post.thread_id, post.schedule_id) == (
        "question",
        "fun",
        question.id,
        2001,
        None,
    )
    assert w.posts.for_thread(GUILD, 2001) == post.id and w.posts.for_message(GUILD, 1001) == post.id
    assert w.publisher.sent[0][1].thread_name == "What are you reading?"
    used = await w.service.get(GUILD, question.id)
    assert used is not None and used.times_used == 1 and used.last_used_at == w.clock.now()


async def test_no_repeats_within_the_window_then_least_used_first(w: World) -> None:
    await add_bank(w, 5)
    for _ in range(5):
        await w.service.post(GUILD, CHANNEL, None)
        w.clock.advance(days=1)
    assert len(set(w.posted_texts())) == 5
    w.clock.advance(days=30)
    await w.service.post(GUILD, CHANNEL, None)
    assert w.posted_texts()[-1] == w.posted_texts()[0]  # all used once: the oldest use comes back first


async def test_tagged_schedule_only_posts_its_tag(w: World) -> None:
    await add_bank(w, 3, "fun")
    await add_bank(w, 3, "deep")
    for _ in range(3):
        result = await w.service.post(GUILD, CHANNEL, "deep")
        assert result.question.tag == "deep"
    with pytest.raises(PostFailed, match="no questions tagged `feedback`"):
        await w.service.post(GUILD, CHANNEL, "feedback")


async def test_exhausted_bank_reuses_least_recently_used_and_tells_moderators(w: World) -> None:
    await add_bank(w, 2)
    await w.service.post(GUILD, CHANNEL, None)
    w.clock.advance(days=1)
    await w.service.post(GUILD, CHANNEL, None)
    w.clock.advance(days=1)
    result = await w.service.post(GUILD, CHANNEL, None)
    assert result.exhausted and w.posted_texts()[2] == w.posted_texts()[0]
    problems = await w.guilds.recent_problems(GUILD)
    assert problems[0].source == "questions" and "was reused" in problems[0].message
    assert any("No unused questions left" in m for m in await w.service.warnings(GUILD))


async def test_low_bank_warning_below_seven_unused(w: World) -> None:
    await add_bank(w, 8)
    assert await w.service.warnings(GUILD) == []
    await w.service.post(GUILD, CHANNEL, None)
    await w.service.post(GUILD, CHANNEL, None)
    (warning,) = await w.service.warnings(GUILD)
    assert "Only 6 unused questions left in the question bank" in warning


async def test_low_bank_warning_for_a_scheduled_tag(w: World) -> None:
    await add_bank(w, 10, "fun")
    await add_bank(w, 2, "deep")
    await w.service.add_schedule(GUILD, CHANNEL, "09:00", "daily", "deep", MOD)
    assert [m for m in await w.service.warnings(GUILD) if "tagged `deep`" in m]


async def test_guild_without_questions_gets_no_warning(w: World) -> None:
    assert await w.service.warnings(GUILD) == []


# -- schedules and reliability -----------------------------------------------------------------
@pytest.mark.parametrize(
    ("time_text", "days", "message"),
    [
        ("25:00", "daily", "hours go 0-23"),
        ("nine", "daily", "not a time"),
        ("9", "daily", "HH:MM"),
        ("09:00", "", "at least one day"),
        ("09:00", "mon,funday", "not a weekday"),
    ],
)
def test_bad_schedule_input_says_what_to_fix(time_text: str, days: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        parse_schedule(time_text, days, None)


async def test_several_schedules_each_post_in_their_own_channel(w: World) -> None:
    await add_bank(w, 5)
    await w.service.add_schedule(GUILD, 10, "09:00", "daily", None, MOD)
    await w.service.add_schedule(GUILD, 11, "9:30", "weekdays", None, MOD)
    w.clock.advance(hours=2)
    await w.scheduler.run_due()
    assert sorted(c for c, _ in w.publisher.sent) == [10, 11]
    posts = [await w.posts.get(GUILD, o.post_id) for o in await w.scheduler.repo.occurrences(GUILD) if o.post_id]
    assert all(p is not None and p.schedule_id is not None for p in posts)


async def test_schedule_posts_once_despite_repeated_fires_and_a_restart(w: World) -> None:
    await add_bank(w, 5)
    await w.service.add_schedule(GUILD, CHANNEL, "09:00", "daily", None, MOD)
    w.clock.advance(hours=1, minutes=1)
    await w.scheduler.run_due()
    await w.scheduler.run_due()
    w.clock.advance(hours=3)
    await w.restart()
    await w.scheduler.run_due()
    assert len(w.publisher.sent) == 1
    assert await w.statuses() == [("2026-03-02", "posted")]


async def test_missed_within_grace_is_posted_late_once(w: World) -> None:
    await add_bank(w, 5)
    await w.service.add_schedule(GUILD, CHANNEL, "09:00", "daily", None, MOD)
    w.clock.advance(hours=1, minutes=40)  # 09:40, grace 60 min
    await w.restart()
    await w.scheduler.run_due()
    assert len(w.publisher.sent) == 1
    assert await w.statuses() == [("2026-03-02", "late")]
    (occurrence,) = await w.scheduler.repo.occurrences(GUILD)
    post = await w.posts.get(GUILD, occurrence.post_id or 0)
    assert post is not None
    row = await w.db.fetchone("SELECT on_time FROM posts WHERE id = ?", (post.id,))
    assert row is not None and row["on_time"] == 0


async def test_missed_beyond_grace_is_skipped_and_logged(w: World) -> None:
    await add_bank(w, 5)
    await w.service.add_schedule(GUILD, CHANNEL, "09:00", "daily", None, MOD)
    w.clock.advance(hours=3)
    await w.restart()
    assert w.publisher.sent == []
    assert await w.statuses() == [("2026-03-02", "missed")]


async def test_failed_post_is_recorded_and_the_schedule_keeps_running(w: World) -> None:
    await add_bank(w, 5)
    await w.service.add_schedule(GUILD, CHANNEL, "09:00", "daily", None, MOD)
    w.publisher.fail_with = "missing Send Messages in #general"
    w.clock.advance(hours=1)
    await w.scheduler.run_due()
    assert "missing Send Messages in #general" in (await w.guilds.recent_problems(GUILD))[0].message
    w.publisher.fail_with = None
    w.clock.advance(days=1)
    await w.scheduler.run_due()
    assert await w.statuses() == [("2026-03-02", "failed"), ("2026-03-03", "posted")]
    # The failed attempt did not use up a question.
    assert sum(q.times_used for q in (await w.service.list_page(GUILD, 1)).items) == 1


async def test_empty_bank_fails_the_occurrence_with_advice(w: World) -> None:
    await w.service.add_schedule(GUILD, CHANNEL, "09:00", "daily", None, MOD)
    w.clock.advance(hours=1)
    await w.scheduler.run_due()
    (occurrence,) = await w.scheduler.repo.occurrences(GUILD)
    assert occurrence.status == "failed" and "/question starter-pack" in (occurrence.detail or "")


async def test_dst_fall_back_in_new_york_posts_once(w: World) -> None:
    await w.guilds.save(GuildConfig(GUILD, "America/New_York"), 0)
    await add_bank(w, 5)
    w.clock.set(datetime(2026, 11, 1, 5, 0, tzinfo=UTC))  # 01:00 EDT on the fall-back night
    await w.service.add_schedule(GUILD, CHANNEL, "01:30", "daily", None, MOD)
    for _ in range(12):
        w.clock.advance(minutes=10)
        await w.scheduler.run_due()
    assert len(w.publisher.sent) == 1
    assert await w.statuses() == [("2026-11-01", "posted")]


async def test_pause_resume_and_skip(w: World) -> None:
    await add_bank(w, 5)
    schedule = await w.service.add_schedule(GUILD, CHANNEL, "09:00", "daily", None, MOD)
    (paused,) = await w.service.set_paused(GUILD, None, True)
    assert paused.paused and await w.service.next_run(paused) is None
    with pytest.raises(InvalidInput, match="paused"):
        await w.service.skip_next(GUILD, None, "mod")
    w.clock.advance(hours=2)
    await w.scheduler.run_due()
    assert w.publisher.sent == []
    (resumed,) = await w.service.set_paused(GUILD, schedule.id, False)
    _, skipped = await w.service.skip_next(GUILD, schedule.id, "mod")
    assert skipped == datetime(2026, 3, 3, 9, 0, tzinfo=UTC)
    assert await w.service.next_run(resumed) == datetime(2026, 3, 4, 9, 0, tzinfo=UTC)
    w.clock.advance(days=1)
    await w.scheduler.run_due()
    assert w.publisher.sent == []


async def test_schedule_id_must_belong_to_the_guild(w: World) -> None:
    theirs = await w.scheduler.add_schedule(
        OTHER_GUILD, "question", CHANNEL, parse_schedule("09:00", "daily", None)[0], frozenset(range(7))
    )
    with pytest.raises(InvalidInput, match=f"no question schedule #{theirs.id}"):
        await w.service.set_paused(GUILD, theirs.id, True)
    with pytest.raises(InvalidInput, match="no question schedules yet"):
        await w.service.skip_next(GUILD, None, "mod")


async def test_arm_hook_can_swap_the_deck_per_occurrence(w: World) -> None:
    await add_bank(w, 3, "fun")
    await add_bank(w, 3, "deep")
    await w.service.add_schedule(GUILD, CHANNEL, "09:00", "daily", "fun", MOD)
    seen: list[Occurrence] = []

    async def hook(occurrence: Occurrence) -> ArmAssignment:
        seen.append(occurrence)
        return ArmAssignment(experiment_id=7, arm="B", swap_tag=True, tag="deep")

    w.service.set_arm_hook(hook)
    w.clock.advance(hours=1)
    await w.scheduler.run_due()
    assert len(seen) == 1 and w.publisher.sent[0][1].tag == "deep"
    row = await w.db.fetchone("SELECT experiment_id, arm, on_time FROM posts")
    assert row is not None and tuple(row) == (7, "B", 1)


async def test_restart_keeps_links_from_thread_to_post(w: World) -> None:
    await add_bank(w, 1)
    result = await w.service.post(GUILD, CHANNEL, None)
    w.clock.advance(timedelta(hours=1))
    await w.restart()
    assert w.posts.for_thread(GUILD, result.published.thread_id) == result.post_id
