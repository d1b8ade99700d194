"""The dashboard's aiohttp application: login, guild picker, pages, API, static files, guards."""

from __future__ import annotations

import logging
import secrets
import time
from functools import lru_cache
from typing import Any

import aiohttp_jinja2
import aiohttp_session
import jinja2
from aiohttp import web
from aiohttp_session.cookie_storage import EncryptedCookieStorage
from cryptography import fernet

from bot.dashboard import api, pages
from bot.dashboard.backend import Backend
from bot.dashboard.config import DashboardConfig
from bot.dashboard.formats import TEMPLATE_GLOBALS
from bot.dashboard.oauth import OAuthClient, OAuthFailed
from bot.dashboard.security import (
    BACKEND,
    OAUTH,
    SESSION_MAX_AGE,
    Refused,
    add_headers,
    check_csrf,
    csrf_token,
    login_stamp,
    safe_next,
    session_of,
    user_of,
)

log = logging.getLogger(__name__)

COOKIE_NAME = "hearth_session"
STATIC_TYPES = {"dashboard.js": "text/javascript", "dashboard.css": "text/css"}


@lru_cache(maxsize=1)
def plotly_js() -> bytes:
    """Plotly's JavaScript from its Python package (never a CDN, never a copy in this repository)."""
    from plotly.offline import get_plotlyjs

    return get_plotlyjs().encode()


async def static(request: web.Request) -> web.Response:
    name = request.match_info["name"]
    if name == "plotly.min.js":
        body = plotly_js()
        content_type = "text/javascript"
    elif name in STATIC_TYPES:
        from importlib.resources import files

        body = files("bot.dashboard").joinpath("static", name).read_bytes()
        content_type = STATIC_TYPES[name]
    else:
        raise Refused(404, "Not found", "There is nothing here.")
    return web.Response(body=body, content_type=content_type, headers={"Cache-Control": "public, max-age=3600"})


@web.middleware
async def guard(request: web.Request, handler: Any) -> web.StreamResponse:
    """Security headers on every answer; refusals as a page, or JSON under /api; no tracebacks shown.
    ``Server-Timing: app;dur=`` says how long Hearth took (bench/dashboard.py reads it)."""
    started = time.perf_counter()
    try:
        response = await handler(request)
    except Refused as exc:
        if exc.status == 401 and not request.path.startswith("/api/") and request.method == "GET":
            response = _redirect("/login?" + _next_query(request.path_qs))
        else:
            response = _refusal(request, exc)
    except web.HTTPRedirection as exc:
        response = _redirect(exc.location, exc.status)
    except web.HTTPException as exc:
        titles = {404: "Not found", 405: "Not allowed", 413: "Too large"}
        response = _refusal(request, Refused(exc.status, titles.get(exc.status, "Refused"),
                                             "There is nothing here." if exc.status == 404 else exc.reason))
    except Exception:
        log.exception("dashboard request %s %s failed", request.method, request.path)
        response = _refusal(request, Refused(500, "Something went wrong", "Hearth logged the problem."))
    response.headers["Server-Timing"] = f"app;dur={(time.perf_counter() - started) * 1000:.1f}"
    return add_headers(request, response)


def _redirect(location: Any, status: int = 302) -> web.Response:
    return web.Response(status=status, headers={"Location": str(location)})


def _next_query(target: str) -> str:
    from urllib.parse import urlencode

    return urlencode({"next": safe_next(target)})


def _refusal(request: web.Request, exc: Refused) -> web.Response:
    if request.path.startswith("/api/"):
        return web.json_response({"error": exc.title, "detail": exc.detail}, status=exc.status)
    return aiohttp_jinja2.render_template("error.html", request, {"title": exc.title, "detail": exc.detail},
                                          status=exc.status)


@aiohttp_jinja2.template("index.html")
async def index(request: web.Request) -> dict[str, Any]:
    uid = await user_of(request)
    if uid is None:
        return {"logged_in": False}
    session = await session_of(request)
    return {"logged_in": True, "user_name": session.get("name", ""), "csrf": csrf_token(session),
            "guilds": await api.moderated_guilds(request, session.get("token", ""))}


async def login(request: web.Request) -> web.StreamResponse:
    session = await session_of(request)
    state = secrets.token_urlsafe(24)
    session["state"] = state
    session["next"] = safe_next(request.query.get("next"))
    raise web.HTTPFound(request.app[OAUTH].authorize_url(state))  # type: ignore[attr-defined]


async def callback(request: web.Request) -> web.StreamResponse:
    session = await session_of(request)
    expected = session.pop("state", None)
    given = request.query.get("state")
    if not expected or not given or not secrets.compare_digest(str(expected), given):
        raise Refused(400, "Login refused", "The login did not start here or has expired (state mismatch): "
                                             "log in again.")
    if "error" in request.query or not request.query.get("code"):
        raise Refused(400, "Login cancelled", "Discord did not authorize the login.")
    oauth: OAuthClient = request.app[OAUTH]  # type: ignore[assignment]
    try:
        who = await oauth.exchange(request.query["code"])
    except OAuthFailed as exc:
        log.info("dashboard login refused: %s", exc)
        raise Refused(400, "Login refused", "Discord refused the login code (used or expired): log in again.") \
            from exc
    target = safe_next(session.get("next"))
    session.invalidate()  # a fresh session at login: nothing from before survives
    fresh = await aiohttp_session.new_session(request)
    fresh.update({"uid": str(who.user_id), "name": who.name, "token": who.access_token,
                  "csrf": secrets.token_urlsafe(24), "at": login_stamp(request), "sid": secrets.token_urlsafe(18)})
    raise web.HTTPFound(target)


async def logout(request: web.Request) -> web.StreamResponse:
    await check_csrf(request)
    session = await session_of(request)
    token, sid, at = session.get("token"), session.get("sid"), session.get("at")
    session.invalidate()
    if isinstance(sid, str) and isinstance(at, int):
        await request.app[BACKEND].log_out(sid, at + SESSION_MAX_AGE)  # type: ignore[attr-defined]
    if isinstance(token, str) and token:
        await request.app[OAUTH].revoke(token)  # type: ignore[attr-defined]
    raise web.HTTPSeeOther("/")


def build_app(backend: Backend, config: DashboardConfig, api_base: str) -> web.Application:
    app = web.Application(middlewares=[guard], client_max_size=64 * 1024)
    app[BACKEND] = backend
    oauth = OAuthClient(api_base, config.client_id, config.client_secret, config.redirect_uri)
    app[OAUTH] = oauth
    aiohttp_session.setup(app, EncryptedCookieStorage(
        fernet.Fernet(config.session_key), cookie_name=COOKIE_NAME, max_age=SESSION_MAX_AGE, httponly=True,
        secure=config.secure_cookies, samesite="Lax",
    ))
    # The session middleware runs outside the guard, so refusals still save the session.
    app.middlewares.reverse()
    env = aiohttp_jinja2.setup(app, loader=jinja2.PackageLoader("bot.dashboard", "templates"), autoescape=True)
    env.globals.update(TEMPLATE_GLOBALS)
    r = app.router
    r.add_get("/", index)
    r.add_get("/login", login)
    r.add_get("/callback", callback)
    r.add_post("/logout", logout)
    r.add_get("/static/{name}", static)
    pages.add_routes(app)
    api.add_routes(app)

    async def close(_: web.Application) -> None:
        await oauth.close()

    app.on_cleanup.append(close)
    return app
