"""What a fault is, how faults are registered, selected and applied, and the helpers they share."""

# A fault is a transform of the document tree (before serialisation), of the finished reply (for
# defects a tree cannot express: status codes, headers, bytes), or of the exchange itself (for
# defects in behaviour, not output: who may ask, what a request changes). To add one, write the
# transform in the module of its rule's family (`mock/faults/`) and register it with `document_fault`,
# `reply_fault` or `exchange_fault`; nothing else changes. A fault that needs what a replay of a
# recording lacks (the generated data, answers the recording does not hold, writes) says so in
# `replay=`, and a replay refuses it by that reason.

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from starlette.requests import HTTPConnection, Request
from starlette.responses import Response

from .hrefs import View
from .tree import Node

__all__ = ["FAULTS", "CallNext", "Context", "Exchange", "Fault", "Reply", "apply_document", "apply_reply",
           "document_fault", "entity_document", "exchange_fault", "own_id", "reference_document", "rel_links",
           "reply_fault", "request_context", "select"]


@dataclass(frozen=True)
class Context:
    """What a fault may know besides the tree: the data and API root, and the request answered.

    Faults that point a link at another object need the data; faults that target one URL (a
    collection's document carries no Href of its own) or one format need the request.
    """

    view: View | None = None
    method: str = "GET"
    path: str = ""
    """The path as routed: lower case (`/api/jobs/{id}/backupsessions`)."""
    query: Mapping[str, str] = field(default_factory=dict)
    """Query parameters, names case-folded; values as sent."""
    json: bool = False
    """Whether the answer is rendered as JSON."""

    def item(self, collection: str, *, entity: bool | None = None) -> str | None:
        """The id when the request names one item, `/api/{collection}/{id}`, else None.

        `entity` narrows it to the entity form (`?format=Entity`, True) or the plain URL (False).
        """
        parts = self.path.strip("/").split("/")
        if len(parts) != 3 or parts[:2] != ["api", collection.lower()]:
            return None
        asked_entity = self.query.get("format", "").casefold() == "entity"
        return parts[2] if entity is None or entity == asked_entity else None


def request_context(conn: HTTPConnection, view: View | None = None, json: bool = False) -> Context:
    """The context of the request a connection carries."""
    query = {key.casefold(): value for key, value in conn.query_params.multi_items()}
    return Context(view, conn.scope.get("method", "GET"), conn.url.path, query, json)


@dataclass(frozen=True)
class Reply:
    """A response about to be sent: what a reply fault may change, and what it was made from."""

    status: int
    body: bytes
    media_type: str
    headers: Mapping[str, str] = field(default_factory=dict)
    document: Node | None = None
    """The tree the body was rendered from (after the document faults), for faults that re-render it."""
    context: Context = field(default_factory=Context)


CallNext = Callable[[Request], Awaitable[Response]]
Exchange = Callable[[Request, CallNext], Awaitable[Response]]
"""A fault around the handling of a request, with Starlette's `dispatch(request, call_next)` signature."""


def _same_document(node: Node, context: Context) -> Node:
    return node


def _same_reply(reply: Reply) -> Reply:
    return reply


@dataclass(frozen=True)
class Fault:
    """One deliberate defect: its name, the rule id it breaks, what it does, and how.

    `also` names the rules the defect cannot help breaking besides `rule` (none for most faults):
    the suite must fail exactly `{rule, *also}` when the fault is on.
    """

    name: str
    rule: str
    description: str
    also: tuple[str, ...] = ()
    document: Callable[[Node, Context], Node] = _same_document
    reply: Callable[[Reply], Reply] = _same_reply
    exchange: Exchange | None = None
    replay: str | None = None
    """Why the fault cannot act on a replay of a recording (it needs the mock's generated data, an
    answer no recording holds, or a write), or None when it can."""


_REGISTRY: dict[str, Fault] = {}
FAULTS: Mapping[str, Fault] = MappingProxyType(_REGISTRY)
"""Every known fault by name, in registration order."""


