"""Write the mock's table of query fields from documentation pages (rerun when the pages change).

Each `GET /query?type=X` page has a table of the fields a query of type X filters and sorts on,
with the type of each. This tool reads those tables and writes, per query type, every field with
the kind of value it compares as: `datetime` (UTC), `number`, `boolean`, `enum` (with the listed
values in their documented order, which `<` and `>` follow) or `string`. The mock's query
service takes its field names and comparisons from that table alone.

    python3 tools/query_fields_from_pages.py PAGES_FOLDER -o conformance/mock/query_fields.toml
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

_TITLE = re.compile(r'^title: "GET /query\?type=(\w+)"', re.MULTILINE)
_ROW = re.compile(r"^\| (\w+) \| (\w+) \| (.*) \|\s*$")
_KINDS = {"DateTime": "datetime", "Boolean": "boolean", "Int": "number", "Int64": "number", "Long": "number",
          "Double": "number"}
_VALUES = re.compile(r"Possible values:\s*((?:\s*\*\s*[^*|]+)+)")
_BOOLEAN_WORDS = {"true", "false"}


def _enum_values(description: str) -> list[str]:
    """The values a description lists after "Possible values:", in their order; none for free text."""
    found = _VALUES.search(description)
    if not found:
        return []
    values = [v.strip().rstrip(".") for v in found.group(1).split("*") if v.strip()]
    if not all(re.fullmatch(r"[A-Za-z][\w.-]*", v) for v in values):
        return []  # prose, not a list of words
    return values


def fields_of(page: str) -> tuple[str, dict[str, dict[str, object]]] | None:
    """The query type a page documents and its fields, or None when the page is not a query page."""
    title = _TITLE.search(page)
    if not title:
        return None
    section = page.split("Optional Parameters", 1)[-1].split("\nResponse\n", 1)[0]
    fields: dict[str, dict[str, object]] = {}
    for line in section.splitlines():
        row = _ROW.match(line)
        if not row or row.group(1) in ("Parameter", "Element"):
            continue
        name, type_, description = row.groups()
        kind = _KINDS.get(type_, "string")
        values = _enum_values(description) if kind == "string" else []
        if values and {v.casefold() for v in values} != _BOOLEAN_WORDS:
            fields[name] = {"kind": "enum", "values": values}
        else:
            fields[name] = {"kind": kind}
    return title.group(1), fields


def collect(folder: Path) -> dict[str, dict[str, dict[str, object]]]:
    table: dict[str, dict[str, dict[str, object]]] = {}
    for path in sorted(folder.glob("get_query_*.md")):
        found = fields_of(path.read_text(encoding="utf-8"))
        if found:
            table[found[0]] = found[1]
    return dict(sorted(table.items(), key=lambda kv: kv[0].casefold()))


def _toml(table: dict[str, dict[str, dict[str, object]]]) -> str:
    out = ["# Query fields per query type: what `filter`, `sortAsc` and `sortDesc` accept, and how each",
           "# compares. Written by tools/query_fields_from_pages.py from the documented query pages;",
           "# a type with no fields is one whose page lists none.", ""]
    for type_, fields in table.items():
        out.append(f"[{type_}]")
        for name, spec in fields.items():
            inner = ", ".join(f"{k} = {json.dumps(v)}" for k, v in spec.items())
            out.append(f"{name} = {{ {inner} }}")
        out.append("")
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pages", type=Path)
    parser.add_argument("-o", "--output", type=Path, required=True)
    args = parser.parse_args()
    args.output.write_text(_toml(collect(args.pages)), encoding="utf-8")


if __name__ == "__main__":
    main()
