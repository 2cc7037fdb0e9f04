"""The mock called in the caller's own process: no socket, no HTTP on either side.

A run against the mock spends its CPU on what it checks; over a socket, a quarter of it went to the
two HTTP stacks between client and mock, and every answer waited for the other process to be
scheduled. Called in process, the mock's own work costs about what those stacks did, and a copy of
the process (a fork) carries a copy of the mock as it stands, which the run uses to probe and to
explore lifecycles on another core (`conformance.process.forked`).

Each request still takes one turn of the event loop, as an answer from a server would: the run's
deadline and every other timer fire between requests, never stalled behind a crawl that would
otherwise run to its end without giving the loop a turn.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx

from ..crawl.transport import DEADLINE
from .server import _bind, _url

__all__ = ["EmbeddedMock"]


class _Turn(httpx.AsyncBaseTransport):
    """httpx's ASGI transport, one turn of the event loop before each request."""

    keeps_deadline = True
    """The request's deadline (`crawl.transport.DEADLINE`) bounds the app's call here: httpx's ASGI
    transport returns the answer whole, so its body never waits, and the guard need not bound each
    of its chunks too."""

    def __init__(self, app: Any) -> None:
        # An exception in the app answers 500, as a server says it, rather than raising in the client.
        self.inner = httpx.ASGITransport(app=app, raise_app_exceptions=False)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(0)
        deadline = request.extensions.get(DEADLINE)
        if deadline is None:
            return await self.inner.handle_async_request(request)
        async with asyncio.timeout(max(0.0, deadline - time.monotonic())):  # past it: TimeoutError, as asked
            return await self.inner.handle_async_request(request)


class EmbeddedMock:
    """An app called in this process; what `runner` holds as the run's mock.

    Its URL names a port that was free when it was made. Nothing listens there; a finding's
    reproduction says to start `conformance mock --port` on it first, where the same URLs answer the
    same. The app is the one requests change, so its state (`app.state`) is the run's mock's.
    """

    def __init__(self, app: Any, host: str = "127.0.0.1") -> None:
        self.app, self.host = app, host
        sock = _bind(host, 0)
        try:
            self.port = int(sock.getsockname()[1])
        finally:
            sock.close()
        self.url = _url(host, self.port)

    def transport(self) -> httpx.AsyncBaseTransport:
        """A transport to the app (unguarded: the client's guard wraps it)."""
        return _Turn(self.app)

    def stop(self) -> None:
        """Nothing runs: the app goes with the run."""