def _register(fault: Fault) -> None:
    if fault.name in _REGISTRY:
        raise ValueError(f"fault {fault.name!r} is registered twice")
    _REGISTRY[fault.name] = fault


def _describe(description: str, also: tuple[str, ...]) -> str:
    """The description as listed, naming the other rules a fault breaks so nobody is surprised."""
    return f"{description} (also breaks {', '.join(also)})" if also else description


Edit = Callable[[Node, Context], Node | None]
ReplyTransform = Callable[[Reply], Reply]


def document_fault(name: str, rule: str, description: str, *, also: tuple[str, ...] = (),
                   replay: str | None = None) -> Callable[[Edit], Edit]:
    """Register a fault that edits the document tree in place (trees are built per response), or
    returns another tree to answer instead."""
    def register(edit: Edit) -> Edit:
        def transform(node: Node, context: Context) -> Node:
            return edit(node, context) or node

        _register(Fault(name, rule, _describe(description, also), also, document=transform, replay=replay))
        return edit

    return register


def reply_fault(name: str, rule: str, description: str, *, also: tuple[str, ...] = (),
                replay: str | None = None) -> Callable[[ReplyTransform], ReplyTransform]:
    """Register a fault that rewrites the finished reply (status, headers or bytes)."""
    def register(transform: ReplyTransform) -> ReplyTransform:
        _register(Fault(name, rule, _describe(description, also), also, reply=transform, replay=replay))
        return transform

    return register


def exchange_fault(name: str, rule: str, description: str, *, also: tuple[str, ...] = (),
                   replay: str | None = None) -> Callable[[Exchange], Exchange]:
    """Register a fault that wraps the handling of a request: it may change the request, answer
    instead of the handler, or change the response."""
    def register(exchange: Exchange) -> Exchange:
        _register(Fault(name, rule, _describe(description, also), also, exchange=exchange, replay=replay))
        return exchange

    return register


def select(names: Iterable[str]) -> tuple[Fault, ...]:
    """The faults with these names, in the given order; ValueError names any unknown one."""
    wanted = list(dict.fromkeys(names))
    unknown = [n for n in wanted if n not in _REGISTRY]
    if unknown:
        raise ValueError(f"unknown fault{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))}; "
                         f"known faults: {', '.join(_REGISTRY)}")
    return tuple(_REGISTRY[n] for n in wanted)


def apply_document(faults: Iterable[Fault], node: Node, context: Context | None = None) -> Node:
    context = context if context is not None else Context()
    for fault in faults:
        node = fault.document(node, context)
    return node


def apply_reply(faults: Iterable[Fault], reply: Reply) -> Reply:
    for fault in faults:
        reply = fault.reply(reply)
    return reply


# -- helpers the fault modules share ------------------------------------------------------------------

def entity_document(root: Node, entity: str) -> list[Node]:
    """The entity form of a resource when it is the document itself (`/{kind}/{ID}?format=Entity`).

    Copies embedded in plural lists and query results stay clean, so a fault shows up on exactly
    one kind of resource and the finding points at one place.
    """
    return [root] if root.name == entity and root.attrs.get("Type") == entity else []


def reference_document(root: Node, entity: str) -> list[Node]:
    """The reference form of a resource when it is the document itself (`/{kind}/{ID}`), not a `Ref` of a list."""
    return [root] if root.name == "EntityRef" and root.attrs.get("Type") == f"{entity}Reference" else []


def rel_links(owner: Node, rel: str, type_: str | None = None) -> list[Node]:
    """An element's own links with this Rel (and Type, when given)."""
    return [l for l in owner.links() if l.attrs.get("Rel") == rel and (type_ is None or l.attrs.get("Type") == type_)]


def own_id(root: Node) -> str:
    """The id of the resource a document is about, from its UID (`urn:veeam:Job:{id}`)."""
    return str(root.attrs["UID"]).rsplit(":", 1)[-1]
