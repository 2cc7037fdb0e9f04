"""`/query` and `/querySvc`: reading query parameters, running them, and the `QueryResult` document."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from typing import Any

from .area_docs import Docs
from .auth import LogonSession
from .estate import Estate
from .surface import Area, load_surface
from .documents import object_in_job_doc
from .documents import tasks as tasks_doc
from .hrefs import View
from .kinds import KINDS, Kind
from .model import Task
from .paging import paging_info
from .query import QueryError, QueryPage, run_query
from .query_fields import fields_of
from .records import ENUM_ORDERS, Row, server_fields, task_rows
from .tree import Node, el, link, links
from .views import entity_list, ref_item

__all__ = ["Query", "area_rows", "parse_query", "query_result", "query_service", "run"]

TASK = "Task"
INCLUDE = "ObjectInJob"
"""The VMs of jobs: no key resource, listed at `/jobs/{ID}/includes`, queried across every job."""
_AREAS: Mapping[str, Area] = {a.query: a for a in load_surface().areas.values() if a.query}
"""Query types of the table's areas (`CloudTenant`, `Credentials`, ...), as the table spells them."""
_TYPES = {**{kind.entity.casefold(): kind.entity for kind in KINDS.values()}, TASK.casefold(): TASK,
          INCLUDE.casefold(): INCLUDE,
          **{name.casefold(): name for name in _AREAS}}
_KIND_OF = {kind.entity: kind for kind in KINDS.values()}
_FORMATS = {"refs": "Refs", "entities": "Entities", "resources": "Resources"}


@dataclass(frozen=True)
class Query:
    """A query as understood: canonical type and format, the rest as the client wrote it."""

    type: str
    format: str
    filter: str | None = None
    sort_asc: str | None = None
    sort_desc: str | None = None
    page_size: int | None = None
    page: int | None = None

    def params(self, page: int) -> dict[str, str | int]:
        """The parameters of this query at another page, for the paging links."""
        out: dict[str, str | int] = {"type": self.type, "format": self.format}
        for key, value in (("filter", self.filter), ("sortAsc", self.sort_asc), ("sortDesc", self.sort_desc),
                           ("pageSize", self.page_size)):
            if value is not None:
                out[key] = value
        out["page"] = page
        return out


def _integer(name: str, text: str | None) -> int | None:
    if text is None:
        return None
    try:
        return int(text.strip())
    except ValueError:
        raise QueryError(f"{name}: must be a positive integer, got {text!r}") from None


def parse_query(items: Iterable[tuple[str, str]]) -> Query:
    """Read `/query` parameters: names and the values of `type` and `format` match case-insensitively."""
    params: dict[str, str] = {}
    for key, value in items:
        folded = key.casefold()
        if folded in params:
            raise QueryError(f"{key}: given more than once")
        params[folded] = value
    given = params.get("type")
    if not given:
        raise QueryError("type: missing; say which resources to query, e.g. type=Job")
    type_ = _TYPES.get(given.strip().casefold())
    if type_ is None:
        raise QueryError(f"type: unknown query type {given!r}; known: {', '.join(sorted(_TYPES.values()))}")
    allowed = ("Resources",) if type_ == TASK else ("Refs", "Entities")
    fmt = _FORMATS.get(params.get("format", allowed[0]).strip().casefold())
    if fmt not in allowed:
        raise QueryError(f"format: {params.get('format')!r} is not available for type {type_}; "
                         f"use {' or '.join(allowed)}")
    return Query(type_, fmt, params.get("filter"), params.get("sortasc"), params.get("sortdesc"),
                 _integer("pageSize", params.get("pagesize")), _integer("page", params.get("page")))


def run(v: View, query: Query, tasks: Sequence[Task], rows_of: Callable[[str], list[Row]]) -> QueryPage:
    """Run a query over the rows of its type (`rows_of` may cache them); QueryError on bad input."""
    if query.type == TASK:
        records, orders = task_rows(tasks), ENUM_ORDERS["tasks"]
    elif query.type == INCLUDE:
        records, orders = [Row(i, {"UID": i.id, "Name": i.name, "ObjectInJobId": i.id,
                                   "HierarchyObjRef": i.hierarchy_ref, "JobUid": KINDS["jobs"].uid(i.job_id),
                                   "JobName": v.ds.jobs[i.job_id].name,
                                   **server_fields(v.ds, v.ds.jobs[i.job_id].server_id)})
                           for i in v.ds.includes.values() if i.job_id in v.ds.jobs], None
    elif query.type in _AREAS:
        area = _AREAS[query.type]
        if not v.contract.areas or not v.contract.serves_area(area.path, area.type):
            raise QueryError(f"type: unknown query type {query.type!r} in API {v.contract.version}")
        records, orders = rows_of(area.path), None
    else:
        kind = _KIND_OF[query.type]
        if not v.contract.serves(kind):
            raise QueryError(f"type: unknown query type {query.type!r} in API {v.contract.version}")
        records, orders = rows_of(kind.path), ENUM_ORDERS.get(kind.path)
    return run_query(records, filter=query.filter, sort_asc=query.sort_asc, sort_desc=query.sort_desc,
                     page_size=query.page_size, page=query.page, enum_orders=orders, fields=fields_of(query.type))


