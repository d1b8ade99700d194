"""Discord's OAuth2 authorization code flow, as a dashboard sees it.

``/oauth2/authorize`` is a small HTML page (log in as one of the world's people, or cancel);
``POST /api/v10/oauth2/token`` exchanges a code or a refresh token; ``POST
/api/v10/oauth2/token/revoke`` revokes; ``GET /users/@me`` and ``/users/@me/guilds`` answer a
``Bearer`` token. Like Discord it echoes ``state`` unchanged, accepts only a registered
``redirect_uri`` (the same one again at the exchange), codes work once and expire after 10
minutes, access tokens after 7 days, and a refresh token is spent when used. Errors have
Discord's OAuth2 shape: ``{"error": "invalid_grant", "error_description": "..."}``.
"""

from __future__ import annotations

import base64
import html
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from aiohttp import web

from . import payloads
from .world import Perm, User, compute_permissions

if TYPE_CHECKING:
    from .server import LocalDiscord

CODE_LIFETIME = timedelta(minutes=10)
TOKEN_LIFETIME = timedelta(days=7)
KNOWN_SCOPES = frozenset({"identify", "email", "guilds", "guilds.members.read", "connections", "bot",
                          "applications.commands"})
LOGIN_CHOICES_MAX = 50


class OAuthError(Exception):
    """An OAuth2 error answer: ``{"error": ..., "error_description": ...}`` with its status."""

    def __init__(self, error: str, description: str | None = None, status: int = 400) -> None:
        super().__init__(f"{error}: {description}")
        self.error = error
        self.description = description
        self.status = status

    def response(self) -> web.Response:
        body: dict[str, Any] = {"error": self.error}
        if self.description is not None:
            body["error_description"] = self.description
        return web.json_response(body, status=self.status)


@dataclass(slots=True)
class Grant:
    """One authorization code, access token or refresh token and what it allows."""

    user_id: int
    scopes: tuple[str, ...]
    expires_at: datetime
    redirect_uri: str = ""


@dataclass
class OAuth2:
    """The application's OAuth2 client and every grant the local Discord issued."""

    client_id: int
    client_secret: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    redirect_uris: set[str] = field(default_factory=set)
    login_user_ids: list[int] = field(default_factory=list)  # who the authorize page offers (default: everyone)
    codes: dict[str, Grant] = field(default_factory=dict)
    used_codes: set[str] = field(default_factory=set)
    access_tokens: dict[str, Grant] = field(default_factory=dict)
    refresh_tokens: dict[str, tuple[Grant, str]] = field(default_factory=dict)  # -> (grant, its access token)

    def issue_code(self, user: User, scopes: tuple[str, ...], redirect_uri: str, now: datetime) -> str:
        code = secrets.token_urlsafe(22)
        self.codes[code] = Grant(user.id, scopes, now + CODE_LIFETIME, redirect_uri)
        return code

    def issue_tokens(self, grant: Grant, now: datetime) -> dict[str, Any]:
        access, refresh = secrets.token_urlsafe(22), secrets.token_urlsafe(22)
        self.access_tokens[access] = Grant(grant.user_id, grant.scopes, now + TOKEN_LIFETIME)
        self.refresh_tokens[refresh] = (Grant(grant.user_id, grant.scopes, now + TOKEN_LIFETIME * 4), access)
        return {"access_token": access, "token_type": "Bearer", "expires_in": int(TOKEN_LIFETIME.total_seconds()),
                "refresh_token": refresh, "scope": " ".join(grant.scopes)}

    def bearer(self, token: str, now: datetime) -> Grant | None:
        grant = self.access_tokens.get(token)
        if grant is None or grant.expires_at <= now:
            return None
        return grant

    def revoke(self, token: str) -> None:
        """Revoke an access or refresh token; revoking either ends both (Discord's behaviour)."""
        if token in self.refresh_tokens:
            _, access = self.refresh_tokens.pop(token)
            self.access_tokens.pop(access, None)
            return
        if self.access_tokens.pop(token, None) is not None:
            for refresh, (_, access) in list(self.refresh_tokens.items()):
                if access == token:
                    del self.refresh_tokens[refresh]


def _page(title: str, body: str, status: int = 200) -> web.Response:
    text = (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        f"<title>{html.escape(title)}</title></head><body><h1>{html.escape(title)}</h1>{body}</body></html>"
    )
    return web.Response(status=status, text=text, content_type="text/html",
                        headers={"Content-Security-Policy": "default-src 'none'; form-action *",
                                 "X-Frame-Options": "DENY"})


