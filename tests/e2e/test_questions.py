"""/question end to end: the real Hearth bot and discord.py against the local Discord, clock in hand."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from bot.app import Hearth
from bot.sandbox.localdiscord import Message
from bot.storage.guilds import GuildConfig
from tests.e2e.conftest import World

# Storage-heavy end-to-end paths run on both backends (tests/conftest.py).
pytestmark = pytest.mark.backends("sqlite", "postgresql")


class Env:
    """The shared e2e ``world`` plus the /question helpers these tests use all the time."""

    def __init__(self, world: World) -> None:
        self._world = world
        self.server = world.server
        self.world = world.community
        self.clock = world.clock

    @property
    def bot(self) -> Hearth:
        return self._world.bot

    async def start(self) -> Hearth:
        return await self._world.start()

    async def stop(self) -> None:
        await self._world.stop()

    async def restart(self) -> Hearth:
        return await self._world.restart()

    async def cmd(self, name: str, member: Any = None, **options: Any) -> str:
        """Run /question <name> as the moderator (or ``member``) in #general; the answer's text."""
        result = await self._world.command(member or self.world.moderator, f"question {name}", **options)
        return await result.text()

    def questions_posted(self, channel: Any = None) -> list[Message]:
        return [
            m
            for m in self.server.sent_by_bot(channel or self.world.general)
            if m.embeds and m.embeds[0].get("title") == "Question of the day"
        ]

    async def statuses(self) -> list[tuple[str, str]]:
        guild = self.world.guild.id
        return [(o.occurrence_key, o.status) for o in await self.bot.scheduler.repo.occurrences(guild)]

    async def set_timezone(self, tz: str) -> None:
        await self.bot.guilds_repo.save(GuildConfig(self.world.guild.id, tz), 0)


@pytest.fixture
def env(world: World) -> Env:
    return Env(world)


async def fill_bank(env: Env, count: int, tag: str | None = None) -> None:
    for i in range(count):
        options = {"text": f"Question {i} {tag or 'untagged'}?"}
        if tag:
            options["tag"] = tag
        assert "Added question" in await env.cmd("add", **options)


# -- the bank ------------------------------------------------------------------------------------
async def test_add_list_and_remove(env: Env) -> None:
    answer = await env.cmd("add", text="What are you   reading this week?", tag="fun")
    assert "Added question #1 (tag `fun`): What are you reading this week?" in answer
    listed = await env.cmd("list")
    assert "#1" in listed and "fun, never used" in listed
    assert "already in the bank" in await env.cmd("add", text="what are you reading this week?")
    assert "Removed question #1" in await env.cmd("remove", question=1)
    assert "No questions yet" in await env.cmd("list")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("   ", "the question is empty"),
        ("x" * 1200, "the limit is 1000"),
        ("Hi @everyone, what's new?", "mentions aren't allowed"),
    ],
)
async def test_bad_question_text_gets_an_ephemeral_explanation(env: Env, text: str, expected: str) -> None:
    result = await env.server.run_command(env.world.moderator, env.world.general, "question add", {"text": text})
    await result.response()
    assert result.ephemeral and expected in await result.text()


async def test_member_cannot_use_moderator_commands(env: Env) -> None:
    result = await env.server.run_command(env.world.alice, env.world.general, "question add", {"text": "Hmm?"})
    await result.response()
    assert result.ephemeral and "Only moderators" in await result.text()


async def test_import_reports_counts_and_line_numbers(env: Env) -> None:
    data = b"text,tag\nTea or coffee?,fun\ntea or COFFEE?,\nHey <@123>?,fun\nBest snack?,\n"
    answer = await env.cmd("import", file=("bank.csv", data))
    assert "Added **2** questions, skipped **1** as duplicate, rejected **1**" in answer
    assert "line 4: mentions aren't allowed" in answer
    broken = await env.cmd("import", file=("bank.toml", b'[[question]]\ntext = "Fine?"\ntext2 = \n'))
    assert "Nothing was imported" in broken and "line 3" in broken


async def test_starter_pack_for_some_tags_then_all(env: Env) -> None:
    some = await env.cmd("starter-pack", tags="fun,deep")
    assert "Starter pack (deep, fun)" in some and "skipped **0**" in some
    everything = await env.cmd("starter-pack")
    assert "Added **" in everything and "skipped **" in everything
    assert "no tag `nope`" in await env.cmd("starter-pack", tags="nope")


