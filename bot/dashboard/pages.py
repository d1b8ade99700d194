"""The HTML pages: one handler per page, each reading the report through the backend."""

from __future__ import annotations

import re
import secrets
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import aiohttp_jinja2
from aiohttp import web
from markupsafe import escape

from bot.core.localtime import zone
from bot.dashboard import charts
from bot.dashboard.backend import DEFAULT_PERIOD, PERIODS, ActionRefused, Backend
from bot.dashboard.security import BACKEND, Refused, check_csrf, csrf_token, moderator_guild, parse_id, session_of

ISO_WEEK = re.compile(r"^\d{4}-W(0[1-9]|[1-4]\d|5[0-3])$")
PAGES = (("", "Overview"), ("posts", "Posts"), ("timing", "Timing"), ("content", "Content"),
         ("members", "Members"), ("experiments", "Experiments"), ("schedules", "Schedules"), ("voice", "Voice"),
         ("export", "Export"))
SORTS = ("posted_at", "kind", "tag", "responders", "rate", "reach", "first_response_minutes")
CSV_KINDS = ("posts", "days", "weeks")
FEEDBACK_SHOWN = 100
# What differs between two moderators' copies of one page: rendered with these marks, replaced per request.
NAME_MARK, CSRF_MARK = f"hearth-name-{secrets.token_hex(16)}", f"hearth-csrf-{secrets.token_hex(16)}"
RENDERED_PER_BUILD = 16  # distinct (page, query) copies kept per report build (then they start over)


def backend_of(request: web.Request) -> Backend:
    return request.app[BACKEND]  # type: ignore[return-value]


def period_of(request: web.Request) -> str:
    period = request.query.get("period", DEFAULT_PERIOD)
    if period not in PERIODS and not ISO_WEEK.match(period):
        raise Refused(400, "Unknown period", "Choose week, last week, 28 days, 90 days or a week like 2026-W47.")
    return period


def recent_weeks(tz: str, now: Any, count: int = 9) -> list[str]:
    today = now.astimezone(zone(tz)).date()
    weeks = []
    for back in range(count):
        year, week, _ = (today - timedelta(weeks=back)).isocalendar()
        weeks.append(f"{year}-W{week:02d}")
    return weeks


@contextmanager
def report_refusals() -> Iterator[None]:
    """A report the backend cannot give (nothing recorded yet, a period it does not know) answers 400 with
    the backend's reason, on a page as under /api."""
    try:
        yield
    except ActionRefused as exc:
        raise Refused(400, "No report", str(exc)) from exc


async def context(request: web.Request, page: str) -> dict[str, Any]:
    """Rights re-checked here, on this request; then what every page's frame shows."""
    uid, guild_id, standing = await moderator_guild(request)
    backend = backend_of(request)
    session = await session_of(request)
    period = period_of(request)
    tz = await backend.timezone(guild_id)
    return {
        "user_name": session.get("name", ""), "user_id": uid, "guild_id": guild_id, "guild_name": standing.guild_name,
        "csrf": csrf_token(session), "page": page, "pages": PAGES, "period": period, "periods": PERIODS,
        "weeks": recent_weeks(tz, backend.clock.now()), "timezone": tz, "notice": session.pop("notice", None),
        "query": f"?period={period}" if period != DEFAULT_PERIOD else "",
    }


async def with_report(request: web.Request, page: str) -> tuple[dict[str, Any], dict[Any, str]]:
    """The frame's context (rights re-checked first) with the report as ``r``, and the pages rendered from
    that same report build."""
    ctx = await context(request, page)
    with report_refusals():
        ctx["r"], rendered = await backend_of(request).report_and_pages(ctx["guild_id"], ctx["period"])
    return ctx, rendered


Fill = Callable[[web.Request, dict[str, Any]], Awaitable[None]]


