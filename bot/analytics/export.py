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
from bot.analytics.word_of_mouth import WOM_CSV_HEADER, wom_json, wom_rows
from bot.core.localtime import zone

WEEK_COLUMNS = (
    "posts", "responders", "base", "participation_pooled", "participation_median", "last_post_rate",
    "first_response_minutes", "on_time", "due", "on_schedule", "dau", "wau", "mau", "stickiness", "active",
    "communicators", "communicator_share", "replies", "member_replies", "member_reply_share", "pairs", "returning",
    "previously_active", "returning_share", "joins", "leaves", "net", "member_count", "activated",
    "activation_base", "activation", "retained", "retention_base", "retention",
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
        "rate_high", "member_count", "reach", "first_response_minutes", "sharers", "share_rate",
    )
    rows = []
    for p in report.posts:
        low, high = p.rate.interval
        rows.append(
            (
                p.post_id, local_time(p.posted_at, report.timezone), p.kind, p.tag or "",
                m.slot_label(m.slot_of(p.local_hour_of_week)), p.responders, p.base, p.rate.value,
                low if p.base else None, high if p.base else None, p.member_count, p.reach, p.first_response_minutes,
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
    rows = [week_row(h) for h in report.history]
    if report.period.is_week:
        rows.append(week_row(report.figures))
    return _csv(("week_start", *WEEK_COLUMNS), rows)


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
    }


def figures_dict(figures: PeriodFigures) -> dict[str, Any]:
    data = figures.to_dict()
    for name in WEEK_COLUMNS:
        data[name] = getattr(figures, name)
    data["start"] = date.fromordinal(figures.first_day).isoformat()
    data["end"] = date.fromordinal(figures.last_day).isoformat()
    return data


def report_json(report: Report) -> dict[str, Any]:
    """The whole report as plain JSON-able data (for `hearth report --format json`)."""
    return {
        "guild_id": report.guild_id,
        "timezone": report.timezone,
        "period": {"label": report.period.label, "start": report.period.start.isoformat(),
                   "end": report.period.end.isoformat()},
        "generated_at": report.generated_at.isoformat(),
        "figures": figures_dict(report.figures),
        "previous": figures_dict(report.previous),
        "history": [figures_dict(h) for h in report.history],
        "headlines": [
            {"name": h.spec.name, "side": h.spec.side, "value": h.value, "previous": h.previous, "change": h.change}
            for h in report.headlines
        ],
        "weaker_side": None if report.weaker is None else {"side": report.weaker.side, "reason": report.weaker.reason},
        "next_step": {"text": report.next_step.text, "evidence": report.next_step.evidence},
        "posts": [
            {"post_id": p.post_id, "kind": p.kind, "tag": p.tag, "posted_at": local_time(p.posted_at, report.timezone),
             "responders": p.responders, "base": p.base, "rate": p.rate.value, "member_count": p.member_count,
             "reach": p.reach, "first_response_minutes": p.first_response_minutes,
             "sharers": p.sharers, "share_rate": p.share_rate.value}
            for p in report.posts
        ],
        "by_kind": [_group(g) for g in report.by_kind],
        "by_tag": [_group(g) for g in report.by_tag],
        "best_time": {"message": report.best_time.message,
                      "recommended": report.best_time.recommended.key if report.best_time.recommended else None,
                      "current": report.best_time.current.key if report.best_time.current else None,
                      "slots": [_group(g) for g in report.best_time.slots]},
        "peak": {str(k): v for k, v in sorted(report.peak.items())},
        "streaks": [{"member_id": s.member_id, "current": s.current, "longest": s.longest} for s in report.streaks],
        "headline_names": [h.name for h in HEADLINES],
        "voice": voice_json(report.voice),
        "shares": shares_json(report.shares),
        "word_of_mouth": wom_json(report.word_of_mouth),
    }


def _group(g: m.GroupRate) -> dict[str, Any]:
    low, high = g.rate.interval
    return {"key": g.key, "posts": g.posts, "responders": g.rate.numerator, "base": g.rate.denominator,
            "rate": g.rate.value, "low": low, "high": high, "recommendable": g.recommendable}
