"""The fields each query type filters and sorts on, and how each compares: the table `query_fields.toml`.

The documented query pages list these per type; `tools/query_fields_from_pages.py` writes them
into the table, so a field a real client sends (`CreationTime`, `creationtime`) is taken exactly
when the documentation names it for that type, and anything else is refused by name.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

__all__ = ["KINDS", "Field", "fields_of"]

KINDS = ("string", "enum", "datetime", "number", "boolean")
"""How a field's values compare: as text, by the documented order of the values, as UTC
date-times, as numbers, as booleans."""


@dataclass(frozen=True, slots=True)
class Field:
    """One documented query field: its name as the pages spell it, its kind, an enum's ordered values."""

    name: str
    kind: str
    values: tuple[str, ...] = ()


@cache
def _table() -> Mapping[str, Mapping[str, Field]]:
    data = tomllib.loads(Path(__file__).with_name("query_fields.toml").read_text(encoding="utf-8"))
    table: dict[str, dict[str, Field]] = {}
    for type_, fields in data.items():
        table[type_.casefold()] = {}
        for name, spec in fields.items():
            if spec["kind"] not in KINDS:
                raise ValueError(f"query_fields.toml: [{type_}] {name}: unknown kind {spec['kind']!r}")
            table[type_.casefold()][name.casefold()] = Field(name, spec["kind"], tuple(spec.get("values", ())))
    return table


def fields_of(query_type: str) -> Mapping[str, Field] | None:
    """The documented fields of a query type, keyed by their case-folded names; None when the table
    does not know the type (the query then takes the fields its records hold)."""
    return _table().get(query_type.casefold())
