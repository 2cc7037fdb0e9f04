"""The action phase's only way to the target.

Hypothesis runs its properties synchronously, in a worker thread; the crawl's client lives on the
crawl's event loop. Given a way to make a transport of its own (`connect`: the target's transport
under the same guard), `Wire.send` runs each request on an event loop of the worker thread itself
and hands it straight to that transport, with the crawl's headers (its session among them): no hop
between threads and none of the client's bookkeeping (cookies, auth and redirect flows, none of
which a hand-built request uses), which together were most of a request's CPU against a fast
server. Without one, it hands each request to the crawl's client on the crawl's loop and waits for
the answer. The answer is read, parsed and validated where it arrived (lxml objects never cross
threads). Every request is counted, so the summary (and the safety tests) know exactly what was sent.
"""

from __future__ import annotations

import asyncio
import base64
import threading
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from functools import lru_cache, partial
from typing import Any

import httpx
from lxml import etree

from ..contract.schema import SchemaSet, judge
from ..crawl.client import SESSION_HEADER
from ..crawl.guard import describe_error
from ..model.links import Link
from ..model.parsing import ParseError, parse_body
from ..model.urls import resolve
from .evidence import Exchange, State, show_body

__all__ = ["Answer", "Stopped", "Wire"]

_XML = "application/xml"

_EXCERPT = 300


class Stopped(Exception):
    """The run is being interrupted: no more requests."""


@dataclass(frozen=True)
class Answer:
    """A response as the action phase reads it: the recorded exchange plus what it needs to go on."""

    exchange: Exchange
    body: bytes = b""
    href: str | None = None
    """The document's own Href."""
    links: tuple[Link, ...] = ()
    members: tuple[Link, ...] = ()
    state: State = ()
    """The root's simple parts (elements with text, and `@`attributes): what the resource says it is."""
    items: tuple[tuple[str, State], ...] = ()
    """Each child with an Href of its own (a list's entries): (Href, its simple parts)."""
    token: str | None = None
    """The session id a logon answered with."""

    @property
    def status(self) -> int | None:
        return self.exchange.status

    def rel(self, rel: str, owner: str | None = None) -> list[Link]:
        """Links with this Rel, of the document itself (or of the embedded item with this Href)."""
        return [l for l in self.links if l.rel == rel and l.href and l.owner in ((owner,) if owner else (None, self.href))]


def _state(node: etree._Element) -> State:
    parts = [(f"@{k}", v) for k, v in node.attrib.items() if k not in ("Href", "Type")]
    for child in node:
        if isinstance(child.tag, str) and len(child) == 0:
            parts.append((etree.QName(child).localname, (child.text or "").strip()))
    return tuple(sorted(parts))


@lru_cache(maxsize=4096)
def _url(url: str) -> httpx.URL:
    """The URL read once: a phase asks the same collections and members again and again."""
    return httpx.URL(url)


