"""Plain-text (Discord markdown) sections of a Report, shared by /report and `hearth report`."""

from __future__ import annotations

from datetime import date

from bot.analytics import metrics as m
from bot.analytics.export import local_time
from bot.analytics.model import Headline, Report
from bot.analytics.shares import LABEL as SHARES_LABEL
from bot.analytics.shares import published_line, share_lines
from bot.analytics.stats import Rate
from bot.analytics.voice import voice_lines
from bot.analytics.welcome import welcome_lines
from bot.analytics.word_of_mouth import wom_lines

NOT_YET = "not enough data yet"


def pct(value: float | None) -> str:
    return NOT_YET if value is None else f"{value:.1%}"


def _change(h: Headline) -> str:
    if h.change is None:
        return ""
    if h.spec.unit == "min":
        return f" ({h.change:+.0f} min vs {h.compared_with})"
    if h.spec.unit == "nps":
        return f" ({h.change * 100:+.0f} points vs {h.compared_with})"
    return f" ({h.change * 100:+.1f} pts vs {h.compared_with})"


def headline_value(h: Headline) -> str:
    if h.value is None:
        return NOT_YET
    if h.spec.unit == "nps":
        return f"{h.value * 100:+.0f}"
    return f"{h.value:.0f} min" if h.spec.unit == "min" else f"{h.value:.1%}"


def _rate(rate: Rate, interval: tuple[float, float] | None = None) -> str:
    if rate.value is None:
        return NOT_YET
    low, high = rate.interval if interval is None else interval
    return f"{rate.value:.1%} (95% {low:.1%}–{high:.1%}, {rate.numerator}/{rate.denominator})"


WARMING = " (warming up)"
WARM_UP_NOTE = (
    "Warming up: fewer than 28 recorded days before, so the active base is incomplete; such rates are shown "
    "marked and left out of medians, comparisons, best time and the weaker side."
)


def group_line(g: m.GroupRate) -> str:
    """One group (kind, tag, slot): pooled rate, post-level 95% interval, posts, warm-up and recommendation notes."""
    text = f"{g.key}: {_rate(g.rate, g.interval)}, {g.posts} post{'s' if g.posts != 1 else ''}"
    if g.warming_up:
        return text + WARMING + ", not recommended"
    if g.warming_up_posts:
        text += f" (+{g.warming_up_posts} warming up, left out)"
    if not g.recommendable:
        text += " (fewer than 3 posts: not recommended)"
    return text


def partial_note(r: Report) -> str:
    """What a period in progress is compared with (METRICS v2 "Partial weeks": say so)."""
    through = local_time(r.previous.compared_through_ms or 0, r.timezone)
    shown = f"{through[:10]} {through[11:16]}"
    return (
        f"*In progress: changes compare it with {r.headlines[0].compared_with} (the previous period up to "
        f"{shown}), not with a complete one.*"
    )


def overview(r: Report) -> list[str]:
    f, p = r.figures, r.previous
    lines = [f"**{r.period.label}** ({r.period.start} – {r.period.end}, {r.timezone})", "", "**Optimization**"]
    by_key = {h.spec.key: h for h in r.headlines}
    if f.warming_up:
        lines[0] += WARMING
    if f.partial and p.compared_through_ms is not None:
        lines.insert(1, partial_note(r))
    part = by_key["participation_median"]
    if part.shown_as == "reach":
        lines.append(
            f"{part.name}: median {headline_value(part)} over {f.posts} posts; no post has 28 recorded days "
            "before it yet, so participation is not shown"
        )
    else:
        lines.append(
            f"Participation rate: median {headline_value(part)}{_change(part)} over {f.established_posts} "
            f"established posts, last post {pct(f.last_post_rate)}, pooled {pct(f.participation_pooled)} "
            f"over {f.posts} posts"
        )
    for key in ("first_response_minutes", "on_schedule"):
        h = by_key[key]
        extra = f" ({f.on_time}/{f.due} due)" if key == "on_schedule" else ""
        lines.append(f"{h.spec.name}: {headline_value(h)}{extra}{_change(h)}")
    lines += ["", "**Engagement**"]
    active = f"DAU (28-day mean) {f.dau:.1f} · WAU {f.wau} · MAU {f.mau}" if f.dau is not None else NOT_YET
    lines.append(f"Active members: {active}")
    for key in ("stickiness", "communicator_share", "member_reply_share", "returning_share"):
        h = by_key[key]
        lines.append(f"{h.name}: {headline_value(h)}{_change(h)}")
    if "nps" in by_key:
        lines.append(f"NPS (latest pulse survey): {headline_value(by_key['nps'])}{_change(by_key['nps'])}")
    lines.append(
        f"Conversation pairs (members who replied to each other, either way): {f.pairs} (previous {p.pairs}); "
        f"mutual pairs (replies both ways): {f.mutual_pairs}"
    )
    lines.append(
        f"New-member activation: {pct(f.activation)} ({f.activated}/{f.activation_base}), next-week retention: "
        f"{pct(f.retention)} ({f.retained}/{f.retention_base})"
    )
    members = "unknown" if f.member_count is None else str(f.member_count)
    lines.append(
        f"Growth: +{f.joins} joined, −{f.leaves} left, net {f.net:+d} (previous {p.net:+d}), members {members}"
    )
    lines += [""]
    if r.weaker is None:
        lines.append("Weaker side: still learning this community (2 complete, established weeks needed).")
    else:
        lines.append(r.weaker.markdown)
    lines.append(f"Next step: {r.next_step.text}")
    return lines


