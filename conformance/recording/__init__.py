"""A recording: every answer one crawl received, stored so that it can be served again offline.

The layout (docs/recording.md) is made to be read and diffed: `recording.json`, the index (what was
recorded, from where, how far it got, what was left out, and one entry per exchange, sorted), and
under `bodies/` one file per body, named after its URL and how it was asked for. Hrefs are stored
at one fixed origin (`ORIGIN`), so two recordings of two servers differ only where the servers do,
and a replay writes back whatever origin its client used. The index is rewritten atomically as the
recording grows, so a recording stopped at any moment is valid up to its last index, marked
incomplete.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

from ..errors import ConformanceError
from ..model.parsing import media_kind

__all__ = ["BODIES", "ENDED", "FORMAT", "INDEX", "LEFT_OUT", "NONE", "ORIGIN", "SESSION", "Exchange", "Recording",
           "RecordingError", "RecordingWriter", "is_recording", "url_key"]

FORMAT = "conformance-recording/1"
INDEX = "recording.json"
BODIES = "bodies"
ORIGIN = "https://recording.invalid"
"""The origin every stored Href and URL is written at; `.invalid` names no host anywhere."""

SESSION, NONE, ENDED = "session", "none", "ended"
"""What a request presented: the live session's token, no token, or the token of a session logged off."""

KEPT_HEADERS = ("Content-Type", "Location", "Allow", "WWW-Authenticate", "Retry-After")
"""The only response headers stored: what a client of the API reads. Anything else may carry a
secret or a host name, and says nothing about the contract."""

LEFT_OUT = (
    "the session token: the X-RestSvcSessionId header, its cookie, and any copy of it in a body",
    "the Authorization header of the logon (the user's credentials)",
    "every other request header but Accept",
    f"every response header but {', '.join(KEPT_HEADERS)} (Set-Cookie carries the token)",
)

_FLUSH_SECONDS = 2.0
_LEAF_LIMIT = 120


class RecordingError(ConformanceError):
    """A folder that is not a recording this version can read, or a recording that cannot be written."""


def url_key(url: str) -> str:
    """How a recording finds an answer: the path (decoded, lower case, as the server matches it)
    and the query (parameter names in lower case, in a stable order), without the origin."""
    parts = urlsplit(url)
    query = urlencode(sorted((k.lower(), v) for k, v in parse_qsl(parts.query, keep_blank_values=True)))
    return unquote(parts.path or "/").lower() + ("?" + query if query else "")


def _accept(value: str | None) -> str:
    """'json' when the request asked for JSON before XML, else 'xml' (the API's default)."""
    for part in (value or "").split(","):
        kind = media_kind(part.split(";")[0])
        if kind != "other":
            return kind
    return "xml"


@dataclass(frozen=True)
class Exchange:
    """One request and its answer, as stored: never a secret, never the target's own origin."""

    method: str
    url: str
    """Absolute, at `ORIGIN`."""
    accept: str
    """'xml' or 'json': the form the request asked for."""
    session: str
    """SESSION, NONE or ENDED: what the request presented."""
    status: int
    headers: tuple[tuple[str, str], ...] = ()
    body: str | None = None
    """The body's file, relative to the recording's folder; None for an empty body."""
    size: int = 0

    @property
    def key(self) -> tuple[str, str, str, str]:
        return self.method, url_key(self.url), self.accept, self.session

    @property
    def content_type(self) -> str | None:
        return next((v for k, v in self.headers if k.lower() == "content-type"), None)

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)

    def to_dict(self) -> dict[str, Any]:
        return {"request": {"method": self.method, "url": self.url, "accept": self.accept, "session": self.session},
                "status": self.status, "headers": dict(self.headers), "body": self.body, "size": self.size}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Exchange:
        request = data["request"]
        if request["session"] not in (SESSION, NONE, ENDED) or request["accept"] not in ("xml", "json"):
            raise ValueError(f"unknown request form {request!r}")
        return cls(str(request["method"]).upper(), str(request["url"]), request["accept"], request["session"],
                   int(data["status"]), tuple((str(k), str(v)) for k, v in (data.get("headers") or {}).items()),
                   data.get("body"), int(data.get("size", 0)))


def request_form(method: str, accept_header: str | None, session: str) -> tuple[str, str, str]:
    """(method, accept, session) of a request as a recording names it."""
    return method.upper(), _accept(accept_header), session


