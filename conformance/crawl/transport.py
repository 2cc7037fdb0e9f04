"""A lean HTTP/1.1 transport for targets reached directly over plain TCP (the embedded mock, a lab server).

Against a server that answers in a fraction of a millisecond, the suite's client is bound by its own
CPU: httpx's default transport (httpcore over anyio, h11's parser, a pool that polls every idle socket
on every request) costs about 0.35 ms of Python per request, a third of a whole default run. This one
writes each request in one call, parses answers with httptools (C) as they arrive, and keeps one pool
of keep-alive connections, at about a sixth of that cost.

It keeps what the guard (`guard.py`) and the phases rely on from httpx's transport: the body streams
chunk by chunk (so a budget stops a bomb or a trickle mid-way, and reading pauses while the consumer
lags), a broken connection is an `httpx.ReadError` or `httpx.RemoteProtocolError` (the guard asks an
idempotent request again once), a refused one an `httpx.ConnectError`, the request's own timeouts
apply, and at most `max_connections` are open at once. TLS and proxies are not its business:
`client.network_transport` gives targets that need them httpx's transport, where the network's
latency outweighs the client's CPU anyway.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import AsyncIterator
from typing import Any

import httptools
import httpx

__all__ = ["DEADLINE", "LeanTransport"]

_HIGH_WATER = 1 << 20
"""Body bytes held unread before the socket stops being read (the consumer catches up first)."""
_LOW_WATER = 1 << 18
_END = object()
"""The event that ends a body."""


DEADLINE = "conformance.deadline"
"""A request extension: the `time.monotonic()` by which the whole answer must have come, its body
included. The guard hands its deadline down this way rather than wrapping every wait of the request
in `asyncio.timeout`, whose cost was a fifth of a request's CPU; a wait that runs into it raises
`TimeoutError`, as one cut by `asyncio.timeout` would."""


def _timeouts(request: httpx.Request) -> dict[str, float | None]:
    return request.extensions.get("timeout", {})


def _bounded(loop: asyncio.AbstractEventLoop, waiter: asyncio.Future[None], timeout: float | None,
             deadline: float | None) -> asyncio.TimerHandle | None:
    """A timer that ends `waiter` with the error of whichever bound comes first, or None if unbounded
    (a timer is far cheaper than `asyncio.timeout` around the wait)."""
    if deadline is not None and (timeout is None or deadline - time.monotonic() <= timeout):
        error: BaseException = TimeoutError()
        at = loop.time() + max(0.0, deadline - time.monotonic())
    elif timeout is not None:
        error = httpx.ReadTimeout("no answer within the read timeout")
        at = loop.time() + timeout
    else:
        return None
    return loop.call_at(at, _expire, waiter, error)


def _expire(waiter: asyncio.Future[None], error: BaseException) -> None:
    if not waiter.done():
        waiter.set_exception(error)


class _Connection(asyncio.Protocol):
    """One connection: writes a request, turns its answer into events (the head, body chunks, the end,
    or the error that broke it) that the request's task awaits in order."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.closed = False
        self.reusable = False
        self._events: deque[Any] = deque()
        self._waiter: asyncio.Future[None] | None = None
        self._buffered = 0
        self._paused = False
        self._parser: httptools.HttpResponseParser | None = None
        self._head_only = False
        self._informational = False
        self._headers: list[tuple[bytes, bytes]] = []
        self._reason = b""
        self._head_seen = False
        self._complete = False
        self._until_close = False

    # -- the request's side ----------------------------------------------------------------------

    def send(self, data: bytes, head_only: bool) -> None:
        """Write one request; its answer is parsed afresh (a parser per exchange)."""
        assert self.transport is not None
        self._parser = httptools.HttpResponseParser(self)
        self._head_only, self._head_seen, self._complete, self.reusable = head_only, False, False, False
        self._informational = False
        self._events.clear()
        self.transport.write(data)

    async def next_event(self, timeout: float | None, deadline: float | None = None) -> Any:
        """The next event of the answer, waiting at most `timeout` seconds for it (`httpx.ReadTimeout`)
        and never past `deadline` (`TimeoutError`, see `DEADLINE`)."""
        while not self._events:
            if self.closed and not self._events:
                raise httpx.RemoteProtocolError("the connection was closed")
            loop = asyncio.get_running_loop()
            waiter = self._waiter = loop.create_future()
            timer = _bounded(loop, waiter, timeout, deadline)
            try:
                await waiter
            finally:
                if timer is not None:
                    timer.cancel()
                self._waiter = None
        event = self._events.popleft()
        if isinstance(event, bytes):
            self._buffered -= len(event)
            if self._paused and self._buffered <= _LOW_WATER and self.transport is not None:
                self._paused = False
                self.transport.resume_reading()
        return event

    def close(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.close()

    # -- asyncio's side --------------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        if self._parser is None or self._complete:
            return  # nothing asked (a server talking out of turn), or after a HEAD's answer: not reused
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            self._push(httpx.RemoteProtocolError("the server switched protocols, which was not asked for"))
            self.close()
        except httptools.HttpParserError as exc:
            self._push(httpx.RemoteProtocolError(f"the answer is not HTTP/1.1: {exc}"))
            self.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self._parser is None or self._complete:
            return
        if self._head_seen and self._until_close and exc is None:
            self._finish(reusable=False)  # a body delimited by the end of the connection
        elif exc is not None:
            self._push(httpx.ReadError(f"the connection broke: {exc}"))
        elif self._head_seen:
            self._push(httpx.RemoteProtocolError("the server closed the connection before the whole body"))
        else:
            self._push(httpx.RemoteProtocolError("Server disconnected without sending a response."))

    # -- httptools' callbacks --------------------------------------------------------------------

    def on_message_begin(self) -> None:
        self._headers, self._reason = [], b""

    def on_status(self, reason: bytes) -> None:
        self._reason += reason

    def on_header(self, name: bytes, value: bytes) -> None:
        self._headers.append((name, value))

    def on_headers_complete(self) -> None:
        assert self._parser is not None
        status = self._parser.get_status_code()
        if 100 <= status < 200 and status != 101:
            self._informational = True  # 100 Continue and the like: the answer comes after it
            return
        names = {name.lower() for name, _ in self._headers}
        chunked = any(name.lower() == b"transfer-encoding" and b"chunked" in value.lower()
                      for name, value in self._headers)
        self._until_close = (b"content-length" not in names and not chunked and status not in (204, 304)
                             and not self._head_only)
        self._head_seen = True
        self._push(("head", status, self._reason, self._headers, self._parser.get_http_version()))
        if self._head_only:
            self._finish(reusable=False)  # the body a HEAD announces never comes

    def on_body(self, body: bytes) -> None:
        self._buffered += len(body)
        if not self._paused and self._buffered > _HIGH_WATER and self.transport is not None:
            self._paused = True
            self.transport.pause_reading()
        self._push(body)

    def on_message_complete(self) -> None:
        if self._informational:
            self._informational = False
            return
        assert self._parser is not None
        self._finish(reusable=self._parser.should_keep_alive() and not self._until_close)

    # -- plumbing --------------------------------------------------------------------------------

    def _finish(self, reusable: bool) -> None:
        self._complete, self.reusable = True, reusable
        self._push(_END)

    def _push(self, event: Any) -> None:
        self._events.append(event)
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)


