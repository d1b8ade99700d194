"""What a weekly summary says, as plain data, and its layout as plain text (no Discord here).

Every number arrives computed (bot/analytics); this module only formats it: values, week-over-
week arrows, the best and worst post, streaks, winners, the weaker side, the next step, the
warnings, and the thin-data version for a guild's first weeks. ``render`` gives the embed's
title, description, fields and footer so the cog only copies them into a ``discord.Embed``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from bot.core.discord_helpers import truncate
from bot.features.summary.chart import SummaryChart

log = logging.getLogger(__name__)

FIELD_LIMIT = 1024
MAX_EXPERIMENT_LINES = 5
DESCRIPTION_LIMIT = 4096
FLAT = 0.005
"""A rate change smaller than half a percentage point shows as flat (→)."""
FLAT_MINUTES = 0.5
WEEKS_NEEDED = 3
"""This week plus two previous weeks: the least a figure needs to be placed against its median."""


def message_url(guild_id: int, channel_id: int, message_id: int) -> str:
    return f"https://discord.com/channels/{guild_id}/{channel_id}/{message_id}"


def format_value(value: float | None, unit: str) -> str:
    if value is None:
        return "n/a"
    if unit == "min":
        return f"{value / 60:.1f} h" if value >= 120 else f"{value:.0f} min"
    if unit == "nps":
        return f"{value * 100:+.0f}"
    return f"{value:.0%}" if value >= 0.095 or value == 0 else f"{value:.1%}"


def format_change(value: float | None, previous: float | None, unit: str) -> str:
    """'↑ +2.1 pts', '↓ −12 min', '→' (flat) or '' when last week had no value."""
    if value is None or previous is None:
        return ""
    delta = value - previous
    flat = FLAT_MINUTES if unit == "min" else FLAT
    if abs(delta) < flat:
        return "→"
    arrow = "↑" if delta > 0 else "↓"
    sign = "+" if delta > 0 else "−"
    amount = f"{abs(delta):.0f} min" if unit == "min" else f"{abs(delta) * 100:.1f} pts"
    return f"{arrow} {sign}{amount}"


@dataclass(frozen=True)
class FigureLine:
    """One headline figure with last week's value (for the arrow)."""

    name: str
    side: str
    value: float | None
    previous: float | None
    unit: str = "%"
    higher_is_better: bool = True

    @property
    def text(self) -> str:
        change = format_change(self.value, self.previous, self.unit)
        worse_is_up = "" if self.higher_is_better else " (lower is better)"
        return f"{self.name}{worse_is_up}: **{format_value(self.value, self.unit)}** {change}".rstrip()


@dataclass(frozen=True)
class PostLine:
    kind: str
    tag: str | None
    url: str | None
    rate: float | None
    responders: int
    base: int

    @property
    def text(self) -> str:
        label = self.kind.capitalize() + (f" · {self.tag}" if self.tag else "")
        link = f"[{label}]({self.url})" if self.url else label
        members = "active member" if self.base == 1 else "active members"
        return f"{link}: {format_value(self.rate, '%')} of {self.base} {members} ({self.responders})"


@dataclass(frozen=True)
class Winner:
    what: str  # e.g. "Trivia", "Contest “Cats”"
    member_ids: tuple[int, ...]
    detail: str  # e.g. "40 points", "5 votes"

    @property
    def text(self) -> str:
        who = ", ".join(f"<@{m}>" for m in self.member_ids)
        return f"{self.what}: {who} ({self.detail})"


@dataclass(frozen=True)
class ThinData:
    """A guild's first weeks: what there is so far and what is missing."""

    weeks_with_data: int
    active: int = 0
    posts: int = 0
    responses: int = 0
    has_post_schedule: bool = False


@dataclass(frozen=True)
class SummaryContent:
    guild_id: int
    week_start: date
    timezone: str
    figures: Sequence[FigureLine] = ()
    weaker_side: str | None = None
    weaker_reason: str | None = None  # one sentence in markdown (bot.analytics.weaker_side.WeakerSide.markdown)
    next_step: str | None = None
    best_post: PostLine | None = None
    worst_post: PostLine | None = None
    streaks: Sequence[tuple[int, int]] = ()  # (member id, current streak in days), longest first
    winners: Sequence[Winner] = ()
    warnings: Sequence[str] = ()
    experiments: Sequence[str] = ()  # running and recently ended A/B tests (bot.features.experiments)
    thin: ThinData | None = None
    chart: SummaryChart | None = None
    late: bool = False
    you_said: Sequence[str] = ()  # "You said, we did": feedback moved to done/planned or declined this week
    best_shared: str | None = None  # bot.analytics.shares.best_line ("shares seen in this server")
    word_of_mouth: str | None = None  # joins by source, invited vs others' activation

    @property
    def week_end(self) -> date:
        return date.fromordinal(self.week_start.toordinal() + 6)


