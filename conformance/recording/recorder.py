"""What a crawl sends and receives, stored as it arrives: the capture behind `conformance record`.

The recorder sits on the crawl's own client, so it sees every exchange of every phase (logon,
walk, probes, logoff) through the same guard and budgets as `run`, and adds one step of its own
after the walk: the JSON form of every resource it fetched as XML (the XML form after a walk in JSON,
`--format json`), so a replay answers both. Secrets
never reach the disk: request headers are not kept (but Accept), response headers are kept from a
short list, and the session token, wherever it shows, is masked. A recording stopped half-way is
taken up again by answering from it what it already holds and asking the target for the rest.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from http.cookies import CookieError, SimpleCookie
from urllib.parse import urlsplit

import httpx

from ..crawl.client import SESSION_HEADER, Target
from ..model.parsing import media_kind
from ..model.snapshot import Snapshot
from . import ENDED, NONE, ORIGIN, SESSION, Exchange, Recording, RecordingWriter, kept_headers, request_form

__all__ = ["MASK", "JsonProgress", "OriginSwap", "Recorder", "token_forms"]

MASK = "***"
_RESUMED = "conformance.recorded"
"""Marks an answer the recording gave back while resuming (it is stored already)."""
_DEFAULT_PORTS = {"http": 80, "https": 443}


class OriginSwap:
    """The target's origin written as `ORIGIN` and back, in bodies, headers and URLs.

    The server may spell its origin with another case or its default port: each spelling of the
    same origin is swapped, and a longer host that merely begins alike (`em.corp2`) is not.
    """

    def __init__(self, root: str):
        parts = urlsplit(root)
        self.origin = f"{parts.scheme}://{parts.netloc}"
        host = re.escape(parts.hostname or "")
        if parts.netloc.startswith("["):
            host = r"\[" + host + r"\]"
        default = _DEFAULT_PORTS.get(parts.scheme)
        port = parts.port or default
        port_form = f"(?::{port})?" if port == default else f":{port}"
        self._pattern = re.compile(rf"(?i){re.escape(parts.scheme)}://{host}{port_form}(?![\w.:-])")
        self._bytes = re.compile(self._pattern.pattern.encode())

    def stored(self, text: str) -> str:
        return self._pattern.sub(ORIGIN, text)

    def stored_bytes(self, body: bytes) -> bytes:
        return self._bytes.sub(ORIGIN.encode(), body)

    def live(self, text: str) -> str:
        return text.replace(ORIGIN, self.origin)

    def live_bytes(self, body: bytes) -> bytes:
        return body.replace(ORIGIN.encode(), self.origin.encode())


def token_forms(token: str) -> dict[str, str]:
    """The token and what it may stand for in a body: some servers' tokens are the base64 of the
    session's id, which a body then shows; that id is written as a stand-in of the same form."""
    forms = {token: MASK}
    try:
        decoded = base64.b64decode(token + "=" * (-len(token) % 4), validate=True).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return forms
    if len(decoded) >= 8 and decoded.isprintable():
        try:
            forms[decoded] = str(uuid.uuid5(uuid.NAMESPACE_URL, "conformance:session:" + str(uuid.UUID(decoded))))
        except ValueError:
            forms[decoded] = MASK
    return forms


@dataclass
class JsonProgress:
    """Counters of the step after the walk: the other forms asked for (JSON, or XML after a walk in JSON)."""

    total: int = 0
    form: str = "JSON"
    done: int = 0
    failed: int = 0


