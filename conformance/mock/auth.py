"""Logon sessions: checking Basic credentials, issuing tokens, and finding the session of a request."""

from __future__ import annotations

import base64
import binascii
import hashlib
import secrets
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

__all__ = ["API_VERSIONS", "COOKIE", "HEADER", "LATEST", "LogonSession", "Sessions", "resolve_version"]

HEADER = "X-RestSvcSessionId"
COOKIE = HEADER
API_VERSIONS = ("v1_5", "v1_6", "v1_7")
"""The versions the root advertises; `latest` means the last one."""
LATEST = API_VERSIONS[-1]


def resolve_version(value: str | None, supported: Sequence[str] = API_VERSIONS) -> str | None:
    """The API version a `?v=` value names (case-insensitively) among those a server supports (oldest
    first; `latest` is the last of them), or None when it names none of them."""
    if value is None:
        return None
    wanted = value.strip().lower()
    if wanted == "latest":
        return supported[-1]
    return wanted if wanted in supported else None


@dataclass(frozen=True, slots=True)
class LogonSession:
    """A session: `id` is the public GUID of `/logonSessions/{ID}`, `token` the secret header value."""

    id: str
    token: str
    user: str
    version: str


MAX_SESSIONS = 1000
"""Open sessions kept; logging on beyond it closes the oldest, so clients that never log off
cannot grow the mock's memory without bound."""


class Sessions:
    """The open sessions of one app. Session ids follow the seed (so bodies are reproducible);
    tokens are random (so they cannot be guessed)."""

    def __init__(self, seed: int, user: str, password: str) -> None:
        self._seed, self._user, self._password = seed, user, password
        self._by_token: dict[str, LogonSession] = {}
        self._opened = 0

    @property
    def user(self) -> str:
        return self._user

    def accepts(self, authorization: str | None) -> bool:
        """Whether an `Authorization: Basic ...` header carries this app's user and password."""
        scheme, _, encoded = (authorization or "").partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            user, sep, password = base64.b64decode(encoded.strip(), validate=True).decode("utf-8").partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return False
        same_user = secrets.compare_digest(user.encode(), self._user.encode())
        same_password = secrets.compare_digest(password.encode(), self._password.encode())
        return bool(sep) and same_user and same_password

    def open(self, version: str) -> LogonSession:
        self._opened += 1
        digest = hashlib.sha256(f"{self._seed}:logon:{self._opened}".encode()).digest()
        session = LogonSession(str(uuid.UUID(bytes=digest[:16], version=4)), secrets.token_urlsafe(24),
                               self._user, version)
        self._by_token[session.token] = session
        while len(self._by_token) > MAX_SESSIONS:
            del self._by_token[next(iter(self._by_token))]
        return session

    def of_request(self, headers: Mapping[str, str], cookies: Mapping[str, str]) -> LogonSession | None:
        """The session a request presents; the cookie wins over the header when both are sent."""
        token = cookies.get(COOKIE) or headers.get(HEADER.lower())
        return self._by_token.get(token) if token else None

    def get(self, id_: str) -> LogonSession | None:
        return next((s for s in self._by_token.values() if s.id == id_.lower()), None)

    def close(self, session: LogonSession) -> None:
        self._by_token.pop(session.token, None)

    def all(self) -> list[LogonSession]:
        return list(self._by_token.values())
