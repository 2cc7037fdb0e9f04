"""HTTP to the target: one configured httpx client, logon and logoff, bounded reads."""

from __future__ import annotations

import ssl
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

import httpx

from .errors import OptionError, TargetError
from .reproduce import SESSION_HEADER

__all__ = [
    "SESSION_HEADER", "Fetched", "Session", "Target", "build_client", "fetch", "logoff",
    "logon", "normalise_root", "tls_context",
]


def normalise_root(url: str) -> str:
    """The API root with exactly one trailing slash; a bare host gets `/api/`.

    Users type `https://em:9398/api`, `https://em:9398/api/` or `https://em:9398`; all mean the
    same root, and relative resolution (`urljoin`) only works with the trailing slash.
    """
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise OptionError(f"target URL {url!r} is not an absolute http(s) URL (expected e.g. https://HOST:9398/api/)")
    path = parts.path.rstrip("/")
    if not path:
        path = "/api"
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), path + "/", "", ""))


@dataclass(frozen=True)
class Target:
    """Where and how to reach the API; the password never appears in repr or output."""

    url: str
    user: str
    password: str = field(repr=False)
    api_version: str = "v1_7"
    verify: bool | str = True
    """True (system CAs), False (`--insecure`), or the path of a CA bundle."""
    timeout: float = 30.0
    max_body: int = 16 * 1024 * 1024
    concurrency: int = 8

    @property
    def logon_url(self) -> str:
        return f"{self.url}sessionMngr/?v={self.api_version}"


@dataclass(frozen=True)
class Session:
    """A logon session: the token (secret) and the resource that represents it."""

    token: str = field(repr=False)
    url: str | None
    """`/logonSessions/{ID}` from the body's Delete (or own Href) link, for logoff and the crawl."""
    links: tuple = ()


@dataclass(frozen=True)
class Fetched:
    """One GET's outcome; the body is bounded by `Target.max_body`."""

    url: str
    status: int
    content_type: str | None
    body: bytes
    elapsed_ms: float
    truncated: bool = False


def tls_context(ca_bundle: str) -> ssl.SSLContext:
    """A context trusting the bundle's CAs; a file that holds no certificate is the user's error."""
    try:
        return ssl.create_default_context(cafile=ca_bundle)
    except (OSError, ssl.SSLError) as exc:
        raise OptionError(f"--ca-bundle {ca_bundle!r} cannot be loaded: {exc}") from exc


def _verify(target: Target) -> bool | ssl.SSLContext:
    return tls_context(target.verify) if isinstance(target.verify, str) else target.verify


def build_client(target: Target, *, transport: httpx.AsyncBaseTransport | None = None) -> httpx.AsyncClient:
    """The one client the crawl and the probes share: pooling, limits and TLS set once."""
    return httpx.AsyncClient(
        base_url=target.url,
        timeout=httpx.Timeout(target.timeout),
        limits=httpx.Limits(max_connections=target.concurrency, max_keepalive_connections=target.concurrency),
        verify=_verify(target),
        transport=transport,
        headers={"Accept": "application/xml", "User-Agent": "conformance-suite"},
        follow_redirects=False,
    )


def _describe(exc: httpx.HTTPError, url: str) -> str:
    return f"{type(exc).__name__} on {url}: {exc or 'no detail'}"


async def fetch(client: httpx.AsyncClient, url: str, max_body: int) -> Fetched:
    """GET a URL and read at most `max_body` bytes, so a runaway body cannot exhaust memory."""
    started = time.perf_counter()
    async with client.stream("GET", url) as response:
        chunks: list[bytes] = []
        size = 0
        truncated = False
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            if size > max_body:
                truncated = True
                break
            chunks.append(chunk)
    elapsed = (time.perf_counter() - started) * 1000
    return Fetched(url, response.status_code, response.headers.get("content-type"), b"".join(chunks),
                   elapsed, truncated)


async def logon(client: httpx.AsyncClient, target: Target) -> tuple[Session, httpx.Response]:
    """POST to the session manager with Basic auth; the token goes on every later request."""
    try:
        response = await client.post(target.logon_url, auth=(target.user, target.password))
    except httpx.HTTPError as exc:
        raise TargetError(f"cannot reach {target.url}: {_describe(exc, target.logon_url)}") from exc
    if response.status_code == 401:
        raise TargetError(f"logon refused (401) for user {target.user!r} at {target.logon_url}: check the user "
                          "and the CONFORMANCE_PASSWORD environment variable")
    if response.status_code not in (200, 201):
        raise TargetError(f"logon at {target.logon_url} answered {response.status_code}, expected 201")
    token = response.headers.get(SESSION_HEADER)
    if not token:
        raise TargetError(f"logon at {target.logon_url} answered {response.status_code} without a {SESSION_HEADER} header")
    client.headers[SESSION_HEADER] = token
    from .parsing import ParseError, parse_body  # local: parsing pulls lxml, the client need not

    session_url = None
    links: tuple = ()
    try:
        doc, _ = parse_body(response.content, response.headers.get("content-type"))
        links = doc.links
        own = [l.href for l in doc.links if l.rel == "Delete" and l.href and l.owner in (None, doc.href)]
        session_url = doc.href or (own[0] if own else None)
        if session_url:
            session_url = str(httpx.URL(target.url).join(session_url))
    except ParseError:
        pass  # the logon body is judged by the rules like any other; logon itself still worked
    return Session(token, session_url, links), response


async def logoff(client: httpx.AsyncClient, session: Session) -> int | None:
    """DELETE the logon session so a run leaves no session behind; never raises."""
    if not session.url:
        return None
    try:
        response = await client.delete(session.url)
    except httpx.HTTPError:
        return None
    finally:
        client.headers.pop(SESSION_HEADER, None)
    return response.status_code