# -- schedules -------------------------------------------------------------------------------------
async def test_schedule_refuses_bad_time_days_and_a_channel_without_permission(env: Env) -> None:
    general = env.world.general
    assert "not a time" in await env.cmd("schedule", channel=general, time="noonish", days="daily")
    assert "at least one day" in await env.cmd("schedule", channel=general, time="09:00", days=",")
    env.server.set_bot_permission(env.world.announcements, send_messages=False)
    await env.server.flush()
    refused = await env.cmd("schedule", channel=env.world.announcements, time="09:00", days="daily")
    assert "missing Send Messages" in refused
    assert "No question schedules yet" in await env.cmd("schedules")


async def test_schedules_show_next_run_in_local_time_and_pause_resume_skip(env: Env) -> None:
    await env.set_timezone("America/New_York")
    await fill_bank(env, 3)
    created = await env.cmd("schedule", channel=env.world.general, time="9:00", days="weekdays", tag="fun")
    assert "next Mon 2 Mar 09:00 America/New_York" in created and "no question is tagged `fun`" in created
    await env.cmd("schedule", channel=env.world.announcements, time="18:30", days="mon,wed")
    listed = await env.cmd("schedules")
    assert "#1" in listed and "#2" in listed and "18:30" in listed
    assert "Paused" in await env.cmd("pause", schedule=1) and "paused" in await env.cmd("schedules")
    assert "Resumed" in await env.cmd("resume")
    assert "several question schedules" in await env.cmd("skip")
    skipped = await env.cmd("skip", schedule=2)
    assert "Skipped the post of Mon 2 Mar 18:30" in skipped and "next Wed 4 Mar 18:30" in skipped


async def test_question_now_posts_embed_and_thread_registered_as_a_post(env: Env) -> None:
    await env.cmd("add", text="What made you smile today?", tag="fun")
    answer = await env.cmd("now")
    assert "Posted question #1" in answer
    (posted,) = env.questions_posted()
    assert posted.embeds[0]["description"] == "What made you smile today?"
    assert posted.allowed_mentions == {"parse": []}
    thread = env.server.channels[posted.thread_id or 0]
    assert thread.name == "What made you smile today?" and thread.auto_archive_duration == 1440
    bot = env.bot
    post_id = bot.posts.for_message(env.world.guild.id, posted.id)
    assert post_id is not None and bot.posts.for_thread(env.world.guild.id, thread.id) == post_id
    post = await bot.posts.get(env.world.guild.id, post_id)
    assert post is not None and (post.kind, post.tag, post.ref_id) == ("question", "fun", 1)
    # Replies in the thread and reactions are linked to the post by the recorder.
    await env.server.say(env.world.alice, thread, "My cat did a thing")
    await env.server.react(env.world.bob, posted, "👍")
    await env.server.wait_until(lambda: bot.recorder.pending >= 2)
    await bot.recorder.flush()
    rows = await bot.db.fetchall("SELECT kind, post_id FROM activities ORDER BY id")
    assert [(r["kind"], r["post_id"]) for r in rows] == [("message", post_id), ("reaction", post_id)]


# -- suggestions -----------------------------------------------------------------------------------
async def test_member_suggestion_is_approved_with_a_button_and_credited_when_posted(env: Env) -> None:
    alice = env.world.alice
    thanks = await env.cmd("suggest", member=alice, text="What's a small win you had this week?")
    assert "waiting for a moderator" in thanks
    await env.cmd("suggest", member=env.world.bob, text="Best rainy-day activity?")
    review = await env.server.run_command(env.world.moderator, env.world.general, "question review")
    await review.response()
    assert review.ephemeral and "What's a small win" in await review.text() and "2 waiting" in await review.text()
    assert review.message is not None
    approved = await env.server.click(env.world.moderator, review.message, "question:review:approve")
    await approved.response()
    assert "Approved: question #1" in approved.content
    assert review.message.embeds[0]["description"] == "Best rainy-day activity?"  # the next one
    rejected = await env.server.click(env.world.moderator, review.message, "question:review:reject")
    await rejected.response()
    assert "No more suggestions waiting" in rejected.content
    assert "No suggestions waiting" in await env.cmd("review")
    await env.cmd("now")
    (posted,) = env.questions_posted()
    assert posted.embeds[0]["description"] == "What's a small win you had this week?"
    assert posted.embeds[0]["fields"][0] == {"name": "Suggested by", "value": f"<@{alice.user.id}>", "inline": False}
    assert env.server.pings(posted) == ([], [], False)