@dataclass(frozen=True)
class Rendered:
    title: str
    description: str
    fields: list[tuple[str, str, bool]] = field(default_factory=list)  # (name, value, inline)
    footer: str = ""


def week_label(start: date, end: date) -> str:
    if start.month == end.month:
        return f"{start.day}–{end.day} {end:%b %Y}"
    return f"{start.day} {start:%b} – {end.day} {end:%b %Y}"


def _field(name: str, lines: Sequence[str]) -> tuple[str, str, bool]:
    return (name, truncate("\n".join(lines), FIELD_LIMIT), False)


def render(content: SummaryContent) -> Rendered:
    """The summary's layout: short lines, most important first (weaker side and next step)."""
    title = f"Weekly summary · {week_label(content.week_start, content.week_end)}"
    footer = f"Weeks start Monday, {content.timezone} time · /report for the details"
    if content.late:
        footer = "Posted late (Hearth was offline at the scheduled time) · " + footer
    if content.thin is not None:
        rendered = _render_thin(content, title, footer)
    else:
        rendered = _render_full(content, title, footer)
    if content.you_said:
        rendered.fields.append(_field("You said, we did", content.you_said))
    if content.experiments:
        rendered.fields.append(_field("Experiments", content.experiments[:MAX_EXPERIMENT_LINES]))
    if content.warnings:
        rendered.fields.append(_field("Needs a moderator", [f"⚠️ {w}" for w in content.warnings[:8]]))
    return rendered


def _render_full(content: SummaryContent, title: str, footer: str) -> Rendered:
    lines = []
    if content.weaker_side is not None:
        lines.append(content.weaker_reason or f"**{content.weaker_side.capitalize()} is the weaker side.**")
    if content.next_step is not None:
        lines.append(f"**Next step:** {content.next_step}")
    fields = []
    for side, name in (("optimization", "Optimization"), ("engagement", "Engagement")):
        side_lines = [f.text for f in content.figures if f.side == side]
        if side_lines:
            fields.append((name, truncate("\n".join(side_lines), FIELD_LIMIT), True))
    posts = []
    if content.best_post is not None:
        posts.append(f"Best: {content.best_post.text}")
    if content.worst_post is not None:
        posts.append(f"Worst: {content.worst_post.text}")
    if content.best_shared is not None:
        posts.append(content.best_shared)
    if posts:
        fields.append(_field("Posts of the week", posts))
    if content.streaks:
        fields.append(
            _field("Top streaks", [" · ".join(f"<@{m}> {d} day{'s' if d != 1 else ''}" for m, d in content.streaks)])
        )
    if content.winners:
        fields.append(_field("Winners of the week", [w.text for w in content.winners]))
    if content.word_of_mouth is not None:
        fields.append(_field("Word of mouth", [content.word_of_mouth]))
    return Rendered(title, truncate("\n".join(lines), DESCRIPTION_LIMIT), fields, footer)


def _render_thin(content: SummaryContent, title: str, footer: str) -> Rendered:
    thin = content.thin
    assert thin is not None
    so_far = []
    if thin.active:
        so_far.append(f"{thin.active} active member{'s' if thin.active != 1 else ''}")
    if thin.posts:
        so_far.append(f"{thin.posts} Hearth post{'s' if thin.posts != 1 else ''}")
    if thin.responses:
        so_far.append(f"{thin.responses} response{'s' if thin.responses != 1 else ''} to them")
    intro = "Hearth is still getting to know this server" + (
        f": last week it saw {', '.join(so_far)}." if so_far else "."
    )
    description = (
        f"{intro}\nOnce each figure has {WEEKS_NEEDED} weeks of history, this summary will show "
        "participation per post, time to first response and posts on schedule next to returning "
        "members, member-to-member replies, stickiness and communicators, each with its week-over-week "
        "arrow, and then name the weaker side with one next step drawn from your figures."
    )
    todo = []
    if not thin.has_post_schedule:
        todo.append(
            "Schedule a daily question with `/question schedule` (or trivia with `/trivia schedule`): "
            "three or more posts a week give a participation rate and a best time to post."
        )
    elif thin.posts < 3:
        todo.append(
            f"Hearth posted {thin.posts} time{'s' if thin.posts != 1 else ''} last week: three or more posts "
            "a week give a participation rate and a best time to post."
        )
    missing = max(WEEKS_NEEDED - thin.weeks_with_data, 1)
    todo.append(
        f"Give it {missing} more week{'s' if missing != 1 else ''} of activity: each figure is compared "
        "with this server's own past weeks, never with other servers."
    )
    fields = [_field("To get there", [f"• {t}" for t in todo])]
    if content.streaks:
        fields.append(
            _field("Top streaks", [" · ".join(f"<@{m}> {d} day{'s' if d != 1 else ''}" for m, d in content.streaks)])
        )
    if content.winners:
        fields.append(_field("Winners of the week", [w.text for w in content.winners]))
    return Rendered(title, description, fields, footer)
