"""The one gate every request of every phase passes: origin, total deadline, body size.

The crawl, the probes, the logon and logoff and the action phase all send through the client that
`client.build_client` makes, and that client sends through `GuardedTransport` alone. So one place
decides, whatever the server answers:

- a request may only go to the target's origin, by a URL with one reading (no userinfo, no
  backslash, a plain port): the session id never leaves the origin that issued it;
- a request has a total deadline (connecting, the answer and the whole body), not a timeout per
  read, so a body trickled a byte at a time is cut like a silent one;
- a body is counted after decompression, decoded here chunk by chunk with a bounded output, so a
  gzip bomb is never inflated whole; the first byte over the limit ends the read;
- a 503 with `Retry-After` is asked again when the wait fits in the request's deadline.

Each refusal is an `httpx.TransportError`, so every phase reports it where it already reports a
dead connection: a finding on that URL, or the logon's clear exit.
"""

from __future__ import annotations

import asyncio
import email.utils
import time
import zlib
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx

from ..model.urls import origin, url_problem
from .transport import DEADLINE

__all__ = ["ACCEPT_ENCODING", "BodyTooLarge", "BudgetExceeded", "DeadlineExceeded", "GuardedTransport",
           "OffOrigin", "RequestBudget", "UnsupportedEncoding", "describe_error"]

ACCEPT_ENCODING = "gzip, deflate"
"""The only encodings asked for, and so the only ones decoded (with a bounded output)."""

_RETRIES = 3
_IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS"})
_BROKEN = (httpx.ReadError, httpx.WriteError, httpx.RemoteProtocolError)

_WHAT_HAPPENED = (
    (httpx.ConnectTimeout, "no connection within the time allowed"),
    (httpx.ConnectError, "the connection could not be made"),
    (httpx.ReadTimeout, "no answer within the time allowed"),
    (httpx.WriteTimeout, "the request could not be sent within the time allowed"),
    (httpx.PoolTimeout, "no free connection within the time allowed"),
    (httpx.ReadError, "the connection broke while the answer was awaited or read (closed or reset by the server)"),
    (httpx.WriteError, "the connection broke while the request was sent (closed or reset by the server)"),
    (httpx.RemoteProtocolError, "the server closed the connection or broke HTTP before a whole answer"),
    (httpx.DecodingError, "the body does not decode"),
)


def describe_error(exc: BaseException) -> str:
    """What happened, in words, whatever the transport said: httpx passes on the text of the error
    below it, which is often empty (a connection closed or reset says nothing)."""
    said = str(exc).strip()
    cause: BaseException | None = exc.__cause__ or exc.__context__
    while not said and cause is not None:
        said = str(cause).strip() or (type(cause).__name__ if not isinstance(cause, httpx.HTTPError) else "")
        cause = cause.__cause__ or cause.__context__
    what = next((text for kind, text in _WHAT_HAPPENED if isinstance(exc, kind)), None)
    if what and said:
        return said if what in said else f"{what}: {said}"
    return what or said or "the transport failed and gave no detail"


@dataclass(frozen=True)
class RequestBudget:
    """What one request may cost; the same for every phase."""

    root: str
    """The target's API root: its origin is the only one requests may go to."""
    max_body: int = 16 * 1024 * 1024
    """Largest body, in bytes after decompression."""
    deadline: float = 20.0
    """Seconds for the whole request: connection, answer, body, and any wait a 503 asked for."""


class BudgetExceeded(httpx.TransportError):
    """A request stopped by its budget; the message names the URL and the limit."""


class BodyTooLarge(BudgetExceeded):
    pass


class DeadlineExceeded(BudgetExceeded):
    pass


class OffOrigin(BudgetExceeded):
    """Refused before sending: the URL leaves the target's origin or has more than one reading."""


class UnsupportedEncoding(BudgetExceeded):
    pass


class _Inflate:
    """gzip or deflate, decoded with a cap on each call's output, so no chunk inflates unbounded."""

    def __init__(self, encoding: str):
        self.raw_deflate = False
        wbits = zlib.MAX_WBITS | 16 if encoding == "gzip" else zlib.MAX_WBITS
        self.inflater = zlib.decompressobj(wbits)
        self.encoding = encoding
        self.first = True

    def feed(self, data: bytes, room: int) -> bytes:
        """At most `room` bytes of output; more pending means the body is over its limit anyway."""
        if self.first and self.encoding == "deflate":
            self.first = False
            try:
                return self.inflater.decompress(data, room)
            except zlib.error:  # some servers send raw deflate without the zlib header
                self.inflater = zlib.decompressobj(-zlib.MAX_WBITS)
        return self.inflater.decompress(data, room)


