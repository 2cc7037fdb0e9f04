"""One bent API per scenario: what the server does, nothing about what the suite should say."""

from __future__ import annotations

import asyncio
import json
import threading
import zlib
from functools import cache

from hostile_server import NS, TOKEN, Api, Request, Writer, link, response, trickle

HOSTILE_MARKUP = ("<img src=x onerror=\"document.documentElement.setAttribute('data-owned','yes')\">"
                  "<script>document.documentElement.setAttribute('data-owned','yes')</script>")
TERMINAL = "\x1b[2J\x1b]0;owned\x07\x1b[31mRED\x1b[0m"
SECRET_FILE_TEXT = "local-file-sentinel-7f3a"


@cache
def gzip_bomb(gigabytes: int = 4) -> bytes:
    """About `gigabytes` GB of zeros in a few MB: one flushed block, repeated (the trailer is never
    reached by a reader that stops in time)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    zeros = b"\0" * (1 << 20)
    head = packer.compress(zeros) + packer.flush(zlib.Z_FULL_FLUSH)
    block = packer.compress(zeros) + packer.flush(zlib.Z_FULL_FLUSH)
    return head + block * (gigabytes * 1024 - 1) + packer.flush()


def bomb_response() -> bytes:
    return response(200, gzip_bomb(), Content_Encoding="gzip")


async def endless(writer: Writer, status: int = 200, megabytes: int = 200, **headers: str) -> None:
    """A body of `megabytes` MB, written in 1 MB pieces until the reader hangs up."""
    head = response(status, b"", **headers).replace(b"Content-Length: 0", f"Content-Length: {megabytes << 20}".encode())
    writer.write(head)
    piece = b"<a>" + b"x" * ((1 << 20) - 3)
    for _ in range(megabytes):
        writer.write(piece)
        await writer.drain()


class ProbeBomb(Api):
    """Fine for the crawl; every probe's answer (JSON, no session, unknown id) is a gzip bomb."""

    async def answer(self, request: Request, writer: Writer) -> bytes | None:
        probing = ("json" in request.headers.get("accept", "") or
                   (request.path.startswith("/api/jobs") and "x-restsvcsessionid" not in request.headers) or
                   "5eed" in request.path)
        return bomb_response() if probing else await super().answer(request, writer)


class LogonBomb(Api):
    async def answer(self, request: Request, writer: Writer) -> bytes | None:
        if request.method == "POST":
            return response(201, gzip_bomb(), Content_Encoding="gzip", X_RestSvcSessionId=TOKEN)
        return await super().answer(request, writer)


class LogonHuge(Api):
    """The logon answers 200 MB."""

    async def answer(self, request: Request, writer: Writer) -> bytes | None:
        if request.method == "POST":
            await endless(writer, 201, X_RestSvcSessionId=TOKEN)
            return None
        return await super().answer(request, writer)


class TrickledResource(Api):
    """One job's body comes at one byte a second."""

    async def answer(self, request: Request, writer: Writer) -> bytes | None:
        if request.path == "/api/jobs/1":
            await trickle(writer, response(200, self.job_doc("1")))
            return None
        return await super().answer(request, writer)


class TrickledLogon(Api):
    async def answer(self, request: Request, writer: Writer) -> bytes | None:
        if request.method == "POST":
            await trickle(writer, response(201, self.session_doc(), X_RestSvcSessionId=TOKEN))
            return None
        return await super().answer(request, writer)


class SilentResource(Api):
    """One job is never answered, and the connection stays open."""

    async def answer(self, request: Request, writer: Writer) -> bytes | None:
        if request.path == "/api/jobs/1":
            await asyncio.sleep(3600)
        return await super().answer(request, writer)


class ManyLinks(Api):
    """The job list holds 10,000 references to a few jobs, each with a link to another origin."""

    def jobs_doc(self) -> str:
        refs = "".join(f'<Ref Href="{self.base}jobs/{i % 10}" Type="JobReference" Name="job {i}">'
                       f'<Links>{link("Alternate", f"https://elsewhere{i % 50}.test/api/jobs/{i}", "Job")}</Links></Ref>'
                       for i in range(10_000))
        return f"<EntityReferences {NS}>{refs}</EntityReferences>"


class ForeignSession(Api):
    """The LogonSession's own Href and its Delete link name another origin."""

    elsewhere: str = "http://127.0.0.1:9/api/"

    def session_doc(self) -> str:
        return (f'<LogonSession {NS} Href="{self.elsewhere}logonSessions/1" Type="LogonSession">'
                f'<Links>{link("Down", self.base + "jobs", "EntityReferences")}'
                f'{link("Delete", self.elsewhere + "logonSessions/1")}</Links></LogonSession>')


