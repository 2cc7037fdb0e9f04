"""Serialising a document tree as the API's XML or as its JSON convention, from the same tree."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any, Union

from ..model.names import plural
from .tree import Node, Scalar

__all__ = ["JSON", "NAMESPACE", "XML", "render", "scalar_text", "to_json", "to_xml"]

NAMESPACE = "http://www.veeam.com/ent/v1.0"
XML = "application/xml; charset=utf-8"
JSON = "application/json; charset=utf-8"
_LINK_KEYS = ("Rel", "Href", "Name", "Type")
_TRAILING_ATTRS = ("Href", "Type")  # JSON puts these last, after Links, as the vendor's examples do


def scalar_text(value: Scalar) -> str:
    """The lexical form of a value: XML Schema booleans and UTC date-times with a `Z`."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return str(value)


def _escape(text: str, quote: bool = False) -> str:
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text.replace('"', "&quot;") if quote else text


def _attr(value: Scalar) -> str:
    """An attribute value as written between quotes; most need no escaping, and are checked first."""
    text = value if type(value) is str else scalar_text(value)
    if "&" in text or "<" in text or ">" in text or '"' in text:
        return _escape(text, True)
    return text


def _text(value: Scalar) -> str:
    text = value if type(value) is str else scalar_text(value)
    if "&" in text or "<" in text or ">" in text:
        return _escape(text)
    return text


Pieces = Union[str, tuple["Pieces", ...]]
"""Rendered XML: text, or the pieces of a shared subtree, which stay as they are (one copy, however
many documents hold them) until a document is joined."""


def _xml(node: Node, out: list[Pieces], depth: int) -> None:
    """The element at this depth; a shared subtree is rendered once per depth and kept."""
    if node.missing:
        return
    memo = node.memo
    if memo is None:
        _element(node, out, depth)
        return
    pieces = memo.get(depth)
    if pieces is None:
        part: list[Pieces] = []
        _element(node, part, depth)
        pieces = memo[depth] = _compact(part)
    out.append(pieces)


def _element(node: Node, out: list[Pieces], depth: int) -> None:
    pad = "  " * depth
    attrs = "".join([f' {k}="{_attr(v)}"' for k, v in node.attrs.items()]) if node.attrs else ""
    if depth == 0:
        attrs = f' xmlns="{NAMESPACE}"{attrs}'
    children = node.children
    if children and not all(c.missing for c in children):
        out.append(f"{pad}<{node.name}{attrs}>\n")
        for child in children:
            _xml(child, out, depth + 1)
        out.append(f"{pad}</{node.name}>\n")
    elif node.text is None:
        out.append(f"{pad}<{node.name}{attrs} />\n")
    else:
        out.append(f"{pad}<{node.name}{attrs}>{_text(node.text)}</{node.name}>\n")


def _compact(part: list[Pieces]) -> tuple[Pieces, ...]:
    """Runs of text joined into one, the pieces of shared subtrees kept apart (a tuple, which the
    shared parent's own compacting keeps apart in turn: no text is copied into another's)."""
    out: list[Pieces] = []
    run: list[str] = []
    for piece in part:
        if isinstance(piece, str):
            run.append(piece)
            continue
        if run:
            out.append("".join(run))
            run = []
        out.append(piece)
    if run:
        out.append("".join(run))
    return tuple(out)


def _flatten(pieces: list[Pieces] | tuple[Pieces, ...], out: list[str]) -> list[str]:
    for piece in pieces:
        if isinstance(piece, str):
            out.append(piece)
        else:
            _flatten(piece, out)
    return out


def to_xml(root: Node) -> bytes:
    """UTF-8 XML with a declaration; the root carries the API namespace as the default one."""
    out: list[Pieces] = ['<?xml version="1.0" encoding="utf-8"?>\n']
    _xml(root, out, 0)
    return "".join(_flatten(out, [])).encode("utf-8")


