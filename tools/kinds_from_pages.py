"""Bootstrap a profile's `[kinds]` tables from documentation pages (a one-off tool; the tables are then kept by hand).

For every resource type the pages show (a document's or an embedded item's `Type`, else its root
element), the Rels of its own links in every example: `required` are the Rels all of them carry
(with one example only the navigation Rels, Up and Alternate, since the rest may depend on the
data), `optional` the others, plus the Rels the pages' link tables document for the type without
an example showing them. Prints TOML to paste into `profiles/<version>.toml`.

    python3 tools/kinds_from_pages.py PAGES_FOLDER CATALOG_JSON
"""

from __future__ import annotations

import json
import re
import sys
from collections import defaultdict
from pathlib import Path

from lxml import etree

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from vendor_pages import examples  # noqa: E402

from conformance.model.parsing import parse_body  # noqa: E402

_ALWAYS = {"Up", "Alternate"}


def _local(el: etree._Element) -> str:
    return etree.QName(el).localname


def observed(folder: Path) -> dict[str, list[frozenset[str]]]:
    """Rel sets per kind, one per element seen with its links."""
    seen: dict[str, list[frozenset[str]]] = defaultdict(list)
    for ex in examples(folder):
        if not ex.complete or ex.role == "request":
            continue
        if ex.media == "json":
            doc, _ = parse_body(ex.body.encode(), "application/json")
            own = [link.rel for link in doc.links if link.owner in (None, doc.href) and link.rel]
            seen[doc.type or doc.root].append(frozenset(own))
            continue
        root = etree.fromstring(re.sub(r"^<\?xml[^>]*\?>", "", ex.body).strip().encode())
        for el in root.iter():
            if not isinstance(el.tag, str) or (el is not root and not el.get("Href")):
                continue
            if _local(el) in ("Link", "Links"):
                continue
            kind = el.get("Type") or _local(el)
            holder = next((c for c in el if isinstance(c.tag, str) and _local(c) == "Links"), None)
            if holder is None and el is not root:
                continue  # an embedded item shown without its links: they are judged where it is served
            rels = frozenset(l.get("Rel") for l in holder if isinstance(l.tag, str) and l.get("Rel")) if holder is not None else frozenset()
            seen[kind].append(rels)
    return seen


def documented(catalog: Path) -> dict[str, set[str]]:
    """Rels the link tables of each resource's pages name, by the resource's entity Type."""
    data = json.loads(catalog.read_text(encoding="utf-8"))
    out: dict[str, set[str]] = defaultdict(set)
    for resource in data["resources"]:
        kinds = {rep["Type"] or rep["root"] for rep in resource["representations"]
                 if rep["representation"] in ("entity", "other") and (rep["Type"] or rep["root"])}
        rels = {link["rel"] for link in resource.get("links_documented", []) if link.get("rel")}
        for kind in kinds:
            out[kind] |= rels
    return out


def main() -> None:
    folder, catalog = Path(sys.argv[1]), Path(sys.argv[2])
    seen = observed(folder)
    docs = documented(catalog)
    for kind in sorted(set(seen) | set(docs)):
        sets = seen.get(kind, [])
        union = frozenset().union(*sets) if sets else frozenset()
        if len(sets) >= 2:
            required = frozenset.intersection(*sets)
        else:
            required = union & _ALWAYS
        optional = (union | docs.get(kind, set())) - required
        if not required and not optional:
            print(f"{kind} = {{}}")
            continue
        print(f"\n[kinds.{kind}]")
        if required:
            print("required = [" + ", ".join(f'"{r}"' for r in sorted(required)) + "]")
        if optional:
            print("optional = [" + ", ".join(f'"{r}"' for r in sorted(optional)) + "]")


if __name__ == "__main__":
    main()
