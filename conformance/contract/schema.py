"""Loading XSDs from a file or folder and validating documents against them."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlparse
from urllib.request import url2pathname

from lxml import etree

from ..errors import SchemaError
from ..model.parsing import JsonBody

__all__ = ["SchemaSet", "Verdict", "judge", "load_schemas"]

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


def _locate(base: str | None, location: str) -> Path | None:
    """The local file a schemaLocation names, relative to the document that names it; None when remote."""
    if base and not urlparse(base).scheme:
        base = Path(base).resolve().as_uri()
    url = urlparse(urljoin(base or "", location))
    return Path(url2pathname(url.path)) if url.scheme in ("", "file") and url.path else None


def _global_elements(document: etree._ElementTree) -> frozenset[str]:
    """Clark names ({namespace}local) of the global elements of a schema and all it pulls in."""
    found: set[str] = set()
    seen: set[Path] = set()
    parser = etree.XMLParser(resolve_entities=False, no_network=True)

    def visit(tree: etree._ElementTree, inherited: str | None) -> None:
        schema = tree.getroot()
        namespace = schema.get("targetNamespace", inherited)  # an include without one takes the includer's
        for el in schema.iterchildren(f"{{{_XS}}}element"):
            if el.get("name"):
                found.add(etree.QName(namespace, el.get("name")).text)
        for ref in schema.iterchildren(f"{{{_XS}}}include", f"{{{_XS}}}import", f"{{{_XS}}}redefine"):
            path = _locate(tree.docinfo.URL, ref.get("schemaLocation") or "")
            if path is None or path.resolve() in seen or not path.is_file():
                continue
            seen.add(path.resolve())
            visit(etree.parse(str(path), parser), None if ref.tag == f"{{{_XS}}}import" else namespace)

    visit(document, None)
    return frozenset(found)


@dataclass(frozen=True, slots=True)
class Verdict:
    """What checking one document against the schemas established."""

    validated: bool
    """Whether the schemas judged it: false without schemas, without XML, or for an undeclared root."""
    errors: tuple[str, ...] = ()
    undeclared_root: str | None = None
    """The root element when no loaded schema declares it: the schemas cannot judge such a document,
    so it is a gap in what was checked, not a violation (a real server, an older or partial schema)."""
    root: str | None = None
    """For JSON, which has no root element: the declared root the schemas read it as. Where the JSON
    alone cannot tell (an Error has no Type, `ObjectInJobs` is the array of `ObjectsInJob`), this
    names the root its XML form has."""


@dataclass
class SchemaSet:
    """Compiled XSDs: lxml on the hot path (fast), xmlschema only to explain a failure."""

    sources: tuple[Path, ...]
    _validator: etree.XMLSchema
    _document: etree._ElementTree
    _reading: Any = field(default=None, repr=False, compare=False)
    """The XSDs being read in a copy of the process (`read_apart`), until the model it made is taken."""

    def compiled(self, source: str | Path) -> Any:
        """xmlschema's reading of these XSDs, for a caller that would compile `source` itself (the
        action phase reads its spec elements there): one compilation of a second or two, not two.
        None unless they are `source`'s XSDs, read from one entry point, and xmlschema reads them."""
        path = Path(source).resolve()
        if len(self.sources) != 1 or self.sources[0].resolve() != path:
            return None
        explainer = self._explainer
        return explainer if explainer is not None and getattr(explainer, "target_namespace", "") else None

    @cached_property
    def global_elements(self) -> frozenset[str]:
        """Clark names of the global elements of the loaded schemas: the roots they can judge."""
        return _global_elements(self._document)

    @cached_property
    def root_elements(self) -> frozenset[str]:
        """Local names of the global elements."""
        return frozenset(etree.QName(name).localname for name in self.global_elements)

    @cached_property
    def _namespaces(self) -> frozenset[str | None]:
        return frozenset(etree.QName(name).namespace for name in self.global_elements)

    def undeclared_root(self, root: etree._Element) -> str | None:
        """The root's name when no loaded schema declares it as a global element, else None.

        Named by its local name when it is in a namespace the schemas use, else with its namespace,
        so that a root in another namespace (or none) reads as such, not as a missing declaration.
        """
        qname = etree.QName(root)
        if qname.text in self.global_elements:
            return None
        if qname.namespace in self._namespaces:
            return qname.localname
        return f"{qname.localname} (no namespace)" if qname.namespace is None else qname.text

    @cached_property
    def _namespaces_of(self) -> dict[str, frozenset[str | None]]:
        """Local name -> the namespaces the schemas declare a global element of that name in."""
        found: dict[str, set[str | None]] = {}
        for name in self.global_elements:
            qname = etree.QName(name)
            found.setdefault(qname.localname, set()).add(qname.namespace)
        return {local: frozenset(namespaces) for local, namespaces in found.items()}

    def misplaced_root(self, root: etree._Element) -> str | None:
        """Why the root is wrong, when the schemas declare its name but in another namespace than the
        root's (or the root has none), else None. Every client binding looks elements up by
        namespace and name, so such a document is broken for them however valid its content."""
        qname = etree.QName(root)
        declared = self._namespaces_of.get(qname.localname, frozenset())
        if not declared or qname.namespace in declared:
            return None
        where = "in no namespace" if qname.namespace is None else f"in namespace {qname.namespace!r}"
        expected = " or ".join(repr(ns) if ns else "no namespace" for ns in sorted(declared, key=str))
        return f"root element {qname.localname} is {where}; the schemas declare it in {expected}"

    def check(self, root: etree._Element) -> Verdict:
        """The one decision every caller makes: a declared root is validated; a root the schemas
        declare in another namespace (or in one, where it has none) is a violation; any other is a gap."""
        undeclared = self.undeclared_root(root)
        if undeclared is not None:
            misplaced = self.misplaced_root(root)
            if misplaced is not None:
                return Verdict(True, (misplaced,))
            return Verdict(False, undeclared_root=undeclared)
        return Verdict(True, self.validate(root))

    def prepare(self) -> None:
        """Make now what is otherwise made at its first use (xmlschema's reading of the XSDs, the JSON
        reader on it): before the process is copied (`conformance.process.forked`), each copy then has it
        rather than makes it again."""
        self._json_reader  # noqa: B018 - made for their side effect, the cached readings
        self._explainer  # noqa: B018

    @cached_property
    def _json_reader(self) -> Any:
        from .json_form import JsonReader

        model = self._json_model
        return None if model is None else JsonReader(model)

    def check_json(self, doc: Any, hint: str | None = None) -> Verdict:
        """A parsed JSON document judged by the same schemas: read onto their types (`json_form`), the
        twin validated as XML is, every message naming the JSON member path.

        A document no declared root fits is a gap, as an undeclared XML root is. Without xmlschema's
        reading of the schemas (an XSD it cannot compile) JSON is not validated at all.
        """
        reader = self._json_reader
        if reader is None:
            return Verdict(False)
        try:
            reading = reader.read(doc, hint, paths=False)
        except RecursionError:  # a recursive type (a Result in a Result) nested by a hostile server
            return Verdict(True, ("$: nested too deeply to be read onto the schema's types",))
        if reading.root is None:
            return Verdict(False, undeclared_root=reading.undeclared_root)
        messages = list(reading.problems[:_MAX_MESSAGES])
        if not self._validator.validate(reading.root):
            reading = reader.read(doc, hint)  # again, noting where each element came from, to say so
            for err in self._explainer.iter_errors(reading.root):
                if len(messages) >= _MAX_MESSAGES:
                    break
                elem = getattr(err, "elem", None)
                where = "$" if elem is None else reading.path_of(elem, _attribute_of(err))
                messages.append(f"{where}: {_json_reason(err)}")
        return Verdict(True, tuple(messages), root=etree.QName(reading.root).localname if reading.told else None)

    def validate(self, root: etree._Element) -> tuple[str, ...]:
        """Messages for every violation (capped), empty when the document is valid.

        Callers judging documents go through `check`, which first asks whether the root is declared.

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

    def read_apart(self) -> None:
        """Start reading the XSDs with xmlschema in a copy of this process, where one can be made
        (`conformance.process.forked`): the copy reads them on another core while this process
        crawls, and hands back the JSON model (`json_form.JsonModel`), plain data taken in a few
        milliseconds, with no xmlschema to import here. Elsewhere, or if the copy fails, the model is
        made here at its first use; xmlschema's reading itself always is, where it is needed."""
        if "_json_model" in self.__dict__ or self._reading is not None:
            return
        from ..process.forked import fork_part

        self._reading = fork_part(self._model_for_copy)

    def _model_for_copy(self) -> Any:
        schema = self._explainer
        if schema is None:
            return None
        from .json_form import read_model

        return read_model(schema)

    @cached_property
    def _json_model(self) -> Any:
        model, reading, self._reading = None, self._reading, None
        if reading is not None:
            from ..process.forked import PartFailed

            try:
                model = reading.result()
            except PartFailed:  # the copy died: the model is made here instead
                pass
        if model is None and self._explainer is not None:
            from .json_form import read_model

            model = read_model(self._explainer)
        return model

    @cached_property
    def _explainer(self) -> Any:
        """xmlschema's reading of the XSDs. lxml has compiled them already (a run whose schemas it
        refuses stops before it starts), so they are not checked against the XSD meta-schema again
        (`validation="skip"`): that check was three quarters of the reading."""
        try:
            import xmlschema

            return xmlschema.XMLSchema(etree.tostring(self._document, encoding="unicode"),
                                       base_url=str(self.sources[0] if self.sources[0].is_dir() else self.sources[0].parent),
                                       validation="skip")
        except Exception:  # xmlschema reads some XSD constructs otherwise than lxml; lxml's words remain
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


