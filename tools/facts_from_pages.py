"""Bootstrap a schema facts table from documentation pages (a one-off tool; the table is then kept by hand).

The facts of a representation are the names of its elements, their order, how often they occur,
their attributes and the kind of value they hold. This tool reads them off every example body of
the vendor's pages (whole documents and the parts pages show alone), adds the value kinds the
pages' parameter tables state, and writes them as `schemas/<version>/facts.toml`, from which
`python3 -m conformance.contract.schemagen` writes the XSDs. Elements the pages never show whole are
taken from an existing XSD folder given with `--keep`, so nothing declared before is lost.

    python3 tools/facts_from_pages.py PAGES_FOLDER --keep schemas/v1_7 -o schemas/v1_7/facts.toml
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import defaultdict
from pathlib import Path

from lxml import etree

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from vendor_pages import examples  # noqa: E402

NS = "http://www.veeam.com/ent/v1.0"
_TABLE_TYPES = {"Boolean": "boolean", "Bool": "boolean", "Int": "long", "Long": "long", "UShort": "long",
                "DateTime": "dateTime"}
_CHECKS = {
    "boolean": re.compile(r"true|false"),
    "long": re.compile(r"-?\d+"),
    "dateTime": re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)?"),
}


class Facts:
    """What every occurrence of each element name showed."""

    def __init__(self) -> None:
        self.count: dict[str, int] = defaultdict(int)
        self.children_seen: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        self.repeated: dict[str, set[str]] = defaultdict(set)
        self.orders: dict[str, set[tuple[str, str]]] = defaultdict(set)
        self.attrs: dict[str, set[str]] = defaultdict(set)
        self.values: dict[str, set[str]] = defaultdict(set)
        self.has_children: set[str] = set()
        self.has_text: set[str] = set()
        self.roots: set[str] = set()

    def add(self, el: etree._Element) -> None:
        name = etree.QName(el).localname
        self.count[name] += 1
        self.attrs[name].update(a for a in el.attrib if not a.startswith("{"))
        kids = [c for c in el if isinstance(c.tag, str)]
        if kids:
            self.has_children.add(name)
            if (el.text or "").strip():
                self.has_text.add(name)
        else:
            self.values[name].add((el.text or "").strip())
        sequence: list[str] = []
        for kid in kids:
            kid_name = etree.QName(kid).localname
            if sequence and sequence[-1] == kid_name:
                self.repeated[name].add(kid_name)
                continue
            if kid_name in sequence:  # reappears after another element: order is not a sequence
                self.repeated[name].add(kid_name)
            sequence.append(kid_name)
        for name_seen in set(sequence):
            self.children_seen[name][name_seen] += 1
        for i, a in enumerate(sequence):
            for b in sequence[i + 1:]:
                if a != b:
                    self.orders[name].add((a, b))
        for kid in kids:
            self.add(kid)


def table_types(folder: Path) -> dict[str, set[str]]:
    found: dict[str, set[str]] = defaultdict(set)
    for page in folder.glob("*.md"):
        for line in page.read_text(encoding="utf-8").splitlines():
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if len(cells) >= 3 and cells[1] in _TABLE_TYPES and re.fullmatch(r"[A-Za-z]\w*", cells[0]):
                found[cells[0]].add(_TABLE_TYPES[cells[1]])
    return found


def _order(children: list[str], pairs: set[tuple[str, str]]) -> list[str] | None:
    """A topological order consistent with every observed pair, or None when they disagree."""
    remaining = list(children)
    out: list[str] = []
    while remaining:
        free = [c for c in remaining if not any((o, c) in pairs for o in remaining if o != c)]
        if not free:
            return None
        out.append(free[0])
        remaining.remove(free[0])
    return out


def leaf_type(name: str, values: set[str], stated: set[str]) -> str:
    if len(stated) == 1:
        (kind,) = stated
        if all(_CHECKS[kind].fullmatch(v) for v in values):
            return kind
    return "string"


def _toml_list(values: list[str]) -> str:
    return "[" + ", ".join(f'"{v}"' for v in values) + "]"


def render(facts: Facts, stated: dict[str, set[str]], kept_roots: dict[str, str], kept: dict[str, dict]) -> str:
    lines = [
        "# Schema facts of the Enterprise Manager REST API v1.7: the elements of every representation and",
        "# request body the documentation shows, their order, how often they occur, their attributes and",
        "# the kind of value they hold. `python3 -m conformance.contract.schemagen` writes the XSDs from this table.",
        "#",
        "# [roots]: the root elements a document may have, each with its type.",
        "# [types.<T>]: `children` in document order, each \"Name Type\" with ? (optional), * (any number)",
        "# or + (one or more); Type is a builtin (string, boolean, long, dateTime, any) or another [types]",
        "# entry. `order = \"any\"` where the examples show the children in more than one order.",
        "# `attributes`: the attributes it may carry (all optional); `text`: the type of its text",
        "# when it has attributes and no children; `mixed = true` when it holds text and children.",
        "",
        "[roots]",
    ]
    complex_names = sorted(facts.has_children | {n for n in facts.count if facts.attrs[n] - {"xmlns"}})
    for root in sorted(facts.roots | set(kept_roots)):
        lines.append(f"{root} = \"{kept_roots.get(root, root)}\"")
    lines.append("")
    for name in sorted(set(kept) - set(complex_names)):
        spec = kept[name]
        lines.append(f"[types.{name}]")
        if spec.get("order"):
            lines.append(f'order = "{spec["order"]}"')
        if "children" in spec:
            lines.append("children = " + _toml_list(spec["children"]))
        if "text" in spec:
            lines.append(f'text = "{spec["text"]}"')
        if spec.get("attributes"):
            lines.append("attributes = " + _toml_list(spec["attributes"]))
        lines.append("")
    for name in complex_names:
        if name in ("Links", "Link"):
            continue
        lines.append(f"[types.{name}]")
        if name in facts.has_children:
            seen = facts.children_seen[name]
            children = sorted(seen)
            order = _order(children, facts.orders[name])
            if order is None:
                lines.append('order = "any"')
                order = children
            specs = []
            for kid in order:
                complex_kid = kid in facts.has_children or bool(facts.attrs[kid])
                kind = kid if complex_kid else leaf_type(kid, facts.values[kid], stated.get(kid, set()))
                always = seen[kid] == facts.count[name] and facts.count[name] >= 2
                # A collection may be empty, whatever its examples show.
                many = kid in facts.repeated[name] or name in (kid + "s", kid + "es", kid[:-1] + "ies") or kid == "Ref"
                suffix = "*" if many else ("" if always else "?")
                specs.append(f'"{kid} {kind}{suffix}"')
            if "Href" in facts.attrs[name] and "Links" not in order:  # any resource may carry links
                specs.insert(0, '"Links Links?"')
            # Declared before for another context of the same name (nothing in common): still allowed.
            extra = kept.get(name, {}).get("children", [])
            known = {spec.strip('"').split(" ")[0] for spec in specs}
            if known & {item.split(" ")[0] for item in extra}:
                extra = []
            for item in extra:
                kid, kind = item.split(" ")
                if kid not in known:
                    specs.append(f'"{kid} {kind.rstrip("?*+")}{"*" if kind[-1] in "*+" else "?"}"')
            lines.append("children = [" + ", ".join(specs) + "]")
            if name in facts.has_text or facts.values[name] - {""}:
                lines.append("mixed = true")
        else:
            lines.append(f'text = "{leaf_type(name, facts.values[name], stated.get(name, set()))}"')
        kept_attrs = set(kept.get(name, {}).get("attributes", []))
        attrs = sorted(facts.attrs[name] | (kept_attrs if not kept_attrs & facts.attrs[name] else set()))
        if attrs:
            lines.append("attributes = [" + ", ".join(f'"{a}"' for a in attrs) + "]")
        lines.append("")
    return "\n".join(lines)


def _kind(xsd_type) -> str:  # noqa: ANN001 - an xmlschema type
    if xsd_type.is_complex() and not xsd_type.has_simple_content():
        return ""
    primitive = xsd_type.primitive_type.local_name if xsd_type.is_simple() else xsd_type.content.primitive_type.local_name
    return {"boolean": "boolean", "decimal": "long", "dateTime": "dateTime", "double": "double",
            "float": "double"}.get(primitive, "string")


def kept_types(folder: Path, skip: set[str]) -> tuple[dict[str, str], dict[str, dict]]:
    """Roots and types an existing XSD folder declares and the pages never show whole."""
    import xmlschema

    schema = xmlschema.XMLSchema(str(folder / "api.xsd"))
    roots: dict[str, str] = {}
    types: dict[str, dict] = {}

    def walk_group(group, optional: bool, out: list) -> None:  # noqa: ANN001
        choice = group.model == "choice" or group.min_occurs == 0
        for item in group:
            if isinstance(item, xmlschema.validators.XsdGroup):
                walk_group(item, optional or choice, out)
                continue
            out.append((item, optional or choice or item.min_occurs == 0, item.max_occurs != 1))

    def visit(name: str, xsd_type) -> str:  # noqa: ANN001
        kind = _kind(xsd_type)
        if kind and not [a for a in getattr(xsd_type, 'attributes', ())]:
            return kind
        if name in types:
            return name
        spec: dict = {}
        types[name] = spec
        if kind:
            spec["text"] = kind
        else:
            children: list = []
            walk_group(xsd_type.content, False, children)
            specs = []
            for item, optional, many in children:
                kid = visit(item.local_name, item.type) if item.local_name not in ("Links", "Link") else item.local_name
                suffix = ("*" if optional else "+") if many else ("?" if optional else "")
                specs.append(f"{item.local_name} {kid}{suffix}")
            spec["children"] = specs
        attrs = sorted(a for a in getattr(xsd_type, 'attributes', ()) if a and not a.startswith("{"))
        if attrs:
            spec["attributes"] = attrs
        return name

    for qname, element in schema.elements.items():
        local = element.local_name
        if local in skip:
            continue
        roots[local] = visit(local, element.type)
    return roots, types


_START_TAG = re.compile(r"^(?:<\?xml[^>]*\?>)?\s*<(\w+)((?:\s+[\w:]+=\"[^\"]*\")*)")


def parameters(page: Path) -> list[tuple[str, str]]:
    """(element, stated type) of the first Element/Type table after a page's "Parameters" heading."""
    rows: list[tuple[str, str]] = []
    lines = page.read_text(encoding="utf-8").splitlines()
    start = next((i for i, line in enumerate(lines) if line.strip() == "Parameters"), None)
    if start is None:
        return rows
    for line in lines[start + 1:]:
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("|") and len(cells) >= 2 and re.fullmatch(r"[A-Za-z]\w*", cells[0]):
            if cells[0] not in ("Element", "Parameter"):
                rows.append((cells[0], cells[1]))
        elif rows:
            break
    return rows


