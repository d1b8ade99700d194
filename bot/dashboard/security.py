"""The dashboard's guards: security headers, the login session, CSRF tokens, the moderator check."""

from __future__ import annotations

import hmac
import logging
import secrets

import aiohttp_session
from aiohttp import web

from bot.dashboard.rights import RightsUnavailable, Standing

log = logging.getLogger(__name__)

SESSION_MAX_AGE = 8 * 3600
CSRF_FIELD = "csrf"
CSRF_HEADER = "X-CSRF-Token"
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
    "Cross-Origin-Opener-Policy": "same-origin",
}
BACKEND = web.AppKey("backend", object)
OAUTH = web.AppKey("oauth", object)


class Refused(Exception):
    """An answer that is a page (HTML) or, under /api, JSON: 400, 401, 403, 404, 503."""

    def __init__(self, status: int, title: str, detail: str) -> None:
        super().__init__(f"{status} {title}: {detail}")
        self.status = status
        self.title = title
        self.detail = detail


def add_headers(request: web.Request, response: web.StreamResponse) -> web.StreamResponse:
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if not request.path.startswith("/static/"):
        response.headers["Cache-Control"] = "no-store"
    return response


def safe_next(target: str | None) -> str:
    """Only a page of this dashboard (``/`` or ``/g/...``; no scheme, host or ``//``), else ``/``."""
    if not target or any(c in target for c in "\\\r\n\t@:"):
        return "/"
    if target == "/" or (target.startswith("/g/") and "//" not in target and ".." not in target):
        return target
    return "/"


async def session_of(request: web.Request) -> aiohttp_session.Session:
    return await aiohttp_session.get_session(request)


def login_stamp(request: web.Request) -> int:
    """When a login happens, by the backend's clock (the system clock, or a test's): stored in the session."""
    return int(request.app[BACKEND].clock.now().timestamp())  # type: ignore[attr-defined]


async def user_of(request: web.Request) -> int | None:
    """The logged-in member, or None; a session older than SESSION_MAX_AGE by the backend's clock is cleared.

    The cookie's own max-age and the encryption's TTL use the system clock too; this check is the one a
    test can move past (FakeClock), and the one that holds if a browser keeps a cookie past its expiry.
    A session ended by logout is refused even if a copy of its cookie comes back."""
    session = await session_of(request)
    uid = session.get("uid")
    if not isinstance(uid, str) or not uid.isdigit():
        return None
    at, sid = session.get("at"), session.get("sid")
    now = login_stamp(request)
    if (not isinstance(at, int) or not at - 60 <= now < at + SESSION_MAX_AGE or not isinstance(sid, str)
            or await request.app[BACKEND].logged_out(sid)):  # type: ignore[attr-defined]
        session.invalidate()
        return None
    return int(uid)


def csrf_token(session: aiohttp_session.Session) -> str:
    token = session.get("csrf")
    if not isinstance(token, str):
        token = secrets.token_urlsafe(24)
        session["csrf"] = token
    return token


async def check_csrf(request: web.Request) -> None:
    session = await session_of(request)
    expected = session.get("csrf")
    given = request.headers.get(CSRF_HEADER)
    if given is None and request.content_type == "application/x-www-form-urlencoded":
        given = (await request.post()).get(CSRF_FIELD)  # type: ignore[assignment]
    if not isinstance(expected, str) or not isinstance(given, str) or not hmac.compare_digest(expected, given):
        raise Refused(403, "Refused", "This form expired or did not come from this dashboard: reload the page "
                                      "and try again.")


def parse_id(text: str) -> int:
    if not text.isdigit() or len(text) > 20:
        raise Refused(404, "Not found", "There is nothing here.")
    return int(text)


async def moderator_guild(request: web.Request) -> tuple[int, int, Standing]:
    """(user id, guild id, standing) after the moderator check against the live guild, on every request."""
    uid = await user_of(request)
    if uid is None:
        raise Refused(401, "Log in", "Log in with Discord to see this page.")
    guild_id = parse_id(request.match_info["guild_id"])
    backend = request.app[BACKEND]
    try:
        standing = await backend.rights.standing(guild_id, uid)  # type: ignore[attr-defined]
    except RightsUnavailable as exc:
        log.warning("rights check failed: %s", exc)
        raise Refused(503, "Try again", "Discord could not confirm your rights just now; try again in a minute.") \
            from exc
    if standing.kind == "absent":
        raise Refused(404, "Not found", "There is nothing here.")
    if not standing.allowed:
        raise Refused(403, "Moderators only", standing.reason)
    return uid, guild_id, standing
