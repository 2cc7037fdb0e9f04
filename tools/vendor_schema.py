"""Read an XSD into what each of its types declares, and take the vendor schema's facts into a facts table.

Any XSD reads the same way (the vendor's, or the project's own `api.xsd`): per root element its
type, and per complex type the child elements it declares (in document order, with whether each
is optional, repeatable, a value of which kind, or a type of its own) and its attributes. Two
schemas read so compare type by type from the roots they share (`missing`), which a project test
uses to hold the project's schemas to everything the vendor's schema declares.

`--merge` takes the vendor schema's declarations into a facts table (a one-off step, the table
is kept by hand since): every child and attribute the vendor declares for a type the table has
too is added, optional, its value a string; a child stays required only where both sources
require it, and the children keep one order only where the two orders agree.

    python3 tools/vendor_schema.py RestAPI.xsd                      # what it declares, per root
    python3 tools/vendor_schema.py RestAPI.xsd --against schemas/v1_7/api.xsd   # what is not accepted
    python3 tools/vendor_schema.py RestAPI.xsd --merge schemas/v1_7/facts.toml
"""

from __future__ import annotations

import argparse
import re
import sys
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import xmlschema

__all__ = ["Child", "Declared", "Schema", "merge_facts", "missing", "read"]

_INTEGERS = {"long", "int", "integer", "short", "byte", "unsignedInt", "unsignedLong", "unsignedShort",
             "unsignedByte", "nonNegativeInteger", "positiveInteger", "negativeInteger", "nonPositiveInteger"}
_NUMBERS = {"double", "float", "decimal"}
_OWN = {"boolean": "boolean", "dateTime": "dateTime"}


@dataclass(frozen=True)
class Child:
    """One child element a type declares."""

    name: str
    kind: str
    """A value's kind (string, long, double, boolean, dateTime), `any` (anything goes), or `type`."""
    type: str | None
    """The key of its own type in `Schema.types`, where `kind` is `type`."""
    optional: bool
    many: bool


@dataclass(frozen=True)
class Declared:
    """What one complex type declares."""

    children: tuple[Child, ...] | None
    """None for a type of text with attributes (simple content)."""
    attributes: tuple[str, ...]
    text: str = "string"
    open: bool = False
    """Whether it takes elements it does not name (a wildcard, anyType)."""
    mixed: bool = False
    """Whether it takes text beside its elements."""


@dataclass(frozen=True)
class Schema:
    roots: Mapping[str, str]
    """Root element -> the key of its type."""
    types: Mapping[str, Declared]


def _kind(simple) -> str:
    """The value kind of a simple type: the first builtin its derivation reaches."""
    seen = simple
    while seen is not None:
        name = seen.local_name if seen.name else None
        if name in _INTEGERS:
            return "long"
        if name in _NUMBERS:
            return "double"
        if name in _OWN:
            return _OWN[name]
        if name in ("string", "anySimpleType", "anyType") or getattr(seen, "base_type", None) is None:
            return "string"
        seen = seen.base_type
    return "string"


def _particles(group, optional: bool, many: bool) -> Iterator[tuple[object, bool, bool]]:
    """Every element or wildcard of a model group, with whether the groups around it make it optional
    (a choice between several, a group that may be absent) or repeatable."""
    optional = optional or group.min_occurs == 0 or (group.model == "choice" and len(group) > 1)
    many = many or group.max_occurs is None or group.max_occurs > 1
    for part in group:
        if hasattr(part, "model"):
            yield from _particles(part, optional, many)
        else:
            yield part, optional or part.min_occurs == 0, many or part.max_occurs is None or part.max_occurs > 1


def read(xsd: Path) -> Schema:
    """Every root element of an XSD (its includes too) and every complex type they reach."""
    schema = xmlschema.XMLSchema(str(xsd))
    types: dict[str, Declared] = {}

    def key_of(xtype, where: str) -> str:
        key = xtype.local_name if xtype.name else where
        if key not in types:
            types[key] = Declared((), ())  # a placeholder while its children are read (recursion)
            types[key] = declare(xtype, key)
        return key

    def declare(xtype, key: str) -> Declared:
        attributes = tuple(sorted(a.split("}")[-1] for a in xtype.attributes if a))
        if xtype.is_simple() or xtype.has_simple_content():
            base = xtype if xtype.is_simple() else xtype.content
            return Declared(None, attributes, _kind(base))
        if xtype.name and xtype.local_name == "anyType":
            return Declared((), attributes, open=True)
        children, open_ = [], False
        for part, optional, many in _particles(xtype.content, False, False):
            if not hasattr(part, "type"):
                open_ = True
                continue
            name = part.local_name
            if part.type.is_simple():
                kind, ref = _kind(part.type), None
            elif part.type.name and part.type.local_name == "anyType":
                kind, ref = "any", None
            elif part.type.has_simple_content() and not part.type.attributes:
                kind, ref = _kind(part.type.content), None
            else:
                kind, ref = "type", key_of(part.type, f"{key}/{name}")
            children.append(Child(name, kind, ref, optional, many))
        return Declared(tuple(children), attributes, open=open_, mixed=bool(xtype.mixed))

    roots = {element.local_name: key_of(element.type, element.local_name) for element in schema.elements.values()}
    return Schema(roots, types)