def shown_by_start_tag(folder: Path, facts: Facts) -> dict[str, dict]:
    """Roots the pages show only cut off: what their start tags and parameter tables say.

    Their order is unknown (a table's rows are not always the element order), so any order is
    allowed; a list holds its singular items; a service holds links.
    """
    found: dict[str, dict] = {}
    for ex in examples(folder):
        match = _START_TAG.match(ex.body) if ex.media == "xml" and not ex.complete else None
        if match is None or 'xmlns="http://www.veeam.com/ent/v1.0"' not in match.group(2):
            continue
        root = match.group(1)
        if root in facts.roots or root in found or root in ("Link", "Links"):
            continue
        attrs = sorted(a for a in re.findall(r"([\w:]+)=", match.group(2)) if ":" not in a and a != "xmlns")
        singular = next((s for s in (root[:-1], root[:-2], root[:-3] + "y", root.removesuffix("List"))
                         if s != root and s in facts.count), None)
        page = folder / (ex.page if ex.page.startswith("get_") else f"get_{ex.page}")
        rows = parameters(page if page.is_file() else folder / ex.page)
        if singular:
            children = ["Links Links?", f"{singular} {singular}*"]
        else:
            children = ["Links Links?"]
            for name, stated in rows:
                if name in attrs or name in ("UID", "Name", "Href", "Type", "Links"):
                    continue
                kind = _TABLE_TYPES.get(stated, "string" if stated in ("String", "UidType") else "any")
                if name in facts.has_children or facts.attrs.get(name):
                    kind = name
                children.append(f"{name} {kind}*")
        found[root] = {"children": children, "attributes": attrs, "order": "any"}
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pages", type=Path)
    parser.add_argument("-o", "--out", type=Path, required=True)
    parser.add_argument("--keep", type=Path, help="an XSD folder whose other roots are kept")
    parser.add_argument("--hand", default="JobCloneSpec,CreateObjectInJobSpec,BackupServerSpec",
                        help="roots left to a hand-written XSD beside the generated one")
    args = parser.parse_args()
    facts = Facts()
    for ex in examples(args.pages):
        if ex.media != "xml" or ex.fragment not in (None, "a part of a larger document (no namespace)"):
            continue
        body = re.sub(r"^<\?xml[^>]*\?>", "", ex.body).strip().encode()
        root = etree.fromstring(body)
        if ex.fragment is None:
            facts.roots.add(etree.QName(root).localname)
        facts.add(root)
    hand = set(args.hand.split(","))
    facts.roots -= hand
    kept_roots, kept = kept_types(args.keep, facts.roots | hand) if args.keep else ({}, {})
    for root, spec in shown_by_start_tag(args.pages, facts).items():
        if root not in kept_roots and root not in hand:
            kept_roots[root] = root
            kept.setdefault(root, spec)
    args.out.write_text(render(facts, table_types(args.pages), kept_roots, kept), encoding="utf-8")


if __name__ == "__main__":
    main()
