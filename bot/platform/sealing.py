"""Anonymity that holds against a database dump: a key that lives outside the database.

``PrivacyService``'s keyed hashes use a key stored in the database (``meta``), which is enough
to keep opted-out members apart but not against someone holding a dump: with the key in hand,
hashing every member id finds who is who. Anonymous feedback needs more, so this key comes from
the environment (``HEARTH_SECRET_KEY``) and never touches the database or the log:

- ``seal`` encrypts a member id with AES-GCM (random nonce, the guild and purpose as associated
  data): the bot can still DM an anonymous author; a dump holds only ciphertext.
- ``tag`` is an HMAC-SHA256 under the same secret: a blocked-sender mark or a one-vote-per-member
  key that nobody without the secret can test a member id against.

Without the secret, ``available`` is False and anonymous sending is refused with a clear
message (docs/feedback.md).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from bot.core.entropy import Entropy

SECRET_ENV = "HEARTH_SECRET_KEY"
MIN_SECRET_CHARS = 16
NONCE_BYTES = 12


class SealError(Exception):
    """A sealed token that this key cannot open (another key, or tampered)."""


class Sealer:
    def __init__(self, secret: str | None, entropy: Entropy | None = None) -> None:
        self._entropy = entropy or Entropy()
        self._aead: AESGCM | None = None
        self._mac_key = b""
        if secret and len(secret.strip()) >= MIN_SECRET_CHARS:
            raw = secret.strip().encode()
            self._aead = AESGCM(hashlib.sha256(b"hearth-seal\x00" + raw).digest())
            self._mac_key = hashlib.sha256(b"hearth-tag\x00" + raw).digest()

    @classmethod
    def from_environment(cls, secret: str | None = None, entropy: Entropy | None = None) -> Sealer:
        return cls(secret if secret is not None else os.environ.get(SECRET_ENV), entropy)

    @property
    def available(self) -> bool:
        return self._aead is not None

    def _need(self) -> AESGCM:
        if self._aead is None:
            raise SealError(f"no secret key: set {SECRET_ENV} (at least {MIN_SECRET_CHARS} characters)")
        return self._aead

    def seal(self, member_id: int, context: str) -> str:
        """The member id encrypted; ``context`` (e.g. "feedback:<guild>") must match to open it."""
        nonce = bytes.fromhex(self._entropy.token_hex(NONCE_BYTES, "seal nonce"))
        sealed = self._need().encrypt(nonce, str(member_id).encode(), context.encode())
        return base64.urlsafe_b64encode(nonce + sealed).decode()

    def unseal(self, token: str, context: str) -> int:
        raw = base64.urlsafe_b64decode(token.encode())
        try:
            return int(self._need().decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], context.encode()))
        except (InvalidTag, ValueError) as exc:
            raise SealError("this token was sealed under another key") from exc

    def tag(self, scope: str, member_id: int) -> str:
        """A keyed hash of the member within ``scope``; needs the secret (SealError without it)."""
        self._need()
        return hmac.new(self._mac_key, f"{scope}:{member_id}".encode(), hashlib.sha256).hexdigest()
