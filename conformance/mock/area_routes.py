"""The one endpoint behind every path of the table's areas: reads, and the documented writes and actions.

Statuses follow the table: a write the API hands to a Task answers 202 with it, the others 201
(with Location) or 204. Items created through the API join their area and deleted ones leave it,
in this app only (the estate is the app's own, built on first use). A request body, where one is
sent, must be XML in the API's namespace and, where the project's schemas declare its root, valid.
"""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

from lxml import etree
from starlette.requests import Request
from starlette.responses import Response

from .area_docs import Docs, contract
from .documents import task
from .instances import Filler
from .tree import el
from .estate import Estate, Item
from .kinds import KINDS, find_kind
from .responses import ApiError, param, reply, session_of, view_of
from .specs import spec_body
from .surface import Area, Listing, Match, Service, Single, load_surface
from . import views
from .views import entity_list, references

__all__ = ["estate_for", "surface_endpoint"]

MAX_CREATED = 1000
"""Items the API made that an area keeps; beyond them the oldest goes."""


def estate_for(request: Any) -> Estate:
    """The app's estate of the table's areas, following the app's dataset (copied on a first write)."""
    state = request.app.state
    est = getattr(state, "estate", None)
    if est is None:
        est = state.estate = Estate(state.dataset, load_surface())
    est.ds = state.dataset
    return est


def _entity_form(request: Request) -> bool:
    value = (param(request, "format") or "reference").casefold()
    if value not in ("entity", "reference"):
        raise ApiError(400, f"format: {param(request, 'format')!r} is not a representation; use Entity or Reference")
    return value == "entity"


def _chain(template: str) -> list[str]:
    """The area (or key resource) each `{id}` of a template names, outermost first."""
    out, parts = [], template.split("/")
    for i, part in enumerate(parts):
        if part == "{id}":
            out.append("/".join(parts[:i]))
    return out


def _check_ids(est: Estate, template: str, ids: tuple[str, ...]) -> None:
    """404 unless every id of the path names an item, each under the one before."""
    previous: str | None = None
    for path, id_ in zip(_chain(template), ids):
        if not est.exists(path, id_):
            raise ApiError(404, f"no {est.type_of(path)} with id {id_!r}")
        item = est.find(path, id_)
        if item is not None and previous is not None and item.parent is not None and item.parent != previous:
            raise ApiError(404, f"{est.type_of(path)} {id_!r} is not under {previous!r}")
        previous = id_


def _match(request: Request) -> Match:
    path = request.scope["path"].partition("/api/")[2]
    surface = load_surface()
    found = surface.match(path)
    if found is None and request.method == "POST":  # path-style operations: POST {item}/{operation}
        head, _, operation = path.rstrip("/").rpartition("/")
        item = surface.match(head)
        if item is not None and item.form == "item" and isinstance(item.entry, Area) and item.entry.paths:
            if operation.casefold() in (a.casefold() for a in item.entry.actions.values()):
                return Match(item.entry, "operation", item.ids, operation)
    if found is None:
        allowed = _other_methods(request)
        if allowed:
            raise ApiError(405, f"{request.method} is not supported on {request.url.path}", {"Allow": allowed})
        raise ApiError(404, f"no resource at {request.url.path}")
    return found


def _other_methods(request: Request) -> str:
    """The methods the hand-built routes serve at this path (empty when none does)."""
    segments = request.scope["path"].strip("/").split("/")[1:]
    if 1 <= len(segments) <= 3 and find_kind(segments[0]) is not None:
        return "GET, POST"
    methods: list[str] = []
    for route in request.app.routes:
        path = getattr(route, "path", "")
        if "{collection}" in path or "{path" in path or not hasattr(route, "path_regex"):
            continue  # the generic routes match any path
        if route.path_regex.match(request.scope["path"]):
            methods += [m for m in route.methods or () if m != "HEAD" and m not in methods]
    return ", ".join(methods) if request.method not in methods else ""


async def surface_endpoint(request: Request) -> Response:
    found = _match(request)
    session_of(request)
    est = estate_for(request)
    if found.form == "listed":  # the listing's own ids; the last one names an item of another area
        _check_ids(est, found.entry.path, found.ids[:-1])
    else:
        _check_ids(est, found.entry.path + ("/{id}" if found.form in ("item", "operation") else ""), found.ids)
    docs = Docs(view_of(request), est)
    if not docs.served(found.entry.path):
        raise ApiError(404, f"no resource at {request.url.path} in API {docs.v.contract.version}")
    if request.method == "GET":
        return _read(request, docs, found)
    request.app.state.cache.clear()  # the query service's rows of the areas are read off the estate writes change
    return await _write(request, docs, found)


# -- reads -----------------------------------------------------------------------------------------

