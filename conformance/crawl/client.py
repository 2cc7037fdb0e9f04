"""HTTP to the target: one configured httpx client, logon and logoff; every request through the guard."""

from __future__ import annotations

import ssl
import time
import urllib.request
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx

from ..errors import OptionError, TargetError
from ..model.reproduce import SESSION_HEADER
from ..model.urls import same_origin, url_problem
from .guard import ACCEPT_ENCODING, BudgetExceeded, GuardedTransport, RequestBudget, describe_error

__all__ = [
    "MEDIA_TYPES", "SESSION_HEADER", "Client", "Fetched", "Session", "Target", "build_client", "fetch",
    "guarded_transport", "logoff", "logon", "network_transport", "normalise_root", "tls_context",
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


MEDIA_TYPES = {"xml": "application/xml", "json": "application/json"}
"""What the crawl asks for in each `--format`."""


@dataclass(frozen=True)
class Target:
    """Where and how to reach the API; the password never appears in repr or output."""

    url: str
    user: str
    password: str = field(repr=False)
    api_version: str = "v1_7"
    """The API version the session speaks (what reproductions log on with)."""
    logon_version: str | None = None
    """The `?v=` the run logs on with where it is not `api_version`: `latest`, when the server's
    version is to pick the profile."""
    verify: bool | str = True
    """True (system CAs), False (`--insecure`), or the path of a CA bundle."""
    timeout: float = 20.0
    """Seconds for one whole request (connection, answer and body), in every phase."""
    max_body: int = 16 * 1024 * 1024
    """Largest body, counted after decompression."""
    concurrency: int = 8
    accept: str = "application/xml"
    """The media type every request of the crawl asks for (`--format`); probes ask for others themselves."""

    @property
    def logon_url(self) -> str:
        return f"{self.url}sessionMngr/?v={self.logon_version or self.api_version}"


@dataclass(frozen=True)
class Session:
    """A logon session: the token (secret) and the resource that represents it."""

    token: str = field(repr=False)
    url: str | None
    """`/logonSessions/{ID}` at the target's origin (the body's own Href or Delete link, else the
    Location header), for logoff and the crawl; None when the answer names none there."""
    links: tuple = ()
    problem: str | None = None
    """Why the logon answer cannot be read, when it cannot: the session it opened cannot be judged."""


@dataclass(frozen=True)
class Fetched:
    """One GET's outcome; the body is bounded by the request budget (`guard`)."""

    url: str
    status: int
    content_type: str | None
    body: bytes
    elapsed_ms: float


def tls_context(ca_bundle: str) -> ssl.SSLContext:
    """A context trusting the bundle's CAs; a file that holds no certificate is the user's error."""
    try:
        return ssl.create_default_context(cafile=ca_bundle)
    except (OSError, ssl.SSLError) as exc:
        raise OptionError(f"--ca-bundle {ca_bundle!r} cannot be loaded: {exc}") from exc


def _verify(target: Target) -> bool | ssl.SSLContext:
    return tls_context(target.verify) if isinstance(target.verify, str) else target.verify


def _proxy(url: str) -> str | None:
    """The proxy the environment names for the target (HTTPS_PROXY, NO_PROXY, ...), if any."""
    host = urlsplit(url).hostname or ""
    if urllib.request.proxy_bypass(host):
        return None
    return urllib.request.getproxies().get(urlsplit(url).scheme)


def network_transport(target: Target) -> httpx.AsyncBaseTransport:
    """The transport that talks to the target: its TLS, its pool, the environment's proxy.

    A target reached directly over plain HTTP (the embedded mock, a lab server) gets the lean
    transport (`transport.LeanTransport`): there the client's own CPU is what a run waits for. Over
    TLS or through a proxy, httpx's transport carries the certificates and the proxy as configured.
    """
    proxy = _proxy(target.url)
    if proxy is None and urlsplit(target.url).scheme == "http":
        from .transport import LeanTransport

        return LeanTransport(max_connections=target.concurrency)
    limits = httpx.Limits(max_connections=target.concurrency, max_keepalive_connections=target.concurrency)
    return httpx.AsyncHTTPTransport(verify=_verify(target), limits=limits, proxy=proxy)


def guarded_transport(target: Target, inner: httpx.AsyncBaseTransport | None = None) -> GuardedTransport:
    """The target's transport (or `inner`) under the guard, which holds every request to the
    target's origin and budgets: what every request of a run goes through."""
    budget = RequestBudget(target.url, max_body=target.max_body, deadline=target.timeout)
    return GuardedTransport(inner or network_transport(target), budget)


class Client(httpx.AsyncClient):
    """httpx's client, with a lean way for the crawl and the probes to send (`exchange`).

    Their requests are whole when built (an absolute URL, the client's headers with the session
    among them), so `exchange` hands each straight to the guarded transport. It skips the client's
    bookkeeping, none of which those requests use: the cookie jar (the session travels in its
    header), auth and redirect flows, URL merging. Against a fast server that bookkeeping cost as
    much CPU as the transport itself. The client's event hooks (a recording's) still see every
    request and answer.
    """

    def __init__(self, *, guard: GuardedTransport, **kwargs: Any) -> None:
        super().__init__(transport=guard, **kwargs)
        self.guard = guard
        self._extensions = {"timeout": self.timeout.as_dict()}

    def lean_request(self, method: str, url: str, headers: httpx.Headers | None = None) -> httpx.Request:
        """A request to an absolute URL with the client's headers, or with `headers` instead."""
        return httpx.Request(method, url, headers=self.headers if headers is None else headers,
                             extensions=self._extensions)

    async def exchange(self, request: httpx.Request) -> tuple[httpx.Response, bytes]:
        """Send `request` through the guard and read its answer whole (the guard bounds it)."""
        for hook in self.event_hooks["request"]:
            await hook(request)
        response = await self.guard.handle_async_request(request)
        try:
            body = await response.aread()
        finally:
            await response.aclose()
        for hook in self.event_hooks["response"]:
            await hook(response)
        return response, body


def build_client(target: Target, *, transport: httpx.AsyncBaseTransport | None = None) -> Client:
    """The one client every phase shares: pooling and TLS set once, and every request through the
    guard (`guarded_transport`).

    The client reads no proxy from the environment itself (it would bypass the guard with a
    transport of its own); the guarded transport is given the environment's proxy instead.
    """
    return Client(
        base_url=target.url,
        timeout=httpx.Timeout(target.timeout),
        guard=guarded_transport(target, transport),
        trust_env=False,
        headers={"Accept": target.accept, "Accept-Encoding": ACCEPT_ENCODING, "User-Agent": "conformance-suite"},
        follow_redirects=False,
    )


def _describe(exc: httpx.HTTPError, url: str) -> str:
    return f"{type(exc).__name__} on {url}: {describe_error(exc)}"


async def fetch(client: Client, url: str) -> Fetched:
    """GET an absolute URL; the guard bounds its time and body, and raises an `httpx.TransportError`
    past them."""
    started = time.perf_counter()
    response, body = await client.exchange(client.lean_request("GET", url))
    elapsed = (time.perf_counter() - started) * 1000
    return Fetched(url, response.status_code, response.headers.get("content-type"), body, elapsed)


def _session_url(target: Target, response: httpx.Response, doc_href: str | None, links: tuple) -> str | None:
    """Where the session the suite opened lives, always at the target's origin: the answer's own
    Href, else its own Delete link, else the Location header. A session named at another origin is
    logged off at the same path on the target's origin (LNK003 reports the link), so the session id
    never leaves the origin that issued it and the server that issued it sees the logoff."""
    own_delete = [l.href for l in links if l.rel == "Delete" and l.href and l.owner in (None, doc_href)]
    for candidate in (doc_href, *own_delete, response.headers.get("location")):
        if not candidate or url_problem(candidate):
            continue
        try:
            url = httpx.URL(target.url).join(candidate)
        except (httpx.InvalidURL, ValueError):
            continue
        if not same_origin(str(url), target.url):
            root = httpx.URL(target.url)
            url = url.copy_with(scheme=root.scheme, host=root.host, port=root.port)
        return str(url)
    return None


async def logon(client: httpx.AsyncClient, target: Target) -> tuple[Session, httpx.Response]:
    """POST to the session manager with Basic auth; the token goes on every later request.

    A logon that cannot be completed (no answer, refused, over a budget, no session header) is a
    TargetError; an answer that opened a session but cannot be read comes back with `problem` set,
    so the caller can record it and close the session before stopping.
    """
    try:
        response = await client.post(target.logon_url, auth=(target.user, target.password))
    except BudgetExceeded as exc:  # an answer came, but over its time or size
        raise TargetError(f"logon failed: {_describe(exc, target.logon_url)}") from exc
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
    from ..model.parsing import ParseError, parse_body  # local: parsing pulls lxml, the client need not

    try:
        doc, _ = parse_body(response.content, response.headers.get("content-type"))
    except ParseError as exc:
        return Session(token, _session_url(target, response, None, ()), problem=str(exc)), response
    return Session(token, _session_url(target, response, doc.href, doc.links), doc.links), response


async def logoff(client: httpx.AsyncClient, session: Session) -> int | None:
    """DELETE the logon session so a run leaves no session behind; never raises."""
    if not session.url:
        client.headers.pop(SESSION_HEADER, None)
        return None
    try:
        response = await client.delete(session.url)
    except httpx.HTTPError:
        return None
    finally:
        client.headers.pop(SESSION_HEADER, None)
    return response.status_code
