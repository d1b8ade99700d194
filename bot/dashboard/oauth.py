"""Discord OAuth2 (authorization code flow, scopes ``identify guilds``) from the dashboard's side."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

import aiohttp

SCOPES = "identify guilds"


class OAuthFailed(Exception):
    """Discord refused the exchange or a user route (the login has to start again)."""


@dataclass(frozen=True)
class LoggedIn:
    user_id: int
    name: str
    access_token: str
    refresh_token: str


class OAuthClient:
    def __init__(self, api_base: str, client_id: str, client_secret: str, redirect_uri: str) -> None:
        self.api_base = api_base.rstrip("/")
        self.client_id = client_id
        self.client_secret = client_secret
        self.redirect_uri = redirect_uri
        self._http: aiohttp.ClientSession | None = None

    @property
    def authorize_base(self) -> str:
        """discord.com/oauth2/authorize for the real API base (…/api/v10), the same host's for a local one."""
        parts = urlsplit(self.api_base)
        return f"{parts.scheme}://{parts.netloc}/oauth2/authorize"

    def authorize_url(self, state: str) -> str:
        query = {"response_type": "code", "client_id": self.client_id, "scope": SCOPES, "state": state,
                 "redirect_uri": self.redirect_uri, "prompt": "none"}
        return self.authorize_base + "?" + urlencode(query)

    def http(self) -> aiohttp.ClientSession:
        if self._http is None:
            self._http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10))
        return self._http

    async def close(self) -> None:
        if self._http is not None:
            await self._http.close()
            self._http = None

    async def _post(self, path: str, form: dict[str, str]) -> Any:
        data = {**form, "client_id": self.client_id, "client_secret": self.client_secret}
        try:
            async with self.http().post(self.api_base + path, data=data) as resp:
                body = await resp.json(content_type=None)
                if resp.status != 200:
                    raise OAuthFailed(f"{resp.status} {body.get('error', '')}: {body.get('error_description', '')}")
                return body
        except (aiohttp.ClientError, ValueError) as exc:
            raise OAuthFailed(f"Discord could not be reached: {exc}") from exc

    async def _get(self, path: str, access_token: str) -> Any:
        try:
            async with self.http().get(self.api_base + path,
                                       headers={"Authorization": f"Bearer {access_token}"}) as resp:
                if resp.status != 200:
                    raise OAuthFailed(f"{resp.status} on {path}")
                return await resp.json(content_type=None)
        except (aiohttp.ClientError, ValueError) as exc:
            raise OAuthFailed(f"Discord could not be reached: {exc}") from exc

    async def exchange(self, code: str) -> LoggedIn:
        tokens = await self._post("/oauth2/token", {"grant_type": "authorization_code", "code": code,
                                                    "redirect_uri": self.redirect_uri})
        me = await self._get("/users/@me", tokens["access_token"])
        return LoggedIn(int(me["id"]), me.get("global_name") or me.get("username") or "",
                        tokens["access_token"], tokens.get("refresh_token", ""))

    async def guild_ids(self, access_token: str) -> list[int]:
        """The guilds the user is in (only to list them; rights are checked on each one live)."""
        return [int(g["id"]) for g in await self._get("/users/@me/guilds", access_token)]

    async def revoke(self, token: str) -> None:
        with contextlib.suppress(OAuthFailed):  # the session ends anyway
            await self._post("/oauth2/token/revoke", {"token": token, "token_type_hint": "access_token"})
