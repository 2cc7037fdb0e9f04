"""Serving an app on a real socket: in a background thread for tests, or in the foreground for the CLI."""

from __future__ import annotations

import socket
import sys
import threading
import time
from types import TracebackType
from typing import Any

from ..process.heap import settle

__all__ = ["MockServer", "serve"]

_START_TIMEOUT = 10.0


def _bind(host: str, port: int) -> socket.socket:
    """A listening socket bound before the server starts, so port 0 resolves to a known free port."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto=IPPROTO_TCP: asyncio switches Nagle off (TCP_NODELAY) only on sockets that say they are
    # TCP; without it every keep-alive response waits ~40 ms for a delayed ACK.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def _url(host: str, port: int) -> str:
    return f"http://{f'[{host}]' if ':' in host else host}:{port}/api/"


def _server(app: Any) -> Any:
    import uvicorn  # imported here: only serving needs it

    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off")
    return uvicorn.Server(config)


class MockServer:
    """Runs an app under uvicorn in a daemon thread; `url` is the API root once started."""

    def __init__(self, app: Any, host: str = "127.0.0.1", port: int = 0) -> None:
        self.app, self.host, self.port = app, host, port
        self.url = ""
        self._server: Any = None
        self._thread: threading.Thread | None = None

    def start(self) -> MockServer:
        """Bind, start serving, and return once the server accepts connections."""
        if self._thread is not None:
            raise RuntimeError("the mock server is already running")
        sock = _bind(self.host, self.port)
        self.port = sock.getsockname()[1]
        self._server = _server(self.app)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [sock]},
                                        name=f"mock-server-{self.port}", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + _START_TIMEOUT
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                sock.close()
                raise RuntimeError(f"the mock server did not start on {self.host}:{self.port}")
            time.sleep(0.01)
        self.url = _url(self.host, self.port)
        return self

    def stop(self) -> None:
        """Ask the server to finish its requests and exit, and wait for the thread."""
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=_START_TIMEOUT)
        self._server, self._thread = None, None

    def __enter__(self) -> MockServer:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()


def _collect_less() -> None:
    """A mock answers each request with a tree of new objects and keeps many (its data, the documents
    it keeps): with the collector's defaults, collections took a fifth of its CPU under load and a full
    one stalled every request for up to 150 ms about twice a second. What exists before serving is
    frozen out of the collector's scans, and young collections are rarer (nearly all of a response's
    objects are freed by their counts, not by the collector): `process.heap.settle`. Only for a
    process the mock has to itself."""
    settle()


def serve(app: Any, host: str, port: int) -> None:
    """Serve in the foreground until Ctrl-C; prints the API root (the real port when `port` is 0)."""
    sock = _bind(host, port)
    server = _server(app)
    _collect_less()
    user = getattr(getattr(app.state, "sessions", None), "user", None)
    version = getattr(app.state, "api_version", None)
    now = getattr(getattr(app.state, "dataset", None), "now", None)
    recording = getattr(app.state, "recording", None)
    replaying = f", replaying {recording.folder}" + ("" if recording.complete else " (incomplete)") if recording else ""
    print(f"mock Enterprise Manager at {_url(host, sock.getsockname()[1])}"
          + (f" (user {user!r})" if user else "") + (f", API {version}" if version else "")
          + (f", data as of {now:%Y-%m-%dT%H:%M:%SZ}" if now else "") + replaying + "; Ctrl-C stops it", flush=True)
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:
        pass
    finally:
        sock.close()
    print("mock Enterprise Manager stopped", file=sys.stderr, flush=True)
