"""The mock serves what the vendor documents: every GET URL template, every operation and every
query type of the v1.7 pages, with the documented status and root element.

The documented surface is read at test time from the contract data that lies beside the vendor's
pages (`contract/catalog.json`: templates, methods, statuses, roots), never copied into the
project. URLs are made the way a client makes them: the ids of a template come from its parent
collection's members, so the test finds out whether the mock's links and lists lead to every
documented URL. The coverage table is printed at the end of the run.
"""

from __future__ import annotations

import asyncio
import functools
import json
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import Phase, find, settings
from lxml import etree
from run_summary import summarise
from vendor_pages import pages_folder

from conformance.actions.strategies import as_payload, read_spec, valid_body
from conformance.contract.profiles import data_dir, load_profile
from conformance.mock import DEFAULT_PASSWORD, DEFAULT_USER, create_app, generate_dataset

_ROOT = "http://mock.test/api/"
_NS = "{http://www.veeam.com/ent/v1.0}"
_PLACEHOLDER = re.compile(r"\{(ID|vmname|filepath)\}", re.IGNORECASE)
_FILE_PATH = "C%3A%2Fdata"
_EQUIVALENT_ROOTS = {"EntityRef": {"EntityRef"}, "EntityReferences": {"EntityReferences"}}


def _catalog() -> dict[str, Any] | None:
    pages = pages_folder()
    file = pages.parent / "contract" / "catalog.json" if pages else None
    return json.loads(file.read_text(encoding="utf-8")) if file and file.is_file() else None


CATALOG = _catalog()
pytestmark = pytest.mark.skipif(CATALOG is None, reason="the vendor's contract data (catalog.json) is not on this machine")


@dataclass(frozen=True)
class Documented:
    method: str
    template: str
    query: str | None
    statuses: tuple[str, ...]
    roots: frozenset[str]
    bodies: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return f"{self.method} {self.template}" + (f"?{self.query}" if self.query else "")


def documented() -> list[Documented]:
    """Every documented method of every template, once (the pages list some twice)."""
    out: dict[str, Documented] = {}
    for resource in (CATALOG or {}).get("resources", []):
        shown = frozenset(r["root"] for r in resource.get("representations", []) if r.get("root"))
        for m in resource.get("methods", []):
            roots = frozenset(r["root"] for r in m["response_roots"] if r.get("root"))
            if m["path_template"] == resource["url_template"]:
                roots |= shown if roots else frozenset()  # the resource page shows its forms too
            entry = Documented(m["method"], m["path_template"], m.get("query"),
                               tuple(c["code"] for c in m["response_codes_stated"]), roots,
                               tuple(m["request_body"]["roots"]))
            if "{objType}" in (entry.query or ""):
                continue  # the lookup's placeholder, not a query type
            out.setdefault(entry.name, entry)
    return sorted(out.values(), key=lambda d: d.name)


# -- a client of the mock -----------------------------------------------------------------------------

@dataclass
class Client:
    http: httpx.AsyncClient
    members: dict[str, list[str]] = field(default_factory=dict)

    async def get(self, url: str) -> httpx.Response:
        return await self.http.get(url)

    async def ids(self, collection_url: str) -> list[str]:
        """The last path segments of the members a collection lists (its Refs, or its items' Hrefs)."""
        if collection_url not in self.members:
            response = await self.get(collection_url)
            found: list[str] = []
            if response.status_code == 200:
                root = etree.fromstring(response.content)
                for child in root:
                    href = child.get("Href")
                    if href:
                        found.append(httpx.URL(href).path.rstrip("/").rsplit("/", 1)[-1])
            self.members[collection_url] = found
        return self.members[collection_url]

    async def real(self, body: bytes | None) -> bytes | None:
        """A generated body whose references name real objects (a clone's repository)."""
        if body is None or b"RepositoryUid" not in body:
            return body
        repositories = await self.ids(_ROOT + "repositories")
        return re.sub(rb"<RepositoryUid>[^<]*</RepositoryUid>",
                      f"<RepositoryUid>urn:veeam:Repository:{repositories[0]}</RepositoryUid>".encode(), body)

    async def urls(self, template: str, wanted: int = 1, tried: int = 40) -> list[str]:
        """Concrete URLs of a template (up to `wanted`), ids taken from the collections before each
        placeholder; parents are tried in turn until one has members."""
        parts = template.strip("/").split("/")

        async def expand(prefix: str, rest: list[str]) -> list[str]:
            if not rest:
                return [_ROOT + prefix.strip("/")]
            part, rest = rest[0], rest[1:]
            if not _PLACEHOLDER.fullmatch(part):
                return await expand(f"{prefix}/{part}", rest)
            if part.lower() == "{filepath}":
                return await expand(f"{prefix}/{_FILE_PATH}", rest)
            out: list[str] = []
            for id_ in (await self.ids(_ROOT + prefix.strip("/")))[:tried]:
                out += await expand(f"{prefix}/{id_}", rest)
                if len(out) >= wanted:
                    break
            return out[:wanted]

        return await expand("", parts)


def _root(response: httpx.Response) -> str | None:
    try:
        return etree.QName(etree.fromstring(response.content)).localname
    except (etree.XMLSyntaxError, ValueError):
        return None


@functools.cache
def _body(element: str) -> bytes | None:
    spec = read_spec(data_dir("schemas") / "v1_7", element)
    if spec is None:
        return None
    tree = find(valid_body(spec), lambda _: True,
                settings=settings(phases=[Phase.generate], max_examples=1, database=None, derandomize=True))
    return as_payload(tree, spec.namespace, "valid").body


# -- the check of one documented method ------------------------------------------------------------------

