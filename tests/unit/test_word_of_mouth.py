"""Join attribution rules and the word-of-mouth figures (pure)."""

from __future__ import annotations

from bot.analytics.word_of_mouth import word_of_mouth
from bot.features.invites.rules import AuditInvite, Seen, attribute, credited_inviter
from bot.storage.invites import JoinRow


def seen(code: str, uses: int, max_uses: int = 0, inviter: int = 1, expires: int | None = None) -> Seen:
    return Seen(code, inviter, uses, max_uses, expires)


def test_one_moved_count_is_exact_two_are_unknown() -> None:
    before = {"a": seen("a", 0), "b": seen("b", 3, inviter=2)}
    one = attribute(before, {"a": seen("a", 1), "b": seen("b", 3, inviter=2)}, at_ms=0)
    assert (one.source, one.method, one.code, one.inviter_id) == ("exact", "diff", "a", 1)
    two = attribute(before, {"a": seen("a", 1), "b": seen("b", 4, inviter=2)}, at_ms=0)
    assert (two.source, two.inviter_id) == ("unknown", None)
    with_vanity = attribute(before, {"a": seen("a", 1), "b": before["b"]}, at_ms=0, vanity_before=5, vanity_after=6)
    assert with_vanity.source == "unknown"
    vanity = attribute(before, dict(before), at_ms=0, vanity_before=5, vanity_after=6, vanity_code="v")
    assert (vanity.source, vanity.code) == ("vanity", "v")


def test_a_vanished_invite_needs_the_audit_log_and_its_last_use() -> None:
    before = {"once": seen("once", 0, max_uses=1), "many": seen("many", 2)}
    after = {"many": seen("many", 2)}
    assert attribute(before, after, at_ms=0).source == "unknown"  # can't tell a delete from a use
    found = attribute(before, after, at_ms=0, audit_readable=True)
    assert (found.source, found.method, found.code) == ("exact", "audit_log", "once")
    deleted = attribute(before, after, at_ms=0, audit_readable=True, deleted_by_moderator={"once"})
    assert deleted.source == "unknown"
    expired = {"once": seen("once", 0, max_uses=1, expires=10)}
    assert attribute(expired, {}, at_ms=20, audit_readable=True).source == "unknown"
    unlimited_gone = attribute({"many": seen("many", 2)}, {}, at_ms=0, audit_readable=True)
    assert unlimited_gone.source == "unknown"  # an unlimited invite can't vanish by a join


def test_audit_creates_for_codes_never_cached() -> None:
    entry = AuditInvite("x", 7, 1, 0, 0)
    found = attribute({}, {}, at_ms=5, audit_readable=True, audit_creates=[entry])
    assert (found.source, found.inviter_id) == ("exact", 7)
    two = attribute({}, {}, at_ms=5, audit_readable=True, audit_creates=[entry, AuditInvite("y", 8, 1, 0, 0)])
    assert two.source == "unknown"
    still_live = attribute({}, {"x": seen("x", 0, 1)}, at_ms=5, audit_readable=True, audit_creates=[entry])
    assert still_live.source == "unknown"


def test_credit_goes_to_a_member_never_to_oneself_or_for_a_rejoin() -> None:
    exact = attribute({"a": seen("a", 0, inviter=9)}, {"a": seen("a", 1, inviter=9)}, at_ms=0)
    assert credited_inviter(exact, 5, rejoin=False, inviter_is_member=True) == 9
    assert credited_inviter(exact, 9, rejoin=False, inviter_is_member=True) is None
    assert credited_inviter(exact, 5, rejoin=True, inviter_is_member=True) is None
    assert credited_inviter(exact, 5, rejoin=False, inviter_is_member=False) is None


def join(member: int, day: int, source: str = "exact", credited: int = 1) -> JoinRow:
    return JoinRow(1, member, day * 86_400_000, day, source, "diff", "c", 9 if credited else None, credited, 0)


def test_invited_members_activation_against_everyone_elses() -> None:
    joins = [
        join(1, 100),
        join(2, 100),
        join(3, 100, "unknown", 0),
        join(4, 100, "vanity", 0),
        join(5, 100, "exact", 0),
    ]
    active = {1: {101: 1}, 2: {108: 0}, 3: {}, 4: {102: 0}, 5: {}}
    wom = word_of_mouth(joins, active, today=120)
    assert wom.joins_by_source == {"member invite": 2, "other invite": 1, "vanity URL": 1, "unknown": 1}
    assert (wom.share.numerator, wom.share.denominator) == (2, 3)
    assert (wom.invited.activated.numerator, wom.invited.activated.denominator) == (1, 2)
    assert (wom.others.activated.numerator, wom.others.activated.denominator) == (1, 3)
    assert (wom.invited.retained.numerator, wom.others.retained.numerator) == (1, 0)
    diff, low, high = wom.difference("activated")
    assert low < diff < high and abs(diff - (1 / 2 - 1 / 3)) < 1e-9
    assert word_of_mouth(joins, active, today=120, excluded={1}).joins_by_source["member invite"] == 1


def test_the_summary_names_the_best_shared_post_and_word_of_mouth() -> None:
    from datetime import date

    from bot.analytics import metrics as m
    from bot.analytics.shares import best_line, share_figures
    from bot.analytics.word_of_mouth import summary_line
    from bot.features.summary.content import SummaryContent, render

    post = m.PostFigures(1, "question", "food", 0, 100, 0, 5, 40, None, None, sharers=2)
    other = m.PostFigures(2, "poll", None, 1, 100, 0, 3, 40, None, None, sharers=1)
    figures = share_figures([post, other], [post, other])
    assert figures.best is post
    line = best_line(figures)
    assert line == "Best shared post: the question (food), forwarded by 2 members, 5.0% (shares seen in this server)."
    wom = word_of_mouth([join(1, 100), join(2, 100, "unknown", 0)], {1: {100: 1}}, today=120)
    content = SummaryContent(1, date(2026, 3, 2), "UTC", best_shared=line, word_of_mouth=summary_line(wom))
    fields = {name: value for name, value, _ in render(content).fields}
    assert "Best shared post" in fields["Posts of the week"]
    assert fields["Word of mouth"].startswith("2 joined: 1 through members' invites, 0 other invites")