def report_page(template: str, page: str) -> Callable[[Fill], Callable[[web.Request], Awaitable[web.Response]]]:
    """A page drawn from the report alone: the moderator check runs on every request, before anything else;
    then the page's bytes come from the report build they were drawn from, rendered once per build and
    (guild name, query, week, time zone), with the viewer's name and CSRF token put in on each request.
    ``fill`` adds what the page shows beside the frame; a page with a notice is rendered afresh."""

    def wrap(fill: Fill) -> Callable[[web.Request], Awaitable[web.Response]]:
        async def handler(request: web.Request) -> web.Response:
            ctx, rendered = await with_report(request, page)
            if ctx["notice"] or not ctx["user_name"]:
                await fill(request, ctx)
                return aiohttp_jinja2.render_template(template, request, ctx)
            key = (page, ctx["guild_name"], ctx["timezone"], ctx["weeks"][0], tuple(sorted(request.query.items())))
            text = rendered.get(key)
            if text is None:
                await fill(request, ctx)
                text = aiohttp_jinja2.render_string(template, request, ctx | {"user_name": NAME_MARK,
                                                                               "csrf": CSRF_MARK})
                if len(rendered) >= RENDERED_PER_BUILD:
                    rendered.clear()
                rendered[key] = text
            text = text.replace(NAME_MARK, escape(ctx["user_name"])).replace(CSRF_MARK, escape(ctx["csrf"]))
            return web.Response(text=text, content_type="text/html")

        return handler

    return wrap


@report_page("overview.html", "")
async def overview(request: web.Request, ctx: dict[str, Any]) -> None:
    r = ctx["r"]
    ctx["trends"] = charts.trends(r)
    ctx["weeks_rows"] = charts.weeks_of(r)
    ctx["sparks"] = {key: charts.sparkline([w.get(key) for w in ctx["weeks_rows"]]) for key, _ in charts.TRENDS}
    ctx["trend_names"] = charts.TRENDS


@report_page("posts.html", "posts")
async def posts(request: web.Request, ctx: dict[str, Any]) -> None:
    r = ctx["r"]
    details = await backend_of(request).post_details(ctx["guild_id"], r)
    kind, tag = request.query.get("kind", ""), request.query.get("tag", "")
    sort = request.query.get("sort", "posted_at")
    sort = sort if sort in SORTS else "posted_at"
    descending = request.query.get("order", "asc") == "desc"
    rows = [p for p in r["posts"] if (not kind or p["kind"] == kind) and (not tag or (p["tag"] or "") == tag)]

    def key(p: dict[str, Any]) -> tuple[bool, Any]:
        value = p.get(sort)
        return (value is None, value if value is not None else 0)

    rows.sort(key=key, reverse=descending)
    shares = {p["post_id"]: p.get("sharers") for p in r["posts"]}
    ctx.update(rows=rows, details=details, kind=kind, tag=tag, sort=sort, order="desc" if descending else "asc",
               kinds=sorted({p["kind"] for p in r["posts"]}), tags=sorted({p["tag"] for p in r["posts"] if p["tag"]}),
               sorts=SORTS, shares=shares)


@report_page("timing.html", "timing")
async def timing(request: web.Request, ctx: dict[str, Any]) -> None:
    r = ctx["r"]
    maps = [("All activity", r["peak"])]
    if r.get("organic_peak") is not None:
        maps.append(("Organic activity (not in reply to Hearth's posts)", r["organic_peak"]))
    ctx["maps"] = [
        {"title": title, "chart": charts.heatmap(peak, title), "grid": charts.heat_grid(peak),
         "top": max(peak.values(), default=0)}
        for title, peak in maps
    ]
    ctx["days"] = charts.DAYS
    ctx["heat_class"] = charts.heat_class


@report_page("content.html", "content")
async def content(request: web.Request, ctx: dict[str, Any]) -> None:
    r = ctx["r"]
    ctx["kind_chart"] = charts.group_bars(r["by_kind"], "Participation by kind (95% interval)")
    ctx["tag_chart"] = charts.group_bars(r["by_tag"], "Participation by deck (95% interval)")


@report_page("members.html", "members")
async def members(request: web.Request, ctx: dict[str, Any]) -> None:
    r = ctx["r"]
    ctx["names"] = await backend_of(request).names(ctx["guild_id"], [s["member_id"] for s in r["streaks"][:10]])
    ctx["f"] = r["figures"]
    ctx["word_of_mouth"] = r.get("word_of_mouth")
    ctx["shares"] = r.get("shares")


