"""The mock's query engine: what `filter`, `sortAsc`/`sortDesc` and `pageSize`/`page` do in `/api/query`."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from .query_fields import Field

__all__ = ["DEFAULT_ENUM_ORDERS", "Predicate", "QueryError", "QueryPage", "parse_filter", "run_query"]

Predicate = Callable[[Mapping[str, Any]], bool]

DEFAULT_ENUM_ORDERS: Mapping[str, Sequence[str]] = {"Result": ("Success", "Warning", "Failed")}
"""Enum orders the docs declare themselves (the session `Result` note); callers add the rest."""

_NAME_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_")
# The docs' own unquoted examples need dashes (UIDs); dots and colons cover versions, IPs, URNs and times.
_VALUE_CHARS = _NAME_CHARS | frozenset("-.:")
_OPS = ("==", "!=", "<=", ">=", "<", ">")
_INT = re.compile(r"[+-]?\d+")
_FLOAT = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|[+-]?(?:inf|infinity|nan)", re.IGNORECASE)
_MAX_DEPTH = 64


class QueryError(ValueError):
    """A query parameter is malformed or names something the data does not have; the message says where."""


@dataclass(frozen=True, slots=True)
class QueryPage:
    """One page of a query result, with the numbers a `PagingInfo` element needs."""

    items: tuple[Any, ...]
    page: int
    page_size: int
    pages_count: int
    total: int


@dataclass(frozen=True, slots=True)
class _Cmp:
    field: str  # as written, for messages
    op: str
    literal: str
    pos: int  # where the field name starts in the original text
    vpos: int  # where the value starts


@dataclass(frozen=True, slots=True)
class _Bool:
    op: str  # ";" (AND) or "," (OR)
    parts: tuple[_Cmp | _Bool, ...]


_Node = _Cmp | _Bool


class _Parser:
    """Recursive descent over the filter with unquoted whitespace removed (the docs say the server ignores it).

    Grammar: or := and (',' and)* ; and := atom (';' atom)* ; atom := '(' or ')' | NAME OP VALUE.
    The docs give no precedence, so AND binds tighter than OR, as in FIQL, whose separators these are.
    """

    def __init__(self, text: str) -> None:
        chars: list[str] = []
        self.at: list[int] = []  # original position of each kept character
        quoted = False
        for i, c in enumerate(text):
            if c == '"':
                quoted = not quoted  # a doubled quote toggles twice, so parity tracks quoting
            elif c.isspace() and not quoted:
                continue
            chars.append(c)
            self.at.append(i)
        self.at.append(len(text))
        self.s = "".join(chars)
        self.p = 0

    def fail(self, what: str, p: int | None = None) -> QueryError:
        return QueryError(f"filter: {what} at {self.at[self.p if p is None else p]}")

    def parse(self) -> _Node:
        node = self.or_(0)
        if self.p < len(self.s):
            raise self.fail(f"unexpected {self.s[self.p]!r}")
        return node

    def or_(self, depth: int) -> _Node:
        return self.chain(",", self.and_, depth)

    def and_(self, depth: int) -> _Node:
        return self.chain(";", self.atom, depth)

    def chain(self, sep: str, sub: Callable[[int], _Node], depth: int) -> _Node:
        parts = [sub(depth)]
        while self.s.startswith(sep, self.p):
            self.p += 1
            parts.append(sub(depth))
        return parts[0] if len(parts) == 1 else _Bool(sep, tuple(parts))

    def atom(self, depth: int) -> _Node:
        if self.s.startswith("(", self.p):
            if depth >= _MAX_DEPTH:
                raise self.fail("parentheses nested too deeply")
            self.p += 1
            node = self.or_(depth + 1)
            if not self.s.startswith(")", self.p):
                raise self.fail("expected ')'")
            self.p += 1
            return node
        start = self.p
        while self.p < len(self.s) and self.s[self.p] in _NAME_CHARS:
            self.p += 1
        name = self.s[start : self.p]
        if not name:
            raise self.fail("expected field name")
        op = next((o for o in _OPS if self.s.startswith(o, self.p)), None)
        if op is None:
            raise self.fail(f"expected operator after {name!r}")
        self.p += len(op)
        vpos = self.at[self.p]
        return _Cmp(name, op, self.value(op), self.at[start], vpos)

    def value(self, op: str) -> str:
        s, p = self.s, self.p
        doc_form = s.startswith('""', p) and s[p + 2 : p + 3] not in ("", '"', ";", ",", ")")
        if s.startswith('"', p) and not doc_form:
            out, p = [], p + 1  # quoted: runs to the next undoubled quote
            while True:
                if p >= len(s):
                    raise self.fail("unterminated quoted value", self.p)
                if s.startswith('""', p):
                    out.append('"')
                    p += 2
                elif s[p] == '"':
                    self.p = p + 1
                    return "".join(out)
                else:
                    out.append(s[p])
                    p += 1
        out = []  # unquoted; `""` is a literal quote, as in the docs' `Name==""Backup""`
        while p < len(s):
            if s.startswith('""', p):
                out.append('"')
                p += 2
            elif s[p] == '"':
                raise self.fail("stray quote in unquoted value", p)
            elif s[p] in _VALUE_CHARS:
                out.append(s[p])
                p += 1
            else:
                break
        if not out:
            raise self.fail(f"expected value after {op!r}")
        self.p = p
        return "".join(out)


def _fold(record: Mapping[str, Any]) -> dict[str, Any]:
    return {str(k).casefold(): v for k, v in record.items()}


def _fold_orders(orders: Mapping[str, Sequence[str]] | None) -> dict[str, dict[str, int]]:
    merged = {**DEFAULT_ENUM_ORDERS, **(orders or {})}
    folded = {k.casefold(): v for k, v in merged.items()}
    return {k: {str(v).casefold(): i for i, v in enumerate(vals)} for k, vals in folded.items()}


def _utc(value: datetime) -> datetime:
    """Naive datetimes are taken as UTC: the docs say the time parameters accept only UTC values."""
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value


_PYTHON_TYPES: Mapping[str, tuple[type, ...]] = {"boolean": (bool,), "number": (int, float), "datetime": (datetime,)}


def _kind_of(sample: Any) -> str:
    """The kind a record's own value has, for fields no table declares."""
    if isinstance(sample, bool):
        return "boolean"
    if isinstance(sample, (int, float)):
        return "number"
    return "datetime" if isinstance(sample, datetime) else "string"


