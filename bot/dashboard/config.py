"""The dashboard's configuration: ``[dashboard]`` in config.toml plus two secrets from the environment."""

from __future__ import annotations

import base64
import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass

from bot.core.settings import DashboardSettings

SESSION_SECRET_MIN = 32
CALLBACK_PATH = "/callback"


class DashboardConfigError(Exception):
    """Why the dashboard cannot start: one line an operator can act on."""


@dataclass(frozen=True)
class DashboardConfig:
    host: str
    port: int
    public_url: str
    client_id: str
    client_secret: str
    session_key: bytes  # a Fernet key derived from HEARTH_SESSION_SECRET
    rights_cache_seconds: float = 30.0

    @property
    def redirect_uri(self) -> str:
        return self.public_url + CALLBACK_PATH

    @property
    def secure_cookies(self) -> bool:
        return self.public_url.startswith("https://")

    def __repr__(self) -> str:  # never print the secrets
        return f"DashboardConfig(public_url={self.public_url!r}, client_id={self.client_id!r})"


def session_key(secret: str) -> bytes:
    """The cookie encryption key: SHA-256 of the operator's secret, as a Fernet key."""
    return base64.urlsafe_b64encode(hashlib.sha256(secret.encode()).digest())


def problems(settings: DashboardSettings, environ: Mapping[str, str] | None = None) -> list[str]:
    """Everything that keeps an enabled dashboard from starting (empty when it can)."""
    env = os.environ if environ is None else environ
    found = []
    secret = env.get("HEARTH_SESSION_SECRET", "")
    if not secret:
        found.append(
            "HEARTH_SESSION_SECRET is not set: the dashboard will not start without a session secret "
            f"(set it to {SESSION_SECRET_MIN}+ random characters, e.g. python -c \"import secrets; "
            "print(secrets.token_urlsafe(32))\")"
        )
    elif len(secret) < SESSION_SECRET_MIN:
        found.append(f"HEARTH_SESSION_SECRET is too short ({len(secret)} characters; use {SESSION_SECRET_MIN} or more)")
    if not env.get("DISCORD_CLIENT_SECRET"):
        found.append("DISCORD_CLIENT_SECRET is not set: copy the OAuth2 client secret from the Developer Portal")
    if not settings.client_id:
        found.append("[dashboard] client_id is empty: set it to the application id (Developer Portal, OAuth2)")
    if not settings.public_url:
        found.append("[dashboard] public_url is empty: set the address moderators open, e.g. https://hearth.example.org")
    return found


def load(settings: DashboardSettings, environ: Mapping[str, str] | None = None) -> DashboardConfig:
    """The dashboard's config, or DashboardConfigError naming the first problem."""
    found = problems(settings, environ)
    if found:
        raise DashboardConfigError(found[0])
    env = os.environ if environ is None else environ
    return DashboardConfig(
        host=settings.host,
        port=settings.port,
        public_url=settings.public_url.rstrip("/"),
        client_id=settings.client_id,
        client_secret=env["DISCORD_CLIENT_SECRET"],
        session_key=session_key(env["HEARTH_SESSION_SECRET"]),
        rights_cache_seconds=min(settings.rights_cache_seconds, 60.0),
    )