async def test_a_member_cannot_review(env: Env) -> None:
    assert "Only moderators" in await env.cmd("review", member=env.world.bob)


# -- scheduled posting, choosing, exhaustion ------------------------------------------------------------
async def test_scheduled_posts_open_threads_never_repeat_and_report_exhaustion(env: Env) -> None:
    await fill_bank(env, 3)
    await env.cmd("schedule", channel=env.world.general, time="09:00", days="daily")
    for _ in range(3):
        env.clock.advance(hours=1, minutes=1)  # 09:01
        await env.bot.scheduler.run_due()
        env.clock.advance(hours=22, minutes=59)  # back to 08:00 the next day
    posted = env.questions_posted()
    assert len(posted) == 3 and len({m.embeds[0]["description"] for m in posted}) == 3
    assert all(m.thread_id is not None for m in posted)
    status = await env.server.run_command(env.world.moderator, env.world.general, "hearth status")
    assert "No unused questions left in the question bank" in await status.text()
    env.clock.advance(hours=1, minutes=1)
    await env.bot.scheduler.run_due()
    fourth = env.questions_posted()[-1]
    assert fourth.embeds[0]["description"] == posted[0].embeds[0]["description"]  # least recently used
    status = await env.server.run_command(env.world.moderator, env.world.general, "hearth status")
    assert "was reused" in await status.text()
    rows = await env.bot.db.fetchall("SELECT schedule_id, on_time, ref_id FROM posts ORDER BY id")
    assert [(r["schedule_id"], r["on_time"]) for r in rows] == [(1, 1)] * 4


async def test_low_bank_warning_in_hearth_status(env: Env) -> None:
    await fill_bank(env, 7)
    status = await env.server.run_command(env.world.moderator, env.world.general, "hearth status")
    assert "unused" not in await status.text()
    await env.cmd("now")
    status = await env.server.run_command(env.world.moderator, env.world.general, "hearth status")
    assert "Only 6 unused questions left" in await status.text()


# -- reliability ---------------------------------------------------------------------------------------
async def daily_nine(env: Env) -> None:
    await fill_bank(env, 5)
    assert "Scheduled" in await env.cmd("schedule", channel=env.world.general, time="09:00", days="daily")


async def test_fired_twice_and_restarted_mid_day_posts_once(env: Env) -> None:
    await daily_nine(env)
    env.clock.advance(hours=1, minutes=1)
    await env.bot.scheduler.run_due()
    await env.bot.scheduler.run_due()
    env.clock.advance(hours=3)
    await env.restart()
    await env.bot.scheduler.run_due()
    assert len(env.questions_posted()) == 1
    assert await env.statuses() == [("2026-03-02", "posted")]


async def test_missed_by_less_than_grace_posts_once_late_at_start_up(env: Env) -> None:
    await daily_nine(env)
    await env.stop()
    env.clock.advance(hours=1, minutes=40)  # 09:40; grace is 120 minutes
    await env.start()
    await env.bot.scheduler.run_due()
    (posted,) = env.questions_posted()
    assert posted.thread_id is not None
    assert await env.statuses() == [("2026-03-02", "late")]
    row = await env.bot.db.fetchone("SELECT on_time, thread_id FROM posts")
    assert row is not None and row["on_time"] == 0 and row["thread_id"] == posted.thread_id


async def test_missed_by_more_than_grace_is_skipped_and_logged(env: Env, caplog: pytest.LogCaptureFixture) -> None:
    await daily_nine(env)
    await env.stop()
    env.clock.advance(hours=4)  # 12:00, past the 120-minute grace
    await env.start()
    await env.bot.scheduler.run_due()
    assert env.questions_posted() == []
    assert await env.statuses() == [("2026-03-02", "missed")]
    assert "missed by 180 min" in caplog.text


async def test_dst_fall_back_in_new_york_posts_once(env: Env) -> None:
    await env.set_timezone("America/New_York")
    env.clock.set(datetime(2026, 11, 1, 4, 50, tzinfo=UTC))  # 00:50 EDT on the fall-back night
    await fill_bank(env, 5)
    await env.cmd("schedule", channel=env.world.general, time="01:30", days="daily")
    for _ in range(14):  # through 01:30 EDT (05:30 UTC) and 01:30 EST (06:30 UTC)
        env.clock.advance(minutes=10)
        await env.bot.scheduler.run_due()
    assert len(env.questions_posted()) == 1
    assert await env.statuses() == [("2026-11-01", "posted")]


