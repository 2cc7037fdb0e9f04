"""Named, documented faults, each breaking exactly one rule of the suite, in XML and JSON alike."""

# A fault is a transform of the document tree (before serialisation) or, for defects a tree cannot
# express (status codes, headers, bytes), of the finished reply. To add one, write the transform and
# register it with `_document_fault` or `_reply_fault`; nothing else changes. Entity faults touch
# the entity served on its own (`?format=Entity`), not its copies in lists, so each one breaks one
# rule on one kind of resource.

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from urllib.parse import urlsplit, urlunsplit

from .tree import Node, el

__all__ = ["FAULTS", "MISSING_SERVER_ID", "Fault", "Reply", "apply_document", "apply_reply", "select"]

MISSING_SERVER_ID = "00000000-0000-4000-8000-000000000000"
"""A backup server id no dataset contains (generated ids are random version-4 GUIDs)."""
FOREIGN_ORIGIN = "https://elsewhere.invalid:9398"


@dataclass(frozen=True)
class Reply:
    """A response about to be sent: what a reply fault may change."""

    status: int
    body: bytes
    media_type: str
    headers: Mapping[str, str] = field(default_factory=dict)


def _same_document(node: Node) -> Node:
    return node


def _same_reply(reply: Reply) -> Reply:
    return reply


@dataclass(frozen=True)
class Fault:
    """One deliberate defect: its name, the rule id it breaks, what it does, and how."""

    name: str
    rule: str
    description: str
    document: Callable[[Node], Node] = _same_document
    reply: Callable[[Reply], Reply] = _same_reply


_REGISTRY: dict[str, Fault] = {}
FAULTS: Mapping[str, Fault] = MappingProxyType(_REGISTRY)
"""Every known fault by name, in registration order."""


def _register(fault: Fault) -> None:
    if fault.name in _REGISTRY:
        raise ValueError(f"fault {fault.name!r} is registered twice")
    _REGISTRY[fault.name] = fault


Edit = Callable[[Node], None]
ReplyTransform = Callable[[Reply], Reply]


def _document_fault(name: str, rule: str, description: str) -> Callable[[Edit], Edit]:
    """Register a fault that edits the document tree in place (trees are built per response)."""
    def register(edit: Edit) -> Edit:
        def transform(node: Node) -> Node:
            edit(node)
            return node

        _register(Fault(name, rule, description, document=transform))
        return edit

    return register


def _reply_fault(name: str, rule: str, description: str) -> Callable[[ReplyTransform], ReplyTransform]:
    """Register a fault that rewrites the finished reply (status, headers or bytes)."""
    def register(transform: ReplyTransform) -> ReplyTransform:
        _register(Fault(name, rule, description, reply=transform))
        return transform

    return register


def select(names: Iterable[str]) -> tuple[Fault, ...]:
    """The faults with these names, in the given order; ValueError names any unknown one."""
    wanted = list(dict.fromkeys(names))
    unknown = [n for n in wanted if n not in _REGISTRY]
    if unknown:
        raise ValueError(f"unknown fault{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))}; "
                         f"known faults: {', '.join(_REGISTRY)}")
    return tuple(_REGISTRY[n] for n in wanted)


def apply_document(faults: Iterable[Fault], node: Node) -> Node:
    for fault in faults:
        node = fault.document(node)
    return node


def apply_reply(faults: Iterable[Fault], reply: Reply) -> Reply:
    for fault in faults:
        reply = fault.reply(reply)
    return reply


def _entities(root: Node, entity: str) -> list[Node]:
    """The entity form of a resource when it is the document itself (`/{kind}/{ID}?format=Entity`).

    Copies embedded in plural lists and query results stay clean, so a fault shows up on exactly
    one kind of resource and the finding points at one place.
    """
    return [root] if root.name == entity and root.attrs.get("Type") == entity else []


def _links(owner: Node, rel: str, type_: str | None = None) -> list[Node]:
    return [l for l in owner.links() if l.attrs.get("Rel") == rel and (type_ is None or l.attrs.get("Type") == type_)]


@_document_fault("link_without_rel", "LNK001", "the Edit link of a BackupServer entity has no Rel")
def _link_without_rel(root: Node) -> None:
    for server in _entities(root, "BackupServer"):
        for link in _links(server, "Edit")[:1]:
            del link.attrs["Rel"]


@_document_fault("relative_href", "LNK002", "the Up link of a Repository entity has a path-only Href")
def _relative_href(root: Node) -> None:
    for repository in _entities(root, "Repository"):
        for link in _links(repository, "Up"):
            parts = urlsplit(str(link.attrs["Href"]))
            link.attrs["Href"] = urlunsplit(("", "", parts.path, parts.query, ""))


@_document_fault("foreign_href", "LNK003", f"the Alternate link of a Backup entity points to {FOREIGN_ORIGIN}")
def _foreign_href(root: Node) -> None:
    for backup in _entities(root, "Backup"):
        for link in _links(backup, "Alternate"):
            parts = urlsplit(str(link.attrs["Href"]))
            link.attrs["Href"] = FOREIGN_ORIGIN + urlunsplit(("", "", parts.path, parts.query, ""))


@_document_fault("down_link_without_type", "LNK004", "the Down links of a Job entity have no Type")
def _down_link_without_type(root: Node) -> None:
    for job in _entities(root, "Job"):
        for link in _links(job, "Down"):
            link.attrs.pop("Type", None)


@_document_fault("undeclared_element", "SCH001", "a Job entity ends with an element the schema does not declare")
def _undeclared_element(root: Node) -> None:
    for job in _entities(root, "Job"):
        job.children.append(el("Undeclared", "not in the schema"))


@_document_fault("dangling_link", "REL001",
                 f"the backup server Up link of a Replica entity names server {MISSING_SERVER_ID}, which answers 404")
def _dangling_link(root: Node) -> None:
    for replica in _entities(root, "Replica"):
        for link in _links(replica, "Up", "BackupServerReference"):
            link.attrs["Href"] = str(link.attrs["Href"]).rsplit("/", 1)[0] + "/" + MISSING_SERVER_ID
