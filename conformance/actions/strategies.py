"""Hypothesis strategies of the action phase: request bodies from the XSDs, and Href variations.

A spec element (`JobCloneSpec`, ...) is read from the profile's XSDs into a small typed
description (`Field`, `Group`, `Simple`). Valid bodies are built from it with `st.builds`, one
strategy per simple type or facet; invalid bodies are valid ones broken in exactly one way each
(a required element left out, two elements swapped, a value of the wrong type, an oversized
value, another namespace, another Content-Type), or no XML at all. Values that must name
something on the server (a repository's UID) come from the crawl, passed in as `values`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from urllib.parse import parse_qsl, urlencode

import httpx
from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy
from lxml import etree

from .discovery import Target

__all__ = [
    "INVALID_KINDS", "PLAIN", "XML", "XML_CHAR", "Alphabet", "Case", "Element", "Field", "Group", "Payload", "Simple", "SpecModel", "action_case",
    "as_payload", "href_case", "invalid_body", "read_spec", "simple_value", "tree_of", "unknown_action",
    "unknown_id", "valid_body", "xsd_boolean", "xsd_datetime", "xsd_enumeration", "xsd_integer", "xsd_pattern",
    "xsd_string",
]

XML = "application/xml"
_XS = "{http://www.w3.org/2001/XMLSchema}"
_SHORT = 24
"""Longest generated value where the schema allows more: bodies stay readable in findings."""

XML_CHAR = st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Cn", "Co"))
"""Characters an XML document can carry (no controls, surrogates, unassigned or private code points)."""


# -- the typed description of a spec element -------------------------------------------------------

@dataclass(frozen=True)
class Simple:
    """A simple type: its built-in base and the facets that restrict it."""

    base: str
    min_length: int = 0
    max_length: int | None = None
    patterns: tuple[str, ...] = ()
    enumeration: tuple[str, ...] = ()
    min_value: int | None = None
    max_value: int | None = None

    @property
    def typed(self) -> bool:
        """Whether some text is not a value of it (a plain string accepts any text)."""
        return self.base != "string" or bool(self.patterns or self.enumeration)


@dataclass(frozen=True)
class Field:
    """An element: how often it occurs, and either a simple type or a group of children."""

    name: str
    min_occurs: int = 1
    max_occurs: int | None = 1
    simple: Simple | None = None
    group: Group | None = None


@dataclass(frozen=True)
class Group:
    """A sequence, choice or all of fields (or nested groups)."""

    model: str
    items: tuple[Field | Group, ...]
    min_occurs: int = 1
    max_occurs: int | None = 1


@dataclass(frozen=True)
class SpecModel:
    """A spec element as the schemas declare it."""

    element: str
    namespace: str
    group: Group

    def field(self, name: str) -> Field | None:
        return next((f for f in _fields(self.group) if f.name == name), None)


def _fields(group: Group) -> list[Field]:
    out: list[Field] = []
    for item in group.items:
        out += [item] if isinstance(item, Field) else _fields(item)
    return out


def _builtin(t: object) -> str:
    while t is not None and not (getattr(t, "name", None) or "").startswith(_XS):
        t = getattr(t, "base_type", None)
    return getattr(t, "local_name", None) or "string"


def _simple(t: object) -> Simple:
    patterns = getattr(t, "patterns", None)
    return Simple(_builtin(t), getattr(t, "min_length", None) or 0, getattr(t, "max_length", None),
                  tuple(patterns.regexps) if patterns else (),
                  tuple(str(v) for v in (getattr(t, "enumeration", None) or ())),
                  _int_or_none(getattr(t, "min_value", None)), _int_or_none(getattr(t, "max_value", None)))


def _int_or_none(value: object) -> int | None:
    try:
        return int(value) if value is not None else None  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return None


_MAX_NESTING = 8
"""How deep a spec's elements are modelled: types that hold themselves (a tenant's resources hold
tasks that hold ...) stop there, their optional parts left out."""


def _field(el: object, depth: int = 0) -> Field | None:
    t = getattr(el, "type", None)
    occurs = (el.min_occurs, el.max_occurs)  # type: ignore[attr-defined]
    if t is None or (t.name and t.local_name == "anyType"):  # a wildcard, or an element of no declared
        # shape: left out where it may be, present and empty where it must be
        return None if t is None or el.min_occurs == 0 else Field(el.local_name, *occurs,  # type: ignore[attr-defined]
                                                                 group=Group("sequence", (), 1, 1))
    if t.is_simple():
        return Field(el.local_name, *occurs, simple=_simple(t))  # type: ignore[attr-defined]
    if t.has_simple_content():
        return Field(el.local_name, *occurs, simple=_simple(t.content))  # type: ignore[attr-defined]
    if depth >= _MAX_NESTING:
        if el.min_occurs == 0:  # type: ignore[attr-defined]
            return None
        return Field(el.local_name, *occurs, group=Group("sequence", (), 1, 1))  # type: ignore[attr-defined]
    return Field(el.local_name, *occurs, group=_group(t.content, depth + 1))  # type: ignore[attr-defined]


def _group(g: object, depth: int = 0) -> Group:
    items = tuple(_group(x, depth) if hasattr(x, "model") else _field(x, depth) for x in g)  # type: ignore[attr-defined]
    return Group(g.model, tuple(i for i in items if i is not None), g.min_occurs, g.max_occurs)  # type: ignore[attr-defined]


@lru_cache(maxsize=8)
def _schema(source: str) -> object:
    import xmlschema

    path = Path(source)
    if path.is_dir():
        from ..contract.schema import _top_files

        entries = _top_files(path)
        path = next((p for p in entries if p.name == "api.xsd"), entries[0])
    return xmlschema.XMLSchema(str(path))


def read_spec(schemas: str | Path, element: str, compiled: object | None = None) -> SpecModel | None:
    """The spec element as the XSDs at `schemas` (a file or a folder) declare it; None when they do not.

    `compiled`: xmlschema's reading of the same XSDs, when the run has one already (compiling them
    takes a second or two)."""
    try:
        schema = compiled if compiled is not None else _schema(str(schemas))
    except Exception:  # an XSD xmlschema cannot read: the spec counts as undeclared, and the phase says so
        return None
    decl = schema.elements.get(element)  # type: ignore[attr-defined]
    if decl is None or decl.type.is_simple() or decl.type.has_simple_content():
        return None
    return SpecModel(element, schema.target_namespace, _group(decl.type.content))  # type: ignore[attr-defined]


# -- one strategy per simple type and facet --------------------------------------------------------

Alphabet = SearchStrategy[str] | str


def xsd_string(min_length: int = 0, max_length: int | None = None, alphabet: Alphabet = XML_CHAR) -> SearchStrategy[str]:
    """Text within the length facets (short where the schema allows long)."""
    longest = max(min_length, min(max_length if max_length is not None else _SHORT, _SHORT))
    return st.text(alphabet, min_size=min_length, max_size=longest)


def xsd_pattern(patterns: Sequence[str], min_length: int = 0, max_length: int | None = None,
                alphabet: Alphabet = XML_CHAR) -> SearchStrategy[str]:
    """Text matching one of the pattern facets (XSD patterns match the whole value)."""
    return st.one_of([st.from_regex(p, fullmatch=True, alphabet=alphabet) for p in patterns]).filter(
        lambda s: min_length <= len(s) <= (max_length if max_length is not None else len(s)))


def xsd_enumeration(values: Sequence[str]) -> SearchStrategy[str]:
    return st.sampled_from(list(values))


def xsd_boolean() -> SearchStrategy[str]:
    return st.sampled_from(("true", "false"))


def xsd_integer(lowest: int, highest: int) -> SearchStrategy[str]:
    return st.integers(lowest, highest).map(str)


def xsd_datetime() -> SearchStrategy[str]:
    return st.datetimes(datetime(2000, 1, 1), datetime(2099, 12, 31)).map(lambda d: d.strftime("%Y-%m-%dT%H:%M:%SZ"))


_INTEGERS = {
    "byte": (-2**7, 2**7 - 1), "short": (-2**15, 2**15 - 1), "int": (-2**31, 2**31 - 1), "long": (-2**63, 2**63 - 1),
    "unsignedByte": (0, 2**8 - 1), "unsignedShort": (0, 2**16 - 1), "unsignedInt": (0, 2**32 - 1),
    "unsignedLong": (0, 2**64 - 1), "integer": (-2**63, 2**63 - 1), "nonNegativeInteger": (0, 2**63 - 1),
    "positiveInteger": (1, 2**63 - 1),
}


def _range(s: Simple) -> tuple[int, int]:
    low, high = _INTEGERS[s.base]
    return (max(low, s.min_value) if s.min_value is not None else low,
            min(high, s.max_value) if s.max_value is not None else high)


PLAIN = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._:"
"""A small alphabet, for bodies whose text is not what a test is about (the state machine's):
they shrink fast, and read well in a finding."""


@lru_cache(maxsize=256)
def simple_value(s: Simple, alphabet: Alphabet = XML_CHAR) -> SearchStrategy[str]:
    """A value of a simple type: enumeration, then pattern, then the built-in base with its range
    (kept per type: hypothesis analyses a strategy once, not at every draw)."""
    if s.enumeration:
        return xsd_enumeration(s.enumeration)
    if s.patterns:
        return xsd_pattern(s.patterns, s.min_length, s.max_length, alphabet)
    if s.base == "boolean":
        return xsd_boolean()
    if s.base in _INTEGERS:
        return xsd_integer(*_range(s))
    if s.base == "dateTime":
        return xsd_datetime()
    return xsd_string(s.min_length, s.max_length, alphabet)


def not_a_value(s: Simple) -> SearchStrategy[str]:
    """Text that is not a value of the type (for a type that has such text: `Simple.typed`)."""
    if s.enumeration:
        return st.text("xyzXYZ_", min_size=1, max_size=12).filter(lambda v: v not in s.enumeration)
    if s.patterns:
        return st.text("abc xyz!?", max_size=10).filter(lambda v: not any(re.fullmatch(p, v) for p in s.patterns))
    if s.base == "boolean":
        return st.sampled_from(("yes", "no", "True", "2", "on"))
    if s.base in _INTEGERS:
        low, high = _range(s)
        return st.one_of(st.from_regex(r"[a-z]{1,6}", fullmatch=True), st.sampled_from(("1.5", "1e3", "")),
                         st.integers(high + 1, high + 1000).map(str), st.integers(low - 1000, low - 1).map(str))
    if s.base == "dateTime":
        return st.sampled_from(("yesterday", "2025-13-40T00:00:00Z", "12:00"))
    return st.just("")  # only reached for a string with facets; "" breaks a minLength, nothing else


# -- bodies --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Element:
    """An element of a body about to be sent; `required` and `simple` only guide the breaking of it."""

    name: str
    text: str | None = None
    children: tuple[Element, ...] = ()
    attrs: tuple[tuple[str, str], ...] = ()
    required: bool = True
    simple: Simple | None = None


@dataclass(frozen=True)
class Payload:
    """A request body, its Content-Type, and what it is, in words (for findings)."""

    body: bytes
    content_type: str
    case: str


def _xml_element(el: Element, namespace: str) -> etree._Element:
    tag = f"{{{namespace}}}{el.name}" if namespace else el.name
    node = etree.Element(tag, nsmap={None: namespace} if namespace else None)
    _fill(node, el, namespace)
    return node


def _fill(node: etree._Element, el: Element, namespace: str) -> None:
    for key, value in el.attrs:
        node.set(key, value)
    node.text = el.text
    for child in el.children:
        sub = etree.SubElement(node, f"{{{namespace}}}{child.name}" if namespace else child.name)
        _fill(sub, child, namespace)


def as_payload(tree: Element, namespace: str, case: str, content_type: str = XML) -> Payload:
    body = etree.tostring(_xml_element(tree, namespace), xml_declaration=True, encoding="utf-8")
    return Payload(body, content_type, case)


Values = Mapping[str, SearchStrategy[str]]


def _element(f: Field, values: Values, required: bool, alphabet: Alphabet) -> SearchStrategy[Element]:
    if f.group is None:
        value = values.get(f.name)
        if value is None:
            value = simple_value(f.simple, alphabet) if f.simple else st.just("")
        return st.builds(Element, st.just(f.name), value, required=st.just(required), simple=st.just(f.simple))
    return st.builds(Element, st.just(f.name), st.none(), _children(f.group, values, None, alphabet, required),
                     required=st.just(required))


def _occurrences(item: Field | Group, values: Values, required: bool, alphabet: Alphabet,
                 choose: str | None = None) -> SearchStrategy[tuple[Element, ...]]:
    needed = required and item.min_occurs >= 1
    one = (_element(item, values, needed, alphabet).map(lambda e: (e,)) if isinstance(item, Field)
           else _children(item, values, choose, alphabet, needed))
    low, high = item.min_occurs, item.max_occurs
    if low == high == 1:
        return one
    most = max(low, min(high if high is not None else low + 2, low + 2))
    return st.lists(one, min_size=low, max_size=most).map(lambda parts: tuple(e for p in parts for e in p))


def _children(group: Group, values: Values, choose: str | None, alphabet: Alphabet,
              required: bool = True) -> SearchStrategy[tuple[Element, ...]]:
    if group.model == "choice":
        options = [i for i in group.items if choose is None or getattr(i, "name", None) == choose] or list(group.items)
        return st.one_of([_occurrences(i, values, required, alphabet) for i in options])
    parts = [_occurrences(i, values, required, alphabet) for i in group.items]
    return st.tuples(*parts).map(lambda ps: tuple(e for p in ps for e in p))


def valid_body(spec: SpecModel, values: Values | None = None, choose: str | None = None,
               alphabet: Alphabet = XML_CHAR) -> SearchStrategy[Element]:
    """Bodies valid against the spec; `choose` picks the alternative of a top-level choice by name;
    text is drawn from `alphabet` (any XML character by default)."""
    return st.builds(Element, st.just(spec.element), st.none(), _children(spec.group, values or {}, choose, alphabet))


def tree_of(body: bytes, spec: SpecModel | None) -> Element:
    """A body received (an entity as GET returns it) as an Element, its top-level children marked
    required and typed as the spec declares them, so it can be broken like a generated one."""
    root = etree.fromstring(body, etree.XMLParser(resolve_entities=False, no_network=True))

    def convert(node: etree._Element, top: bool) -> Element:
        name = etree.QName(node).localname
        f = spec.field(name) if spec is not None and top else None
        kids = tuple(convert(c, False) for c in node if isinstance(c.tag, str))
        return Element(name, None if kids else node.text, kids, tuple(node.attrib.items()),
                       required=bool(f and f.min_occurs >= 1), simple=f.simple if f else None)

    name = etree.QName(root).localname
    return Element(name, None, tuple(convert(c, True) for c in root if isinstance(c.tag, str)),
                   tuple(root.attrib.items()))


# -- breaking a body in one way ------------------------------------------------------------------

Path_ = tuple[int, ...]


def _paths(tree: Element, keep: Callable[[Element], bool], at: Path_ = ()) -> list[Path_]:
    out = []
    for i, child in enumerate(tree.children):
        here = (*at, i)
        if keep(child):
            out.append(here)
        out += _paths(child, keep, here)
    return out


def _at(tree: Element, path: Path_) -> Element:
    for i in path:
        tree = tree.children[i]
    return tree


def _edit(tree: Element, path: Path_, change: Callable[[Element], tuple[Element, ...]]) -> Element:
    """The tree with the element at `path` replaced by what `change` makes of it (nothing removes it)."""
    head, rest = path[0], path[1:]
    kids = list(tree.children)
    kids[head:head + 1] = change(kids[head]) if not rest else (_edit(kids[head], rest, change),)
    return replace(tree, children=tuple(kids))


def _swappable(tree: Element, at: Path_ = ()) -> list[Path_]:
    """Positions i whose element and the next are both required and named differently."""
    out = []
    for i, (a, b) in enumerate(zip(tree.children, tree.children[1:])):
        if a.required and b.required and a.name != b.name:
            out.append((*at, i))
    for i, child in enumerate(tree.children):
        out += _swappable(child, (*at, i))
    return out


def missing_required(tree: Element, namespace: str) -> SearchStrategy[Payload]:
    paths = _paths(tree, lambda e: e.required)
    if not paths:
        return wrong_namespace(tree)
    return st.sampled_from(paths).map(
        lambda p: as_payload(_edit(tree, p, lambda e: ()), namespace, f"invalid: required {_at(tree, p).name} left out"))


def wrong_order(tree: Element, namespace: str) -> SearchStrategy[Payload]:
    spots = _swappable(tree)
    if not spots:
        return missing_required(tree, namespace)

    def swap(spot: Path_) -> Payload:
        *parent, i = spot
        holder = _at(tree, tuple(parent))
        kids = list(holder.children)
        kids[i], kids[i + 1] = kids[i + 1], kids[i]
        swapped = replace(holder, children=tuple(kids))
        new = _edit(tree, tuple(parent), lambda e: (swapped,)) if parent else swapped
        return as_payload(new, namespace, f"invalid: {kids[i].name} before {kids[i + 1].name}")

    return st.sampled_from(spots).map(swap)


def wrong_type(tree: Element, namespace: str) -> SearchStrategy[Payload]:
    paths = _paths(tree, lambda e: e.simple is not None and e.simple.typed and not e.children)
    if not paths:
        return oversized(tree, namespace)

    def breaking(p: Path_) -> SearchStrategy[Payload]:
        el = _at(tree, p)
        assert el.simple is not None
        return not_a_value(el.simple).map(lambda text: as_payload(
            _edit(tree, p, lambda e: (replace(e, text=text),)), namespace,
            f"invalid: {el.name} {text!r} is no {el.simple.base if not el.simple.patterns else 'value of its pattern'}"))

    return st.sampled_from(paths).flatmap(breaking)


def oversized(tree: Element, namespace: str) -> SearchStrategy[Payload]:
    paths = _paths(tree, lambda e: e.simple is not None and e.simple.max_length is not None and not e.children)
    if not paths:
        return missing_required(tree, namespace)

    def longer(p: Path_) -> SearchStrategy[Payload]:
        el = _at(tree, p)
        limit = el.simple.max_length  # type: ignore[union-attr]
        return st.integers(1, 64).map(lambda extra: as_payload(
            _edit(tree, p, lambda e: (replace(e, text="x" * (limit + extra)),)), namespace,
            f"invalid: {el.name} of {limit + extra} characters (at most {limit})"))

    return st.sampled_from(paths).flatmap(longer)


def wrong_namespace(tree: Element) -> SearchStrategy[Payload]:
    return st.sampled_from(("urn:example:not-the-api", "")).map(
        lambda ns: as_payload(tree, ns, f"invalid: {tree.name} in namespace {ns!r}" if ns else
                              f"invalid: {tree.name} in no namespace"))


def wrong_content_type(tree: Element, namespace: str) -> SearchStrategy[Payload]:
    return st.sampled_from(("text/plain", "application/octet-stream", "application/x-www-form-urlencoded")).map(
        lambda ct: as_payload(tree, namespace, f"invalid: a valid {tree.name} sent as {ct}", ct))


def random_bytes() -> SearchStrategy[Payload]:
    return st.binary(min_size=1, max_size=64).map(lambda b: Payload(b, XML, f"invalid: {len(b)} random bytes"))


INVALID_KINDS = ("missing", "order", "type", "oversized", "namespace", "content-type", "bytes", "empty")


def invalid_body(kind: str, trees: SearchStrategy[Element], namespace: str) -> SearchStrategy[Payload]:
    """Bodies broken in one way (`INVALID_KINDS`), starting from valid ones; where a body has no
    part of the kind asked for (nothing typed to mistype), the next kind of breaking is used."""
    makers: dict[str, Callable[[Element], SearchStrategy[Payload]]] = {
        "missing": lambda t: missing_required(t, namespace),
        "order": lambda t: wrong_order(t, namespace),
        "type": lambda t: wrong_type(t, namespace),
        "oversized": lambda t: oversized(t, namespace),
        "namespace": wrong_namespace,
        "content-type": lambda t: wrong_content_type(t, namespace),
    }
    if kind == "bytes":
        return random_bytes()
    if kind == "empty":
        return st.just(Payload(b"", XML, "invalid: an empty body"))
    return trees.flatmap(makers[kind])


# -- Href variations -------------------------------------------------------------------------------

def _id_segment(url: httpx.URL) -> int | None:
    parts = url.path.split("/")
    return next((i for i in range(len(parts) - 1, -1, -1) if any(ch.isdigit() for ch in parts[i])), None)


def unknown_id(href: str, taken: frozenset[str] = frozenset()) -> SearchStrategy[str] | None:
    """The Href with its last id replaced by ids nobody has (none of `taken`, lower case); None
    when it names no id."""
    url = httpx.URL(href)
    index = _id_segment(url)
    if index is None:
        return None

    def swap(new: object) -> str:
        parts = url.path.split("/")
        parts[index] = str(new)
        return str(url.copy_with(path="/".join(parts)))

    return st.uuids(version=4).map(str).filter(lambda u: u not in taken).map(swap)


_ACTION_NAMES = st.from_regex(r"[a-z][A-Za-z]{3,11}", fullmatch=True)


def unknown_action(href: str, known: frozenset[str]) -> SearchStrategy[str] | None:
    """The Href with an `action` value the API does not have; None when it has no `action`."""
    url = httpx.URL(href)
    query = parse_qsl(url.query.decode(), keep_blank_values=True)
    if not any(k.lower() == "action" for k, _ in query):
        return None

    def swap(name: str) -> str:
        kept = [(k, name if k.lower() == "action" else v) for k, v in query]
        return str(url.copy_with(query=urlencode(kept).encode()))

    return _ACTION_NAMES.filter(lambda a: a.lower() not in known).map(swap)


# -- cases: a link to follow and what to send ---------------------------------------------------------

@dataclass(frozen=True)
class Case:
    """One request to make: which link (and the resource offering it), the Href sent, the body."""

    target: Target
    href: str
    payload: Payload | None
    case: str


@st.composite
def action_case(draw: Callable, targets: Sequence[Target],
                bodies: Callable[[Target], SearchStrategy[Payload]] | None, label: str = "valid input") -> Case:
    """Pick an action link, then a body for its spec element (bodies depend on the target: the
    alternative of a clone follows the type of the job cloned)."""
    target = draw(st.sampled_from(list(targets)))
    payload = draw(bodies(target)) if bodies is not None else None
    return Case(target, target.href, payload, payload.case if payload is not None else label)


def href_case(targets: Sequence[Target], vary: Callable[[str], SearchStrategy[str] | None],
              label: str) -> SearchStrategy[Case] | None:
    """Cases following a varied Href (an unknown id, an unknown action) of one of the targets."""
    usable = [(t, s) for t in targets if (s := vary(t.href)) is not None]
    if not usable:
        return None
    return st.sampled_from(usable).flatmap(lambda ts: ts[1].map(lambda h: Case(ts[0], h, None, label)))
