"""Share rate (METRICS v2 "Share rate"): members who forwarded a Hearth post inside the guild.

A forward of a Hearth post is recorded as a ``share`` activity linked to the post (the tracking
cog); each post's figure carries ``sharers`` (distinct members within W, over the same active base
as participation). Forwards into DMs or other servers never reach the bot, so every place this
figure appears says "shares seen in this server".
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from bot.analytics import metrics as m
from bot.analytics.stats import Rate, pooled_rate
from bot.storage.crossposts import CrosspostRepository
from bot.storage.database import Database

LABEL = "shares seen in this server"
SHARES_CSV_HEADER = ("group", "key", "posts", "sharers", "active_base", "share_rate", "rate_low", "rate_high")


@dataclass(frozen=True)
class ShareGroup:
    """Pooled share rate of a group of posts (Σ sharers / Σ bases, 95% interval)."""

    key: str
    posts: int
    rate: Rate


@dataclass(frozen=True)
class ShareFigures:
    """The period's shares: pooled over its posts, by kind and tag (evidence window), best post."""

    posts: int
    sharers: int
    base: int
    by_kind: list[ShareGroup]
    by_tag: list[ShareGroup]
    best: m.PostFigures | None
    published: int = 0  # posts published (crossposted) to following servers, whose members are out of sight

    @property
    def rate(self) -> Rate:
        return Rate(min(self.sharers, self.base), self.base)


def pooled_share(posts: Sequence[m.PostFigures]) -> Rate:
    return pooled_rate((min(p.sharers, p.base), p.base) for p in posts)


def shares_by(posts: Iterable[m.PostFigures], key: Callable[[m.PostFigures], str | None]) -> list[ShareGroup]:
    groups: dict[str, list[m.PostFigures]] = defaultdict(list)
    for post in posts:
        k = key(post)
        if k is not None:
            groups[k].append(post)
    result = [ShareGroup(k, len(ps), pooled_share(ps)) for k, ps in groups.items()]
    result.sort(key=lambda g: (-(g.rate.value or 0.0), -g.posts, g.key))
    return result


def best_shared(posts: Sequence[m.PostFigures]) -> m.PostFigures | None:
    """The period's most shared post (share rate, then sharers); None when nobody shared."""
    shared = [p for p in posts if p.sharers > 0 and p.base > 0]
    return max(shared, key=lambda p: (p.share_rate.value, p.sharers, -p.posted_at)) if shared else None


async def published_posts(db: Database, guild_id: int, posts: Sequence[m.PostFigures]) -> int:
    """How many of these posts were published to servers following their announcement channel."""
    return len(await CrosspostRepository(db).published_posts(guild_id, [p.post_id for p in posts]))


def share_figures(
    posts: Sequence[m.PostFigures], evidence: Sequence[m.PostFigures], published: int = 0
) -> ShareFigures:
    return ShareFigures(
        posts=len(posts),
        sharers=sum(p.sharers for p in posts),
        base=sum(p.base for p in posts),
        by_kind=shares_by(evidence, lambda p: p.kind),
        by_tag=shares_by(evidence, lambda p: p.tag),
        best=best_shared(posts),
        published=published,
    )


def rate_text(rate: Rate) -> str:
    if rate.value is None:
        return "not enough data yet"
    low, high = rate.interval
    return f"{rate.value:.1%} (95% {low:.1%}–{high:.1%}, {rate.numerator}/{rate.denominator})"


def best_line(figures: ShareFigures | None) -> str:
    """One sentence for the summary: the best shared post of the period."""
    if figures is None or figures.best is None:
        return f"No Hearth post was forwarded this week ({LABEL})."
    b = figures.best
    tag = f" ({b.tag})" if b.tag else ""
    who = "member" if b.sharers == 1 else "members"
    return f"Best shared post: the {b.kind}{tag}, forwarded by {b.sharers} {who}, {b.share_rate.value:.1%} ({LABEL})."


def share_lines(figures: ShareFigures | None) -> list[str]:
    if figures is None:
        return []
    lines = [f"**Share rate** ({LABEL}): pooled {rate_text(figures.rate)} over {figures.posts} posts"]
    lines.append(best_line(figures))
    if figures.by_kind:
        lines.append("By kind: " + "; ".join(f"{g.key} {rate_text(g.rate)}" for g in figures.by_kind))
    if figures.by_tag:
        lines.append("By tag: " + "; ".join(f"{g.key} {rate_text(g.rate)}" for g in figures.by_tag[:10]))
    lines.append("Forwards into DMs and other servers cannot be seen by a bot.")
    if (published := published_line(figures)) is not None:
        lines.append(published)
    return lines


def published_line(figures: ShareFigures | None) -> str | None:
    """Posts published to following servers, whose members Hearth can't see (docs/shares.md)."""
    if figures is None or not figures.published:
        return None
    posts = "post was" if figures.published == 1 else "posts were"
    return (
        f"{figures.published} {posts} published to servers following an announcement channel: reactions, "
        "replies and forwards there are out of Hearth's sight and not counted."
    )


def rate_cells(rate: Rate) -> tuple[Any, ...]:
    """numerator, denominator, value, 95% low and high (blank without a base): one CSV shape for rates."""
    low, high = rate.interval
    return (
        rate.numerator,
        rate.denominator,
        rate.value,
        low if rate.denominator else None,
        high if rate.denominator else None,
    )


def rate_json(rate: Rate) -> dict[str, Any]:
    return dict(zip(("numerator", "denominator", "value", "low", "high"), rate_cells(rate), strict=True))


def share_rows(figures: ShareFigures | None) -> list[tuple[Any, ...]]:
    if figures is None:
        return []
    rows = [("period", "all", figures.posts, *rate_cells(figures.rate))]
    rows += [("kind", g.key, g.posts, *rate_cells(g.rate)) for g in figures.by_kind]
    rows += [("tag", g.key, g.posts, *rate_cells(g.rate)) for g in figures.by_tag]
    return rows


def _group_json(g: ShareGroup) -> dict[str, Any]:
    low, high = g.rate.interval
    return {
        "key": g.key,
        "posts": g.posts,
        "sharers": g.rate.numerator,
        "base": g.rate.denominator,
        "rate": g.rate.value,
        "low": low if g.rate.denominator else None,
        "high": high if g.rate.denominator else None,
    }


def shares_json(figures: ShareFigures | None) -> dict[str, Any] | None:
    if figures is None:
        return None
    return {
        "label": LABEL,
        "posts": figures.posts,
        "sharers": figures.sharers,
        "base": figures.base,
        "rate": figures.rate.value,
        "best_post_id": figures.best.post_id if figures.best else None,
        "published_to_followers": figures.published,
        "by_kind": [_group_json(g) for g in figures.by_kind],
        "by_tag": [_group_json(g) for g in figures.by_tag],
    }
