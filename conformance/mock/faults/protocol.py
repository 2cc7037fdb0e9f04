"""Faults of the protocol family: content types, status codes, Error bodies, sessions and paging."""

from __future__ import annotations

from dataclasses import replace
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from starlette.requests import Request
from starlette.responses import Response

from ..auth import HEADER, LATEST
from ..documents import error
from ..render import XML, render, to_xml
from ..tree import Node
from ..fault_registry import (
    CallNext, Context, Reply, document_fault, entity_document, exchange_fault, rel_links, reply_fault, request_context,
)

__all__: list[str] = []

TEXT = "text/plain; charset=utf-8"


@reply_fault("xml_as_text", "PRT001", f"Backup entities are served as XML with Content-Type {TEXT!r}")
def _xml_as_text(reply: Reply) -> Reply:
    document = reply.document
    if reply.status == 200 and reply.media_type == XML and document is not None and entity_document(document, "Backup"):
        return replace(reply, media_type=TEXT)
    return reply


@document_fault("json_drops_link", "PRT002", "the JSON form of a Job entity leaves out its Edit link")
def _json_drops_link(root: Node, context: Context) -> None:
    for job in entity_document(root, "Job") if context.json else ():
        holder = job.child("Links")
        for link in rel_links(job, "Edit"):
            assert holder is not None  # an element with links has a Links holder
            holder.children.remove(link)


@reply_fault("json_ignored", "PRT003", "a Repository entity asked for as JSON answers XML")
def _json_ignored(reply: Reply) -> Reply:
    if reply.context.json and reply.document is not None and entity_document(reply.document, "Repository"):
        return replace(reply, body=to_xml(reply.document), media_type=XML)
    return reply


@exchange_fault("open_resource", "PRT004", "Repository entities are served without a session, as to a guest")
async def _open_resource(request: Request, call_next: CallNext) -> Response:
    sessions = request.app.state.sessions
    asked = request_context(request)
    if asked.item("repositories", entity=True) is None or sessions.of_request(request.headers, request.cookies):
        return await call_next(request)
    guest = sessions.open(LATEST)
    request.scope["headers"] = [*request.scope["headers"], (HEADER.lower().encode(), guest.token.encode())]
    try:
        return await call_next(request)  # the handler has run once the response has started
    finally:
        sessions.close(guest)


@reply_fault("not_found_without_error", "PRT005",
             "an unknown id asked for as a Backup entity answers 404 with an empty body, no Error")
def _not_found_without_error(reply: Reply) -> Reply:
    if reply.status == 404 and reply.context.item("backups", entity=True) is not None:
        return replace(reply, body=b"", document=None)
    return reply


@reply_fault("method_not_allowed_as_500", "PRT006",
             "a method a Job entity does not support (PATCH, ...) answers 500 with a matching Error, not 405")
def _method_not_allowed_as_500(reply: Reply) -> Reply:
    if reply.status != 405 or reply.context.item("jobs", entity=True) is None:
        return reply
    document = error(500, f"{reply.context.method} failed on {reply.context.path}")
    body, media_type = render(document, reply.context.json)
    headers = {k: v for k, v in reply.headers.items() if k.lower() != "allow"}
    return Reply(500, body, media_type, headers, document, reply.context)


@exchange_fault("session_survives_logout", "PRT007",
                "DELETE of a logon session answers 204 but leaves the session open, so its id keeps working")
async def _session_survives_logout(request: Request, call_next: CallNext) -> Response:
    sessions = request.app.state.sessions
    session_id = request_context(request).item("logonSessions")
    if (request.method == "DELETE" and session_id is not None and sessions.get(session_id) is not None
            and sessions.of_request(request.headers, request.cookies) is not None):
        return Response(status_code=204)
    return await call_next(request)


@document_fault("error_status_mismatch", "PRT008",
                "the Error body of a 401 for a BackupServer entity says StatusCode='400' (the status stays 401)")
def _error_status_mismatch(root: Node, context: Context) -> None:
    if root.name == "Error" and root.attrs.get("StatusCode") == 401 and context.item("backupServers", entity=True):
        root.attrs.update(StatusCode=400, Status="BadRequest")


_SORTS = {"sortasc", "sortdesc"}


def _without_sort(href: str) -> str:
    parts = urlsplit(href)
    kept = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k.casefold() not in _SORTS]
    return urlunsplit(parts._replace(query=urlencode(kept)))


@document_fault("paging_drops_filter", "PRT009",
                "the paging links (First, Previous, Next, Last) of query results drop sortAsc and sortDesc",
                replay="its paging links lead to query URLs that no recording holds")
def _paging_drops_filter(root: Node, context: Context) -> None:
    paging = root.child("PagingInfo") if root.name == "QueryResult" else None
    for link in paging.links() if paging is not None else ():
        link.attrs["Href"] = _without_sort(str(link.attrs["Href"]))


@document_fault("paging_past_the_last_page", "PRT009",
                "the Last link of query results names the page after PagesCount",
                replay="its paging links lead to query URLs that no recording holds")
def _paging_past_the_last_page(root: Node, context: Context) -> None:
    paging = root.child("PagingInfo") if root.name == "QueryResult" else None
    for link in paging.links() if paging is not None else ():
        if link.attrs.get("Rel") == "Last":
            parts = urlsplit(str(link.attrs["Href"]))
            kept = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k.casefold() != "page"]
            past = int(paging.attrs["PagesCount"]) + 1
            link.attrs["Href"] = urlunsplit(parts._replace(query=urlencode([*kept, ("page", past)])))