class _Body(httpx.AsyncByteStream):
    """The answer's body as it arrives; closing it hands the connection back (or closes it)."""

    def __init__(self, pool: LeanTransport, key: tuple[str, int], conn: _Connection, timeout: float | None,
                 deadline: float | None):
        self.pool, self.key, self.conn, self.timeout, self.deadline = pool, key, conn, timeout, deadline
        self.done = False
        self.released = False

    async def __aiter__(self) -> AsyncIterator[bytes]:
        while not self.done:
            event = await self.conn.next_event(self.timeout, self.deadline)
            if event is _END:
                self.done = True
            elif isinstance(event, Exception):
                raise event
            else:
                yield event

    async def aclose(self) -> None:
        if not self.released:
            self.released = True
            self.pool.release(self.key, self.conn, reuse=self.done and self.conn.reusable)


class LeanTransport(httpx.AsyncBaseTransport):
    """HTTP/1.1 with keep-alive over plain TCP; see the module's docstring."""

    keeps_deadline = True
    """Every wait of a request honours its `DEADLINE` extension, body included."""

    def __init__(self, max_connections: int = 8) -> None:
        self.max_connections = max(1, max_connections)
        self._idle: dict[tuple[str, int], list[_Connection]] = {}
        self._slots: asyncio.Semaphore | None = None
        self._open: set[_Connection] = set()

    def _gate(self) -> asyncio.Semaphore:
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.max_connections)
        return self._slots

    async def _acquire(self, request: httpx.Request, deadline: float | None) -> None:
        gate = self._gate()
        if not gate.locked():
            await gate.acquire()  # a free slot: nothing to wait for, so nothing to bound
            return
        wait = _timeouts(request).get("pool")
        if deadline is not None:
            left = max(0.0, deadline - time.monotonic())
            wait = left if wait is None else min(wait, left)
        try:
            async with asyncio.timeout(wait):
                await gate.acquire()
        except TimeoutError:
            if deadline is not None and time.monotonic() >= deadline:
                raise
            raise httpx.PoolTimeout("no free connection within the pool timeout", request=request) from None

    async def _connect(self, request: httpx.Request, key: tuple[str, int], deadline: float | None) -> _Connection:
        idle = self._idle.get(key)
        while idle:
            conn = idle.pop()
            if not conn.closed:
                return conn
            self._open.discard(conn)
        loop = asyncio.get_running_loop()
        wait = _timeouts(request).get("connect")
        left = None if deadline is None else max(0.0, deadline - time.monotonic())
        try:
            async with asyncio.timeout(left if wait is None or (left is not None and left < wait) else wait):
                _, conn = await loop.create_connection(_Connection, key[0], key[1])
        except TimeoutError:
            if deadline is not None and time.monotonic() >= deadline:
                raise
            raise httpx.ConnectTimeout("no connection within the connect timeout", request=request) from None
        except OSError as exc:
            raise httpx.ConnectError(str(exc) or type(exc).__name__, request=request) from exc
        self._open.add(conn)
        return conn

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        if url.scheme != "http":
            raise httpx.UnsupportedProtocol(f"{url.scheme!r} is not plain HTTP; this transport speaks nothing else",
                                            request=request)
        key = (url.host, url.port or 80)
        body = request.content if hasattr(request, "_content") else await request.aread()
        data = _request_bytes(request, body)
        read_timeout = _timeouts(request).get("read")
        deadline = request.extensions.get(DEADLINE)
        await self._acquire(request, deadline)
        conn: _Connection | None = None
        try:
            conn = await self._connect(request, key, deadline)
            conn.send(data, head_only=request.method == "HEAD")
            event = await conn.next_event(read_timeout, deadline)
            if isinstance(event, Exception):
                raise event
        except BaseException:
            if conn is not None:
                conn.close()
            self.release(key, conn, reuse=False)
            raise
        _, status, reason, headers, version = event
        return httpx.Response(status, headers=headers, stream=_Body(self, key, conn, read_timeout, deadline),
                              extensions={"http_version": f"HTTP/{version}".encode(), "reason_phrase": reason})

    def release(self, key: tuple[str, int], conn: _Connection | None, reuse: bool) -> None:
        """A request is done with its connection: kept for the next one, or closed."""
        if conn is not None:
            if reuse and not conn.closed:
                self._idle.setdefault(key, []).append(conn)
            else:
                conn.close()
                self._open.discard(conn)
        self._gate().release()

    async def aclose(self) -> None:
        for conn in list(self._open):
            conn.close()
        self._open.clear()
        self._idle.clear()


def _request_bytes(request: httpx.Request, body: bytes) -> bytes:
    """The request as written: request line, headers, body (chunked when its headers say so)."""
    headers = request.headers
    lines = [b"%s %s HTTP/1.1\r\n" % (request.method.encode("ascii"), request.url.raw_path)]
    lines += [name + b": " + value + b"\r\n" for name, value in headers.raw]
    chunked = "chunked" in headers.get("transfer-encoding", "").lower()
    if body and not chunked and "content-length" not in headers:
        lines.append(b"Content-Length: %d\r\n" % len(body))
    lines.append(b"\r\n")
    if chunked:
        lines.append((b"%x\r\n%s\r\n" % (len(body), body) if body else b"") + b"0\r\n\r\n")
    else:
        lines.append(body)
    return b"".join(lines)
