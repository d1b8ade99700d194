"""The simulated community: reproducible, skewed, conversational, churning, with better slots."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

from bot.sandbox.community import CommunityModel, CommunitySettings, Join, Leave, React, Respond, Say

START = datetime(2026, 3, 1, 23, 0, tzinfo=UTC)  # Monday 00:00 in Berlin


def run(settings: CommunitySettings, hours: int = 24 * 14, posts: dict[int, str] | None = None) -> list:
    model = CommunityModel(settings, START)
    actions = []
    t = START
    for h in range(hours):
        if posts and h in posts:
            model.post_published(h, posts[h], t)
        actions += model.step(t, t + timedelta(hours=1))
        t += timedelta(hours=1)
    return actions


def test_same_seed_same_story_other_seed_other_story() -> None:
    a = run(CommunitySettings(members=60, seed=3), hours=72)
    b = run(CommunitySettings(members=60, seed=3), hours=72)
    c = run(CommunitySettings(members=60, seed=4), hours=72)
    assert a == b
    assert a != c


def test_a_few_regulars_write_most_messages_and_lurkers_write_none() -> None:
    settings = CommunitySettings(members=200)
    model = CommunityModel(settings, START)
    per_member = Counter(a.member for a in run(settings) if isinstance(a, Say))
    counts = sorted(per_member.values(), reverse=True)
    top_tenth = sum(counts[: len(model.personas) // 10])
    assert top_tenth > 0.4 * sum(counts)  # the top 10% write over 40%
    lurkers = [p for p in model.personas if p.writes_per_day == 0]
    assert 0.25 * 200 < len(lurkers) < 0.55 * 200
    assert not any(per_member.get(p.index) for p in lurkers)


def test_members_reply_to_each_other_and_react_to_each_other() -> None:
    actions = run(CommunitySettings(members=100))
    says = {a.token: a for a in actions if isinstance(a, Say)}
    replies = [a for a in says.values() if a.reply_to is not None]
    assert 0.1 < len(replies) / len(says) < 0.6
    assert all(says[a.reply_to].member != a.member for a in replies if a.reply_to in says)
    pairs = {frozenset((a.member, says[a.reply_to].member)) for a in replies if a.reply_to in says}
    assert len(pairs) > 30
    assert any(isinstance(a, React) and a.token is not None for a in actions)


def test_new_members_join_and_some_leave() -> None:
    actions = run(CommunitySettings(members=200), hours=24 * 28)
    joins = [a for a in actions if isinstance(a, Join)]
    leaves = [a for a in actions if isinstance(a, Leave)]
    assert 15 < len(joins) < 60
    assert 3 < len(leaves) < len(joins)
    left = {a.member for a in leaves}
    last_leave = {a.member: a.at for a in leaves}
    assert not any(isinstance(a, Say) and a.member in left and a.at > last_leave[a.member] for a in actions)


def test_evening_posts_and_giveaways_draw_more_responders() -> None:
    settings = CommunitySettings(members=300)
    # A question every day at 09:00 and at 20:00 local (08:00 / 19:00 UTC), a giveaway on day 3.
    posts = {d * 24 + 8: "question" for d in range(14)} | {d * 24 + 19: "question" for d in range(14)}
    posts[3 * 24 + 20] = "giveaway"
    actions = run(settings, posts=posts)
    responders: dict[int, set[int]] = {}
    for a in actions:
        if isinstance(a, Respond):
            responders.setdefault(a.post, set()).add(a.member)
    morning = sum(len(responders.get(h, ())) for h in posts if h % 24 == 8)
    evening = sum(len(responders.get(h, ())) for h in posts if h % 24 == 19)
    assert evening > 1.2 * morning
    assert len(responders[3 * 24 + 20]) > 2 * (evening / 14)
    # Responses come after the post, mostly within a day.
    delays = [a.at - START - timedelta(hours=a.post) for a in actions if isinstance(a, Respond)]
    assert min(delays) >= timedelta(0)
    assert sorted(delays)[len(delays) // 2] < timedelta(hours=12)
