"""Hardened parsing of response bodies into the facts the suite keeps about a document."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, NamedTuple

from lxml import etree

from .links import Link, json_links, xml_links

__all__ = ["Document", "JsonBody", "Paging", "ParseError", "json_root", "media_kind", "parse_body", "parse_xml",
           "read_body"]

# Entities are never expanded, no DTD is loaded, nothing is fetched from the network, and
# lxml's own limits on depth and text size stay on: a hostile server gets a parse error, not
# our memory. One parser per call: lxml parsers are not safe to share across threads.
_PARSER_OPTIONS = dict(
    resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
    huge_tree=False, remove_blank_text=False,
)


class ParseError(ValueError):
    """A body that is not what its Content-Type says, or that the hardened parser refuses."""


class Paging(NamedTuple):
    """A paged result's `PagingInfo` counters, as served (text; judged by the paging rule)."""

    page: str | None
    """`PageNum`: the page this document is."""
    size: str | None
    """`PageSize`: items a page holds."""
    count: str | None
    """`PagesCount`: how many pages the result has."""


_PAGING_FIELDS = ("PageNum", "PageSize", "PagesCount")


def _paging(values: Any) -> Paging | None:
    """The counters of a `PagingInfo` (an element's attributes or a JSON object), None without one."""
    if values is None or not hasattr(values, "get"):
        return None
    read = [values.get(name) for name in _PAGING_FIELDS]
    return Paging(*(None if v is None or isinstance(v, Mapping | list) else str(v) for v in read))


@dataclass(frozen=True, slots=True)
class Document:
    """What one representation says about itself, free of any parser object."""

    root: str
    """Root element's local name (XML); for JSON, which has no root element, the root its XML twin
    has as far as the JSON tells it (see `json_root`)."""
    namespace: str | None
    type: str | None
    href: str | None
    name: str | None
    uid: str | None
    links: tuple[Link, ...]
    members: tuple[Link, ...]
    paging: Paging | None = None
    """The counters of its `PagingInfo`, for a query result or a paged list."""


@lru_cache(maxsize=256)
def media_kind(content_type: str | None) -> str:
    """'xml', 'json' or 'other', from a Content-Type header value."""
    value = (content_type or "").split(";")[0].strip().lower()
    if value.endswith("/xml") or value.endswith("+xml"):
        return "xml"
    if value.endswith("/json") or value.endswith("+json"):
        return "json"
    return "other"


_DECLARED_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")


def _undecodable(body: bytes) -> str | None:
    """Bytes that are not text in the document's encoding, said in words of our own: libxml2's
    wording for it changes from one release to the next."""
    if body.startswith((b"\xff\xfe", b"\xfe\xff", b"\xef\xbb\xbf")):
        return None  # a byte order mark: libxml2 reads the encoding from it
    declared = _DECLARED_ENCODING.match(body)
    encoding = declared[1].decode("ascii") if declared else "utf-8"
    try:
        body.decode(encoding)
    except LookupError:
        return f"unknown character encoding {encoding!r}"
    except UnicodeDecodeError as exc:
        return f"invalid bytes in character encoding {encoding} at byte {exc.start}"
    return None


def parse_xml(body: bytes) -> etree._Element:
    """Parse with entity expansion, DTDs and network access all off."""
    parser = etree.XMLParser(**_PARSER_OPTIONS)
    try:
        root = etree.fromstring(body, parser)
    except etree.XMLSyntaxError as exc:
        raise ParseError(f"not well-formed XML: {_undecodable(body) or exc}") from exc
    if root is None:
        raise ParseError("empty XML document")
    if root.getroottree().docinfo.internalDTD is not None:
        raise ParseError("XML with a DOCTYPE is refused (entity expansion risk)")
    return root


def _xml_document(root: etree._Element) -> Document:
    qname = etree.QName(root.tag)
    links, members = xml_links(root)
    info = next((child for child in root if _is_paging_info(child)), None)
    return Document(qname.localname, qname.namespace, root.get("Type"), root.get("Href"),
                    root.get("Name"), root.get("UID"), links, members,
                    _paging(info.attrib) if info is not None else None)


