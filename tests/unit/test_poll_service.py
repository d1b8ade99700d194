"""Poll bookkeeping against a real SQLite database: anonymous votes, closing, figures, forget-me."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from bot.core.clock import FakeClock
from bot.core.settings import RecorderSettings
from bot.features.polls.rules import build_spec, tally
from bot.features.polls.service import PollClosed, PollService, native_current_votes
from bot.platform.posts import PostService
from bot.platform.privacy import PrivacyService
from bot.platform.recorder import Activity, Recorder, event_hash
from bot.storage import Database
from bot.storage.activity import ActivityRepository, MetaRepository, OptOutRepository, PostRepository
from bot.storage.analytics import AnalyticsRepository
from bot.storage.guilds import GuildRepository
from bot.storage.polls import PollRepository, PollRow

GUILD, CHANNEL, MOD = 1, 10, 99
START = datetime(2025, 3, 3, 12, 0, tzinfo=UTC)


@dataclass
class World:
    db: Database
    clock: FakeClock
    privacy: PrivacyService
    recorder: Recorder
    posts: PostService
    service: PollService

    async def poll(
        self, *, anonymous: bool = True, multi: bool = False, options: str = "Tea, Coffee, Water"
    ) -> PollRow:
        spec = build_spec("Drink?", options, "1d", multi=multi, anonymous=anonymous)
        row = await self.service.create(GUILD, CHANNEL, spec, MOD)
        post = await self.posts.register(GUILD, "poll", CHANNEL, 5000 + row.id, ref_id=row.id, member_count=50)
        await self.service.repo.set_posted(GUILD, row.id, 5000 + row.id, post.id)
        return await self.service.get(GUILD, row.id)


@pytest.fixture
async def world(database_url: str) -> AsyncIterator[World]:
    db = await Database.open(database_url)
    await db.migrate()
    clock = FakeClock(START)
    guilds = GuildRepository(db, "UTC")
    activities = ActivityRepository(db)
    privacy = PrivacyService(OptOutRepository(db), activities, MetaRepository(db), clock)
    await privacy.load()
    recorder = Recorder(activities, guilds, privacy, clock, RecorderSettings())
    posts = PostService(PostRepository(db), guilds, clock)
    service = PollService(PollRepository(db), privacy, recorder, clock, AnalyticsRepository(db), lambda guild_id: "UTC")
    privacy.on_forget(service.forget_member)
    yield World(db, clock, privacy, recorder, posts, service)
    await recorder.close()
    await db.close()


async def test_anonymous_votes_are_stored_under_a_per_poll_hash_never_the_member(world: World) -> None:
    poll = await world.poll()
    other = await world.poll()
    await world.service.vote(GUILD, poll.id, 1234567, 1)
    await world.service.vote(GUILD, other.id, 1234567, 1)
    rows = await world.db.fetchall("SELECT * FROM poll_votes")
    assert {tuple(r.keys()) for r in rows} == {("guild_id", "poll_id", "voter_hash", "option_index")}
    hashes = {r["voter_hash"] for r in rows}
    assert len(hashes) == 2  # the same member can't be joined across polls
    assert all("1234567" not in h for h in hashes)
    assert world.privacy.scoped_hash(f"poll:{poll.id}", 1234567) in hashes


async def test_change_withdraw_and_multi_select_give_the_right_counts(world: World) -> None:
    single = await world.poll()
    await world.service.vote(GUILD, single.id, 1, 0)
    await world.service.vote(GUILD, single.id, 2, 0)
    await world.service.vote(GUILD, single.id, 2, 1)  # changes the vote
    await world.service.vote(GUILD, single.id, 3, 2)
    await world.service.vote(GUILD, single.id, 3, None)  # withdraws
    result = await world.service.live_tally(single)
    assert result.counts == (1, 1, 0) and result.voters == 2 and result.tie

    multi = await world.poll(multi=True)
    for member, option in [(1, 0), (1, 1), (2, 1), (3, 2), (3, 2)]:
        await world.service.vote(GUILD, multi.id, member, option)
    result = await world.service.live_tally(multi)
    assert result.counts == (1, 2, 0) and result.voters == 2 and result.winners == (1,)
    _, mine = await world.service.current_vote(GUILD, multi.id, 1)
    assert mine == {0, 1}


async def test_a_vote_records_participation_once_without_the_option(world: World) -> None:
    poll = await world.poll()
    await world.service.vote(GUILD, poll.id, 7, 0)
    await world.service.vote(GUILD, poll.id, 7, 1)
    await world.service.vote(GUILD, poll.id, 7, None)
    await world.recorder.flush()
    rows = await world.db.fetchall("SELECT kind, event_key, post_id FROM activities WHERE member_id = 7")
    assert [(r["kind"], r["event_key"], r["post_id"]) for r in rows] == [
        ("anon_poll_vote", event_hash(f"apv:{poll.id}:7"), poll.post_id)
    ]
    figures = await world.service.participation(poll)
    assert figures.responders == 1  # withdrawing later still responded (METRICS.md)


async def test_a_closed_or_expired_poll_takes_no_votes(world: World) -> None:
    poll = await world.poll()
    world.clock.advance(days=1)
    with pytest.raises(PollClosed):
        await world.service.vote(GUILD, poll.id, 1, 0)
    other = await world.poll()
    assert await world.service.mark_closed(other, tally(other.options, [0, 0, 0]), "command")
    assert not await world.service.mark_closed(other, tally(other.options, [1, 0, 0]), "time")  # idempotent
    closed = await world.service.get(GUILD, other.id)
    assert closed.closed_by == "command" and closed.result_counts == (0, 0, 0)
    with pytest.raises(PollClosed):
        await world.service.vote(GUILD, other.id, 1, 0)


async def test_participation_uses_the_28_days_before_the_post_and_the_member_count(world: World) -> None:
    for day_offset, member in [(-30, 100), (-20, 101), (-1, 102), (-1, 103), (0, 104)]:
        world.recorder.record(
            Activity(GUILD, "message", member, START + timedelta(days=day_offset), f"m:{member}:{day_offset}")
        )
    await world.recorder.flush()
    poll = await world.poll()
    world.clock.advance(hours=1)
    for member in (101, 104, 105):
        await world.service.vote(GUILD, poll.id, member, 0)
    await world.privacy.opt_out(GUILD, 103)
    figures = await world.service.participation(poll)
    # base: 101, 102 (103 opted out; 100 too old; 104 same day), plus the responders 104 and 105 who
    # were not in it (docs/metrics.md: a rate never exceeds 100%); responders 101, 104, 105
    assert (figures.responders, figures.active_base, figures.member_count) == (3, 4, 50)


async def test_forget_me_deletes_the_members_anonymous_votes(world: World) -> None:
    first, second = await world.poll(), await world.poll(multi=True)
    await world.service.vote(GUILD, first.id, 8, 0)
    await world.service.vote(GUILD, second.id, 8, 1)
    await world.service.vote(GUILD, second.id, 8, 2)
    await world.service.vote(GUILD, second.id, 9, 2)
    await world.recorder.flush()
    await world.privacy.forget(GUILD, 8)
    assert (await world.service.live_tally(first)).counts == (0, 0, 0)
    assert (await world.service.live_tally(second)).counts == (0, 0, 1)
    assert await world.db.fetchval("SELECT COUNT(*) FROM activities WHERE member_id = 8") == 0


def test_native_votes_replay_into_current_choices() -> None:
    def row(kind: str, member: int, answer: int) -> tuple[str, int, int]:
        prefix = "v" if kind == "poll_vote" else "v-"
        return (kind, member, event_hash(f"{prefix}:9:{member}:{answer}"))

    events = [
        row("poll_vote", 1, 1),
        row("poll_vote", 2, 1),
        row("poll_unvote", 2, 1),
        row("poll_vote", 2, 2),
        row("poll_vote", 3, 1),
        row("poll_unvote", 3, 1),
        ("poll_vote", 4, event_hash("v:8:4:1")),  # another message's vote: ignored
    ]
    assert native_current_votes(events, 9, answers=2) == {1: {1}, 2: {2}}