def kept_headers(headers: Iterable[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    """The response headers a recording keeps, spelled as `KEPT_HEADERS` spells them."""
    wanted = {name.lower(): name for name in KEPT_HEADERS}
    return tuple((wanted[k.lower()], v) for k, v in headers if k.lower() in wanted)


# -- file names --------------------------------------------------------------------------------------

_UNSAFE = re.compile(r"[^A-Za-z0-9._~@+,=-]")


def _segment(text: str) -> str:
    """A path segment as a file name: readable where it can be, never `.`/`..`, never too long."""
    safe = _UNSAFE.sub(lambda m: "%" + "%".join(f"{b:02X}" for b in m.group().encode()), text) or "_"
    if safe in (".", ".."):
        safe = safe.replace(".", "%2E")
    if len(safe) > _LEAF_LIMIT:
        safe = safe[:_LEAF_LIMIT - 13] + "~" + hashlib.sha256(safe.encode()).hexdigest()[:12]
    return safe


def _extension(content_type: str | None, body: bytes) -> str:
    kind = media_kind(content_type)
    if kind != "other":
        return kind
    return "txt" if (content_type or "").lower().startswith("text/") else "bin"


def body_name(exchange: Exchange, body: bytes) -> str:
    """`bodies/api/jobs/ID~format=Entity.xml`: the URL's path as folders, then the query, then what
    sets the request apart from a plain GET of XML with the session (`.POST`, `.no-session`,
    `.ended`, `.as-json`), then the answer's own format."""
    parts = urlsplit(exchange.url)
    segments = unquote(parts.path).split("/")[1:] or ["_"]
    leaf = segments[-1] or "_"
    if parts.query:
        leaf += "~" + parts.query
    marks = [f".{exchange.method}" if exchange.method != "GET" else "",
             {SESSION: "", NONE: ".no-session", ENDED: ".ended"}[exchange.session],
             ".as-json" if exchange.accept == "json" else ""]
    name = _segment(leaf)
    return "/".join([BODIES, *(_segment(s) for s in segments[:-1]), name + "".join(marks) + "."
                     + _extension(exchange.content_type, body)])


# -- reading -------------------------------------------------------------------------------------------

def is_recording(path: str | os.PathLike[str]) -> bool:
    return (Path(path) / INDEX).is_file()


class Recording:
    """A recording on disk: its index read, its bodies read when asked for."""

    def __init__(self, folder: Path, meta: dict[str, Any], exchanges: Iterable[Exchange]):
        self.folder, self.meta = folder, meta
        self.exchanges: dict[tuple[str, str, str, str], Exchange] = {e.key: e for e in exchanges}
        self._urls: dict[str, set[tuple[str, str]]] = {}
        for method, key, accept, _ in self.exchanges:
            self._urls.setdefault(key, set()).add((method, accept))

    @classmethod
    def load(cls, folder: str | os.PathLike[str]) -> Recording:
        """The recording in a folder; RecordingError says why it cannot be read."""
        path = Path(folder)
        index = path / INDEX
        if not index.is_file():
            raise RecordingError(f"{folder}: not a recording (no {INDEX}; `conformance record` writes one)")
        try:
            data = json.loads(index.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise RecordingError(f"{index}: cannot be read: {exc}") from exc
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            found = data.get("format") if isinstance(data, dict) else type(data).__name__
            raise RecordingError(f"{index}: not a {FORMAT} index (format={found!r})")
        try:
            exchanges = [Exchange.from_dict(item) for item in data.get("exchanges", [])]
        except (KeyError, TypeError, ValueError) as exc:
            raise RecordingError(f"{index}: an exchange cannot be read: {exc}") from exc
        meta = {k: v for k, v in data.items() if k != "exchanges"}
        return cls(path, meta, exchanges)

    def __iter__(self) -> Iterator[Exchange]:
        return iter(self.exchanges.values())

    def __len__(self) -> int:
        return len(self.exchanges)

    @property
    def complete(self) -> bool:
        return bool(self.meta.get("complete"))

    @property
    def api_version(self) -> str:
        return str(self.meta.get("api_version") or "v1_7")

    def find(self, method: str, url: str, accept: str, session: str) -> Exchange | None:
        """The answer to one request form; `url` is any absolute URL or a `url_key`."""
        key = url if url.startswith("/") else url_key(url)
        return self.exchanges.get((method.upper(), key, accept, session))

    def forms(self, url: str) -> set[tuple[str, str]]:
        """(method, accept) of every request of this URL the recording answers."""
        return self._urls.get(url if url.startswith("/") else url_key(url), set())

    def body(self, exchange: Exchange) -> bytes:
        if exchange.body is None:
            return b""
        path = (self.folder / exchange.body).resolve()
        if not path.is_relative_to(self.folder.resolve()):
            raise RecordingError(f"{self.folder / INDEX}: body {exchange.body!r} lies outside the recording")
        try:
            return path.read_bytes()
        except OSError as exc:
            raise RecordingError(f"{path}: cannot be read: {exc.strerror or exc}") from exc

    @property
    def logon(self) -> Exchange | None:
        """The recorded logon: the POST that opened the session (its 201, or whatever it answered)."""
        posts = [e for e in self if e.method == "POST" and e.session == NONE and "/sessionmngr" in url_key(e.url)]
        return min(posts, key=lambda e: (not 200 <= e.status < 300, e.url)) if posts else None

    @property
    def session_url(self) -> str | None:
        """The logon session's own URL (at `ORIGIN`), from the logon's Location."""
        logon = self.logon
        return logon.header("Location") if logon is not None else None


# -- writing -------------------------------------------------------------------------------------------

class RecordingWriter:
    """Stores exchanges as they arrive and keeps the index on disk current.

    The index is rewritten (atomically) at most every two seconds and at the end, so a recording
    killed at any moment is valid up to its last index; the bodies it had not indexed yet are
    written again by the next attempt.
    """

    def __init__(self, folder: str | os.PathLike[str], meta: Mapping[str, Any], previous: Recording | None = None):
        self.folder = Path(folder)
        self.meta: dict[str, Any] = {"format": FORMAT, **meta}
        self.exchanges: dict[tuple[str, str, str, str], Exchange] = dict(previous.exchanges) if previous else {}
        self._names: dict[str, tuple[str, str, str, str]] = {e.body: k for k, e in self.exchanges.items() if e.body}
        self._flushed = 0.0
        self.stored = 0
        """Exchanges written by this writer (not those an earlier attempt had stored)."""
        try:
            (self.folder / BODIES).mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise RecordingError(f"cannot write a recording in {folder}: {exc.strerror or exc}") from exc

    def holds(self, method: str, url: str, accept: str, session: str) -> bool:
        return (method.upper(), url_key(url), accept, session) in self.exchanges

    def add(self, exchange: Exchange, body: bytes) -> Exchange:
        """Store one exchange (its body in its own file); the last answer to a request form wins."""
        key = exchange.key
        name = None
        if body:
            name = body_name(exchange, body)
            old = self.exchanges.get(key)
            if old is not None and old.body and self._names.get(old.body) == key and old.body != name:
                self._names.pop(old.body, None)
                (self.folder / old.body).unlink(missing_ok=True)
            owner = self._names.get(name)
            if owner is not None and owner != key:  # two forms with one file name: number the newcomer
                stem, dot, ext = name.rpartition(".")
                name = next(f"{stem}~{n}.{ext}" for n in range(2, 10**6) if f"{stem}~{n}.{ext}" not in self._names)
            self._names[name] = key
            path = self.folder / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(body)
        stored = Exchange(exchange.method, exchange.url, exchange.accept, exchange.session, exchange.status,
                          exchange.headers, name, len(body))
        self.exchanges[key] = stored
        self.stored += 1
        self.flush()
        return stored

    def flush(self, force: bool = False) -> None:
        """Write the index now when `force`d, else when the last write is two seconds old."""
        now = time.monotonic()
        if not force and now - self._flushed < _FLUSH_SECONDS:
            return
        self._flushed = now
        ordered = sorted(self.exchanges.values(), key=lambda e: (url_key(e.url), e.method, e.accept, e.session))
        data = {**self.meta, "exchanges": [e.to_dict() for e in ordered]}
        index = self.folder / INDEX
        tmp = index.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        os.replace(tmp, index)

    def finish(self, **meta: Any) -> None:
        self.meta.update(meta)
        self.flush(force=True)
