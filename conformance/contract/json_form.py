"""The JSON form of a representation read onto the types the schemas declare, so one schema judges both.

The API's JSON is a serialisation of the same types as its XML, by a fixed convention: no root
element (the document is the root's content), attributes and child elements alike as members,
attributes unprefixed (`Href`, `Type`), repeated children as one array (named as the element, or
its plural: `Days`, `Refs`, `ObjectInJobs`), a list element as an array of its items (`"Links":
[...]`, `"ExcludedIndexingFolders": ["/proc"]` for its `Path`s) or as an object around them
(`"Refs": {"Refs": [...]}`), text beside attributes as `Value`,
and `null` for an absent optional member (an empty list may also come as `[]` or `null`).

Reading the JSON back along the schema's own declarations gives the XML element its XML form would
have: the same validator then judges it, and nothing about the contract is kept twice. What the
schema cannot place (a member no declaration names, an object where a value is declared) is a
problem of its own, and every problem is named by its JSON member path (`$.Links[2].Rel`).
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from ..model.names import plural
from ..model.parsing import json_root

__all__ = ["JsonModel", "JsonReading", "JsonReader", "read_model"]

_MAX_FITS = 4096
"""Member sets whose closest root is remembered: what a server sends is a few hundred shapes."""

_RESOURCE_MEMBERS = frozenset({"Links", "Href"})
"""Members the vendor's serialiser writes on every nested object, empty (`"Links": null`, `"Href": ""`),
whether its type declares them or not: they say nothing, so they are no finding where undeclared."""

_BUILT_IN = frozenset({"http://www.w3.org/2001/XMLSchema", "http://www.w3.org/XML/1998/namespace",
                       "http://www.w3.org/2001/XMLSchema-instance"})


def _lexical(value: Any) -> str:
    """The XML lexical form of a JSON scalar: booleans in lower case, numbers as written."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return json.dumps(value)
    return str(value)


def _repeats(decl: Any) -> bool:
    """Whether an element may occur more than once where it is declared (itself, or a group around it)."""
    node = decl
    while node is not None and hasattr(node, "max_occurs"):
        if node.max_occurs is None or node.max_occurs > 1:
            return True
        node = getattr(node, "parent", None)
    return False


@dataclass(frozen=True, slots=True)
class _Decl:
    """An element declaration, as much of it as reading JSON needs."""

    name: str
    """The element's name as the twin is written (`{namespace}local` where it has a namespace)."""
    local_name: str
    simple: bool
    """A value, not an object: its type is a simple type."""
    repeats: bool
    """It may occur more than once where it is declared (`_repeats`)."""
    shape: int
    """Its type's `_Shape`, by number (types refer to one another, and to themselves)."""


@dataclass(frozen=True)
class _Shape:
    """What a complex type lets a JSON object hold, read once per type from the schema."""

    name: str
    attributes: frozenset[str]
    children: tuple[_Decl, ...]
    """Element declarations in the order the schema declares them."""
    by_member: Mapping[str, _Decl]
    """JSON member name -> element declaration (the element's name, and its plural when it repeats)."""
    simple_content: bool
    """Text only (with attributes, given as `Value`), or mixed: a scalar is the element's text."""
    items: _Decl | None
    """The sole element a list type holds, repeated: an array may stand for the list element itself."""
    emptiable: bool
    open_content: bool
    """A wildcard in the content: members no declaration names are what it allows, not problems."""


@dataclass(frozen=True)
class JsonModel:
    """What the schemas say that reading JSON needs, as plain data: every global element of the
    schemas' own namespaces, and the shape of every type they reach.

    Read once from xmlschema's reading of the XSDs (`read_model`); being plain, it crosses from a
    copy of the process (`SchemaSet.read_apart`) in a few milliseconds, and a process that reads
    JSON with it never imports xmlschema at all."""

    roots: Mapping[str, _Decl]
    shapes: tuple[_Shape, ...]


def read_model(schema: Any) -> JsonModel:
    """The `JsonModel` of a compiled schema (an `xmlschema.XMLSchema`)."""
    numbers: dict[int, int] = {}
    types: list[Any] = []

    def number(xsd_type: Any) -> int:
        if id(xsd_type) not in numbers:
            numbers[id(xsd_type)] = len(types)
            types.append(xsd_type)
        return numbers[id(xsd_type)]

    def decl_of(decl: Any) -> _Decl:
        return _Decl(decl.name, decl.local_name, bool(decl.type.is_simple()), _repeats(decl), number(decl.type))

    own = {ns for ns in schema.maps.namespaces if ns not in _BUILT_IN}
    roots: dict[str, _Decl] = {}
    for decl in schema.maps.elements.values():
        if decl.target_namespace in own and decl.local_name and decl.local_name not in roots:
            roots[decl.local_name] = decl_of(decl)
    shapes: list[_Shape] = []
    while len(shapes) < len(types):  # each shape numbers the types its children have, read in turn
        shapes.append(_shape_of(types[len(shapes)], decl_of))
    return JsonModel(roots, tuple(shapes))