async def test_403_on_the_channel_is_recorded_shown_and_the_schedule_keeps_running(env: Env) -> None:
    await daily_nine(env)
    env.server.fail_next(status=403, method="POST", path="/channels/*/messages")
    env.clock.advance(hours=1, minutes=1)
    await env.bot.scheduler.run_due()
    assert env.questions_posted() == []
    (occurrence,) = await env.bot.scheduler.repo.occurrences(env.world.guild.id)
    assert occurrence.status == "failed" and "missing Send Messages in #general" in (occurrence.detail or "")
    status = await env.server.run_command(env.world.moderator, env.world.general, "hearth status")
    assert "missing Send Messages in #general" in await status.text()
    env.clock.advance(days=1)
    await env.bot.scheduler.run_due()
    assert len(env.questions_posted()) == 1
    assert await env.statuses() == [("2026-03-02", "failed"), ("2026-03-03", "posted")]


async def test_permission_removed_after_scheduling_fails_with_the_missing_permission(env: Env) -> None:
    await daily_nine(env)
    env.server.set_bot_permission(env.world.general, create_public_threads=False)
    await env.server.flush()
    await env.server.wait_until(
        lambda: (
            not env.bot.get_channel(env.world.general.id)
            .permissions_for(  # type: ignore[union-attr]
                env.bot.get_guild(env.world.guild.id).me  # type: ignore[union-attr]
            )
            .create_public_threads
        )
    )
    env.clock.advance(hours=1, minutes=1)
    await env.bot.scheduler.run_due()
    (occurrence,) = await env.bot.scheduler.repo.occurrences(env.world.guild.id)
    assert occurrence.status == "failed" and occurrence.detail == "missing Create Public Threads in #general"
    assert "missing Create Public Threads" in await env.cmd("now")


# -- the remaining commands and helpers ------------------------------------------------------------
async def test_list_pages_with_buttons(env: Env) -> None:
    await env.cmd("starter-pack", tags="fun")
    listed = await env.server.run_command(env.world.moderator, env.world.general, "question list")
    await listed.response()
    assert listed.message is not None and "Page 1/" in await listed.text()
    clicked = await env.server.click(env.world.moderator, listed.message, "question:list:next")
    await clicked.response()
    assert "Page 2/" in listed.message.embeds[0]["footer"]["text"]
    assert "Page 2/" in await env.cmd("list", tag="fun", page=2)


async def test_autocomplete_finds_questions_and_schedules(env: Env) -> None:
    await env.cmd("add", text="Which song is stuck in your head?")
    await env.cmd("add", text="Favourite board game?")
    found = await env.server.autocomplete(
        env.world.moderator, env.world.general, "question remove", {"question": "song"}, focused="question"
    )
    await found.response()
    assert [c["value"] for c in found.choices or []] == [1]
    await env.cmd("schedule", channel=env.world.general, time="09:00", days="daily")
    schedules = await env.server.autocomplete(
        env.world.moderator, env.world.general, "question pause", {"schedule": ""}, focused="schedule"
    )
    await schedules.response()
    assert [c["name"] for c in schedules.choices or []] == ["#1 #general 09:00 daily"]


async def test_unschedule_stops_the_schedule(env: Env) -> None:
    await daily_nine(env)
    assert "Deleted question schedule #1" in await env.cmd("unschedule", schedule=1)
    assert "no question schedule #1" in await env.cmd("unschedule", schedule=1)
    env.clock.advance(hours=2)
    await env.bot.scheduler.run_due()
    assert env.questions_posted() == []


async def test_deleted_channel_fails_the_occurrence_with_the_reason(env: Env) -> None:
    await daily_nine(env)
    env.server.fail_next(status=404, method="POST", path="/channels/*/messages")
    env.clock.advance(hours=1, minutes=1)
    await env.bot.scheduler.run_due()
    (occurrence,) = await env.bot.scheduler.repo.occurrences(env.world.guild.id)
    assert occurrence.status == "failed" and "#general no longer exists" in (occurrence.detail or "")


async def test_question_now_with_an_empty_bank_says_how_to_fill_it(env: Env) -> None:
    answer = await env.cmd("now")
    assert "no questions in the bank" in answer and "/question starter-pack" in answer
