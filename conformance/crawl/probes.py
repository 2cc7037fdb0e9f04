"""Probes: the few requests beyond the crawl's GETs that the protocol rules need as evidence.

Each probe sends one request per resource type (a sample resource of each kind) and records
what came back; the rules judge the records later. All probes are GETs except `method`, which
sends PATCH (a verb the API does not use) and only runs when actions are allowed. They run
concurrently, through the same client (and so the same budgets) as the crawl, and their number is
bounded per resource type, so a server with thousands of URL shapes costs a fixed budget.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterable

import httpx

from ..contract.schema import SchemaSet, judge
from ..model.links import Link
from ..model.parsing import JsonBody, ParseError, read_body
from ..model.records import Probe
from ..model.snapshot import Resource, Snapshot
from ..model.urls import is_id_like, url_template
from ..process.heap import trim_after
from .client import SESSION_HEADER, Client
from .guard import describe_error

__all__ = ["PROBES", "Probe", "run_probes", "run_logoff_probe", "samples"]

_EXCERPT = 300


PROBES = ("anonymous", "json", "missing", "method", "after_logoff")

PER_KIND = 24
"""Most URL templates sampled per resource type."""
MAX_SAMPLES = 200
"""Most samples in all: four probes each, whatever the server's size and shape."""


def samples(snapshot: Snapshot) -> list[Resource]:
    """One readable resource per kind and URL template (the first by URL), except the public root
    and the logon answer (a POST's: asking its URL again means something else).

    Per template, not only per kind: one kind (`EntityReferences`) spans many collections, and
    each of them must keep the contract on its own. But at most `PER_KIND` templates per kind and
    `MAX_SAMPLES` in all (every kind's first template before any kind's second), so a server that
    invents a URL shape per resource costs no more than a fixed budget.
    """
    chosen: dict[tuple[str, str], Resource] = {}
    per_kind: dict[str, list[Resource]] = {}
    for res in sorted(snapshot, key=lambda r: r.url):
        if res.error is None and res.root and res.url != snapshot.root_url and res.method == "GET":
            key = (res.kind, url_template(res.url))
            if key not in chosen and len(per_kind.get(res.kind, ())) < PER_KIND:
                chosen[key] = res
                per_kind.setdefault(res.kind, []).append(res)
    rounds = [res for rank in range(PER_KIND) for group in per_kind.values() if rank < len(group)
              for res in (group[rank],)]
    kept = {id(res) for res in rounds[:MAX_SAMPLES]}
    return [res for res in chosen.values() if id(res) in kept]


def _missing_url(url: str) -> str | None:
    """The same URL with its last id-like path segment replaced by an id nobody has."""
    u = httpx.URL(url)
    parts = u.path.rstrip("/").split("/")
    if not is_id_like(parts[-1]):
        return None
    parts[-1] = str(uuid.UUID(int=0x5EED_0000_0000_4000_8000_0000_0000_0000))
    return str(u.copy_with(path="/".join(parts)))


async def _send(client: Client, name: str, res_url: str, method: str, url: str,
                headers: dict[str, str], drop_session: bool = False, session_token: str | None = None,
                schemas: SchemaSet | None = None, hint: str | None = None) -> Probe:
    send_headers = httpx.Headers(client.headers)  # case-insensitive, unlike a dict
    if drop_session:
        send_headers.pop(SESSION_HEADER, None)
    if session_token is not None:
        send_headers[SESSION_HEADER] = session_token
    send_headers.update(headers)
    shown = tuple((k, "***" if k.lower() == SESSION_HEADER.lower() else v) for k, v in headers.items())
    try:
        response, body = await client.exchange(client.lean_request(method, url, send_headers))
    except httpx.HTTPError as exc:  # the guard's budgets too: a body too large, an answer too late
        return Probe(name, res_url, method, url, shown, error=f"{type(exc).__name__}: {describe_error(exc)}")
    content_type = response.headers.get("content-type")
    root = error_status = None
    links: tuple[Link, ...] = ()
    errors: tuple[str, ...] = ()
    validated = False
    if body.strip():
        try:
            doc, parsed = read_body(body, content_type)
            root, links = doc.root, doc.links
            if isinstance(parsed, JsonBody):
                # The crawl judged the other form; the JSON form of the same resource is judged here,
                # and read as the root the schemas know it by (an Error has no Type to name it).
                verdict = judge(schemas, parsed, hint)
                root = verdict.root or root
                if 200 <= response.status_code < 300:
                    errors, validated = verdict.errors, verdict.validated
                if root == "Error" and isinstance(parsed.value, dict) and parsed.value.get("StatusCode") is not None:
                    error_status = str(parsed.value["StatusCode"])
            elif doc.root == "Error":
                error_status = parsed.get("StatusCode")
        except ParseError:
            pass
    trim_after(len(body))
    return Probe(name, res_url, method, url, shown, response.status_code, content_type, root, error_status, links,
                 body[:_EXCERPT].decode("utf-8", "replace"), schema_errors=errors, validated=validated)


async def run_probes(client: Client, snapshot: Snapshot, names: Iterable[str],
                     probes: list[Probe], concurrency: int = 8, schemas: SchemaSet | None = None) -> None:
    """Run the named probes (all but `after_logoff`) on the sample resources, `concurrency` at a time.

    Records are appended as they arrive, so an interrupted run keeps what it already learned; a
    finished run has them in a stable order (by resource, then probe).
    """
    wanted = set(names)
    jobs: list[tuple[str, str, str, str, dict[str, str], bool]] = []
    roots: dict[str, str | None] = {}
    for res in samples(snapshot):
        roots[res.url] = res.root  # the root of the form the crawl read: the JSON probe's is the same
        if "anonymous" in wanted:
            jobs.append(("anonymous", res.url, "GET", res.url, {}, True))
        if "json" in wanted:
            jobs.append(("json", res.url, "GET", res.url, {"Accept": "application/json"}, False))
        if "missing" in wanted and (missing := _missing_url(res.url)):
            jobs.append(("missing", res.url, "GET", missing, {}, False))
        if "method" in wanted:
            jobs.append(("method", res.url, "PATCH", res.url, {}, False))
    gate = asyncio.Semaphore(max(1, concurrency))

    async def one(job: tuple[str, str, str, str, dict[str, str], bool]) -> None:
        name, res_url, method, url, headers, anonymous = job
        async with gate:
            probes.append(await _send(client, name, res_url, method, url, headers, drop_session=anonymous,
                                      schemas=schemas, hint=roots.get(res_url) if name == "json" else None))

    await asyncio.gather(*(one(job) for job in jobs))
    order = {name: index for index, name in enumerate(PROBES)}
    probes.sort(key=lambda p: (p.url, order.get(p.name, len(order))))


async def run_logoff_probe(client: Client, session_url: str, old_token: str) -> Probe:
    """After logoff, the old session id must be refused."""
    return await _send(client, "after_logoff", session_url, "GET", session_url, {}, session_token=old_token)