def _shape_of(xsd_type: Any, decl_of: Any) -> _Shape:
    simple = xsd_type.has_simple_content() if not xsd_type.is_simple() else True
    textual = simple or bool(getattr(xsd_type, "mixed", False))
    declared = () if simple else tuple(xsd_type.content.iter_elements())
    named = tuple(decl for decl in declared if getattr(decl, "local_name", None))
    open_content = len(named) < len(declared)  # a wildcard (xs:any, xs:anyType) takes anything
    children = tuple(decl_of(decl) for decl in named)
    by_member: dict[str, _Decl] = {decl.local_name: decl for decl in reversed(children)}
    for decl in children:  # an array under the plural name: how many the schema allows it judges
        by_member.setdefault(plural(decl.local_name), decl)
    items = children[0] if len(children) == 1 and children[0].repeats else None
    attributes = frozenset(k for k in getattr(xsd_type, "attributes", {}) if isinstance(k, str))
    emptiable = (not simple and xsd_type.content.is_emptiable()
                 and not any(a.use == "required" for a in xsd_type.attributes.values()))
    return _Shape(xsd_type.local_name or "(anonymous type)", frozenset(etree.QName(a).localname for a in attributes),
                  children, by_member, textual, items, emptiable, open_content)


@dataclass
class JsonReading:
    """A JSON document read onto the schema: its XML twin, and what could not be placed."""

    root: etree._Element | None
    """None when no declared root element fits the document (see `undeclared_root`)."""
    problems: list[str] = field(default_factory=list)
    paths: dict[etree._Element, str] = field(default_factory=dict)
    """Element of the twin -> JSON member path (the keys keep lxml's proxies alive, so an element a
    validator hands back is the very key); noted only when asked for (`JsonReader.read`)."""
    noting: bool = True
    undeclared_root: str | None = None
    told: bool = True
    """Whether the JSON (or the hint) tells which declared root it is, not only that it fits one."""

    def path_of(self, element: etree._Element, attribute: str | None = None) -> str:
        path = self.paths.get(element, "$")
        return f"{path}.{attribute}" if attribute else path


