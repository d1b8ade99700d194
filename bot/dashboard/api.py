"""The JSON API behind the pages, described by ``openapi()`` (served at /api/openapi.json).

Same guards as the pages: the session, the moderator check against the live guild on every
request, CSRF (header ``X-CSRF-Token``) on writes. Errors are ``{"error": ..., "detail": ...}``.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from bot.dashboard.backend import ActionRefused, message_link
from bot.dashboard.pages import backend_of, period_of, report_refusals
from bot.dashboard.security import (
    CSRF_HEADER,
    OAUTH,
    Refused,
    check_csrf,
    csrf_token,
    moderator_guild,
    parse_id,
    session_of,
    user_of,
)

PREFIX = "/api/v1"


async def guilds(request: web.Request) -> web.Response:
    uid = await user_of(request)
    if uid is None:
        raise Refused(401, "Log in", "Log in with Discord first.")
    session = await session_of(request)
    return web.json_response({"guilds": await moderated_guilds(request, session.get("token", "")),
                              "csrf_token": csrf_token(session)})


async def moderated_guilds(request: web.Request, access_token: str) -> list[dict[str, Any]]:
    """Guilds where Hearth is and the user moderates, each re-checked live now."""
    uid = await user_of(request)
    backend = backend_of(request)
    try:
        theirs = set(await request.app[OAUTH].guild_ids(access_token))
    except Exception:
        theirs = set()
    out = []
    for guild_id in await backend.facts.bot_guild_ids():
        if guild_id in theirs and uid is not None:
            standing = await backend.rights.standing(guild_id, uid)
            if standing.allowed:
                out.append({"id": str(guild_id), "name": standing.guild_name})
    return out


async def report(request: web.Request) -> web.Response:
    _, guild_id, _ = await moderator_guild(request)
    with report_refusals():
        data = await backend_of(request).report_data(guild_id, period_of(request))
    return web.json_response(data, dumps=_dumps)


async def posts(request: web.Request) -> web.Response:
    """What each post of the period asked (Hearth's own texts, as the posts page shows them), in the report's
    order; ``post_id`` joins it to the report's ``posts``."""
    _, guild_id, _ = await moderator_guild(request)
    backend = backend_of(request)
    with report_refusals():
        data = await backend.report_data(guild_id, period_of(request))
    details = await backend.post_details(guild_id, data)
    out = []
    for p in data["posts"]:
        d = details.get(p["post_id"])
        out.append({"post_id": str(p["post_id"]), "kind": p["kind"], "posted_at": p["posted_at"],
                    "text": d.text if d else None, "options": list(d.options) if d else [],
                    "link": message_link(guild_id, d.channel_id, d.message_id) if d else None})
    return web.json_response({"period": data["period"], "posts": out}, dumps=_dumps)


async def feedback(request: web.Request) -> web.Response:
    """Every feedback item, newest first, as the voice page and ``/feedback list`` show them: an anonymous
    item has ``from: null`` and nothing else that says who sent it."""
    _, guild_id, _ = await moderator_guild(request)
    return web.json_response({"items": await backend_of(request).feedback_items(guild_id)}, dumps=_dumps)


async def schedules(request: web.Request) -> web.Response:
    _, guild_id, _ = await moderator_guild(request)
    return web.json_response({"schedules": await backend_of(request).schedules(guild_id)})


async def experiments(request: web.Request) -> web.Response:
    _, guild_id, _ = await moderator_guild(request)
    return web.json_response({"experiments": await backend_of(request).experiment_list(guild_id)})


async def _write(request: web.Request, action: Any) -> web.Response:
    await check_csrf(request)
    uid, guild_id, _ = await moderator_guild(request)
    try:
        return web.json_response({"ok": True, "message": await action(backend_of(request), guild_id, uid)})
    except ActionRefused as exc:
        return web.json_response({"ok": False, "message": str(exc)}, status=409)


async def pause(request: web.Request) -> web.Response:
    item = parse_id(request.match_info["item_id"])
    return await _write(request, lambda b, g, u: b.set_paused(g, item, True, u))


async def resume(request: web.Request) -> web.Response:
    item = parse_id(request.match_info["item_id"])
    return await _write(request, lambda b, g, u: b.set_paused(g, item, False, u))


async def apply_winner(request: web.Request) -> web.Response:
    item = parse_id(request.match_info["item_id"])
    return await _write(request, lambda b, g, u: b.apply_winner(g, item, u))


async def openapi_document(request: web.Request) -> web.Response:
    return web.json_response(openapi())


def _dumps(data: Any) -> str:
    """JSON with ``<``, ``>`` and ``&`` as \\u escapes: member texts stay plain data (the same strings once
    parsed) even if something renders the answer as HTML."""
    import json

    return json.dumps(data, default=str).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def add_routes(app: web.Application) -> None:
    r = app.router
    g = PREFIX + "/guilds/{guild_id}"
    r.add_get("/api/openapi.json", openapi_document)
    r.add_get(PREFIX + "/guilds", guilds)
    r.add_get(g + "/report", report)
    r.add_get(g + "/posts", posts)
    r.add_get(g + "/feedback", feedback)
    r.add_get(g + "/schedules", schedules)
    r.add_get(g + "/experiments", experiments)
    r.add_post(g + "/schedules/{item_id}/pause", pause)
    r.add_post(g + "/schedules/{item_id}/resume", resume)
    r.add_post(g + "/experiments/{item_id}/apply", apply_winner)


ERROR = {"type": "object", "required": ["error", "detail"],
         "properties": {"error": {"type": "string"}, "detail": {"type": "string"}}}
GUILD_ID = {"name": "guild_id", "in": "path", "required": True, "schema": {"type": "string", "pattern": "^[0-9]+$"}}
ITEM_ID = {"name": "item_id", "in": "path", "required": True, "schema": {"type": "string", "pattern": "^[0-9]+$"}}
PERIOD = {"name": "period", "in": "query", "required": False,
          "schema": {"type": "string", "default": "last week",
                     "description": "week, last week, 28 days, 90 days or an ISO week like 2026-W47"}}
CSRF = {"name": CSRF_HEADER, "in": "header", "required": True, "schema": {"type": "string"}}


def _errors(*codes: int) -> dict[str, Any]:
    return {str(c): {"description": {400: "bad input", 401: "not logged in", 403: "not a moderator, or no CSRF",
                                      404: "no such guild for you", 409: "refused, with the slash command's words",
                                      503: "Discord could not confirm rights"}[c],
                     "content": {"application/json": {"schema": ERROR if c != 409 else WRITE}}} for c in codes}


TEXT = {"type": "string", "nullable": True}
POST = {"type": "object", "required": ["post_id", "kind", "posted_at", "text", "options", "link"],
        "properties": {"post_id": {"type": "string", "pattern": "^[0-9]+$"}, "kind": {"type": "string"},
                       "posted_at": {"type": "string"},
                       "text": {**TEXT, "description": "the question, the poll's question, the contest's theme, the "
                                                       "giveaway's prize or the trivia round's category"},
                       "options": {"type": "array", "items": {"type": "string"}, "description": "a poll's options"},
                       "link": TEXT}}
FEEDBACK_ITEM = {
    "type": "object",
    "required": ["number", "kind", "status", "text", "reason", "upvotes", "sent", "age_days", "anonymous", "from",
                 "link"],
    "properties": {"number": {"type": "integer"}, "kind": {"type": "string"}, "status": {"type": "string"},
                   "text": {"type": "string"}, "reason": TEXT, "upvotes": {"type": "integer"},
                   "sent": {"type": "string", "description": "local time of the guild"},
                   "age_days": {"type": "integer"}, "anonymous": {"type": "boolean"},
                   "from": {**TEXT, "description": "the sender's display name; null when anonymous or forgotten"},
                   "link": TEXT},
}
WRITE = {"type": "object", "required": ["ok", "message"],
         "properties": {"ok": {"type": "boolean"}, "message": {"type": "string"}}}


def _read(summary: str, schema: dict[str, Any], params: list[dict[str, Any]]) -> dict[str, Any]:
    return {"get": {"summary": summary, "parameters": params, "security": [{"session": []}],
                    "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": schema}}},
                                  **_errors(400, 401, 403, 404, 503)}}}


