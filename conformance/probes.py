"""Probes: the few requests beyond the crawl's GETs that the protocol rules need as evidence.

Each probe sends one request per resource type (a sample resource of each kind) and records
what came back; the rules judge the records later. All probes are GETs except `method`, which
sends PATCH (a verb the API does not use) and only runs when actions are allowed.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass

import httpx

from .client import SESSION_HEADER
from .links import Link
from .parsing import ParseError, parse_body
from .snapshot import Resource, Snapshot

__all__ = ["PROBES", "Probe", "run_probes", "run_logoff_probe", "samples"]

_EXCERPT = 300


@dataclass(frozen=True, slots=True)
class Probe:
    """One probe request and what came back, tied to the resource it sampled."""

    name: str
    url: str
    """The sampled resource this probe speaks about."""
    method: str
    request_url: str
    headers: tuple[tuple[str, str], ...] = ()
    """Request headers that matter to the reader (secrets masked)."""
    status: int | None = None
    content_type: str | None = None
    root: str | None = None
    error_status: str | None = None
    """The `StatusCode` attribute of an `Error` body, when the body is one."""
    links: tuple[Link, ...] = ()
    excerpt: str = ""
    error: str | None = None


PROBES = ("anonymous", "json", "missing", "method", "after_logoff")


def _template(url: str) -> str:
    """The URL with id-like path segments blanked: `/jobs/{id}/includes`, whatever the id."""
    u = httpx.URL(url)
    parts = ["{id}" if any(ch.isdigit() for ch in part) else part.lower() for part in u.path.split("/")]
    query = "&".join(sorted(k.lower() for k in u.params.keys()))
    return "/".join(parts) + ("?" + query if query else "")


def samples(snapshot: Snapshot) -> list[Resource]:
    """One readable resource per kind and URL template (the first by URL), except the public root
    and the logon answer (a POST's: asking its URL again means something else).

    Per template, not only per kind: one kind (`EntityReferences`) spans many collections, and
    each of them must keep the contract on its own.
    """
    chosen: dict[tuple[str, str], Resource] = {}
    for res in sorted(snapshot, key=lambda r: r.url):
        if res.error is None and res.root and res.url != snapshot.root_url and res.method == "GET":
            chosen.setdefault((res.kind, _template(res.url)), res)
    return list(chosen.values())


def _missing_url(url: str) -> str | None:
    """The same URL with its last id-like path segment replaced by an id nobody has."""
    u = httpx.URL(url)
    parts = u.path.rstrip("/").split("/")
    last = parts[-1]
    if not any(ch.isdigit() for ch in last):
        return None
    parts[-1] = str(uuid.UUID(int=0x5EED_0000_0000_4000_8000_0000_0000_0000))
    return str(u.copy_with(path="/".join(parts)))


async def _send(client: httpx.AsyncClient, name: str, res_url: str, method: str, url: str,
                headers: dict[str, str], drop_session: bool = False, session_token: str | None = None) -> Probe:
    send_headers = httpx.Headers(client.headers)  # case-insensitive, unlike a dict
    if drop_session:
        send_headers.pop(SESSION_HEADER, None)
    if session_token is not None:
        send_headers[SESSION_HEADER] = session_token
    send_headers.update(headers)
    shown = tuple((k, "***" if k.lower() == SESSION_HEADER.lower() else v) for k, v in headers.items())
    try:
        # A request built by hand: the client would merge its defaults (the session id) back in.
        response = await client.send(httpx.Request(method, url, headers=send_headers))
    except httpx.HTTPError as exc:
        return Probe(name, res_url, method, url, shown, error=f"{type(exc).__name__}: {exc or 'no detail'}")
    body = response.content
    content_type = response.headers.get("content-type")
    root = error_status = None
    links: tuple[Link, ...] = ()
    if body.strip():
        try:
            doc, element = parse_body(body, content_type)
            root, links = doc.root, doc.links
            if element is not None and doc.root == "Error":
                error_status = element.get("StatusCode")
        except ParseError:
            pass
    return Probe(name, res_url, method, url, shown, response.status_code, content_type, root, error_status, links,
                 body[:_EXCERPT].decode("utf-8", "replace"))


async def run_probes(client: httpx.AsyncClient, snapshot: Snapshot, names: Iterable[str],
                     probes: list[Probe]) -> None:
    """Run the named probes (all but `after_logoff`) on one sample resource per kind.

    Records are appended as they arrive, so an interrupted run keeps what it already learned.
    """
    wanted = set(names)
    for res in samples(snapshot):
        if "anonymous" in wanted:
            probes.append(await _send(client, "anonymous", res.url, "GET", res.url, {}, drop_session=True))
        if "json" in wanted:
            probes.append(await _send(client, "json", res.url, "GET", res.url, {"Accept": "application/json"}))
        if "missing" in wanted and (missing := _missing_url(res.url)):
            probes.append(await _send(client, "missing", res.url, "GET", missing, {}))
        if "method" in wanted:
            probes.append(await _send(client, "method", res.url, "PATCH", res.url, {}))


async def run_logoff_probe(client: httpx.AsyncClient, session_url: str, old_token: str) -> Probe:
    """After logoff, the old session id must be refused."""
    return await _send(client, "after_logoff", session_url, "GET", session_url, {}, session_token=old_token)
