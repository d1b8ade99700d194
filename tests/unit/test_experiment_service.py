"""ExperimentService against a real SQLite database, the real Scheduler and QuestionService, a fake clock.

The Discord side is a recording publisher; what moderators would see is asserted: stored arms,
where and when each arm posted, the figures and verdict, and the schedule after applying.
"""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest

from bot.core.clock import FakeClock, to_ms
from bot.core.settings import QuestionSettings, SchedulerSettings
from bot.features.experiments.model import InvalidExperiment
from bot.features.experiments.planning import normalise_name, parse_arms, plan_dates, quick_poll_spec
from bot.features.experiments.rules import assign_arms
from bot.features.experiments.service import ExperimentService, experiment_lines
from bot.features.questions.models import ArmAssignment, Published, QuestionMessage
from bot.features.questions.service import QuestionService
from bot.platform.posts import PostService
from bot.platform.scheduler import Occurrence, ScheduleHandler, Scheduler
from bot.storage import Database
from bot.storage.activity import PostRepository
from bot.storage.experiments import ExperimentRepository
from bot.storage.guilds import GuildRepository
from bot.storage.questions import NewQuestion, QuestionRepository
from bot.storage.schedules import ScheduleRepository, ScheduleRow

GUILD = 1
CHANNEL = 10
START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # Monday


class Publisher:
    def __init__(self) -> None:
        self.sent: list[tuple[datetime, QuestionMessage]] = []
        self.clock: FakeClock | None = None

    async def publish(self, guild_id: int, channel_id: int, message: QuestionMessage) -> Published:
        assert self.clock is not None
        self.sent.append((self.clock.now(), message))
        n = len(self.sent)
        return Published(channel_id, 1000 + n, 2000 + n, member_count=30)


class Privacy:
    def __init__(self) -> None:
        self.out: set[int] = set()

    def opted_out_members(self, guild_id: int, member_ids: set[int]) -> set[int]:
        return member_ids & self.out

    async def opt_out(self, db: Database, member_id: int) -> None:
        """Like PrivacyService.opt_out: the stored list changes, so analytics' opt-out fingerprint does."""
        self.out.add(member_id)
        await db.execute(
            "INSERT INTO privacy_optouts (guild_id, member_hash, at) VALUES (?, ?, 0)",
            (GUILD, f"{id(self)}:{member_id}"),  # unique per test: analytics caches by the fingerprint
        )