def _read(request: Request, docs: Docs, found: Match) -> Response:
    entry, ids = found.entry, found.ids
    if isinstance(entry, Area):
        if found.form == "collection":
            return reply(request, docs.collection(entry, ids[-1] if ids else None, _entity_form(request)))
        item = docs.est.items[entry.path][ids[-1]]
        entity_form = _entity_form(request) or not entry.key
        return reply(request, docs.entity(entry, item) if entity_form else docs.reference(entry, item))
    if isinstance(entry, Listing) and found.form == "listed":
        return reply(request, _one(docs, entry.of, ids[-1], _entity_form(request)))
    if isinstance(entry, Listing):
        listed = list(docs.est.ids(entry.of)) if not ids else docs.est.listed(entry.of, entry.parent or "", ids[-1])
        return reply(request, _listed(docs, entry.of, listed, _entity_form(request)))
    if isinstance(entry, Single):
        return reply(request, docs.single(entry, ids[-1] if ids else None, str(request.url)))
    assert isinstance(entry, Service)
    session = session_of(request)
    return reply(request, docs.service(entry, docs.v.href(f"logonSessions/{session.id}")))


def _one(docs: Docs, of: str, id_: str, entity_form: bool) -> Any:
    """An item reached through a listing: as the area (or key resource) it belongs to serves it."""
    if of in KINDS:
        kind = KINDS[of]
        obj = kind.items(docs.v.ds).get(id_)
        if obj is None:
            raise ApiError(404, f"no {kind.entity} with id {id_!r}")
        return views.entity(docs.v, kind, obj) if entity_form else views.reference(docs.v, kind, obj)
    area = docs.surface.areas[of]
    item = docs.est.items[of].get(id_)
    if item is None:
        raise ApiError(404, f"no {area.type} with id {id_!r}")
    return docs.entity(area, item) if entity_form or not area.key else docs.reference(area, item)


def _listed(docs: Docs, of: str, ids: list[str], entity_form: bool) -> Any:
    if of in KINDS:
        kind = KINDS[of]
        objs = [kind.items(docs.v.ds)[i] for i in ids]
        return entity_list(docs.v, kind, objs) if entity_form else references(docs.v, kind, objs)
    area = docs.surface.areas[of]
    members = [docs.est.items[of][i] for i in ids]
    return docs.entities(area, members) if entity_form else docs.references(area, members)


# -- writes ----------------------------------------------------------------------------------------

def _expected_body(request: Request, rel: str) -> str | None:
    """The body element the documented contract names for this write (None: it takes no body)."""
    spec = contract().actions.get(rel)
    if spec is None:
        return None
    return spec.for_href(str(request.url), view_of(request).base).body


async def _body(request: Request, rel: str) -> etree._Element | None:
    """The request body as the element the write takes, valid against the project's schemas; else 400."""
    element = _expected_body(request, rel)
    return None if element is None else await spec_body(request, element)


def _task(request: Request, operation: str, status: int = 202) -> Response:
    v = view_of(request)
    started = request.app.state.tasks.start(operation, None, None)
    return reply(request, task(v, started), status, {"Location": v.href(f"tasks/{started.id}")})


def _refuse(request: Request, allowed: str) -> Response:
    raise ApiError(405, f"{request.method} is not supported on {request.url.path}", {"Allow": allowed})


async def _write(request: Request, docs: Docs, found: Match) -> Response:
    entry, method = found.entry, request.method
    action = param(request, "action")
    if isinstance(entry, Area) and found.form == "collection":
        rel = next((r for r, a in entry.collection_actions.items() if a.casefold() == (action or "").casefold()), None)
        if method == "POST" and rel is not None:
            await _body(request, rel)
            return _task(request, f"{entry.collection_actions[rel]}{entry.type}", _status(request, rel, 202))
        if method == "POST" and action is None or (action or "").casefold() == "create":
            if not entry.create:
                _refuse(request, "GET")
            return await _create(request, docs, entry, found.ids)
        if method == "POST" and action is not None:
            raise ApiError(400, f"action {action!r} is not available on {request.url.path}")
        _refuse(request, "GET, POST" if entry.create else "GET")
    if isinstance(entry, Area) and found.form in ("item", "operation"):
        item = docs.est.items[entry.path][found.ids[-1]]
        if found.form == "operation":
            rel = next(r for r, a in entry.actions.items() if a.casefold() == (found.rest or "").casefold())
            await _body(request, rel)
            if rel == "ToggleScheduleEnabled":
                _toggle(docs, entry, item, "ScheduleEnabled")
            return _task(request, f"{entry.actions[rel]}{entry.type}")
        if method == "POST" and action is None and entry.toggles:
            rel, switch = next(iter(entry.toggles.items()))
            _toggle(docs, entry, item, switch)
            return _done(request, _status(request, rel, 204), f"{rel}{entry.type}")
        if method == "POST":
            return await _act(request, docs, entry, item, action)
        if method == "PUT" and entry.edit:
            sent = await _body(request, "Edit")
            if sent is not None:
                _edit(docs, entry, item, sent)
            return _done(request, entry.edit_status, "Update" + entry.type)
        if method == "DELETE" and entry.delete:
            _remove(docs.est, entry, item)
            return _done(request, entry.delete_status, "Delete" + entry.type)
        _refuse(request, ", ".join(["GET", *(["PUT"] if entry.edit else []), *(["DELETE"] if entry.delete else [])]))
    if isinstance(entry, Single) and method == "POST":
        return await _act(request, docs, entry, None, action)
    _refuse(request, "GET")
    raise AssertionError("unreachable")