def _typed(value: Any, kind: str | None) -> Any:
    """A record's value read as its declared kind (records drawn from documents hold text); a value
    that does not read as its kind is left as it is, and then matches no comparison but `!=`."""
    if not isinstance(value, str) or kind not in _PYTHON_TYPES:
        return value
    text = value.strip()
    try:
        if kind == "datetime":
            return _utc(datetime.fromisoformat(text))
        if kind == "number":
            return int(text) if _INT.fullmatch(text) else float(text)
    except ValueError:
        return value
    return text.casefold() == "true" if text.casefold() in ("true", "false") else value


def _coerce(literal: str, kind: str, cmp: _Cmp) -> Any:
    """Turn the filter literal into a value of the field's kind, so comparisons are by value."""

    def bad(what: str) -> QueryError:
        return QueryError(f"filter: value {literal!r} is not a valid {what} for {cmp.field!r} at {cmp.vpos}")

    if kind == "boolean":
        if literal.casefold() not in ("true", "false"):
            raise bad("boolean")
        return literal.casefold() == "true"
    if kind == "number":
        if _INT.fullmatch(literal) and len(literal) < 4000:  # int() refuses longer digit strings
            return int(literal)
        if _FLOAT.fullmatch(literal):
            return float(literal)
        raise bad("number")
    if kind == "datetime":
        try:
            return _utc(datetime.fromisoformat(literal))
        except ValueError:
            raise bad("ISO 8601 date/time") from None
    return literal.casefold()


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return _utc(value)
    return value if isinstance(value, (bool, int, float)) else str(value).casefold()


def _compile(node: _Node, orders: dict[str, dict[str, int]],
             kinds: Mapping[str, str]) -> Callable[[dict[str, Any]], bool]:
    """Build a predicate over case-folded records; `!=` is exactly `not ==` so the two partition the data.

    A field `kinds` declares has its literal checked at once, whatever the records hold; other
    fields compare as the kind of each record's value.
    """
    if isinstance(node, _Bool):
        subs = [_compile(p, orders, kinds) for p in node.parts]
        if node.op == ";":
            return lambda r: all(f(r) for f in subs)
        return lambda r: any(f(r) for f in subs)
    key, op, order = node.field.casefold(), node.op, orders.get(node.field.casefold())
    if order is not None and op not in ("==", "!=") and node.literal.casefold() not in order:
        raise QueryError(f"filter: {node.literal!r} is not a value of enum {node.field!r} at {node.vpos}")
    declared = kinds.get(key)
    fixed = None if declared is None else _coerce(node.literal, declared, node)

    def test(record: dict[str, Any]) -> bool:
        value = record.get(key)
        if value is None:
            return op == "!="
        if declared in ("string", "enum") and not isinstance(value, str):
            value = str(value)
        kind = declared or _kind_of(value)
        if kind in _PYTHON_TYPES and not isinstance(value, _PYTHON_TYPES[kind]):
            return op == "!="  # a value that does not read as its kind is as good as absent
        literal = fixed if declared is not None else _coerce(node.literal, kind, node)
        if op in ("==", "!="):
            return (_plain(value) == literal) == (op == "==")
        if order is not None and isinstance(value, str):
            if value.casefold() not in order:
                return False
            left, right = order[value.casefold()], order[node.literal.casefold()]
        else:
            left, right = _plain(value), literal
        return {"<": left < right, ">": left > right, "<=": left <= right, ">=": left >= right}[op]

    return test