async def check(client: Client, doc: Documented) -> str | None:
    """Why the mock does not answer a documented method as documented (None when it does)."""
    if doc.method == "GET":
        return await _check_get(client, doc)
    client.members.clear()  # what the writes before changed
    urls = await client.urls(doc.template, wanted=12)
    if not urls:
        return "no URL of it could be reached"
    why = None
    for url in reversed(urls):  # the newest first: what the operations before made, e.g. a clone to delete
        why = await _check_operation(client, doc, url + (f"?{doc.query}" if doc.query else ""))
        if why is None:
            return None
    return why


async def _check_get(client: Client, doc: Documented) -> str | None:
    suffix = f"?{doc.query}" if doc.query else ""
    urls = await client.urls(doc.template)
    if not urls:
        return "no URL of it could be reached (its parent collection lists nothing)"
    response = await client.get(urls[0] + suffix)
    if str(response.status_code) not in doc.statuses:
        return f"{urls[0] + suffix}: HTTP {response.status_code}, documented {'/'.join(doc.statuses)}"
    root = _root(response)
    if doc.roots and root not in doc.roots:  # the page may show the entity form of the resource
        entity = await client.get(urls[0] + (f"{suffix}&" if suffix else "?") + "format=Entity")
        if _root(entity) not in doc.roots:
            return f"{urls[0] + suffix}: root {root} (entity form {_root(entity)}), documented {'/'.join(sorted(doc.roots))}"
    return None


async def _check_operation(client: Client, doc: Documented, url: str) -> str | None:
    element = _expected_body(doc, url)
    headers = {}
    content = None
    if element:
        content = await client.real(_body(element))
        headers["Content-Type"] = "application/xml"
        if doc.method == "PUT":  # the resource as it is, as a client edits it
            current = await client.get(url + "?format=Entity")
            if current.status_code == 200 and _root(current) == element:
                content = current.content
    auth = (DEFAULT_USER, DEFAULT_PASSWORD) if doc.template.lower().startswith("/sessionmngr") else None
    response = await client.http.request(doc.method, url, content=content, headers=headers,
                                         **({"auth": auth} if auth else {}))
    if str(response.status_code) not in doc.statuses:
        return f"{doc.method} {url}: HTTP {response.status_code}, documented {'/'.join(doc.statuses)}: {response.text[:200]}"
    return None


@functools.cache
def _profile():
    return load_profile("v1_7")


def _expected_body(doc: Documented, url: str) -> str | None:
    """The body the project's profile says the operation takes (the same the action phase sends)."""
    profile = _profile()
    rel = {"DELETE": "Delete", "PUT": "Edit"}.get(doc.method)
    if rel is None:
        action = httpx.URL(url).params.get("action")
        if action is None:
            rel = "Create"
        else:
            rel = next((r for r in profile.actions if r.casefold() == action.casefold()), None)
            rel = rel or {"collect": "Start", "rebuildscope": "Start"}.get(action.casefold())  # named otherwise
    if doc.template.rsplit("/", 1)[-1] in ("start", "stop", "retry", "toggleScheduleEnabled"):
        return None
    spec = profile.actions.get(rel or "")
    return spec.for_href(url, _ROOT).body if spec else None


# -- the test ----------------------------------------------------------------------------------------------

def _order(doc: Documented) -> tuple[Any, ...]:
    """Reads first, then writes, then deletes (the deepest first), the caller's own logoff last."""
    logoff = doc.template.lower().startswith("/logonsessions")
    return (logoff, doc.method != "GET", doc.method == "DELETE", -doc.template.count("/"), doc.name)


def _run(docs: list[Documented]) -> dict[str, str | None]:
    async def go() -> dict[str, str | None]:
        app = create_app(generate_dataset(60, seed=3), password=DEFAULT_PASSWORD)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=_ROOT) as http:
            logon = await http.post("sessionMngr/?v=latest", auth=(DEFAULT_USER, DEFAULT_PASSWORD))
            http.headers["X-RestSvcSessionId"] = logon.headers["X-RestSvcSessionId"]
            client = Client(http)
            out: dict[str, str | None] = {}
            for doc in sorted(docs, key=_order):
                out[doc.name] = await check(client, doc)
            return out

    return asyncio.run(go())


def _table(results: dict[str, str | None], docs: list[Documented]) -> list[str]:
    def line(label: str, names: list[str]) -> str:
        served = sum(1 for n in names if results[n] is None)
        return f"{label:<28} {served:>4} of {len(names):<4} ({100 * served // max(1, len(names))}%)"

    gets = [d.name for d in docs if d.method == "GET" and d.template != "/query"]
    queries = [d.name for d in docs if d.method == "GET" and d.template == "/query"]
    ops = [d.name for d in docs if d.method != "GET"]
    departed = sorted(_departures())
    return [line("GET URL templates", gets), line("query types", queries), line("operations", ops),
            *(f"  answered otherwise on purpose: {name} (tests/surface_departures.toml)" for name in departed)]


def test_the_mock_serves_every_documented_template_operation_and_query_type(request: pytest.FixtureRequest) -> None:
    docs = documented()
    results = _run(docs)
    summarise(request.config, "documented surface served by the mock", _table(results, docs))
    departures = _departures()
    missing = {name: why for name, why in results.items() if why is not None and name not in departures}
    assert missing == {}
    assert {name for name in departures if results.get(name) is None} == set(), "a listed departure is served now"


def _departures() -> dict[str, str]:
    """What the mock answers otherwise than a page states, on purpose, with the reason."""
    file = Path(__file__).with_name("surface_departures.toml")
    return {name: entry["why"] for name, entry in tomllib.loads(file.read_text(encoding="utf-8")).items()}