def posts(r: Report) -> list[str]:
    if not r.posts:
        return [f"No Hearth posts in {r.period.label}."]
    lines = ["`when (local)      kind      tag         resp  rate   reach  shares`"]
    for p in r.posts:
        reach = "  n/a" if p.reach is None else f"{p.reach:5.1%}"
        rate = "  n/a" if p.rate.value is None else f"{p.rate.value:5.1%}"
        shared = "  n/a" if p.share_rate.value is None else f"{p.share_rate.value:5.1%}"
        lines.append(
            f"`{local_time(p.posted_at, r.timezone)[:16]:17} {p.kind[:9]:9} {(p.tag or '-')[:11]:11} "
            f"{p.responders:4}  {rate} {reach}  {shared}`" + (" *warming up*" if p.warming_up else "")
        )
    best, worst = r.best_post, r.worst_post
    if best is not None:
        lines.append(f"Best: {best.kind} {best.tag or ''} {pct(best.rate.value)}")
    if worst is not None:
        lines.append(f"Worst: {worst.kind} {worst.tag or ''} {pct(worst.rate.value)}")
    lines.append("rate = responders within 24 h / members active in the 28 days before; reach = / member count")
    if any(p.warming_up for p in r.posts):
        lines.append(WARM_UP_NOTE)
    lines.append(f"shares = members who forwarded it within 24 h / the same base ({SHARES_LABEL})")
    if (published := published_line(r.shares)) is not None:
        lines.append(published)
    return lines


def timing(r: Report) -> list[str]:
    bt = r.best_time
    lines = [f"Best time to post: {bt.message}", f"Slots compared within one kind ({bt.kind} posts, last 90 days):"]
    for g in bt.slots:  # every slot with posts: none hidden
        current = " ← current" if bt.current is not None and g.key == bt.current.key else ""
        lines.append(group_line(g) + current)
    if bt.current is None and bt.current_label is not None:
        lines.append(f"{bt.current_label} ← current: no {bt.kind} post there in the last 90 days")
    busiest = sorted(m.slot_grid(r.organic_peak).items(), key=lambda kv: -kv[1])[:3]
    if busiest:
        lines.append(
            "Busiest slots (last 28 days, organic: without responses to Hearth posts): "
            + ", ".join(f"{m.slot_label(s)} ({n})" for s, n in busiest)
        )
    return lines


def content(r: Report) -> list[str]:
    lines = ["**By kind** (posts of the last 90 days, pooled)"]
    lines += [group_line(g) for g in r.by_kind] or [NOT_YET]
    lines.append("**By tag** (every deck and tag posted)")
    lines += [group_line(g) for g in r.by_tag] or ["no tags"]
    lines.append(
        "Intervals reflect post-to-post variation. Groups with fewer than 3 established posts are shown but "
        "never recommended."
    )
    lines += share_lines(r.shares)
    if r.experiments:
        lines.append("**A/B tests**")
        lines += r.experiments
    return lines


def members(r: Report) -> list[str]:
    as_of = "today" if r.figures.partial else r.period.end.isoformat()
    lines = [f"**Top response streaks** (consecutive days answering a Hearth post, as of {as_of})"]
    lines += [f"<@{s.member_id}>: {s.current} days (longest {s.longest})" for s in r.streaks] or ["No live streaks."]
    f = r.figures
    lines.append(f"Communicators: {f.communicators} of {f.active} active members")
    lines.append(f"Returning: {f.returning} of {f.previously_active} members active in the previous period")
    lines += wom_lines(r.word_of_mouth)
    lines += welcome_lines(r.welcome)
    return lines


def voice(r: Report) -> list[str]:
    return voice_lines(r.voice)


SECTION_RENDERERS = {
    "overview": overview, "posts": posts, "timing": timing, "content": content, "members": members, "voice": voice,
}


def render(r: Report, section: str = "overview") -> str:
    return "\n".join(SECTION_RENDERERS[section](r))


def day_label(ordinal: int) -> str:
    return date.fromordinal(ordinal).isoformat()