def _is_paging_info(element: etree._Element) -> bool:
    return isinstance(element.tag, str) and etree.QName(element.tag).localname == "PagingInfo"


# What a query result may hold (format.md, pagesize_and_page.md): one list, paging, links.
_QUERY_LISTS = frozenset({"Refs", "Entities", "Resources"})
_QUERY_PARTS = _QUERY_LISTS | {"PagingInfo", "Links"}
# JSON names a list by its items' plural, which for references is not the XML root's name.
_LIST_ROOTS = {"Refs": "EntityReferences"}


def json_root(doc: Any) -> str:
    """The root element the XML form of a JSON representation has, so both forms group alike.

    JSON drops the root element: an object names its kind by its `Type` property (`Job`; a
    reference's Type, `JobReference`, stands for the `EntityRef` root); a list document is the
    sole property holding its array (`{"CloudTenants": [...]}`, `{"Refs": [...]}` for
    `EntityReferences`); a query result holds its list in a wrapper (`{"Refs": {"Refs": [...]}}`)
    or beside its `PagingInfo`. Anything else keeps its sole property's name, or `object`.
    """
    if not isinstance(doc, Mapping):
        return type(doc).__name__
    typ = doc.get("Type")
    if isinstance(typ, str) and typ:
        return "EntityRef" if typ.endswith("Reference") and typ != "Reference" else typ
    if len(doc) == 1:
        key, value = next(iter(doc.items()))
        if isinstance(value, list | None):  # an empty list may be served as null
            return _LIST_ROOTS.get(key, key)
    keys = set(doc)
    if keys <= _QUERY_PARTS and keys & _QUERY_LISTS:
        return "QueryResult"
    return next(iter(doc)) if len(doc) == 1 else "object"


def _json_document(doc: Any) -> Document:
    if isinstance(doc, Mapping):
        typ, href, name, uid = (doc.get(k) if isinstance(doc.get(k), str) else None
                                for k in ("Type", "Href", "Name", "UID"))
    else:
        typ, href, name, uid = None, None, None, None
    links, members = json_links(doc)
    paging = _paging(doc.get("PagingInfo")) if isinstance(doc, Mapping) else None
    return Document(json_root(doc), None, typ or None, href or None, name, uid, links, members, paging)


@dataclass(frozen=True, slots=True)
class JsonBody:
    """A parsed JSON body, held only until the schemas have judged it (as an XML element is)."""

    value: Any


def parse_body(body: bytes, content_type: str | None) -> tuple[Document, etree._Element | None]:
    """Read a body by its Content-Type; the XML element is returned for validation, then dropped."""
    doc, parsed = read_body(body, content_type)
    return doc, None if isinstance(parsed, JsonBody) else parsed


def read_body(body: bytes, content_type: str | None) -> tuple[Document, etree._Element | JsonBody]:
    """Read a body by its Content-Type: the facts, and what the schemas judge (the XML element, or
    the parsed JSON, which `schema.judge` reads onto the same types)."""
    kind = media_kind(content_type)
    if kind == "other":
        # A wrong Content-Type is the protocol rules' finding; reading the body anyway keeps one
        # header mistake from hiding every other fact about the resource.
        kind = _sniff(body)
    if kind == "xml":
        root = parse_xml(body)
        return _xml_document(root), root
    if kind == "json":
        try:
            value = json.loads(body)
            return _json_document(value), JsonBody(value)
        except (ValueError, RecursionError) as exc:
            raise ParseError(f"not valid JSON: {exc}") from exc
    raise ParseError(f"unexpected Content-Type {content_type!r} and a body that is neither XML nor JSON")


def _sniff(body: bytes) -> str:
    head = body.lstrip()[:1]
    return "xml" if head == b"<" else "json" if head in (b"{", b"[") else "other"