def _json_scalar(value: Scalar) -> Any:
    return scalar_text(value) if isinstance(value, datetime) else value


def _json_link(node: Node) -> dict[str, Any]:
    return {k: _json_scalar(node.attrs[k]) for k in _LINK_KEYS if k in node.attrs}


def _run(children: list[Node], name: str) -> list[Any]:
    """The values of a list of plain values: every repeated sibling of this name that is set."""
    return [_json_scalar(c.text) if c.text is not None else "" for c in children
            if c.name == name and c.repeated and not c.missing]


def _holds_values(node: Node) -> bool:
    """Whether an element holds nothing but one list of plain values (`<Tags>` of `<Tag>`s)."""
    return (bool(node.children) and not node.attrs and all(c.repeated for c in node.children)
            and len({c.name for c in node.children}) == 1)


def _json_value(node: Node) -> Any:
    """A member's value; a shared subtree's is made once and kept (json.dumps only reads it)."""
    memo = node.memo
    if memo is None:
        return _json_fresh(node)
    if "json" not in memo:
        memo["json"] = _json_fresh(node)
    return memo["json"]


def _json_fresh(node: Node) -> Any:
    if node.missing:
        return None
    if _holds_values(node):
        return _run(node.children, node.children[0].name)
    if node.children or node.items:
        return _json_object(node)
    if node.attrs:
        value = {k: _json_scalar(v) for k, v in node.attrs.items()}
        if node.text is not None:
            value["Value"] = _json_scalar(node.text)
        return value
    return "" if node.text is None else _json_scalar(node.text)


def _json_object(node: Node) -> dict[str, Any]:
    """Elements become properties, a repeated item becomes a plural array, Links an array of objects.

    A list of plain values is a flat array, `[]` when empty, as real servers send it: a run of
    repeated values under their element's name (`"Days": ["Sunday", ...]`), an element holding
    nothing but one under its own name (`"ExcludedIndexingFolders": ["/proc", ...]`, not an
    object around `Paths`).

    Every element that holds a list stays an object around its plural array, nested or not
    (`"Entities": {"Repositories": {"Repositories": [...]}}`, `"Refs": {"Refs": [...]}` in a query
    result, `{"Refs": [...]}` as a document), and a list without items is an empty array, as real
    servers send one (`"BackupJobSessions": {"BackupJobSessions": []}`): clients iterate it. `null`
    is what they send for an absent member, never for an empty list of items. `Links` is the one
    list they send as `null` when it is empty: on an item embedded in another without links of its
    own (a VM in its job, a tenant's resource), whether it declares a `Links` element or not.
    """
    body: dict[str, Any] = {}
    for child in node.children:
        if child.repeated:
            body.setdefault(child.name, _run(node.children, child.name))
        elif child.name != "Links" and child.name != node.items:
            body[child.name] = _json_value(child)
    if node.items:
        body[plural(node.items)] = [_json_value(c) for c in node.children
                                    if c.name == node.items and not c.missing]
    for key, value in node.attrs.items():
        if key not in _TRAILING_ATTRS:
            body[key] = _json_scalar(value)
    holder = node.child("Links")
    if holder is not None and not holder.missing:
        body["Links"] = [_json_link(c) for c in holder.children if c.name == "Link"] or None
    elif "Href" in node.attrs:
        body["Links"] = None
    for key in _TRAILING_ATTRS:
        if key in node.attrs:
            body[key] = _json_scalar(node.attrs[key])
    return body


def to_json(root: Node) -> bytes:
    """The vendor's JSON: no root element (the `Type` property names the kind), typed values."""
    return json.dumps(_json_object(root), ensure_ascii=False, indent=1).encode("utf-8")


def render(root: Node, as_json: bool) -> tuple[bytes, str]:
    """The body and media type of a tree in the format asked for."""
    return (to_json(root), JSON) if as_json else (to_xml(root), XML)