def _redirect(uri: str, params: dict[str, str]) -> web.Response:
    sep = "&" if "?" in uri else "?"
    raise web.HTTPFound(uri + sep + urlencode(params))


class OAuth2Routes:
    """The routes; the state lives in ``server.oauth``."""

    def __init__(self, server: LocalDiscord) -> None:
        self.s = server

    @property
    def oauth(self) -> OAuth2:
        return self.s.oauth

    def _check_request(self, params: Any) -> tuple[str, tuple[str, ...]] | web.Response:
        """(redirect_uri, scopes), or Discord's error page for a request it will not even redirect."""
        if params.get("client_id") != str(self.oauth.client_id):
            return _page("Unknown Application", "<p>Invalid OAuth2 application (client_id).</p>", 400)
        uri = params.get("redirect_uri", "")
        if uri not in self.oauth.redirect_uris:
            return _page("Invalid OAuth2 redirect_uri", "<p>The redirect_uri is not registered.</p>", 400)
        if params.get("response_type") != "code":
            _redirect(uri, {"error": "unsupported_response_type", **_state(params)})
        scopes = tuple(params.get("scope", "").split())
        if not scopes or not set(scopes) <= KNOWN_SCOPES:
            _redirect(uri, {"error": "invalid_scope", "error_description": "The requested scope is invalid.",
                            **_state(params)})
        return uri, scopes

    def login_choices(self) -> list[User]:
        ids = self.oauth.login_user_ids or [u.id for u in self.s.users.values() if not u.bot]
        return [self.s.users[i] for i in ids[:LOGIN_CHOICES_MAX] if i in self.s.users]

    async def authorize_page(self, request: web.Request) -> web.Response:
        checked = self._check_request(request.query)
        if isinstance(checked, web.Response):
            return checked
        _, scopes = checked
        hidden = "".join(
            f'<input type=hidden name="{html.escape(k)}" value="{html.escape(v)}">'
            for k, v in request.query.items() if k in ("client_id", "redirect_uri", "response_type", "scope", "state")
        )
        buttons = "".join(
            f'<li><button name=user_id value="{u.id}" id="login-{html.escape(u.name)}">'
            f"Log in as {html.escape(u.global_name or u.name)}</button> {html.escape(self._roles_of(u))}</li>"
            for u in self.login_choices()
        )
        body = (
            f"<p>{html.escape(self.s.bot_user.name)} wants to access your account: "
            f"{html.escape(', '.join(scopes))}.</p>"
            f'<form method=post action="/oauth2/authorize">{hidden}<ul>{buttons}</ul>'
            '<button name=cancel value=1 id=cancel>Cancel</button></form>'
        )
        return _page("Authorize access (local Discord)", body)

    def _roles_of(self, user: User) -> str:
        notes = []
        for guild in self.s.guilds.values():
            member = guild.members.get(user.id)
            if member is None:
                continue
            perms = compute_permissions(guild, member, None)
            role = "owner" if guild.owner_id == user.id else "manages" if perms & Perm.MANAGE_GUILD else "member"
            notes.append(f"{guild.name}: {role}")
        return "(" + "; ".join(notes) + ")" if notes else ""

    async def authorize_submit(self, request: web.Request) -> web.Response:
        form = await request.post()
        checked = self._check_request(form)
        if isinstance(checked, web.Response):
            return checked
        uri, scopes = checked
        if form.get("cancel"):
            _redirect(uri, {"error": "access_denied",
                            "error_description": "The resource owner or authorization server denied the request",
                            **_state(form)})
        raw = str(form.get("user_id", ""))
        user = self.s.users.get(int(raw)) if raw.isdigit() else None
        if user is None or user.bot:
            return _page("Unknown User", "<p>Choose someone to log in as.</p>", 400)
        code = self.oauth.issue_code(user, scopes, uri, self.s.now())
        _redirect(uri, {"code": code, **_state(form)})
        raise AssertionError("unreachable")

    def _client(self, request: web.Request, form: Any) -> None:
        client_id, secret = form.get("client_id"), form.get("client_secret")
        auth = request.headers.get("Authorization", "")
        if auth.startswith("Basic "):
            try:
                client_id, _, secret = base64.b64decode(auth[6:]).decode().partition(":")
            except (ValueError, UnicodeDecodeError):
                client_id = secret = None
        if client_id != str(self.oauth.client_id) or secret != self.oauth.client_secret:
            raise OAuthError("invalid_client", None, 401)

    async def token(self, request: web.Request) -> web.Response:
        if not request.content_type.startswith("application/x-www-form-urlencoded"):
            return OAuthError("invalid_request", "Unsupported content type").response()
        form = await request.post()
        try:
            self._client(request, form)
            grant_type = form.get("grant_type")
            now = self.s.now()
            if grant_type == "authorization_code":
                code = str(form.get("code", ""))
                grant = self.oauth.codes.pop(code, None)
                if grant is None or code in self.oauth.used_codes:
                    raise OAuthError("invalid_grant", 'Invalid "code" in request.')
                self.oauth.used_codes.add(code)
                if grant.expires_at <= now:
                    raise OAuthError("invalid_grant", 'Invalid "code" in request.')
                if form.get("redirect_uri") != grant.redirect_uri:
                    raise OAuthError("invalid_grant", 'Invalid "redirect_uri" in request.')
                return web.json_response(self.oauth.issue_tokens(grant, now))
            if grant_type == "refresh_token":
                found = self.oauth.refresh_tokens.pop(str(form.get("refresh_token", "")), None)
                if found is None or found[0].expires_at <= now:
                    raise OAuthError("invalid_grant", 'Invalid "refresh_token" in request.')
                self.oauth.access_tokens.pop(found[1], None)
                return web.json_response(self.oauth.issue_tokens(found[0], now))
            raise OAuthError("unsupported_grant_type")
        except OAuthError as exc:
            return exc.response()

    async def revoke(self, request: web.Request) -> web.Response:
        form = await request.post()
        try:
            self._client(request, form)
        except OAuthError as exc:
            return exc.response()
        token = str(form.get("token", ""))
        if not token:
            return OAuthError("invalid_request", 'Missing "token" in request.').response()
        self.oauth.revoke(token)
        return web.json_response({})

    def bearer_grant(self, request: web.Request, scope: str) -> Grant | None:
        auth = request.headers.get("Authorization", "")
        grant = self.oauth.bearer(auth[7:], self.s.now()) if auth.startswith("Bearer ") else None
        return grant if grant is not None and scope in grant.scopes else None

    async def bearer(self, path: str, request: web.Request) -> web.Response:
        """A request with a user's ``Bearer`` token: only the user routes answer it."""
        if request.method == "GET" and path == "/users/@me":
            return await self.me(request)
        if request.method == "GET" and path == "/users/@me/guilds":
            return await self.my_guilds(request)
        return unauthorized()

    async def me(self, request: web.Request) -> web.Response:
        grant = self.bearer_grant(request, "identify")
        if grant is None:
            return unauthorized()
        user = self.s.users[grant.user_id]
        return web.json_response({**payloads.user(user), "mfa_enabled": False, "locale": "en-US",
                                  "premium_type": 0})

    async def my_guilds(self, request: web.Request) -> web.Response:
        """The user's guilds (Bearer, scope ``guilds``) or the bot's (Bot token), with permissions."""
        if request.headers.get("Authorization", "").startswith("Bearer "):
            grant = self.bearer_grant(request, "guilds")
            if grant is None:
                return unauthorized()
            user_id = grant.user_id
        else:
            user_id = self.s.bot_user.id
        out = []
        for guild in self.s.guilds.values():
            member = guild.members.get(user_id)
            if member is None:
                continue
            out.append({"id": str(guild.id), "name": guild.name, "icon": None, "banner": None,
                        "owner": guild.owner_id == user_id,
                        "permissions": str(compute_permissions(guild, member, None)), "features": []})
        return web.json_response(sorted(out, key=lambda g: int(g["id"])))


def unauthorized() -> web.Response:
    return web.json_response({"message": "401: Unauthorized", "code": 0}, status=401)


def _state(params: Any) -> dict[str, str]:
    state = params.get("state")
    return {} if state is None else {"state": str(state)}


def add_routes(router: web.UrlDispatcher, routes: OAuth2Routes, prefix: str) -> None:
    router.add_route("GET", "/oauth2/authorize", routes.authorize_page)
    router.add_route("POST", "/oauth2/authorize", routes.authorize_submit)
    router.add_route("POST", prefix + "/oauth2/token", routes.token)
    router.add_route("POST", prefix + "/oauth2/token/revoke", routes.revoke)
    router.add_route("GET", prefix + "/users/@me/guilds", routes.my_guilds)


BEARER_PATHS = ("/users/@me", "/users/@me/guilds")
NO_AUTH_PATHS = ("/oauth2/token", "/oauth2/token/revoke")