def _post(summary: str) -> dict[str, Any]:
    return {"post": {"summary": summary, "parameters": [GUILD_ID, ITEM_ID, CSRF], "security": [{"session": []}],
                     "responses": {"200": {"description": "done, with the slash command's words",
                                           "content": {"application/json": {"schema": WRITE}}},
                                   **_errors(401, 403, 404, 409, 503)}}}


def openapi() -> dict[str, Any]:
    """The OpenAPI 3.0 document of the JSON API."""
    obj = {"type": "object"}
    return {
        "openapi": "3.0.3",
        "info": {"title": "Hearth dashboard API", "version": "1",
                 "description": "The figures of `hearth report --format json` (docs/report-json.md) per guild, "
                                "for moderators (Manage Server or the moderator role), checked on every request."},
        "components": {"securitySchemes": {"session": {"type": "apiKey", "in": "cookie", "name": "hearth_session"}}},
        "paths": {
            PREFIX + "/guilds": {"get": {
                "summary": "Guilds you moderate where Hearth is", "security": [{"session": []}],
                "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {
                    "type": "object", "required": ["guilds", "csrf_token"],
                    "properties": {"guilds": {"type": "array", "items": {
                        "type": "object", "required": ["id", "name"],
                        "properties": {"id": {"type": "string"}, "name": {"type": "string"}}}},
                        "csrf_token": {"type": "string"}}}}}},
                    **_errors(401)}}},
            PREFIX + "/guilds/{guild_id}/report": _read(
                "The report (report_json)", {"type": "object",
                                              "required": ["guild_id", "timezone", "period", "figures"],
                                              "properties": {"guild_id": {"type": "integer"},
                                                             "timezone": {"type": "string"},
                                                             "period": obj, "figures": obj}},
                [GUILD_ID, PERIOD]),
            PREFIX + "/guilds/{guild_id}/posts": _read(
                "What each post of the period asked (Hearth's texts), joined to the report by post_id",
                {"type": "object", "required": ["period", "posts"],
                 "properties": {"period": obj, "posts": {"type": "array", "items": POST}}},
                [GUILD_ID, PERIOD]),
            PREFIX + "/guilds/{guild_id}/feedback": _read(
                "Feedback items, newest first (anonymous items without author)",
                {"type": "object", "required": ["items"],
                 "properties": {"items": {"type": "array", "items": FEEDBACK_ITEM}}},
                [GUILD_ID]),
            PREFIX + "/guilds/{guild_id}/schedules": _read(
                "Every schedule with its next run", {"type": "object", "required": ["schedules"],
                                                     "properties": {"schedules": {"type": "array", "items": obj}}},
                [GUILD_ID]),
            PREFIX + "/guilds/{guild_id}/experiments": _read(
                "A/B tests: arms, intervals, verdict", {"type": "object", "required": ["experiments"],
                                                        "properties": {"experiments": {"type": "array",
                                                                                       "items": obj}}},
                [GUILD_ID]),
            PREFIX + "/guilds/{guild_id}/schedules/{item_id}/pause": _post("Pause a schedule"),
            PREFIX + "/guilds/{guild_id}/schedules/{item_id}/resume": _post("Resume a schedule"),
            PREFIX + "/guilds/{guild_id}/experiments/{item_id}/apply": _post("Apply an ended test's winner"),
        },
    }