def _paging(v: View, query: Query, page: QueryPage) -> Node:
    return paging_info(page.page, page.page_size, page.pages_count, lambda number: v.query(query.params(number)))


def _area_result(v: View, area: Area, fmt: str, items: list[Any], estate: Estate | None) -> Node:
    docs = Docs(v, estate)
    if fmt == "Entities":
        return el("Entities", None, docs.entities(area, items))
    return el("Refs", None, *(docs.reference(area, item, "Ref") for item in items), items="Ref")


def area_rows(v: View, estate: Estate, path: str) -> list[Row]:
    """One record per item of an area, read off its entity the way the documented fields name it.

    UID and Name, then every value the entity holds directly (`CreationTimeUTC` also as
    `CreationTime`, the name the query pages give it), then `XUid` and `XName` for each item X
    the entity links to by reference (its backup server, job, tenant, replica, ...).
    """
    docs, area = Docs(v, estate), estate.surface.areas[path]
    out = []
    for item in estate.items[path].values():
        node = docs.entity(area, item)
        fields: dict[str, Any] = {}
        for ref in node.links():
            type_, href = str(ref.attrs.get("Type", "")), str(ref.attrs.get("Href", ""))
            owner = type_.removesuffix("Reference")
            if owner != type_ and href and f"{owner}Uid" not in fields:
                fields[f"{owner}Uid"] = f"urn:veeam:{owner}:{href.split('?')[0].rstrip('/').rsplit('/', 1)[-1]}"
                fields[f"{owner}Name"] = ref.attrs.get("Name")
        for child in node.children:
            if not child.children and child.text is not None:
                fields[child.name] = child.text
                if child.name.endswith("UTC"):
                    fields.setdefault(child.name.removesuffix("UTC"), child.text)
        fields.update({"UID": f"urn:veeam:{area.type}:{item.id}", "Name": item.name})
        out.append(Row(item, fields))
    return out


def query_result(v: View, query: Query, page: QueryPage, estate: Estate | None = None) -> Node:
    """`QueryResult`: the page's items in the asked format, then `PagingInfo` with links that keep the query."""
    items = [row.item for row in page.items]
    if query.type == TASK:
        body = el("Resources", None, tasks_doc(v, items))
    elif query.type == INCLUDE:
        included = [object_in_job_doc(v, v.ds.jobs[i.job_id], i) for i in items]
        if query.format == "Entities":
            body = el("Entities", None, el("ObjectsInJob", None, *included, items="ObjectInJob"))
        else:
            body = el("Refs", None, *(el("Ref", None, doc.child("Links"), Type=INCLUDE, Href=doc.attrs["Href"],
                                         Name=i.name) for doc, i in zip(included, items)), items="Ref")
    elif query.type in _AREAS:
        body = _area_result(v, _AREAS[query.type], query.format, items, estate)
    else:
        kind: Kind = _KIND_OF[query.type]
        if query.format == "Entities":
            body = el("Entities", None, entity_list(v, kind, items))
        else:
            body = el("Refs", None, *(ref_item(v, kind, obj) for obj in items), items="Ref")
    return el("QueryResult", None, body, _paging(v, query, page))


def _by_name(query_type: str) -> dict[str, str]:
    """How a ready-made query sorts: by Name, or by the first field of a type that has no Name."""
    fields = fields_of(query_type)
    if fields is None or "name" in fields:
        return {"sortAsc": "Name"}
    return {"sortAsc": next(iter(fields.values())).name} if fields else {}


def ready_made(v: View) -> Mapping[str, str]:
    """Name -> Href of the queries `/querySvc` offers: each type's entities, 15 a page, by name."""
    out = {kind.plural: v.query({"type": kind.entity, "format": "Entities", **_by_name(kind.entity), "pageSize": 15,
                                 "page": 1}) for kind in KINDS.values() if v.contract.serves(kind)}
    for name, area in _AREAS.items():
        if v.contract.areas and v.contract.serves_area(area.path, area.type):
            out[Docs(v, None).list_root(area) or f"{name} list"] = v.query(
                {"type": name, "format": "Entities", **_by_name(name), "pageSize": 15, "page": 1})
    out["Tasks"] = v.query({"type": TASK, "format": "Resources", "sortAsc": "TaskId", "pageSize": 15, "page": 1})
    return out


def query_service(v: View, session: LogonSession) -> Node:
    """`QuerySvc`: Up to the caller's logon session, Down to the ready-made queries."""
    downs = [link("Down", href, "QueryResult", name) for name, href in ready_made(v).items()]
    return el("QuerySvc", None, links(link("Up", v.href(f"logonSessions/{session.id}"), "LogonSession"), *downs),
              Href=v.href("querySvc"), Type="QueryService")
