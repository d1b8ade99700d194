"""Pure metric functions against hand-computed values, plus property tests of the pooled rates."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.analytics import metrics as m
from bot.analytics.stats import Rate


def post(pid: int, responders: int, base: int, how: int = 9, kind: str = "question", scheduled: bool = False,
         first: int | None = None) -> m.PostFigures:
    return m.PostFigures(pid, kind, None, 0, 0, how, responders, base, None, first, scheduled)


def test_responders_outside_the_28_day_base_join_it_so_a_rate_never_exceeds_one() -> None:
    assert m.active_base({1, 2, 3}, [3, 4]) == 4
    assert post(1, 2, m.active_base(set(), [7, 8])).rate.value == 1.0


def test_window_keeps_only_responses_within_24_hours() -> None:
    day = 24 * 3600 * 1000
    assert m.window_responders([(1, 10), (2, day - 1), (3, day)], 0) == {1: 10, 2: day - 1}


def test_participation_median_and_first_response_skip_posts_without_data() -> None:
    posts = [post(1, 1, 10, first=60_000), post(2, 3, 10, first=180_000), post(3, 0, 0), post(4, 0, 10)]
    assert m.participation_median(posts) == 0.1  # rates 0.1, 0.3, 0.0 -> median 0.1
    assert m.first_response_median(posts) == 2.0  # 1 and 3 minutes
    assert m.pooled_participation(posts) == Rate(4, 30)


def test_reach_is_none_without_a_usable_member_count() -> None:
    base = post(1, 5, 10)
    assert base.reach is None
    assert m.PostFigures(1, "q", None, 0, 0, 0, 5, 10, 0, None).reach is None
    assert m.PostFigures(1, "q", None, 0, 0, 0, 5, 10, 4, None).reach is None  # stale count
    assert m.PostFigures(1, "q", None, 0, 0, 0, 5, 10, 50, None).reach == 0.1


def test_stickiness_counts_quiet_days_as_zero_and_needs_a_mau() -> None:
    assert m.stickiness({1: 4, 2: 2}, [1, 2, 3, 4], 8) == (6 / 4) / 8
    assert m.stickiness({}, [1, 2], 0) is None


def test_returning_and_shares() -> None:
    assert m.returning({1, 2, 3, 4}, {2, 4, 9}) == Rate(2, 4)
    assert m.returning(set(), {1}).value is None
    assert m.member_reply_share(0, 0).value is None


def test_activation_counts_only_joiners_whose_window_has_passed() -> None:
    joins = [(1, 100), (2, 100), (3, 110), (1, 103)]
    days = {1: {100, 108}, 2: {99, 115}, 3: {111}}
    result = m.activation(joins, days, today=115)
    # 1 and 2 joined on 100 (window 100..106 passed): 1 active on 100 -> 1/2; 3 (110..116) not yet.
    assert result.activated == Rate(1, 2)
    # retention needs 100+13 < 115: member 1 active on 108 (days 107..113) -> 1/2.
    assert result.retained == Rate(1, 2)
    assert m.activation([], {}, 0).activated.value is None


def test_best_time_recommends_only_with_non_overlapping_intervals() -> None:
    # Current slot Mon 09-12 (hour 9): 3 posts at 5/100; best Tue 18-21 (hour 42): 3 posts at 60/100.
    current = [post(i, 5, 100, how=9, scheduled=True) for i in range(3)]
    better = [post(10 + i, 60, 100, how=42) for i in range(3)]
    result = m.best_time(current + better, m.current_slot(current + better), {})
    assert result.recommended is not None and result.recommended.key == "Tue 18:00-21:00"


def test_best_time_overlap_or_thin_groups_give_next_test_from_peak_grid() -> None:
    current = [post(i, 5, 20, how=9, scheduled=True) for i in range(3)]
    close = [post(10 + i, 7, 20, how=42) for i in range(3)]
    thin = [post(20, 20, 20, how=60)]  # 100% but a single post: shown, never recommended
    peak = {9: 50, 100: 30, 130: 80}
    result = m.best_time(current + close + thin, m.current_slot(current), peak)
    assert result.recommended is None
    assert result.next_test == m.slot_of(130)
    assert "Not enough evidence yet" in result.message and "Sat 09:00-12:00" in result.message
    assert not next(g for g in result.slots if g.key == "Wed 12:00-15:00").recommendable


def test_day_windows_match_brute_force_and_skip_opted_out() -> None:
    rows = [(d, mem, 1 if mem % 2 else 0) for d in range(0, 60) for mem in range(10) if (d * mem) % 7 < 3]
    excluded = {3}
    days, bases = m.day_windows(sorted(rows), 30, 59, excluded, {40: [(1, {99, 2})]})
    active = {}
    for d, mem, _ in rows:
        if mem not in excluded:
            active.setdefault(d, set()).add(mem)

    def distinct(lo: int, hi: int) -> set[int]:
        return set().union(*(active.get(d, set()) for d in range(lo, hi + 1)))

    for d in range(30, 60):
        w = days[d]
        assert (w.dau, w.wau, w.mau, w.base_before) == (
            len(active.get(d, ())), len(distinct(d - 6, d)), len(distinct(d - 27, d)), len(distinct(d - 28, d - 1))
        )
    assert bases[1] == len(distinct(12, 39) | {99, 2})


@given(st.lists(st.tuples(st.integers(0, 50), st.integers(0, 50), st.integers(0, 200)), max_size=30))
def test_pooled_rates_stay_in_unit_interval_and_intervals_contain_the_estimate(raw) -> None:  # type: ignore[no-untyped-def]
    posts = []
    for i, (responders, outside, base) in enumerate(raw):
        size = m.active_base(base, range(outside))
        posts.append(post(i, min(responders, size), size, how=i % 168, kind=f"k{i % 3}"))
    for group in [*m.rates_by(posts, lambda p: p.kind), m.GroupRate("all", len(posts), m.pooled_participation(posts))]:
        value = group.rate.value
        low, high = group.rate.interval
        if value is None:
            assert (low, high) == (0.0, 1.0)
        else:
            assert 0.0 <= low <= value <= high <= 1.0