class _BoundedStream(httpx.AsyncByteStream):
    """The answer's body, decoded and counted as it arrives, under the request's deadline."""

    def __init__(self, raw: httpx.AsyncByteStream, decoders: list[_Inflate], budget: RequestBudget,
                 deadline: float, url: str, kept_below: bool = False):
        self.raw, self.decoders, self.budget, self.deadline, self.url = raw, decoders, budget, deadline, url
        self.kept_below = kept_below
        """The transport below keeps the deadline itself (`transport.DEADLINE`)."""

    async def __aiter__(self) -> AsyncIterator[bytes]:
        size = 0
        chunks = self.raw.__aiter__()
        while True:
            try:
                if self.kept_below:
                    chunk = await anext(chunks)
                else:
                    async with asyncio.timeout(max(0.0, self.deadline - time.monotonic())):
                        chunk = await anext(chunks)
            except StopAsyncIteration:
                return
            except TimeoutError:
                raise _late(self.url, self.budget) from None
            for decoder in reversed(self.decoders):
                try:
                    chunk = decoder.feed(chunk, self.budget.max_body - size + 1)
                except zlib.error as exc:
                    raise httpx.DecodingError(f"{self.url}: {decoder.encoding} body does not decode: {exc}") from None
            size += len(chunk)
            if size > self.budget.max_body:
                raise BodyTooLarge(f"body of {self.url} is larger than the {self.budget.max_body}-byte limit "
                                   "(counted after decompression); the read was stopped there")
            if chunk:
                yield chunk

    async def aclose(self) -> None:
        await self.raw.aclose()


def _late(url: str, budget: RequestBudget) -> DeadlineExceeded:
    return DeadlineExceeded(f"no complete answer from {url} within {budget.deadline:g} s "
                            "(the deadline of one request, body included)")


def _retry_after(response: httpx.Response) -> float | None:
    """Seconds a 503 asks to wait (delay or HTTP date), or None."""
    value = response.headers.get("retry-after", "").strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _decoders(response: httpx.Response, url: str) -> list[_Inflate]:
    encodings = [e.strip().lower() for e in response.headers.get("content-encoding", "").split(",") if e.strip()]
    decoders = []
    for encoding in encodings:
        if encoding == "identity":
            continue
        if encoding not in ("gzip", "deflate"):
            raise UnsupportedEncoding(f"{url} answered with Content-Encoding {encoding!r}, which was not asked "
                                      f"for (Accept-Encoding: {ACCEPT_ENCODING})")
        decoders.append(_Inflate(encoding))
    return decoders


class GuardedTransport(httpx.AsyncBaseTransport):
    """Wraps the transport that talks to the network; see the module's docstring."""

    def __init__(self, inner: httpx.AsyncBaseTransport, budget: RequestBudget):
        self.inner, self.budget = inner, budget
        self.origin = origin(budget.root)
        self.kept_below = getattr(inner, "keeps_deadline", False)
        """Whether the transport below keeps each request's deadline itself, body included
        (`transport.DEADLINE`); any other is given it by `asyncio.timeout` around each wait."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = str(request.url)
        problem = url_problem(url)
        if problem is None and origin(url) != self.origin:
            problem = "another origin than the target's"
        if problem:
            raise OffOrigin(f"not sent: {url}: {problem}", request=request)
        deadline = time.monotonic() + self.budget.deadline
        if self.kept_below:
            request.extensions = {**request.extensions, DEADLINE: deadline}
        broken = False
        for attempt in range(_RETRIES + 1):
            try:
                if self.kept_below:
                    response = await self.inner.handle_async_request(request)
                else:
                    async with asyncio.timeout(max(0.0, deadline - time.monotonic())):
                        response = await self.inner.handle_async_request(request)
            except TimeoutError:
                raise _late(url, self.budget) from None
            except _BROKEN as exc:
                # A kept-alive connection the server closed as this request went out on it: asked
                # again once on a new connection, as browsers do, when asking again changes nothing.
                if broken or request.method not in _IDEMPOTENT or time.monotonic() >= deadline:
                    raise type(exc)(describe_error(exc), request=request) from exc
                broken = True
                continue
            wait = _retry_after(response) if response.status_code == 503 else None
            if wait is None or attempt == _RETRIES or time.monotonic() + wait >= deadline:
                break
            await response.aclose()
            await asyncio.sleep(wait)
        try:
            decoders = _decoders(response, url)
        except UnsupportedEncoding:
            await response.aclose()
            raise
        headers = [(k, v) for k, v in response.headers.multi_items()
                   if k.lower() not in ("content-encoding", "content-length") or not decoders]
        stream = _BoundedStream(response.stream, decoders, self.budget, deadline, url,  # type: ignore[arg-type]
                                self.kept_below)
        return httpx.Response(response.status_code, headers=headers, stream=stream, request=request,
                              extensions=response.extensions)

    async def aclose(self) -> None:
        await self.inner.aclose()