class World:
    """The services the cog wires together, wired the same way (resolver, wrapper, arm hook)."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.clock = FakeClock(START)
        self.guilds = GuildRepository(db, "UTC")
        self.scheduler = Scheduler(
            ScheduleRepository(db), self.guilds, self.clock, SchedulerSettings(grace_minutes=60), drive_jobs=False
        )
        self.posts = PostService(PostRepository(db), self.guilds, self.clock)
        self.questions = QuestionService(
            QuestionRepository(db),
            self.scheduler,
            self.posts,
            self.guilds,
            self.clock,
            QuestionSettings(no_repeat_days=30, low_bank_warning=7),
            rng=random.Random(1),
        )
        self.publisher = Publisher()
        self.publisher.clock = self.clock
        self.questions.publisher = self.publisher
        self.questions.attach()
        self.privacy = Privacy()
        self.service = ExperimentService(
            ExperimentRepository(db), self.scheduler, self.privacy, self.clock, QuestionRepository(db)
        )
        self.scheduler.set_due_time("question", self.service.due_time)
        self.scheduler.wrap_schedule("question", self.around)
        self.scheduler.on_timer("experiment.end", lambda t: self.service.on_end_timer(t.guild_id, t.ref_id))

    async def around(self, occurrence: Occurrence, handler: ScheduleHandler) -> int | None:
        async def hook(occ: Occurrence) -> ArmAssignment | None:
            d = await self.service.decision(occ)
            if d is None:
                return None
            return ArmAssignment(d.experiment_id, d.arm, d.factor == "tag", d.value if d.factor == "tag" else None)

        self.questions.set_arm_hook(hook)
        return await handler(occurrence)

    async def bank(self, tag: str | None, count: int) -> None:
        rows = [NewQuestion(f"{tag} question {i}?", f"{tag}-{i}", tag) for i in range(count)]
        await self.questions.repo.add_many(GUILD, rows, 0)

    async def schedule(self, at: str = "12:00", days: str = "daily", tag: str | None = None) -> ScheduleRow:
        return await self.questions.add_schedule(GUILD, CHANNEL, at, days, tag, None)

    async def run_days(self, days: int, step_hours: int = 1) -> None:
        for _ in range(days * 24 // step_hours):
            self.clock.advance(hours=step_hours)
            await self.scheduler.run_due()

    async def post_rows(self) -> list[tuple[str, str | None, int, str | None]]:
        rows = await self.db.fetchall("SELECT arm, tag, posted_at, kind FROM posts ORDER BY posted_at")
        return [(r["arm"], r["tag"], r["posted_at"], r["kind"]) for r in rows]


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    db = await Database.open(tmp_path / "h.db")
    await db.migrate()
    w = World(db)
    await w.guilds.load_all()
    await w.scheduler.start()
    yield w
    await w.scheduler.stop()
    await db.close()


# -- pure helpers ---------------------------------------------------------------------------------
def test_arms_are_checked_and_normalised() -> None:
    assert parse_arms("slot", "9am", "18:30") == ("09:00", "18:30")
    assert parse_arms("tag", " Fun ", "deep") == ("fun", "deep")
    assert parse_arms("kind", "Question", "poll") == ("question", "poll")
    with pytest.raises(InvalidExperiment, match="must differ"):
        parse_arms("slot", "9:00", "09:00")
    with pytest.raises(InvalidExperiment, match="Arm B: 'late' is not a time"):
        parse_arms("slot", "09:00", "late")
    with pytest.raises(InvalidExperiment, match="not a factor"):
        parse_arms("colour", "a", "b")
    assert normalise_name("  Evening   Slot ") == "evening slot"
    with pytest.raises(InvalidExperiment):
        normalise_name("<@123>")


def test_plan_skips_past_times_taken_dates_and_other_weekdays() -> None:
    schedule = ScheduleRow(1, GUILD, "question", CHANNEL, time(12, 0), frozenset({0, 2, 4}))  # Mon, Wed, Fri
    now = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)  # Monday 10:00
    # A slot arm at 09:00 has already passed today, so Monday is not planned.
    days = plan_dates(schedule, (time(12, 0), time(9, 0), time(18, 0)), now, "UTC", 4, set())
    assert days == [date(2026, 3, 4), date(2026, 3, 6), date(2026, 3, 9), date(2026, 3, 11)]
    # Without the early arm Monday still counts, unless its occurrence was already claimed (skipped).
    assert plan_dates(schedule, (time(12, 0),), now, "UTC", 1, set()) == [date(2026, 3, 2)]
    assert plan_dates(schedule, (time(12, 0),), now, "UTC", 1, {"2026-03-02"}) == [date(2026, 3, 4)]


def test_quick_poll_is_a_one_day_yes_no_native_poll() -> None:
    spec = quick_poll_spec("What " + "very " * 80 + "long question?")
    assert spec.options == ("Yes", "No") and not spec.anonymous and spec.duration == timedelta(days=1)
    assert len(spec.question) == 300 and spec.question.endswith("…")


# -- assignment -----------------------------------------------------------------------------------
async def test_plan_is_balanced_and_rebuilt_from_the_stored_seed(world: World) -> None:
    await world.bank(None, 40)
    schedule = await world.schedule()
    test = await world.service.start(GUILD, "noon or night", schedule.id, "slot", "09:00", "20:00", 12, None)
    plan = await world.service.repo.plan(GUILD, test.id)
    arms = [p.arm for p in plan]
    assert arms.count("A") == arms.count("B") == 6
    assert arms == assign_arms(12, test.row.seed)
    assert [p.local_date for p in plan] == [(date(2026, 3, 2) + timedelta(days=i)).isoformat() for i in range(12)]


async def test_slot_arms_post_at_their_own_times_and_store_the_arm(world: World) -> None:
    await world.bank(None, 40)
    schedule = await world.schedule()
    test = await world.service.start(GUILD, "slots", schedule.id, "slot", "09:00", "20:00", 6, None)
    await world.run_days(8)
    plan = {p.local_date: p.arm for p in await world.service.repo.plan(GUILD, test.id)}
    rows = await world.post_rows()
    assert len(rows) == 8  # 6 test posts, then the schedule's own 12:00 again
    for arm, _, posted_at, _ in rows[:6]:
        moment = datetime.fromtimestamp(posted_at / 1000, UTC)
        assert plan[moment.date().isoformat()] == arm
        assert moment.hour == (9 if arm == "A" else 20)
    assert [(r[0], datetime.fromtimestamp(r[2] / 1000, UTC).hour) for r in rows[6:]] == [(None, 12), (None, 12)]
    # The end timer ran a day after the last post: the test is finished and the slots forgotten.
    ended = await world.service.get(GUILD, "slots")
    assert ended.row.status == "finished" and ended.row.outcome == "inconclusive"
    assert world.service.due_time(schedule, date(2026, 3, 2)) == time(12, 0)


async def test_a_restarted_service_remembers_the_slot_times(world: World) -> None:
    await world.bank(None, 10)
    schedule = await world.schedule()
    test = await world.service.start(GUILD, "slots", schedule.id, "slot", "07:00", "21:00", 4, None)
    fresh = ExperimentService(
        ExperimentRepository(world.db), world.scheduler, world.privacy, world.clock, QuestionRepository(world.db)
    )
    await fresh.load()
    for planned in await world.service.repo.plan(GUILD, test.id):
        day = date.fromisoformat(planned.local_date)
        assert fresh.due_time(schedule, day) == (time(7, 0) if planned.arm == "A" else time(21, 0))
    assert fresh.due_time(schedule, date(2026, 4, 1)) == time(12, 0)


async def test_tag_arms_draw_from_their_decks(world: World) -> None:
    await world.bank("fun", 10)
    await world.bank("deep", 10)
    schedule = await world.schedule()
    await world.service.start(GUILD, "decks", schedule.id, "tag", "fun", "deep", 4, None)
    await world.run_days(4)
    rows = await world.post_rows()
    assert sorted((arm, tag) for arm, tag, _, _ in rows) == [("A", "fun"), ("A", "fun"), ("B", "deep"), ("B", "deep")]
    assert {m.tag for _, m in world.publisher.sent} == {"fun", "deep"}


async def test_guard_rails(world: World) -> None:
    await world.bank("fun", 3)
    schedule = await world.schedule()

    async def start(name: str = "t", factor: str = "slot", a: str = "09:00", b: str = "18:00", **kw: int) -> None:
        await world.service.start(GUILD, name, kw.get("schedule", schedule.id), factor, a, b, kw.get("posts", 8), None)

    with pytest.raises(InvalidExperiment, match="between 4 and 200"):
        await start(posts=3)
    with pytest.raises(InvalidExperiment, match="no question schedule #99"):
        await start(schedule=99)
    with pytest.raises(InvalidExperiment, match="no question is tagged `deep`"):
        await start(factor="tag", a="fun", b="deep")
    await world.scheduler.update_schedule(GUILD, schedule.id, paused=True)
    with pytest.raises(InvalidExperiment, match="paused"):
        await start()
    await world.scheduler.update_schedule(GUILD, schedule.id, paused=False)
    await start()
    with pytest.raises(InvalidExperiment, match="already runs the test `t`"):
        await start(name="u")
    with pytest.raises(InvalidExperiment, match="already a test named `t`"):
        await start()


# -- figures and verdict --------------------------------------------------------------------------
async def seed_posts(world: World, experiment_id: int, arm: str, counts: list[tuple[int, int]], first: int) -> None:
    """One post per (responders, base) in the past, with member_days and post_responders rows to match.

    Posts are 30 days apart, so each one's 28-day active base holds only its own members.
    """
    for n, (responders, base) in enumerate(counts):
        posted = START - timedelta(days=30 * (first + n + 1))
        post = await world.posts.register(
            GUILD, "question", CHANNEL, 10_000 + first + n, experiment_id=experiment_id, arm=arm, posted_at=posted
        )
        day = posted.date().toordinal()
        members = range(first * 1000 + n * 100, first * 1000 + n * 100 + base)
        await world.db.executemany(
            "INSERT INTO member_days (guild_id, local_day, member_id, activities) VALUES (?, ?, ?, 1)",
            [(GUILD, day - 1, m) for m in members],
        )
        await world.db.executemany(
            "INSERT INTO post_responders (guild_id, post_id, member_id, first_at) VALUES (?, ?, ?, ?)",
            [(GUILD, post.id, m, to_ms(posted + timedelta(hours=1))) for m in list(members)[:responders]],
        )


async def started(world: World, posts: int = 10) -> int:
    await world.bank(None, 5)
    schedule = await world.schedule()
    return (await world.service.start(GUILD, "t", schedule.id, "slot", "09:00", "18:00", posts, None)).id


async def test_known_values_clear_win_for_b(world: World) -> None:
    exp = await started(world)
    await seed_posts(world, exp, "A", [(12, 20)] * 4, first=0)  # 48/80
    await seed_posts(world, exp, "B", [(8, 10)] * 7, first=10)  # 56/70
    status = await world.service.status(GUILD, "t")
    assert (status.a.posts, status.a.responders, status.a.base) == (4, 48, 80)
    assert (status.b.posts, status.b.responders, status.b.base) == (7, 56, 70)
    v = status.verdict
    assert v.difference == pytest.approx(0.2)
    # Post-level (METRICS v2): identical posts vary no more than the binomial of their pairs, so the
    # variance is the binomial floor, 0.6·0.4/80 + 0.8·0.2/70, with Welch's t (not Newcombe's pairs).
    assert v.difference_interval == pytest.approx((0.0291, 0.3709), abs=5e-4)
    assert status.verdict_text() == "B wins"


async def test_a_tie_and_tiny_samples_stay_inconclusive(world: World) -> None:
    exp = await started(world)
    await seed_posts(world, exp, "A", [(5, 20)] * 5, first=0)
    await seed_posts(world, exp, "B", [(5, 20)] * 5, first=10)
    status = await world.service.status(GUILD, "t")
    assert status.verdict.outcome == "inconclusive" and status.verdict.difference == 0
    assert status.verdict_text() == "inconclusive so far (no difference to estimate from yet)"


async def test_tiny_samples_are_inconclusive_with_an_estimate(world: World) -> None:
    exp = await started(world)
    await seed_posts(world, exp, "A", [(0, 10)], first=0)
    await seed_posts(world, exp, "B", [(9, 10)], first=10)  # a huge gap, but one post per arm
    status = await world.service.status(GUILD, "t")
    assert status.verdict.outcome == "inconclusive"
    assert status.verdict_text().startswith("inconclusive so far (needs about ")
    assert status.verdict.more_posts_needed is not None and status.verdict.more_posts_needed >= 2


async def test_window_opt_outs_and_fresh_posts(world: World) -> None:
    exp = await started(world)
    await seed_posts(world, exp, "A", [(4, 10)], first=0)
    await seed_posts(world, exp, "B", [(4, 10)], first=10)
    # A late responder (after 24 h) doesn't count; an opted-out member counts in neither part.
    post_b = await world.db.fetchval("SELECT id FROM posts WHERE arm = 'B'")
    posted_b = await world.db.fetchval("SELECT posted_at FROM posts WHERE id = ?", (post_b,))
    await world.db.execute(
        "INSERT INTO post_responders (guild_id, post_id, member_id, first_at) VALUES (?, ?, 10009, ?)",
        (GUILD, post_b, posted_b + 25 * 3_600_000),
    )
    await world.privacy.opt_out(world.db, 0)  # responder and base member of A's post
    # A post of the last few hours is still collecting responses.
    await world.posts.register(GUILD, "question", CHANNEL, 99_999, experiment_id=exp, arm="A")
    status = await world.service.status(GUILD, "t")
    assert (status.a.posts, status.a.responders, status.a.base) == (1, 3, 9)
    assert (status.b.posts, status.b.responders, status.b.base) == (1, 4, 10)
    assert status.collecting == 1 and status.posted == 3


# -- ending and applying --------------------------------------------------------------------------
async def test_stop_then_apply_the_winner_changes_the_schedule(world: World) -> None:
    exp = await started(world)
    await seed_posts(world, exp, "A", [(2, 20)] * 4, first=0)
    await seed_posts(world, exp, "B", [(15, 20)] * 4, first=10)
    lines = await experiment_lines(world.service, GUILD)
    assert len(lines) == 1 and "is running" in lines[0] and "B wins" in lines[0]
    stopped = await world.service.stop(GUILD, "t")
    assert stopped.experiment.row.status == "stopped" and stopped.experiment.winner == "B"
    done = await world.service.apply(GUILD, exp, by=5)
    assert "now posts at 18:00" in done
    schedule = await world.scheduler.repo.get(GUILD, 1)
    assert schedule is not None and schedule.local_time == time(18, 0)
    with pytest.raises(InvalidExperiment, match="already applied"):
        await world.service.apply(GUILD, exp, by=5)
    lines = await experiment_lines(world.service, GUILD)
    assert "stopped: B wins (18:00)" in lines[0] and "applied to the schedule" in lines[0]
    assert await experiment_lines(object(), GUILD) == []


async def test_apply_tag_and_kind_winners(world: World) -> None:
    await world.bank("fun", 5)
    await world.bank("deep", 5)
    schedule = await world.schedule()
    tag = await world.service.start(GUILD, "decks", schedule.id, "tag", "fun", "deep", 4, None)
    await seed_posts(world, tag.id, "A", [(18, 20)] * 4, first=0)
    await seed_posts(world, tag.id, "B", [(1, 20)] * 4, first=10)
    await world.service.stop(GUILD, "decks")
    assert "draws from the `fun` deck" in await world.service.apply(GUILD, tag.id, None)
    kind = await world.service.start(GUILD, "kinds", schedule.id, "kind", "question", "poll", 4, None)
    await seed_posts(world, kind.id, "B", [(18, 20)] * 4, first=20)
    await seed_posts(world, kind.id, "A", [(1, 20)] * 4, first=30)
    await world.service.stop(GUILD, "kinds")
    assert "as a poll" in await world.service.apply(GUILD, kind.id, None)
    after = await world.scheduler.repo.get(GUILD, schedule.id)
    assert after is not None and after.tag == "fun" and after.options == {"post_as": "poll"}
    assert world.service.posts_as(after, None) == "poll"


async def test_an_inconclusive_or_running_test_has_nothing_to_apply(world: World) -> None:
    exp = await started(world)
    with pytest.raises(InvalidExperiment, match="still running"):
        await world.service.apply(GUILD, exp, None)
    await world.service.stop(GUILD, "t")
    with pytest.raises(InvalidExperiment, match="without a winner"):
        await world.service.apply(GUILD, exp, None)


async def test_scheduler_wrapper_and_resolver_can_be_removed(world: World) -> None:
    schedule = await world.schedule()
    world.scheduler.set_due_time("question", lambda s, d: time(7, 0))
    assert world.scheduler.due_time(schedule, date(2026, 3, 3)) == time(7, 0)
    world.scheduler.set_due_time("question", None)
    world.scheduler.wrap_schedule("question", None)
    assert world.scheduler.due_time(schedule, date(2026, 3, 3)) == time(12, 0)


async def test_a_post_shows_the_same_rate_in_report_and_experiment_status(world: World) -> None:
    """One definition: the experiment's arm figures are /report's per-post figures, opt-outs included."""
    from bot.analytics.period import week_of
    from bot.analytics.report import build_report
    from bot.analytics.rollups import excluded_members
    from bot.storage.analytics import AnalyticsRepository

    exp = await started(world)
    await seed_posts(world, exp, "A", [(7, 12)], first=0)
    await seed_posts(world, exp, "B", [(3, 9)], first=10)
    # A newcomer answers A's post (not in its 28-day base) and a base member opts out.
    post_a, posted_a = await world.db.fetchone("SELECT id, posted_at FROM posts WHERE arm = 'A'")
    await world.db.execute(
        "INSERT INTO post_responders (guild_id, post_id, member_id, first_at) VALUES (?, ?, 777777, ?)",
        (GUILD, post_a, posted_a + 3_600_000),
    )
    await world.privacy.opt_out(world.db, 1)
    status = await world.service.status(GUILD, "t")
    repo = AnalyticsRepository(world.db)
    excluded = await excluded_members(repo, world.privacy.opted_out_members, GUILD, 0)
    day = (START - timedelta(days=30)).date()
    report = await build_report(repo, GUILD, week_of(day), "UTC", now=world.clock.now(), excluded=excluded)
    [shown] = [p for p in report.posts if p.post_id == post_a]
    assert (shown.responders, shown.base) == (7, 12)  # 7 + newcomer − opted-out; 12 + newcomer − opted-out
    assert (status.a.responders, status.a.base) == (shown.responders, shown.base)
    assert status.a.rate.value == shown.rate.value