@dataclass
class Wire:
    """Sends requests from the hypothesis thread: through a transport of its own on the thread's
    event loop (`connect`), else through the crawl's client on the crawl's loop."""

    client: httpx.AsyncClient
    loop: asyncio.AbstractEventLoop
    schemas: SchemaSet | None
    max_body: int = 16 * 1024 * 1024
    timeout: float = 30.0
    sent: Counter = field(default_factory=Counter)
    """Requests sent, by method."""
    stop: threading.Event = field(default_factory=threading.Event)
    connect: Callable[[], httpx.AsyncBaseTransport] | None = None
    """Makes a transport like the crawl client's (the target's, under the same guard); requests go
    out on it with the crawl's headers, its session id among them. None: every request goes through
    the crawl's client and loop."""
    _local: threading.local = field(default_factory=threading.local, repr=False)

    def send(self, purpose: str, method: str, url: str, *, body: bytes | None = None,
             content_type: str | None = None, token: str | None = None,
             auth: tuple[str, str] | None = None) -> Answer:
        """One request; `token` replaces the crawl's session id, `auth` sends Basic credentials (logon)."""
        if self.stop.is_set():
            raise Stopped()
        if self.connect is not None:
            loop, transport = self._own()
            return loop.run_until_complete(self._send(partial(_through, transport), purpose, method, url, body,
                                                      content_type, token, auth))
        future = asyncio.run_coroutine_threadsafe(
            self._send(partial(_with_client, self.client), purpose, method, url, body, content_type, token, auth),
            self.loop)
        try:
            return future.result(timeout=self.timeout * 2 + 5)
        except TimeoutError:
            future.cancel()
            raise Stopped() from None

    def _own(self) -> tuple[asyncio.AbstractEventLoop, httpx.AsyncBaseTransport]:
        """This thread's event loop and transport, made at its first request."""
        own = getattr(self._local, "own", None)
        if own is None:
            assert self.connect is not None
            own = self._local.own = (asyncio.new_event_loop(), self.connect())
        return own

    def close(self) -> None:
        """Close this thread's transport and loop, if it made them (call it from the thread that sent)."""
        own = getattr(self._local, "own", None)
        if own is not None:
            loop, transport = own
            self._local.own = None
            try:
                loop.run_until_complete(transport.aclose())
            finally:
                loop.close()

    async def _send(self, deliver: Callable[[httpx.Request], Awaitable[tuple[httpx.Response, bytes]]],
                    purpose: str, method: str, url: str, body: bytes | None, content_type: str | None,
                    token: str | None, auth: tuple[str, str] | None) -> Answer:
        headers = httpx.Headers(self.client.headers)
        shown: list[tuple[str, str]] = []
        if headers.get("Accept") != _XML:  # a crawl in JSON (`--format json`): the action phase reads XML
            headers["Accept"] = _XML
            shown.append(("Accept", _XML))
        if token is not None:
            headers[SESSION_HEADER] = token
        if auth is not None:
            headers.pop(SESSION_HEADER, None)
            headers["Authorization"] = "Basic " + base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode()
            shown.append(("Authorization", "***"))
        if SESSION_HEADER in headers:
            shown.append((SESSION_HEADER, "***"))
        if content_type is not None:
            headers["Content-Type"] = content_type
            shown.append(("Content-Type", content_type))
        text, binary = show_body(body)
        sent = Exchange(purpose, method, url, tuple(shown), text, binary)
        self.sent[method] += 1
        try:
            response, data = await deliver(httpx.Request(method, _url(url), headers=headers, content=body or b""))
        except httpx.HTTPError as exc:
            return Answer(_replace(sent, error=f"{type(exc).__name__}: {describe_error(exc)}"))
        return self._read_answer(sent, response, data)

    def _read_answer(self, sent: Exchange, response: httpx.Response, data: bytes) -> Answer:
        content_type = response.headers.get("content-type")
        facts: dict[str, Any] = dict(status=response.status_code, content_type=content_type,
                                     location=response.headers.get("location"),
                                     excerpt=data[:_EXCERPT].decode("utf-8", "replace"))
        answer: dict[str, Any] = dict(body=data, token=response.headers.get(SESSION_HEADER))
        if data.strip():
            try:
                doc, element = parse_body(data, content_type)
            except ParseError:
                doc, element = None, None
            if doc is not None:
                facts.update(root=doc.root, href=resolve(doc.href, sent.url) if doc.href else None)
                answer.update(href=doc.href, links=doc.links, members=doc.members)
            if element is not None:
                facts.update(_element_facts(element, doc.root if doc else None, self.schemas))
                answer["state"] = _state(element)
                answer["items"] = tuple((child.get("Href"), _state(child)) for child in element
                                        if isinstance(child.tag, str) and child.get("Href"))
        return Answer(_replace(sent, **facts), **answer)


async def _through(transport: httpx.AsyncBaseTransport, request: httpx.Request) -> tuple[httpx.Response, bytes]:
    """A request handed straight to a transport, its answer read whole (the guard bounds it)."""
    response = await transport.handle_async_request(request)
    try:
        return response, await response.aread()
    finally:
        await response.aclose()


async def _with_client(client: httpx.AsyncClient, request: httpx.Request) -> tuple[httpx.Response, bytes]:
    """A request through the crawl's client. Built by hand, it carries none of the client's cookies
    (its jar could hold another session), and what its answer sets is put back as it was, so the
    crawl's session stays the one used; the client's guard holds it to the target's origin, the
    request deadline and the body limit."""
    jar = list(client.cookies.jar)
    try:
        response = await client.send(request)
        return response, response.content
    finally:
        client.cookies.jar.clear()
        for cookie in jar:
            client.cookies.jar.set_cookie(cookie)


def _element_facts(element: etree._Element, root: str | None, schemas: SchemaSet | None) -> dict[str, Any]:
    facts: dict[str, Any] = {}
    if root == "Error":
        facts["error_status"] = element.get("StatusCode")
    if root == "Task":
        state = next((c for c in element if isinstance(c.tag, str) and etree.QName(c).localname == "State"), None)
        facts["task_state"] = (state.text or "").strip() if state is not None else None
    verdict = judge(schemas, element)
    facts.update(schema_errors=verdict.errors, validated=verdict.validated)
    return facts


def _replace(exchange: Exchange, **changes: Any) -> Exchange:
    from dataclasses import replace

    return replace(exchange, **changes)
