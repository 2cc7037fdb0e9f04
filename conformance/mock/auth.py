"""Logon sessions: checking Basic credentials, issuing tokens, and finding the session of a request."""

from __future__ import annotations

import base64
import binascii
import hashlib
import secrets
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

__all__ = ["API_VERSIONS", "COOKIE", "HEADER", "IDLE", "LATEST", "LogonSession", "Sessions", "resolve_version",
           "token_of"]

HEADER = "X-RestSvcSessionId"
COOKIE = HEADER
API_VERSIONS = ("v1_5", "v1_6", "v1_7")
"""The versions the root advertises; `latest` means the last one."""
LATEST = API_VERSIONS[-1]
IDLE = 15 * 60
"""Seconds without a request after which a session's token expires, as documented."""


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


def token_of(session_id: str) -> str:
    """The token of a session, as real servers mint it: base64 of the text of its id. Clients rely
    on it: some send base64 of the `SessionId` of the logon answer instead of reading the header."""
    return base64.b64encode(session_id.encode("ascii")).decode("ascii")


class Sessions:
    """The open sessions of one app. Session ids follow the seed (so bodies are reproducible), and
    each token is base64 of its session's id (`token_of`), as on a real server.

    Every request that presents a session keeps it alive; one left `idle` seconds without a request
    expires and is dropped, so the table holds only live sessions however many were opened. Time
    is read from `monotonic` (seconds, as `time.monotonic` counts them), which tests replace.
    """

    def __init__(self, seed: int, user: str, password: str, idle: float = IDLE,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        if not idle > 0:
            raise ValueError(f"session_idle must be a positive number of seconds, got {idle}")
        self._seed, self._user, self._password = seed, user, password
        self._idle, self._clock = idle, monotonic
        self._by_token: dict[str, LogonSession] = {}
        self._by_id: dict[str, LogonSession] = {}
        self._last: OrderedDict[str, float] = OrderedDict()
        """Token -> when it was last presented, the longest idle first."""
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

    def __len__(self) -> int:
        """How many sessions the table holds; expired ones go at the next look-up of any session."""
        return len(self._by_token)

    def open(self, version: str, user: str | None = None) -> LogonSession:
        """A new session of `user` (this app's account unless another is named)."""
        self._expire()
        self._opened += 1
        id_ = self._new_id()
        session = LogonSession(id_, self._new_token(id_), user or self._user, version)
        self._by_token[session.token] = self._by_id[session.id] = session
        self._last[session.token] = self._clock()
        while len(self._by_token) > MAX_SESSIONS:  # the oldest go first: memory stays bounded under load
            self.close(next(iter(self._by_token.values())))
        return session

    def _new_id(self) -> str:
        """The id of the session opened next: it follows the seed, so bodies are reproducible."""
        digest = hashlib.sha256(f"{self._seed}:logon:{self._opened}".encode()).digest()
        return str(uuid.UUID(bytes=digest[:16], version=4))

    def _new_token(self, session_id: str) -> str:
        return token_of(session_id)

    def of_request(self, headers: Mapping[str, str], cookies: Mapping[str, str]) -> LogonSession | None:
        """The session a request presents, kept alive by it; the cookie wins over the header when
        both are sent (a stale cookie is not rescued by a good header)."""
        self._expire()
        token = cookies.get(COOKIE) or headers.get(HEADER.lower())
        session = self._by_token.get(token) if token else None
        if session is not None:
            self._last[session.token] = self._clock()
            self._last.move_to_end(session.token)
        return session

    def get(self, id_: str) -> LogonSession | None:
        self._expire()
        return self._by_id.get(id_.lower())

    def close(self, session: LogonSession) -> None:
        self._by_token.pop(session.token, None)
        if self._by_id.get(session.id) is session:  # another session may have been given the same id
            self._by_id.pop(session.id, None)
        self._last.pop(session.token, None)

    def all(self) -> list[LogonSession]:
        """The live sessions, in the order they were opened."""
        self._expire()
        return list(self._by_token.values())

    def of_user(self, user: str) -> list[LogonSession]:
        """The live sessions of one account, in the order they were opened."""
        return [s for s in self.all() if s.user == user]

    def _expire(self) -> None:
        """Drop the sessions idle for `idle` seconds or longer; the longest idle come first, so the
        scan stops at the first one still alive."""
        limit = self._clock() - self._idle
        while self._last:
            token, last = next(iter(self._last.items()))
            if last > limit:
                return
            self.close(self._by_token[token])