class UnreadableLogon(Api):
    async def answer(self, request: Request, writer: Writer) -> bytes | None:
        if request.method == "POST":
            return response(201, "<LogonSession><Links><Link Rel=", X_RestSvcSessionId=TOKEN,
                            Location=self.base + "logonSessions/1")
        return await super().answer(request, writer)


class ExpiringSession(Api):
    """The session dies after a few requests: 401 for everything afterwards."""

    jobs: int = 30
    good: int = 6

    async def answer(self, request: Request, writer: Writer) -> bytes | None:
        if request.method == "GET" and "x-restsvcsessionid" in request.headers:
            self.good -= 1
            if self.good < 0:
                return self.error(401)
        return await super().answer(request, writer)


class MarkupValues(Api):
    """Types, Names and Hrefs hold markup; one job answers JSON whose Type holds terminal escapes,
    another an error whose text holds both."""

    def jobs_doc(self) -> str:
        hostile = HOSTILE_MARKUP
        return (f'<EntityReferences {NS}>'
                f'<Ref Href="{self.base}jobs/0" Type="JobReference" Name="x">'
                f'<Links>{link("Alternate", self.base + "jobs/0?format=Entity", hostile, hostile)}</Links></Ref>'
                f'<Ref Href="{self.base}jobs/1" Type="JobReference"/>'
                f'<Ref Href="{self.base}jobs/2" Type="JobReference"/>'
                f'<Links>{link("Down", self.base + "jobs/" + hostile.replace(" ", "%20"), hostile, hostile)}</Links>'
                f'</EntityReferences>')

    def job_doc(self, i: str) -> str:
        from xml.sax.saxutils import quoteattr

        return (f'<Job {NS} Href="{self.base}jobs/{i}" Type={quoteattr(HOSTILE_MARKUP)} Name={quoteattr(HOSTILE_MARKUP)}>'
                f'<Links>{link("Up", self.base + "jobs", HOSTILE_MARKUP)}</Links></Job>')

    async def answer(self, request: Request, writer: Writer) -> bytes | None:
        if request.path == "/api/jobs/1":
            return response(200, json.dumps({"Type": TERMINAL, "Name": TERMINAL, "Href": self.base + "jobs/1",
                                             "Links": [{"Rel": "Up", "Href": self.base + "jobs", "Type": TERMINAL}]}),
                            content_type="application/json")
        if request.path == "/api/jobs/2":
            return response(500, f"{TERMINAL}{HOSTILE_MARKUP}", content_type="text/plain")
        return await super().answer(request, writer)


def _letters(n: int) -> str:
    word = ""
    n += 26 * 27
    while n:
        n, rest = divmod(n, 26)
        word = chr(ord("a") + rest) + word
    return word


class ManyTemplates(Api):
    """A thousand resources of one type, each under a URL shape of its own (the issue measured 3,000;
    a thousand is already forty times the probes' cap per type, and keeps the battery quick)."""

    count = 1000

    def jobs_doc(self) -> str:
        refs = "".join(f'<Ref Href="{self.base}area{_letters(i)}/thing" Type="ThingReference"/>'
                       for i in range(self.count))
        return f"<EntityReferences {NS}>{refs}</EntityReferences>"

    async def answer(self, request: Request, writer: Writer) -> bytes | None:
        if request.path.startswith("/api/area") and request.method == "GET":
            return response(200, f'<Thing {NS} Href="{self.base}{request.path[5:]}" Type="Thing" Name="t"/>')
        return await super().answer(request, writer)


class BackslashHref(Api):
    """A link whose Href reads as this server to one parser and as another port, with credentials,
    to another."""

    def jobs_doc(self) -> str:
        port = self.base.split(":")[2].split("/")[0]
        sneaky = f"http://127.0.0.1:9\\@127.0.0.1:{port}/api/jobs/sneaky"
        return (f'<EntityReferences {NS}><Ref Href="{self.base}jobs/0" Type="JobReference"/>'
                f'<Links>{link("Down", sneaky, "Job")}{link("Down", f"http://user:pw@127.0.0.1:{port}/api/jobs/3", "Job")}'
                f'{link("Down", f"http://127.0.0.1:0{port}/api/jobs/4", "Job")}</Links></EntityReferences>')


class RetryAfter(Api):
    """The job list is 503 with Retry-After: 1 the first time it is asked for."""

    refused: int = 0

    async def answer(self, request: Request, writer: Writer) -> bytes | None:
        if request.path == "/api/jobs" and not self.refused:
            self.refused += 1
            return response(503, f'<Error {NS} StatusCode="503"/>', Retry_After="1")
        return await super().answer(request, writer)


class SlowEverywhere(Api):
    """Every answer takes half a second, and there are many: the run's deadline comes first."""

    jobs: int = 200

    async def answer(self, request: Request, writer: Writer) -> bytes | None:
        if request.method == "GET" and request.path.startswith("/api/jobs/"):
            await asyncio.sleep(0.5)
        return await super().answer(request, writer)


