"""The project's schemas accept everything the vendor's own schema declares for the types both declare.

The vendor's schema of an older release (read where it lies, never copied into the project: the
file named by `CONFORMANCE_VENDOR_SCHEMA`, else `shared/reference/RestAPI-2017.xsd` beside the
checkout) declares children the v1.7 pages' examples happen not to show, such as a restore
point's `VmName`, which servers send. Every child element and attribute it declares, from every
root element the project declares too, down through the types they share, must be accepted by
the project's schemas. The reader (`tools/vendor_schema.py`) is proven on small schemas first.
"""

from __future__ import annotations

import importlib.util
import os
import sys
import tomllib
from pathlib import Path

import pytest

from conformance.contract.profiles import data_dir

_PROJECT = Path(__file__).resolve().parents[2]


def _tool():
    """The reader, loaded from its file: a script beside the package is no importable module (and the
    tools folder stays off the import path)."""
    spec = importlib.util.spec_from_file_location("_vendor_schema_tool", _PROJECT / "tools" / "vendor_schema.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


_TOOL = _tool()
merge_facts, missing, read = _TOOL.merge_facts, _TOOL.missing, _TOOL.read

_NS = 'xmlns="urn:t" xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:t" elementFormDefault="qualified"'


def vendor_schema() -> Path | None:
    """Where the vendor's schema is, or None when this machine has no copy of it."""
    named = os.environ.get("CONFORMANCE_VENDOR_SCHEMA")
    candidates = [Path(named)] if named else []
    candidates += [parent / "shared" / "reference" / "RestAPI-2017.xsd" for parent in _PROJECT.parents]
    return next((path for path in candidates if path.is_file()), None)


def _xsd(folder: Path, name: str, body: str) -> Path:
    path = folder / name
    path.write_text(f'<xs:schema {_NS}>{body}</xs:schema>', encoding="utf-8")
    return path


_THEIRS = """
<xs:element name="Point" type="PointType"/>
<xs:complexType name="BaseType"><xs:sequence><xs:element name="Links" type="xs:string" minOccurs="0"/></xs:sequence>
  <xs:attribute name="Href" type="xs:string"/></xs:complexType>
<xs:complexType name="PointType"><xs:complexContent><xs:extension base="BaseType"><xs:sequence>
  <xs:element name="Created" type="xs:dateTime"/>
  <xs:element name="VmName" type="xs:string"/>
  <xs:element name="Size" type="xs:long"/>
  <xs:element name="Tag" type="xs:string" maxOccurs="unbounded"/>
  <xs:element name="Info" type="InfoType" minOccurs="0"/>
</xs:sequence><xs:attribute name="Kind" type="xs:string"/></xs:extension></xs:complexContent></xs:complexType>
<xs:complexType name="InfoType"><xs:choice><xs:element name="A" type="xs:int"/><xs:element name="B" type="xs:string"/>
  </xs:choice></xs:complexType>
"""


def test_the_reader_lists_what_each_type_declares_inherited_parts_and_groups_included(tmp_path: Path):
    schema = read(_xsd(tmp_path, "theirs.xsd", _THEIRS))
    point = schema.types[schema.roots["Point"]]
    assert [(c.name, c.kind, c.optional, c.many) for c in point.children] == [
        ("Links", "string", True, False), ("Created", "dateTime", False, False), ("VmName", "string", False, False),
        ("Size", "long", False, False), ("Tag", "string", False, True), ("Info", "type", True, False)]
    assert point.attributes == ("Href", "Kind")
    info = schema.types[point.children[-1].type]
    assert [(c.name, c.kind, c.optional) for c in info.children] == [("A", "long", True), ("B", "string", True)]


def test_what_one_schema_declares_and_the_other_does_not_accept_is_named_by_its_path(tmp_path: Path):
    ours = _xsd(tmp_path, "ours.xsd", """
<xs:element name="Point" type="Point"/>
<xs:complexType name="Point"><xs:sequence>
  <xs:element name="Links" type="xs:string" minOccurs="0"/><xs:element name="Created" type="xs:dateTime"/>
  <xs:element name="Size" type="xs:boolean"/><xs:element name="Tag" type="xs:string"/>
  <xs:element name="Info" type="Info" minOccurs="0"/></xs:sequence>
  <xs:attribute name="Href" type="xs:string"/></xs:complexType>
<xs:complexType name="Info"><xs:sequence><xs:element name="A" type="xs:string"/></xs:sequence></xs:complexType>
""")
    gaps = missing(read(_xsd(tmp_path, "theirs.xsd", _THEIRS)), read(ours))
    assert gaps == ["Point/@Kind", "Point/VmName", "Point/Size: boolean here, long there",
                    "Point/Tag: once here, repeated there", "Point/Info/B"]


def test_taking_the_vendor_schema_in_adds_optional_strings_and_keeps_required_only_where_both_agree(tmp_path: Path):
    facts = tmp_path / "facts.toml"
    facts.write_text('[roots]\nPoint = "Point"\n\n[types.Point]\n# a comment stays\n'
                     'children = ["Links Links?", "Created dateTime", "Size long", "Extra string", "Info Info?"]\n'
                     'attributes = ["Href"]\n\n[types.Info]\nchildren = ["B string"]\n', encoding="utf-8")
    text, changes = merge_facts(facts, read(_xsd(tmp_path, "theirs.xsd", _THEIRS)))
    merged = tomllib.loads(text)["types"]
    assert merged["Point"]["children"] == ["Links Links?", "Created dateTime", "VmName string?", "Size long",
                                           "Tag string*", "Extra string?", "Info Info?"]
    assert merged["Point"]["attributes"] == ["Href", "Kind"]
    assert merged["Info"] == {"children": ["A string?", "B string?"]}  # a choice: neither is required
    assert "# a comment stays" in text and changes


_VENDOR = vendor_schema()


@pytest.mark.skipif(_VENDOR is None, reason="the vendor's schema is not on this machine "
                    "(set CONFORMANCE_VENDOR_SCHEMA to its file)")
def test_the_projects_schemas_accept_every_child_and_attribute_the_vendor_schema_declares():
    theirs, ours = read(_VENDOR), read(data_dir("schemas") / "v1_7" / "api.xsd")
    shared = theirs.roots.keys() & ours.roots.keys()
    assert len(shared) > 100  # the two share most roots; fewer means the reading broke
    assert "VmName" in [c.name for c in theirs.types[theirs.roots["VmRestorePoint"]].children]
    gaps = missing(theirs, ours)
    assert gaps == [], f"{len(gaps)} declaration(s) of {_VENDOR.name} the project's schemas refuse:\n" + "\n".join(gaps)