def _accepts(ours: Child, theirs: Child, schema: Schema) -> bool:
    """Whether our declaration of a child takes every value theirs does (both not types of their own)."""
    if ours.kind == "any":
        return True
    if ours.kind == "type":  # a type of ours with text takes their text, its attributes being optional
        own = schema.types[ours.type]  # type: ignore[index]
        return theirs.kind != "type" and (own.mixed or (own.children is None and own.text == "string"))
    if theirs.kind == "type":
        return False
    return ours.kind in ("string", theirs.kind) or (ours.kind == "double" and theirs.kind == "long")


def missing(theirs: Schema, ours: Schema) -> list[str]:
    """What `theirs` declares that `ours` does not accept, as paths from a shared root
    (`VmRestorePoint/VmName`, `Job/@Kind`, `Job/Size: boolean here, long there`), each type pair once."""
    found: list[str] = []
    seen: set[tuple[str, str]] = set()

    def compare(their_key: str, our_key: str, path: str) -> None:
        if (their_key, our_key) in seen:
            return
        seen.add((their_key, our_key))
        mine, other = ours.types[our_key], theirs.types[their_key]
        found.extend(f"{path}/@{a}" for a in other.attributes if a not in mine.attributes)
        if mine.open:
            return
        if mine.children is None:
            if other.children:
                found.append(f"{path}: holds elements, declared text here")
            return
        by_name = {c.name: c for c in mine.children}
        for child in other.children or ():
            here = f"{path}/{child.name}"
            own = by_name.get(child.name)
            if own is None:
                found.append(here)
            elif own.kind == "type" and child.kind == "type":
                compare(child.type, own.type, here)  # type: ignore[arg-type]
            elif not _accepts(own, child, ours):
                found.append(f"{here}: {own.kind} here, {child.kind} there")
            elif child.many and not own.many:
                found.append(f"{here}: once here, repeated there")

    for root in sorted(theirs.roots.keys() & ours.roots.keys()):
        compare(theirs.roots[root], ours.roots[root], root)
    return found


# --- taking the vendor's declarations into a facts table ------------------------------------------

_CHILD = re.compile(r"(?P<name>[A-Za-z_][\w.-]*) (?P<type>[A-Za-z_][\w.-]*)(?P<occurs>[?*+]?)")
_BUILTIN = {"string", "boolean", "long", "dateTime", "double", "any", "int"}
_LIST = re.compile(r"^(?P<key>children|attributes) = \[.*\]$")


def _occurs(optional: bool, many: bool) -> str:
    return {(False, False): "", (True, False): "?", (False, True): "+", (True, True): "*"}[(optional, many)]


def _merged_children(ours: list[re.Match], theirs: tuple[Child, ...], todo: list[tuple[str, str]],
                     facts_types: Mapping) -> tuple[list[str], bool]:
    """Our children with theirs added; False where the two orders disagree (the type becomes `any` order)."""
    mine = {m["name"]: m for m in ours}
    other = {c.name: c for c in theirs}
    shared_ours = [m["name"] for m in ours if m["name"] in other]
    shared_theirs = [c.name for c in theirs if c.name in mine]
    in_order = shared_ours == shared_theirs
    names = [m["name"] for m in ours]
    for index, child in enumerate(theirs):  # each new name goes after the nearest earlier name of theirs
        if child.name in names:
            continue
        before = [c.name for c in theirs[:index] if c.name in names]
        names.insert(names.index(before[-1]) + 1 if before else 0, child.name)
    out = []
    for name in names:
        m, c = mine.get(name), other.get(name)
        if m is None:
            kind = "any" if c.kind in ("type", "any") else "string"
            out.append(f"{name} {kind}{_occurs(True, c.many)}")
            continue
        optional, many = m["occurs"] in ("?", "*"), m["occurs"] in ("*", "+")
        kind = m["type"]
        if c is None:
            optional = True
        else:
            optional, many = optional or c.optional, many or c.many
            kind = _merged_kind(kind, c, facts_types, todo)
        out.append(f"{name} {kind}{_occurs(optional, many)}")
    return out, in_order