class Assorted(Api):
    """What already held, one job each: broken bodies (malformed, truncated, invalid UTF-8, wrong
    Content-Type, empty, HTML), 200 MB and a gzip bomb, 100,000 levels of nesting (XML and JSON),
    billion laughs, quadratic blow-up, external entities, XInclude, a schema location elsewhere,
    a redirect loop and a redirect elsewhere, a reset connection, and server errors."""

    secret_path = ""
    elsewhere = "http://127.0.0.1:9/"
    NAMES = ("malformed", "truncated", "utf8", "png", "empty", "html", "huge", "bomb", "deepxml", "deepjson",
             "laughs", "quadratic", "external", "xinclude", "located", "loop", "away", "reset", "e500", "e502")

    def jobs_doc(self) -> str:
        refs = "".join(f'<Ref Href="{self.base}jobs/{name}" Type="JobReference" Name="{name}"/>' for name in self.NAMES)
        return f"<EntityReferences {NS}>{refs}</EntityReferences>"

    def body(self, name: str) -> bytes | None:
        elsewhere, secret = self.elsewhere, self.secret_path
        laughs = ('<?xml version="1.0"?><!DOCTYPE Job [<!ENTITY a "lol">'
                  + "".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(9))
                  + f']><Job {NS} Name="&j;"/>')
        quadratic = (f'<?xml version="1.0"?><!DOCTYPE Job [<!ENTITY q "{"x" * 50_000}">]><Job {NS} Name="'
                     + "&q;" * 2000 + '"/>')
        xml = {
            "malformed": "<Job><Links><Link Rel='Up'></Job>",
            "truncated": f'<Job {NS} Href="{self.base}jobs/truncated" Type="Job"><Links>',
            "deepxml": f"<Job {NS}>" + "<a>" * 100_000 + "</a>" * 100_000 + "</Job>",
            "laughs": laughs,
            "quadratic": quadratic,
            "external": (f'<?xml version="1.0"?><!DOCTYPE Job [<!ENTITY s SYSTEM "file://{secret}">'
                         f'<!ENTITY r SYSTEM "{elsewhere}entity">]><Job {NS} Name="&s;&r;"/>'),
            "xinclude": (f'<Job {NS} xmlns:xi="http://www.w3.org/2001/XInclude"><xi:include href="file://{secret}" '
                         f'parse="text"/><xi:include href="{elsewhere}include"/></Job>'),
            "located": (f'<Job {NS} xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
                        f'xsi:schemaLocation="{NS[7:-1]} {elsewhere}schema.xsd"/>'),
        }
        if name in xml:
            return response(200, xml[name])
        return {
            "utf8": response(200, f'<Job {NS} Name="'.encode() + b'\xff\xfe"/>'),
            "png": response(200, f'<Job {NS}/>', content_type="image/png"),
            "empty": response(200, ""),
            "html": response(200, "<html><body><h1>Welcome to nginx!</h1></body></html>", content_type="text/html"),
            "bomb": bomb_response(),
            "deepjson": response(200, '{"Type": "Job", "x": ' + "[" * 100_000 + "]" * 100_000 + "}",
                                 content_type="application/json"),
            "loop": response(302, "", Location=self.base + "jobs/loop"),
            "away": response(307, "", Location=elsewhere + "api/jobs/away"),
            "e500": self.error(500),
            "e502": response(502, "<html>Bad gateway</html>", content_type="text/html"),
        }.get(name)

    async def answer(self, request: Request, writer: Writer) -> bytes | None:
        name = request.path.rsplit("/", 1)[1] if request.path.startswith("/api/jobs/") else ""
        if name == "huge":
            await endless(writer)
            return None
        if name == "reset":
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 500\r\n\r\n<Job")
            await writer.drain()
            writer.transport.abort()
            return None
        return self.body(name) or await super().answer(request, writer)


class LogonRefused(Api):
    async def answer(self, request: Request, writer: Writer) -> bytes | None:
        if request.method == "POST":
            return self.error(401)
        return await super().answer(request, writer)


class LogonWithoutSession(Api):
    async def answer(self, request: Request, writer: Writer) -> bytes | None:
        if request.method == "POST":
            return response(201, self.session_doc())
        return await super().answer(request, writer)


class Interrupted(Api):
    """Holds every job's answer until the run is over (`release`), so Ctrl-C lands mid-crawl however
    busy the machine is: the run cannot finish its work before the interrupt arrives."""

    jobs: int = 50

    def __init__(self) -> None:
        super().__init__()
        self.released = threading.Event()

    def release(self) -> None:
        self.released.set()

    async def answer(self, request: Request, writer: Writer) -> bytes | None:
        if request.path.startswith("/api/jobs/"):
            while not self.released.is_set():
                await asyncio.sleep(0.02)
        return await super().answer(request, writer)