def _fields(node: _Node) -> list[_Cmp]:
    return [node] if isinstance(node, _Cmp) else [c for p in node.parts for c in _fields(p)]


def parse_filter(text: str) -> Predicate:
    """Parse a `filter` expression into a predicate over records (field names matched case-insensitively)."""
    test = _compile(_Parser(text).parse(), _fold_orders(None), {})
    return lambda record: test(_fold(record))


def _sort_key(value: Any, order: dict[str, int] | None) -> tuple[int, Any]:
    """Rank by kind first, so a field holding mixed types still sorts instead of raising."""
    if isinstance(value, bool):
        return (0, int(value))
    if isinstance(value, (int, float)):
        return (1, value)
    if isinstance(value, datetime):
        return (2, _utc(value))
    if isinstance(value, str) and order is not None and value.casefold() in order:
        return (3, order[value.casefold()])
    return (4, str(value).casefold())


def _positive(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise QueryError(f"{name}: must be a positive integer, got {value!r}")
    return value


def run_query(
    records: Sequence[Mapping[str, Any]],
    *,
    filter: str | None = None,
    sort_asc: str | None = None,
    sort_desc: str | None = None,
    page_size: int | None = None,
    page: int | None = None,
    enum_orders: Mapping[str, Sequence[str]] | None = None,
    fields: Mapping[str, Field] | None = None,
) -> QueryPage:
    """Filter, then sort (stable, None last in both directions), then cut one page out of `records`.

    `fields` (keyed by case-folded name) are the only names `filter` and the sort parameters take,
    each compared as its kind, an enum by the order of its values; without them, the names the
    records hold are taken, compared as their values are. Without `page_size` everything is one
    page and `page_size` reports the total. An empty result still has one (empty) page, so `page=1`
    is always in range; later pages are empty, not errors.
    """
    if sort_asc is not None and sort_desc is not None:
        raise QueryError("sortAsc and sortDesc cannot be used together")
    size = None if page_size is None else _positive("pageSize", page_size)
    number = 1 if page is None else _positive("page", page)
    declared = {**(enum_orders or {}), **{f.name: f.values for f in (fields or {}).values() if f.values}}
    orders = _fold_orders(declared)
    kinds = {key: f.kind for key, f in (fields or {}).items()}
    folded = [_fold(r) for r in records]
    if fields is not None:
        folded = [{k: _typed(v, kinds.get(k)) for k, v in r.items()} for r in folded]
        known, strict = set(fields), True
    else:
        known, strict = {k for r in folded for k in r}, bool(folded)
    rows = list(zip(records, folded))
    if filter is not None:
        node = _Parser(filter).parse()
        for cmp in _fields(node):
            if strict and cmp.field.casefold() not in known:
                raise QueryError(f"filter: unknown field {cmp.field!r} at {cmp.pos}{_known(fields)}")
        test = _compile(node, orders, kinds)
        rows = [row for row in rows if test(row[1])]
    sort_field, param = (sort_asc, "sortAsc") if sort_asc is not None else (sort_desc, "sortDesc")
    if sort_field is not None:
        key = sort_field.strip().casefold()
        if not key:
            raise QueryError(f"{param}: expected a field name")
        if strict and key not in known:
            raise QueryError(f"{param}: unknown field {sort_field!r}{_known(fields)}")
        order = orders.get(key)
        present = [row for row in rows if row[1].get(key) is not None]
        present.sort(key=lambda row: _sort_key(row[1][key], order), reverse=sort_desc is not None)
        rows = present + [row for row in rows if row[1].get(key) is None]
    total = len(rows)
    size = total if size is None else size
    pages_count = 1 if size == 0 else max(1, math.ceil(total / size))
    start = (number - 1) * size
    items = tuple(row[0] for row in rows[start : start + size]) if number <= pages_count else ()
    return QueryPage(items=items, page=number, page_size=size, pages_count=pages_count, total=total)


def _known(fields: Mapping[str, Field] | None) -> str:
    """The fields a client may use instead, for the message of a refused one."""
    if not fields:
        return ""
    return f"; this type filters and sorts on {', '.join(f.name for f in fields.values())}"