async def _act(request: Request, docs: Docs, entry: Area | Single, item: Item | None, action: str | None) -> Response:
    """POST `?action=`: the body its Rel takes is checked, a toggle takes effect, a Task reports it."""
    if action is None:
        raise ApiError(405, f"POST is not supported on {request.url.path} without an action", {"Allow": "GET, POST"})
    rel = next((r for r, a in entry.actions.items() if a.casefold() == action.casefold()), None)
    if rel is None:
        raise ApiError(400, f"action {action!r} is not available on {request.url.path}")
    await _body(request, rel)
    if rel == "ToggleScheduleEnabled" and isinstance(entry, Area) and item is not None:
        _toggle(docs, entry, item, "ScheduleEnabled")
    name = entry.actions[rel]
    if rel == "Intervals":  # the replica's restore intervals, answered at once
        return reply(request, _intervals(docs, entry, item))
    return _task(request, f"{name[0].upper()}{name[1:]}{entry.type}", _status(request, rel, 202))


def _status(request: Request, rel: str, default: int) -> int:
    """The success status the documented contract gives this operation."""
    spec = contract().actions.get(rel)
    return spec.for_href(str(request.url), view_of(request).base).status if spec else default


def _intervals(docs: Docs, entry: Area | Single, item: Item | None) -> Any:
    key = f"{entry.path}:{item.id if item else ''}:intervals"
    return el("CdpReplicaIntervals", None,
              *Filler(key, item.name if item else "intervals", docs.est.now).children("CdpReplicaIntervals"))


def _toggle(docs: Docs, area: Area, item: Item, field: str) -> None:
    current = docs.entity(area, item).child(field)
    if current is not None:
        docs.est.overrides.setdefault((area.path, item.id), {})[field] = current.text is not True


def _edit(docs: Docs, area: Area, item: Item, sent: etree._Element) -> None:
    """What an edit says of the item's simple fields is what the item shows from then on."""
    shown = {c.name for c in docs.entity(area, item).children if not c.children and not c.missing}
    changes = docs.est.overrides.setdefault((area.path, item.id), {})
    for child in sent:
        if isinstance(child.tag, str) and len(child) == 0 and etree.QName(child).localname in shown:
            changes[etree.QName(child).localname] = child.text or ""


def _done(request: Request, status: int, operation: str) -> Response:
    if status != 204:
        return _task(request, operation, status)
    return Response(status_code=status)


async def _create(request: Request, docs: Docs, area: Area, ids: tuple[str, ...]) -> Response:
    await _body(request, "Create")
    est = docs.est
    n = max(len(est.items[area.path]), est.numbers.get(area.path, 0)) + 1
    while True:  # a deleted item's id is not given to a new one: a client that kept it must find it gone
        item = _new_item(est, area, n, ids[-1] if ids else None)
        if item.id not in est.items[area.path]:
            break
        n += 1
    est.numbers[area.path] = n
    est.items[area.path][item.id] = item
    if item.parent is not None:
        est.kids[area.path].setdefault(item.parent, []).append(item.id)
    made = est.created.setdefault(area.path, [])
    made.append(item.id)
    while len(made) > MAX_CREATED:  # the oldest the API made go first: memory stays bounded
        oldest = est.items[area.path].get(made.pop(0))
        if oldest is not None:
            _remove(est, area, oldest)
    location = docs.href(area.path, item.id)
    if area.create_status == 202:
        return _task(request, "Create" + area.type)
    if area.create_status == 201:
        return reply(request, docs.entity(area, item), 201, {"Location": location})
    return Response(status_code=area.create_status, headers={"Location": location})


def _new_item(est: Estate, area: Area, n: int, parent: str | None) -> Item:
    name = area.name.format(n=n)
    digest = hashlib.sha256(f"{est.ds.seed}:{area.path}:created:{n}".encode()).digest()
    id_ = name.lower() if area.by_name else str(uuid.UUID(bytes=digest[:16], version=4))
    return Item(id_, area.path, n, name, parent)


def _remove(est: Estate, area: Area, item: Item) -> None:
    del est.items[area.path][item.id]
    if item.parent is not None:
        siblings = est.kids[area.path].get(item.parent, [])
        if item.id in siblings:
            siblings.remove(item.id)
