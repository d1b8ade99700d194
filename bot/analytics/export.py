"""CSV and JSON views of a Report: per-post, per-day and per-week figures (never activities)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

from bot.analytics import metrics as m
from bot.analytics.model import HEADLINES, PeriodFigures, Report
from bot.analytics.shares import SHARES_CSV_HEADER, share_rows, shares_json
from bot.analytics.voice import VOICE_CSV_HEADER, voice_json, voice_rows
from bot.analytics.welcome import WELCOME_CSV_HEADER, welcome_json, welcome_rows
from bot.analytics.word_of_mouth import WOM_CSV_HEADER, wom_json, wom_rows
from bot.core.localtime import zone

WEEK_COLUMNS = (
    "posts", "responders", "base", "participation_pooled", "participation_median", "last_post_rate",
    "first_response_minutes", "on_time", "due", "on_schedule", "dau", "wau", "mau", "stickiness", "active",
    "communicators", "communicator_share", "replies", "member_replies", "member_reply_share", "pairs", "returning",
    "previously_active", "returning_share", "joins", "leaves", "net", "member_count", "activated",
    "activation_base", "activation", "retained", "retention_base", "retention",
    "warming_up", "established_posts", "reach_median", "mutual_pairs", "partial",
)


def _fmt(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.6g}"
    return value


def _csv(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows([[_fmt(v) for v in row] for row in rows])
    return out.getvalue()


def local_time(ms: int, tz: str) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).astimezone(zone(tz)).isoformat(timespec="minutes")


def posts_csv(report: Report) -> str:
    header = (
        "post_id", "posted_at_local", "kind", "tag", "slot", "responders", "active_base", "rate", "rate_low",
        "rate_high", "member_count", "reach", "first_response_minutes", "warming_up", "sharers", "share_rate",
    )
    rows = []
    for p in report.posts:
        low, high = p.rate.interval
        rows.append(
            (
                p.post_id, local_time(p.posted_at, report.timezone), p.kind, p.tag or "",
                m.slot_label(m.slot_of(p.local_hour_of_week)), p.responders, p.base, p.rate.value,
                low if p.base else None, high if p.base else None, p.member_count, p.reach, p.first_response_minutes,
                int(p.warming_up),
                p.sharers, p.share_rate.value,
            )
        )
    return _csv(header, rows)


def days_csv(report: Report) -> str:
    header = ("date", "dau", "wau", "mau", "active_base_before", "communicators")
    rows = [(d.date.isoformat(), d.dau, d.wau, d.mau, d.base_before, d.communicators) for d in report.days]
    return _csv(header, rows)


def week_row(figures: PeriodFigures) -> list[Any]:
    return [date.fromordinal(figures.first_day).isoformat(), *(getattr(figures, c) for c in WEEK_COLUMNS)]


def weeks_csv(report: Report) -> str:
    """The 8 weeks before, then the week itself; a week in progress (``partial``) is followed by the
    previous week up to the same local time, the row its changes are computed against, with the
    instant in ``compared_through_local``."""
    rows = [[*week_row(h), ""] for h in report.history]
    if report.period.is_week:
        rows.append([*week_row(report.figures), ""])
        if report.figures.partial and report.previous.compared_through_ms is not None:
            rows.append([*week_row(report.previous), local_time(report.previous.compared_through_ms, report.timezone)])
    return _csv(("week_start", *WEEK_COLUMNS, "compared_through_local"), rows)


def csv_files(report: Report) -> dict[str, str]:
    """File name -> CSV text, as attached by /report export and written by `hearth export`."""
    stem = f"hearth-{report.guild_id}-{report.period.start.isoformat()}"
    return {
        f"{stem}-posts.csv": posts_csv(report),
        f"{stem}-days.csv": days_csv(report),
        f"{stem}-weeks.csv": weeks_csv(report),
        f"{stem}-voice.csv": _csv(VOICE_CSV_HEADER, voice_rows(report.voice)),
        f"{stem}-shares.csv": _csv(SHARES_CSV_HEADER, share_rows(report.shares)),
        f"{stem}-word-of-mouth.csv": _csv(WOM_CSV_HEADER, wom_rows(report.word_of_mouth)),
        f"{stem}-welcome.csv": _csv(WELCOME_CSV_HEADER, welcome_rows(report.welcome)),
    }


JSON_SCHEMA_VERSION = 2
"""docs/report-json.md: keys are only ever added within a version; a change of meaning bumps it."""


def figures_dict(figures: PeriodFigures) -> dict[str, Any]:
    data = figures.to_dict()
    for name in WEEK_COLUMNS:
        data[name] = getattr(figures, name)
    data["start"] = date.fromordinal(figures.first_day).isoformat()
    data["end"] = date.fromordinal(figures.last_day).isoformat()
    data["through"] = date.fromordinal(figures.through_day).isoformat()
    data["recording_start"] = _day(figures.recording_start)
    data["conversation_pairs"] = figures.pairs
    return data


def _day(ordinal: int | None) -> str | None:
    return None if ordinal is None else date.fromordinal(ordinal).isoformat()


def post_dict(p: m.PostFigures, tz: str) -> dict[str, Any]:
    low, high = p.rate.interval
    return {
        "post_id": p.post_id, "kind": p.kind, "tag": p.tag, "posted_at": local_time(p.posted_at, tz),
        "slot": m.slot_label(m.slot_of(p.local_hour_of_week)), "responders": p.responders, "base": p.base,
        "rate": p.rate.value, "rate_low": low if p.base else None, "rate_high": high if p.base else None,
        "interval_method": "wilson", "warming_up": p.warming_up, "member_count": p.member_count,
        "reach": p.reach, "first_response_minutes": p.first_response_minutes,
        "sharers": p.sharers, "share_rate": p.share_rate.value,
    }


def group_dict(g: m.GroupRate) -> dict[str, Any]:
    low, high = g.interval
    return {
        "key": g.key, "posts": g.posts, "warming_up_posts": g.warming_up_posts, "warming_up": g.warming_up,
        "responders": g.rate.numerator, "base": g.rate.denominator, "rate": g.rate.value,
        "low": low if g.rate.denominator else None, "high": high if g.rate.denominator else None,
        "interval_method": "post-level" if g.estimate is not None and g.posts >= 2 else "wilson",
        "recommendable": g.recommendable,
    }


def report_json(report: Report) -> dict[str, Any]:
    """The whole report as plain JSON-able data: `hearth report --format json` and the dashboard.

    The schema is documented key by key in docs/report-json.md (``schema_version`` 2).
    """
    best = report.best_time
    diff = best.difference
    tz = report.timezone
    return {
        "schema": "hearth.report",
        "schema_version": JSON_SCHEMA_VERSION,
        "guild_id": report.guild_id,
        "timezone": tz,
        "period": {"label": report.period.label, "start": report.period.start.isoformat(),
                   "end": report.period.end.isoformat(), "partial": report.figures.partial},
        "generated_at": report.generated_at.isoformat(),
        "recording_start": _day(report.figures.recording_start),
        "warming_up": report.figures.warming_up,
        "figures": figures_dict(report.figures),
        "previous": figures_dict(report.previous),
        "compared_with": report.headlines[0].compared_with if report.headlines else "previous",
        "previous_through": None if report.previous.compared_through_ms is None
        else local_time(report.previous.compared_through_ms, tz),
        "history": [figures_dict(h) for h in report.history],
        "headlines": [
            {"key": h.spec.key, "name": h.name, "side": h.spec.side, "unit": h.spec.unit, "value": h.value,
             "previous": h.previous, "change": h.change, "warming_up": h.warming_up, "shown_as": h.shown_as,
             "compared_with": h.compared_with}
            for h in report.headlines
        ],
        "weaker_side": None if report.weaker is None else {
            "side": report.weaker.side, "reason": report.weaker.reason,
            "week_start": None if report.weaker_week is None else _day(report.weaker_week.first_day)},
        "next_step": {"text": report.next_step.text, "evidence": report.next_step.evidence},
        "posts": [post_dict(p, tz) for p in report.posts],
        "by_kind": [group_dict(g) for g in report.by_kind],
        "by_tag": [group_dict(g) for g in report.by_tag],
        "best_time": {
            "kind": best.kind, "message": best.message, "current": best.current_label,
            "recommended": best.recommended.key if best.recommended else None,
            "best": best.best.key if best.best else None,
            "next_test": m.slot_label(best.next_test) if best.next_test is not None else None,
            "difference": None if diff is None else {"value": diff.value, "low": diff.low, "high": diff.high},
            "slots": [group_dict(g) for g in best.slots],
        },
        "peak": {str(k): v for k, v in sorted(report.peak.items())},
        "organic_peak": {str(k): v for k, v in sorted(report.organic_peak.items())},
        "streaks_as_of": _day(report.figures.through_day),
        "streaks": [{"member_id": s.member_id, "current": s.current, "longest": s.longest} for s in report.streaks],
        "days": [{"date": d.date.isoformat(), "dau": d.dau, "wau": d.wau, "mau": d.mau,
                  "active_base_before": d.base_before, "communicators": d.communicators} for d in report.days],
        "experiments": list(report.experiments),
        "headline_names": [h.name for h in HEADLINES],
        "voice": voice_json(report.voice),
        "shares": shares_json(report.shares),
        "word_of_mouth": wom_json(report.word_of_mouth),
        "welcome": welcome_json(report.welcome),
    }