def _json_reason(err: Any) -> str:
    """xmlschema's reason, led by the value and the type it fails where a value fails a simple type
    (its own words are Python's there: `invalid literal for int()`)."""
    validator = getattr(err, "validator", None)
    if validator is not None and getattr(validator, "is_simple", lambda: False)() and isinstance(err.obj, str):
        name = getattr(validator, "prefixed_name", None) or getattr(validator, "local_name", None) or "value"
        return f"{err.obj!r} is not a valid {name} ({err.reason})"
    return str(err.reason)


def _attribute_of(err: Any) -> str | None:
    """The attribute an xmlschema error is about, when it is about one."""
    validator = getattr(err, "validator", None)
    if type(validator).__name__ == "XsdAttribute":
        return etree.QName(validator.name).localname
    return None


def judge(schemas: SchemaSet | None, parsed: etree._Element | JsonBody | None, hint: str | None = None) -> Verdict:
    """`SchemaSet.check` for XML, `check_json` for JSON; not validated without schemas or a body.

    `hint`: the Type of the link that led to a JSON document, to tell apart roots its members fit alike."""
    if schemas is None or parsed is None:
        return Verdict(False)
    if isinstance(parsed, JsonBody):
        return schemas.check_json(parsed.value, hint)
    return schemas.check(parsed)


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
