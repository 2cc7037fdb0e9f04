"""Writing an XSD from a schema facts table, so that many roots stay right by editing data, not XML.

A facts table (`schemas/<version>/facts.toml`) names each root element and, per type, its
children in document order with their cardinality, its attributes and the kind of its value.
`python3 -m conformance.contract.schemagen schemas/v1_7` rewrites `documented.xsd` beside it; a test
keeps the two in step.
"""

from __future__ import annotations

import argparse
import re
import sys
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from lxml import etree

from ..errors import SchemaError

__all__ = ["GENERATED_NAME", "generate", "main"]

GENERATED_NAME = "documented.xsd"
_XS = "http://www.w3.org/2001/XMLSchema"
_BUILTIN = {"string": "xs:string", "boolean": "xs:boolean", "long": "xs:long", "dateTime": "xs:dateTime",
            "double": "xs:double", "any": "xs:anyType"}
# Types every representation shares, declared once by hand in the folder's common part.
_SHARED = {"Links": "linkSet", "Link": "link"}
_CHILD = re.compile(r"(?P<name>[A-Za-z_][\w.-]*) (?P<type>[A-Za-z_][\w.-]*)(?P<occurs>[?*+]?)")
_OCCURS = {"": ("1", "1"), "?": ("0", "1"), "*": ("0", "unbounded"), "+": ("1", "unbounded")}


def _type_ref(name: str, types: Mapping[str, Any], where: str) -> str:
    if name in _BUILTIN:
        return _BUILTIN[name]
    if name in _SHARED:
        return _SHARED[name]
    if name not in types:
        raise SchemaError(f"{where}: type {name!r} is neither a builtin ({', '.join(_BUILTIN)}) nor in [types]")
    return name


def _sub(parent: etree._Element, tag: str, **attrs: str) -> etree._Element:
    return etree.SubElement(parent, f"{{{_XS}}}{tag}", **attrs)


def _complex_type(schema: etree._Element, name: str, spec: Mapping[str, Any], types: Mapping[str, Any]) -> None:
    where = f"[types.{name}]"
    ctype = _sub(schema, "complexType", name=name)
    attributes = spec.get("attributes", [])
    children = spec.get("children")
    if children is None:
        content = _sub(_sub(ctype, "simpleContent"), "extension",
                       base=_type_ref(spec.get("text", "string"), types, where))
        holder = content
    else:
        if spec.get("mixed"):
            ctype.set("mixed", "true")
        if spec.get("order", "sequence") == "any":
            group = _sub(ctype, "choice", minOccurs="0", maxOccurs="unbounded")
        else:
            group = _sub(ctype, "sequence")
        for child in children:
            match = _CHILD.fullmatch(child)
            if match is None:
                raise SchemaError(f"{where}: child {child!r} is not 'Name Type' with an optional ?, * or +")
            low, high = _OCCURS[match["occurs"]]
            attrs = {"name": match["name"], "type": _type_ref(match["type"], types, where)}
            if group.tag.endswith("sequence"):
                if low != "1":
                    attrs["minOccurs"] = low
                if high != "1":
                    attrs["maxOccurs"] = high
            _sub(group, "element", **attrs)
        holder = ctype
    for attribute in attributes:
        _sub(holder, "attribute", name=attribute, type="xs:string")


def generate(facts_file: Path, namespace: str) -> bytes:
    """The XSD text for one facts table."""
    try:
        data = tomllib.loads(facts_file.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise SchemaError(f"{facts_file}: not valid TOML: {exc}") from exc
    types: dict[str, Any] = data.get("types", {})
    roots: dict[str, str] = data.get("roots", {})
    schema = etree.Element(f"{{{_XS}}}schema", nsmap={None: namespace, "xs": _XS},
                           targetNamespace=namespace, elementFormDefault="qualified")
    schema.append(etree.Comment(
        f" Written by `python3 -m conformance.contract.schemagen` from {facts_file.name}; edit that table, not this file. "))
    for name, type_name in sorted(roots.items()):
        _sub(schema, "element", name=name, type=_type_ref(type_name, types, f"[roots] {name}"))
    for name in sorted(types):
        _complex_type(schema, name, types[name], types)
    return etree.tostring(schema, pretty_print=True, xml_declaration=True, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m conformance.contract.schemagen",
                                     description="Write documented.xsd from the facts.toml of a schema folder.")
    parser.add_argument("folder", type=Path, help="schema folder holding facts.toml (e.g. schemas/v1_7)")
    parser.add_argument("--namespace", default="http://www.veeam.com/ent/v1.0")
    parser.add_argument("--check", action="store_true", help="exit 1 when documented.xsd is not up to date")
    args = parser.parse_args(argv)
    try:
        text = generate(args.folder / "facts.toml", args.namespace)
    except (SchemaError, OSError) as exc:
        print(f"schemagen: error: {exc}", file=sys.stderr)
        return 4
    target = args.folder / GENERATED_NAME
    if args.check:
        current = target.read_bytes() if target.is_file() else b""
        if current != text:
            print(f"{target} is not up to date with facts.toml", file=sys.stderr)
            return 1
        return 0
    target.write_bytes(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