class Recorder:
    """Stores every exchange of one crawl; see the module's docstring."""

    def __init__(self, writer: RecordingWriter, target: Target, previous: Recording | None = None,
                 on_json_progress: Callable[[JsonProgress], None] | None = None):
        self.writer, self.target, self.previous = writer, target, previous
        self.swap = OriginSwap(target.url)
        self.on_json_progress = on_json_progress
        self.json = JsonProgress()
        self.live: str | None = None
        self.ended: set[str] = set()
        self.secrets: dict[str, str] = {}
        self.reused = 0
        """Answers an earlier attempt had stored, given back from the recording while resuming."""
        self.session_lost: str | None = None

    # -- on the client ----------------------------------------------------------------------------

    def transport(self, inner: httpx.AsyncBaseTransport) -> httpx.AsyncBaseTransport:
        """The transport under the guard: answers from an earlier attempt when resuming."""
        return _Resume(inner, self) if self.previous is not None else inner

    def attach(self, client: httpx.AsyncClient) -> None:
        client.event_hooks = {**client.event_hooks,
                              "response": [*client.event_hooks.get("response", []), self.on_response]}

    def session_of(self, request: httpx.Request) -> str:
        """What the request presented: the live session, none, or a token whose session ended."""
        token = request.headers.get(SESSION_HEADER)
        if token is None:
            try:
                cookie = SimpleCookie(request.headers.get("cookie", ""))
            except CookieError:
                cookie = SimpleCookie()
            morsel = cookie.get(SESSION_HEADER)
            token = morsel.value if morsel is not None else None
        if not token:
            return NONE
        return SESSION if token == self.live and token not in self.ended else ENDED

    async def on_response(self, response: httpx.Response) -> None:
        """The response hook: read the body (through the guard's budgets) and store the exchange."""
        await response.aread()
        request = response.request
        token = response.headers.get(SESSION_HEADER)
        if token and request.method == "POST":  # a logon: the session every later request presents
            self.live = token
            self.secrets.update(token_forms(token))
        session = self.session_of(request)
        if request.method == "DELETE" and session == SESSION and 200 <= response.status_code < 300 and self.live:
            self.ended.add(self.live)  # the logoff (a recording sends no other DELETE)
        if response.extensions.get(_RESUMED):
            self.reused += 1
            return
        method, accept, _ = request_form(request.method, request.headers.get("accept"), session)
        headers = tuple((k, self.clean(v)) for k, v in kept_headers(response.headers.multi_items()))
        exchange = Exchange(method, self.clean(str(request.url)), accept, session, response.status_code, headers)
        self.writer.add(exchange, self.clean_bytes(response.content))

    def clean(self, text: str) -> str:
        for secret, stand_in in self.secrets.items():
            text = text.replace(secret, stand_in)
        return self.swap.stored(text)

    def clean_bytes(self, body: bytes) -> bytes:
        for secret, stand_in in self.secrets.items():
            body = body.replace(secret.encode(), stand_in.encode())
        return self.swap.stored_bytes(body)

    # -- after the walk ---------------------------------------------------------------------------

    async def after_walk(self, client: httpx.AsyncClient, snapshot: Snapshot) -> None:
        """The other form of every resource the walk fetched (JSON, or XML after a walk in JSON), in
        the walk's session, so a replay answers both; stops when the session is gone (its own resource
        refuses it too)."""
        other = "xml" if media_kind(self.target.accept) == "json" else "json"
        urls = sorted(res.url for res in snapshot if res.method == "GET" and res.status is not None)
        todo = [url for url in urls if not self.writer.holds("GET", url, other, SESSION)]
        self.json = JsonProgress(total=len(todo), form=other.upper())
        session_url = next((res.location for res in snapshot if res.method == "POST" and res.location), None)
        gate = asyncio.Semaphore(max(1, self.target.concurrency))

        async def one(url: str) -> None:
            async with gate:
                if self.session_lost:
                    return
                try:
                    answer = await client.get(url, headers={"Accept": f"application/{other}"})
                    if answer.status_code == 401 and session_url and not self.session_lost:
                        if (await client.get(session_url)).status_code == 401:
                            self.session_lost = (f"the session was lost while recording the {other.upper()} forms: {url} "
                                                 "answered 401, and so did the session's own resource")
                except httpx.HTTPError:
                    self.json.failed += 1
                self.json.done += 1
                if self.on_json_progress:
                    self.on_json_progress(self.json)

        await asyncio.gather(*(one(url) for url in todo))


class _Resume(httpx.AsyncBaseTransport):
    """Gives back what an earlier attempt stored (a GET of the same form), and asks the target for
    everything else, the logon and the logoff included: a resumed recording opens its own session."""

    def __init__(self, inner: httpx.AsyncBaseTransport, recorder: Recorder):
        self.inner, self.recorder = inner, recorder

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        previous = self.recorder.previous
        if request.method == "GET" and previous is not None:
            session = self.recorder.session_of(request)
            _, accept, _ = request_form("GET", request.headers.get("accept"), session)
            found = previous.find("GET", str(request.url), accept, session)
            if found is not None:
                swap = self.recorder.swap
                headers = [(k, swap.live(v)) for k, v in found.headers]
                return httpx.Response(found.status, headers=headers, content=swap.live_bytes(previous.body(found)),
                                      request=request, extensions={_RESUMED: True})
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()