@aiohttp_jinja2.template("experiments.html")
async def experiments(request: web.Request) -> dict[str, Any]:
    ctx = await context(request, "experiments")
    found = await backend_of(request).experiment_list(ctx["guild_id"])
    for e in found:
        e["chart"] = charts.arm_bars(e["arms"])
    ctx["experiments"] = found
    return ctx


@aiohttp_jinja2.template("schedules.html")
async def schedules(request: web.Request) -> dict[str, Any]:
    ctx = await context(request, "schedules")
    ctx["schedules"] = await backend_of(request).schedules(ctx["guild_id"])
    return ctx


@aiohttp_jinja2.template("voice.html")
async def voice(request: web.Request) -> dict[str, Any]:
    """Not kept between requests: the feedback items change as moderators review them in Discord."""
    ctx, _ = await with_report(request, "voice")
    voice = ctx["voice"] = ctx["r"].get("voice")
    if voice:
        ctx["flow_chart"] = charts.feedback_flow(voice["weeks"])
        ctx["nps_chart"] = charts.nps_trend(voice["surveys"])
    items = await backend_of(request).feedback_items(ctx["guild_id"])
    ctx["items"], ctx["more_items"] = items[:FEEDBACK_SHOWN], max(0, len(items) - FEEDBACK_SHOWN)
    return ctx


@aiohttp_jinja2.template("export.html")
async def export(request: web.Request) -> dict[str, Any]:
    ctx = await context(request, "export")
    ctx["csv_kinds"] = CSV_KINDS
    return ctx


async def export_file(request: web.Request) -> web.StreamResponse:
    ctx = await context(request, "export")
    wanted = request.match_info["kind"]
    if wanted not in CSV_KINDS:
        raise Refused(404, "Not found", "There is nothing here.")
    with report_refusals():
        files = await backend_of(request).csv(ctx["guild_id"], ctx["period"])
    name = next(n for n in files if n.endswith(f"-{wanted}.csv"))
    return web.Response(text=files[name], content_type="text/csv", charset="utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})


# -- writes: CSRF, then the moderator check on this request, then the slash command's service ----------
async def _write(request: web.Request, page: str, action: Any) -> web.StreamResponse:
    await check_csrf(request)
    uid, guild_id, _ = await moderator_guild(request)
    session = await session_of(request)
    try:
        session["notice"] = await action(backend_of(request), guild_id, uid)
    except ActionRefused as exc:
        session["notice"] = str(exc)
    raise web.HTTPSeeOther(f"/g/{guild_id}/{page}")


async def apply_winner(request: web.Request) -> web.StreamResponse:
    experiment_id = parse_id(request.match_info["item_id"])
    return await _write(request, "experiments", lambda b, g, u: b.apply_winner(g, experiment_id, u))


async def pause(request: web.Request) -> web.StreamResponse:
    schedule_id = parse_id(request.match_info["item_id"])
    return await _write(request, "schedules", lambda b, g, u: b.set_paused(g, schedule_id, True, u))


async def resume(request: web.Request) -> web.StreamResponse:
    schedule_id = parse_id(request.match_info["item_id"])
    return await _write(request, "schedules", lambda b, g, u: b.set_paused(g, schedule_id, False, u))


def add_routes(app: web.Application) -> None:
    g = "/g/{guild_id}"
    r = app.router
    r.add_get(g, overview)
    r.add_get(g + "/", overview)
    for name, handler in (("posts", posts), ("timing", timing), ("content", content), ("members", members),
                          ("experiments", experiments), ("schedules", schedules), ("voice", voice),
                          ("export", export)):
        r.add_get(f"{g}/{name}", handler)
    r.add_get(g + "/export/{kind}.csv", export_file)
    r.add_post(g + "/experiments/{item_id}/apply", apply_winner)
    r.add_post(g + "/schedules/{item_id}/pause", pause)
    r.add_post(g + "/schedules/{item_id}/resume", resume)

