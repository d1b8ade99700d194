"""The giveaway and contest repositories on a real SQLite file: entries, winners, votes, forgetting."""

from __future__ import annotations

from bot.features.giveaways.draw import commitment
from bot.storage import Database
from bot.storage.contests import ContestRepository
from bot.storage.giveaways import GiveawayRepository

G = 1


async def new_giveaway(repo: GiveawayRepository) -> int:
    return await repo.create(
        G,
        channel_id=5,
        host_id=9,
        prize="Mug",
        winner_count=2,
        required_role_id=None,
        min_days_in_server=None,
        min_account_age_days=None,
        seed="s",
        commitment=commitment("s"),
        created_at=0,
        ends_at=1000,
    )


async def test_entering_twice_is_a_no_op_and_leaving_withdraws(db: Database) -> None:
    repo = GiveawayRepository(db)
    gid = await new_giveaway(repo)
    assert await repo.enter(G, gid, 300, 1)
    assert not await repo.enter(G, gid, 300, 2)
    assert await repo.enter(G, gid, 200, 3)
    assert await repo.entrants(G, gid) == [200, 300]
    assert await repo.leave(G, gid, 300)
    assert not await repo.leave(G, gid, 300)
    assert await repo.entrants(G, gid) == [200]
    assert await repo.entrants(2, gid) == []  # another guild sees nothing


async def test_draw_and_reroll_keep_the_history_of_winners(db: Database) -> None:
    repo = GiveawayRepository(db)
    gid = await new_giveaway(repo)
    await repo.finish_draw(G, gid, [301, 302], 10)
    assert (await repo.get(G, gid)).status == "ended"  # type: ignore[union-attr]
    assert await repo.record_reroll(G, gid, [302], [303], 20) == 1
    history = await repo.winners(G, gid)
    assert [(w.member_id, w.is_current) for w in history] == [(301, True), (302, False), (303, True)]


async def test_forgetting_a_member_removes_their_giveaway_rows(db: Database) -> None:
    repo = GiveawayRepository(db)
    gid = await new_giveaway(repo)
    await repo.enter(G, gid, 300, 1)
    await repo.finish_draw(G, gid, [300], 10)
    await repo.forget_member(G, 300)
    assert await repo.entrants(G, gid) == [] and await repo.winners(G, gid) == []


async def new_contest(repo: ContestRepository) -> int:
    return await repo.create(
        G,
        channel_id=5,
        host_id=9,
        theme="Haiku",
        anonymous=False,
        voting_preference="auto",
        created_at=0,
        submissions_close_at=1000,
        vote_duration_ms=3_600_000,
    )


async def test_one_entry_each_editable_and_removable(db: Database) -> None:
    repo = ContestRepository(db)
    cid = await new_contest(repo)
    assert await repo.add_entry(G, cid, 300, "first", None, None, 1)
    assert not await repo.add_entry(G, cid, 300, "second", None, None, 2)
    await repo.edit_entry(G, cid, 300, "better", None, None, 3)
    entry = await repo.entry_of(G, cid, 300)
    assert entry is not None and entry.text == "better" and entry.submitted_at == 1 and entry.updated_at == 3
    await repo.add_entry(G, cid, 301, "other", None, None, 4)
    other = await repo.entry_of(G, cid, 301)
    assert other is not None
    await repo.vote(G, cid, 400, entry.id, 5)
    await repo.vote(G, cid, 401, other.id, 5)
    await repo.remove_entry(G, entry.id, "off-topic", 9, 6)
    removed = await repo.entry(G, entry.id)
    assert removed is not None and removed.removed and removed.removed_reason == "off-topic"
    assert await repo.votes(G, cid) == {401: other.id}  # votes on a removed entry are gone
    assert await repo.entry_counts(G, [cid]) == {cid: 1}


async def test_voting_again_moves_the_vote_and_forgetting_clears_entries_and_votes(db: Database) -> None:
    repo = ContestRepository(db)
    cid = await new_contest(repo)
    await repo.add_entry(G, cid, 300, "a", None, None, 1)
    await repo.add_entry(G, cid, 301, "b", None, None, 1)
    a, b = await repo.entry_of(G, cid, 300), await repo.entry_of(G, cid, 301)
    assert a is not None and b is not None
    await repo.vote(G, cid, 400, a.id, 2)
    await repo.vote(G, cid, 400, b.id, 3)
    await repo.vote(G, cid, 301, a.id, 3)
    assert await repo.votes(G, cid) == {400: b.id, 301: a.id}
    await repo.forget_member(G, 301)
    assert await repo.entry_of(G, cid, 301) is None
    assert await repo.votes(G, cid) == {}  # 400's vote was on 301's entry, 301's own vote is gone