class JsonReader:
    """Reads JSON documents onto the types of one schema (its `JsonModel`)."""

    def __init__(self, model: JsonModel):
        self.model = model
        self._fits: dict[tuple[frozenset[str], str, str | None], tuple[_Decl | None, bool]] = {}
        self._roots = model.roots
        self._folded = {name.casefold(): decl for name, decl in sorted(self._roots.items())}

    def _shape(self, decl: _Decl) -> _Shape:
        return self.model.shapes[decl.shape]

    def root_of(self, doc: Any, hint: str | None = None) -> tuple[_Decl | None, bool]:
        """The global element the document is the content of, and whether the JSON tells it apart.

        `hint` is what else names the document: the root of the same URL's XML form (the JSON probe),
        or the Type of the link that led there (the crawl). It is taken first where it names a
        declared root, case aside (`NasService` leads to `NASService`), whose type knows every member:
        a JSON document names itself only by its `Type`, which may be what is wrong with it. Else the
        root its JSON names (`json_root`); else, of the roots whose type knows every member, the
        closest fit (fewest other members). Equally close fits: the first is read (their shapes are
        alike), but which root it is stays untold (`{"Links": [...]}` fits every service).
        """
        if not isinstance(doc, Mapping) or not doc:
            return self._roots.get(json_root(doc)), True
        key = (frozenset(doc), json_root(doc), hint)
        if key not in self._fits:
            if len(self._fits) >= _MAX_FITS:  # a server that invents member sets costs no memory
                self._fits.clear()
            self._fits[key] = self._choose(*key)
        return self._fits[key]

    def _knows(self, decl: _Decl, members: frozenset[str]) -> bool:
        if decl.simple:
            return False
        shape = self._shape(decl)
        return shape.open_content or members <= shape.attributes | set(shape.by_member)

    def _choose(self, members: frozenset[str], named: str, hint: str | None) -> tuple[_Decl | None, bool]:
        if hint:
            hinted = self._folded.get(hint.casefold())
            if hinted is not None and self._knows(hinted, members):
                return hinted, True
        if named in self._roots:
            return self._roots[named], True
        fits = sorted((len(self._shape(decl).attributes) + len(self._shape(decl).by_member), name, decl)
                      for name, decl in self._roots.items() if self._knows(decl, members))
        closest = [fit for fit in fits if fit[0] == fits[0][0]] if fits else []
        return (closest[0][2], len(closest) == 1) if closest else (None, False)

    def read(self, doc: Any, hint: str | None = None, paths: bool = True) -> JsonReading:
        """The XML twin of a parsed JSON document, and every member the schema could not place.

        `paths`: note each element's JSON member path, to say where a validator's complaint is. A
        long list's twin has hundreds of thousands of elements, and noting them doubled its time and
        most of its memory, so a caller that expects no complaint reads without them first."""
        decl, told = self.root_of(doc, hint)
        if decl is None:
            return JsonReading(None, undeclared_root=f"{json_root(doc)} (JSON)")
        reading = JsonReading(None, told=told, noting=paths)
        reading.root = self._element(decl, doc, "$", reading, None)
        if reading.root is None:  # a document that is null: nothing of the type it names
            reading.root = etree.Element(decl.name)
        return reading

    def _element(self, decl: _Decl, value: Any, path: str, reading: JsonReading,
                 parent: etree._Element | None) -> etree._Element | None:
        element = etree.Element(decl.name) if parent is None else etree.SubElement(parent, decl.name)
        if reading.noting:
            reading.paths[element] = path
        if decl.simple:
            if value == [] or value == {}:  # an empty list or object: the element with nothing in it
                return element
            if isinstance(value, dict | list):
                reading.problems.append(f"{path}: {_what(value)} where the schema declares a value of {decl.local_name}")
            else:
                element.text = _lexical(value)
            return element
        shape = self._shape(decl)
        if isinstance(value, list):
            self._items(shape, element, value, path, reading)
        elif isinstance(value, dict):
            self._members(shape, element, value, path, reading)
        elif shape.simple_content:
            element.text = _lexical(value)
        elif value != "":  # an element with nothing in it may be written as an empty string
            reading.problems.append(f"{path}: a value where the schema declares {shape.name} with members")
        return element

    def _items(self, shape: _Shape, element: etree._Element, value: list, path: str, reading: JsonReading) -> None:
        """An array standing for a list element: each entry one of its items."""
        if shape.items is None:
            if not shape.open_content:  # what a wildcard (xs:anyType) holds is not the schema's to judge
                reading.problems.append(f"{path}: an array where the schema declares one {shape.name}")
            return
        for index, item in enumerate(value):
            self._one(shape.items, item, f"{path}[{index}]", reading, element)

    def _is_list(self, decl: _Decl) -> bool:
        """Whether an element is a list of items, so an array under its own name is its content."""
        return not decl.simple and self._shape(decl).items is not None

    def _one(self, decl: _Decl, value: Any, path: str, reading: JsonReading, parent: etree._Element) -> None:
        if value is None:
            if not decl.simple and self._shape(decl).emptiable:
                self._element(decl, {}, path, reading, parent)
            return
        self._element(decl, value, path, reading, parent)

    def _members(self, shape: _Shape, element: etree._Element, value: dict, path: str, reading: JsonReading) -> None:
        placed: dict[int, tuple[str, Any]] = {}
        for key, item in value.items():
            where = f"{path}.{key}"
            if key in shape.attributes:
                if isinstance(item, dict | list):
                    reading.problems.append(f"{where}: {_what(item)} where the schema declares the attribute value {key}")
                elif item is not None:
                    element.set(key, _lexical(item))
            elif key in shape.by_member:
                decl = shape.by_member[key]
                if id(decl) in placed:
                    reading.problems.append(f"{where}: {decl.local_name} given twice (also as {placed[id(decl)][0]})")
                else:
                    placed[id(decl)] = (key, item)
            elif key == "Value" and shape.simple_content:
                if item is not None:
                    element.text = _lexical(item)
            elif shape.open_content:
                continue  # what a wildcard allows is not the schema's to judge member by member
            elif key in _RESOURCE_MEMBERS and item in (None, ""):
                continue  # the serialiser's empty resource members on a nested object: nothing said
            else:
                known = sorted(shape.attributes | set(shape.by_member))
                close = [name for name in known if name.casefold() == key.casefold()] or \
                    difflib.get_close_matches(key, known, n=1, cutoff=0.5)
                hint = f" (did you mean {close[0]}?)" if close else ""
                reading.problems.append(f"{where}: member {key!r} is not declared for {shape.name}{hint}")
        for decl in shape.children:  # in the schema's order: a JSON object's members have none
            if id(decl) not in placed:
                continue
            key, item = placed[id(decl)]
            where = f"{path}.{key}"
            if isinstance(item, list) and (key != decl.local_name or decl.repeats and not self._is_list(decl)):
                for index, entry in enumerate(item):
                    self._one(decl, entry, f"{where}[{index}]", reading, element)
            else:
                self._one(decl, item, where, reading, element)


def _what(value: Any) -> str:
    return "an array" if isinstance(value, list) else "an object" if isinstance(value, dict) else "a value"
