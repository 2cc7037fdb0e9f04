"""Loading XSDs from a file or folder and validating documents against them."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from lxml import etree

from .errors import SchemaError

__all__ = ["SchemaSet", "load_schemas"]

_XS = "http://www.w3.org/2001/XMLSchema"
_MAX_MESSAGES = 20


def _top_files(folder: Path) -> list[Path]:
    """The XSDs of a folder that no sibling includes or imports: the entry points."""
    files = sorted(folder.rglob("*.xsd"))
    referenced: set[Path] = set()
    for path in files:
        try:
            tree = etree.parse(str(path), etree.XMLParser(resolve_entities=False, no_network=True))
        except etree.XMLSyntaxError as exc:
            raise SchemaError(f"{path}: not well-formed XML: {exc}") from exc
        for el in tree.iter(f"{{{_XS}}}include", f"{{{_XS}}}import", f"{{{_XS}}}redefine"):
            loc = el.get("schemaLocation")
            if loc:
                referenced.add((path.parent / loc).resolve())
    return [p for p in files if p.resolve() not in referenced]


def _wrapper(entries: list[Path]) -> etree._ElementTree:
    """One schema document that pulls in every entry point, so one validator sees all roots."""
    namespaces = {etree.parse(str(p)).getroot().get("targetNamespace") for p in entries}
    if len(namespaces) == 1:
        (ns,) = namespaces
        root = etree.Element(f"{{{_XS}}}schema", nsmap={"xs": _XS})
        if ns:
            root.set("targetNamespace", ns)
        for path in entries:
            etree.SubElement(root, f"{{{_XS}}}include", schemaLocation=path.resolve().as_uri())
    else:
        root = etree.Element(f"{{{_XS}}}schema", nsmap={"xs": _XS})
        for path in entries:
            ns = etree.parse(str(path)).getroot().get("targetNamespace")
            attrs = {"schemaLocation": path.resolve().as_uri()}
            if ns:
                attrs["namespace"] = ns
            etree.SubElement(root, f"{{{_XS}}}import", **attrs)
    return etree.ElementTree(root)


@dataclass
class SchemaSet:
    """Compiled XSDs: lxml on the hot path (fast), xmlschema only to explain a failure."""

    sources: tuple[Path, ...]
    _validator: etree.XMLSchema
    _document: etree._ElementTree

    @cached_property
    def root_elements(self) -> frozenset[str]:
        """Local names of the global elements: which roots these schemas can judge."""
        names: set[str] = set()
        for src in self.sources:
            for path in ([src] if src.is_file() else sorted(src.rglob("*.xsd"))):
                tree = etree.parse(str(path))
                names.update(el.get("name") for el in tree.getroot().iterchildren(f"{{{_XS}}}element"))
        return frozenset(names)

    def validate(self, root: etree._Element) -> tuple[str, ...]:
        """Messages for every violation (capped), empty when the document is valid.

        lxml decides (fast, on every document); only a failing document is explained again by
        xmlschema, whose messages name the element path and the schema's reason in words.
        """
        if self._validator.validate(root):
            return ()
        explained = self._explain(root)
        if explained:
            return explained
        messages = []
        for err in list(self._validator.error_log)[:_MAX_MESSAGES]:
            path = f"{err.path}: " if err.path else ""
            messages.append(f"line {err.line}: {path}{err.message}")
        return tuple(messages)

    @cached_property
    def _explainer(self) -> Any:
        try:
            import xmlschema

            return xmlschema.XMLSchema(etree.tostring(self._document, encoding="unicode"),
                                       base_url=str(self.sources[0] if self.sources[0].is_dir() else self.sources[0].parent))
        except Exception:  # xmlschema is stricter about some XSD constructs; lxml's words remain
            return None

    def _explain(self, root: etree._Element) -> tuple[str, ...]:
        schema = self._explainer
        if schema is None:
            return ()
        messages = []
        for err in schema.iter_errors(root):
            line = getattr(err.sourceline, "__int__", None) and err.sourceline
            where = f"line {line}: " if line else ""
            messages.append(f"{where}{err.path}: {err.reason}")
            if len(messages) >= _MAX_MESSAGES:
                break
        return tuple(messages)


def load_schemas(source: str | Path) -> SchemaSet:
    """Compile an XSD file, or every entry-point XSD of a folder, into one validator."""
    path = Path(source)
    if not path.exists():
        raise SchemaError(f"schema path {str(path)!r} does not exist")
    if path.is_dir():
        entries = _top_files(path)
        if not entries:
            raise SchemaError(f"schema folder {str(path)!r} holds no .xsd file")
        document = etree.parse(str(entries[0])) if len(entries) == 1 else _wrapper(entries)
    else:
        try:
            document = etree.parse(str(path), etree.XMLParser(resolve_entities=False, no_network=True))
        except etree.XMLSyntaxError as exc:
            raise SchemaError(f"{path}: not well-formed XML: {exc}") from exc
    try:
        validator = etree.XMLSchema(document)
    except etree.XMLSchemaParseError as exc:
        raise SchemaError(f"{path}: the XSD does not compile: {exc}") from exc
    return SchemaSet((path,), validator, document)
