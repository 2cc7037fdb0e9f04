"""A small API on a real socket whose answers a scenario bends: bombs, trickles, lies, silence.

It speaks just enough HTTP/1.1 (one request per connection) that each scenario can write any bytes
at any pace. The API itself is tiny and well behaved: a root, a logon that opens a session, a list
of jobs and the jobs. A scenario overrides `answer` for the requests it bends and writes what it
likes; every request is recorded with the headers it came with.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from xml.sax.saxutils import quoteattr

NS = 'xmlns="http://www.veeam.com/ent/v1.0"'
TOKEN = "hostile-session-token"


@dataclass
class Request:
    method: str
    target: str
    headers: dict[str, str]
    body: bytes = b""

    @property
    def path(self) -> str:
        return self.target.split("?", 1)[0]


Writer = asyncio.StreamWriter


def response(status: int, body: bytes | str = b"", content_type: str = "application/xml", **headers: str) -> bytes:
    """A whole HTTP answer as bytes; the connection closes after it."""
    data = body.encode() if isinstance(body, str) else body
    lines = [f"HTTP/1.1 {status} X", f"Content-Type: {content_type}", f"Content-Length: {len(data)}",
             "Connection: close", *(f"{k.replace('_', '-')}: {v}" for k, v in headers.items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + data


def link(rel: str, href: str, typ: str | None = None, name: str | None = None) -> str:
    extra = (f" Type={quoteattr(typ)}" if typ else "") + (f" Name={quoteattr(name)}" if name else "")
    return f"<Link Rel={quoteattr(rel)} Href={quoteattr(href)}{extra}/>"


class Api:
    """The well-behaved API; subclasses bend `answer` (or the documents it is built from)."""

    jobs = 2

    def __init__(self) -> None:
        self.requests: list[Request] = []
        self.base = ""
        """`http://127.0.0.1:PORT/api/`, known once the server listens."""

    def session_doc(self) -> str:
        return (f'<LogonSession {NS} Href="{self.base}logonSessions/1" Type="LogonSession" Name="admin">'
                f'<Links>{link("Down", self.base + "jobs", "EntityReferences")}'
                f'{link("Delete", self.base + "logonSessions/1")}</Links>'
                f'<UserName>admin</UserName><SessionId>1</SessionId></LogonSession>')

    def root_doc(self) -> str:
        return f'<EnterpriseManager {NS} Href="{self.base}" Type="EnterpriseManager"/>'

    def jobs_doc(self) -> str:
        refs = "".join(f'<Ref Href="{self.base}jobs/{i}" Type="JobReference" Name="job {i}" UID="urn:veeam:Job:{i}">'
                       f'<Links>{link("Alternate", self.base + f"jobs/{i}?format=Entity", "Job")}</Links></Ref>'
                       for i in range(self.jobs))
        return (f'<EntityReferences {NS}>{refs}<Links>{link("Up", self.base + "logonSessions/1", "LogonSession")}'
                f'</Links></EntityReferences>')

    def job_doc(self, i: str) -> str:
        return (f'<Job {NS} Href="{self.base}jobs/{i}?format=Entity" Type="Job" Name="job {i}" UID="urn:veeam:Job:{i}">'
                f'<Links>{link("Up", self.base + "jobs", "EntityReferences")}</Links></Job>')

    def error(self, status: int) -> bytes:
        return response(status, f'<Error {NS} StatusCode="{status}" Message="no"/>')

    async def answer(self, request: Request, writer: Writer) -> bytes | None:
        """The bytes to send (None when the scenario wrote its answer itself)."""
        path, method = request.path, request.method
        if method == "POST" and path == "/api/sessionMngr/":
            if "authorization" not in request.headers:
                return self.error(401)
            return response(201, self.session_doc(), X_RestSvcSessionId=TOKEN)
        if path == "/api/" and method == "GET":
            return response(200, self.root_doc())
        if request.headers.get("x-restsvcsessionid") != TOKEN:
            return self.error(401)
        if path == "/api/logonSessions/1":
            return response(204) if method == "DELETE" else response(200, self.session_doc())
        if method != "GET":
            return self.error(405)
        if path == "/api/jobs":
            return response(200, self.jobs_doc())
        if path.startswith("/api/jobs/"):
            return response(200, self.job_doc(path.rsplit("/", 1)[1]))
        return self.error(404)


class HostileServer:
    """Serves an `Api` on 127.0.0.1 from an event loop in a thread; a context manager."""

    def __init__(self, api: Api):
        self.api = api
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.server: asyncio.AbstractServer | None = None

    @property
    def url(self) -> str:
        return self.api.base

    def __enter__(self) -> HostileServer:
        self.thread.start()
        self.server = asyncio.run_coroutine_threadsafe(
            asyncio.start_server(self._serve, "127.0.0.1", 0), self.loop).result(10)
        port = self.server.sockets[0].getsockname()[1]
        self.api.base = f"http://127.0.0.1:{port}/api/"
        return self

    def __exit__(self, *exc: object) -> None:
        async def stop() -> None:
            assert self.server is not None
            self.server.close()
            for task in asyncio.all_tasks():
                if task is not asyncio.current_task():
                    task.cancel()

        asyncio.run_coroutine_threadsafe(stop(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)

    async def _serve(self, reader: asyncio.StreamReader, writer: Writer) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            first, *lines = head.decode("latin-1").split("\r\n")
            method, target, _ = first.split(" ", 2)
            headers = {k.strip().lower(): v.strip() for k, _, v in (l.partition(":") for l in lines if l)}
            body = await reader.readexactly(int(headers.get("content-length", "0") or 0))
            request = Request(method, target, headers, body)
            self.api.requests.append(request)
            data = await self.api.answer(request, writer)
            if data is not None:
                writer.write(data)
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError):
            pass
        except asyncio.CancelledError:
            pass  # the server is stopping: a scenario that never answers is left unanswered
        finally:
            writer.close()


async def trickle(writer: Writer, data: bytes, per_second: float = 1.0) -> None:
    """Write `data` one byte at a time, `per_second` bytes a second, until the reader hangs up."""
    for byte in data:
        writer.write(bytes([byte]))
        await writer.drain()
        await asyncio.sleep(1 / per_second)


Scenario = Callable[[Request, Writer], Awaitable[bytes | None]]