def _merged_kind(kind: str, theirs: Child, facts_types: Mapping, todo: list[tuple[str, str]]) -> str:
    """Our kind of a child where it takes theirs too: the same kind, a string where the values
    differ, `any` where one holds elements and the other does not; two types merge in turn."""
    if kind == "any" or theirs.kind == "any":
        return "any"
    if kind in _BUILTIN:
        if theirs.kind == "type":
            return "any"
        return kind if theirs.kind == kind else "string"
    own = facts_types.get(kind, {})
    if theirs.kind == "type":
        todo.append((theirs.type, kind))  # type: ignore[arg-type]
        return kind
    takes_text = own.get("mixed") or (own.get("children") is None and own.get("text", "string") == "string")
    return kind if takes_text else "any"


def merge_facts(facts_file: Path, vendor: Schema) -> tuple[str, list[str]]:
    """The facts table's text with the vendor's declarations taken in, and what changed (type: what)."""
    text = facts_file.read_text(encoding="utf-8")
    data = tomllib.loads(text)
    roots, facts_types = data.get("roots", {}), data.get("types", {})
    todo = [(vendor.roots[r], roots[r]) for r in sorted(vendor.roots.keys() & roots.keys())]
    done: set[tuple[str, str]] = set()
    new: dict[str, dict[str, object]] = {}
    while todo:
        pair = todo.pop(0)
        if pair in done or pair[1] not in facts_types:
            continue
        done.add(pair)
        their, our_name = vendor.types[pair[0]], pair[1]
        spec = dict(new.get(our_name, facts_types[our_name]))
        attrs = list(spec.get("attributes", []))
        attrs += [a for a in their.attributes if a not in attrs]
        if attrs:
            spec["attributes"] = sorted(attrs)
        if spec.get("children") is not None and their.children:
            ours = [m for m in map(_CHILD.fullmatch, spec["children"]) if m]
            spec["children"], in_order = _merged_children(ours, their.children, todo, facts_types)
            if not in_order:
                spec["order"] = "any"
        new[our_name] = spec
    return _rewrite(text, facts_types, new)


def _rewrite(text: str, old: Mapping[str, Mapping], new: Mapping[str, Mapping]) -> tuple[str, list[str]]:
    """The table's text with the `children`, `attributes` and `order` of the changed types replaced,
    everything else (comments, the order of sections) as it was."""
    changes: list[str] = []
    out: list[str] = []
    section: str | None = None
    pending: dict[str, str] = {}

    def close() -> None:
        out.extend(f"{key} = {value}" for key, value in pending.items())
        pending.clear()

    for line in text.splitlines():
        header = re.match(r"^\[types\.([^\]]+)\]$", line)
        if header or line.startswith("[") or not line.strip():
            close()
            section = header[1] if header else (section if not line.startswith("[") else None)
            out.append(line)
            if header and section in new:
                spec, before = new[section], old[section]
                for key in ("order", "children", "attributes"):
                    if spec.get(key) != before.get(key):
                        changes.append(f"{section}: {key} {spec.get(key)}")
                pending = {k: _toml_list(spec[k]) for k in ("children", "attributes") if k in spec}
                if spec.get("order") == "any" and before.get("order") != "any":
                    out.append('order = "any"')
            continue
        match = _LIST.match(line)
        if match and match["key"] in pending:
            line = f"{match['key']} = {pending.pop(match['key'])}"
        out.append(line)
    close()
    return "\n".join(out) + "\n", changes


def _toml_list(values: list[str]) -> str:
    return "[" + ", ".join(f'"{v}"' for v in values) + "]"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("xsd", type=Path, help="the XSD to read (e.g. the vendor's RestAPI.xsd)")
    parser.add_argument("--against", type=Path, help="an XSD to hold to it: list what it does not accept")
    parser.add_argument("--merge", type=Path, help="a facts.toml to take its declarations into (rewritten)")
    args = parser.parse_args(argv)
    theirs = read(args.xsd)
    if args.against:
        gaps = missing(theirs, read(args.against))
        print("\n".join(gaps))
        print(f"{len(gaps)} declaration(s) of {args.xsd.name} not accepted by {args.against.name}", file=sys.stderr)
        return 1 if gaps else 0
    if args.merge:
        text, changes = merge_facts(args.merge, theirs)
        args.merge.write_text(text, encoding="utf-8")
        print("\n".join(changes))
        print(f"{len(changes)} change(s) to {args.merge}", file=sys.stderr)
        return 0
    for root, key in sorted(theirs.roots.items()):
        declared = theirs.types[key]
        children = ", ".join(f"{c.name}{_occurs(c.optional, c.many)}" for c in declared.children or ())
        print(f"{root} ({key}): {children or '-'}; attributes: {', '.join(declared.attributes) or '-'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
