"""The API's link map as SVG: resource types as a tree, from the logon session down.

Every Rel between every pair of types drawn at once is a hairball, so the map draws one tree:
each type sits under the type that links Down to it (the one it links Up to, where exactly one
does; else the nearest to the logon session), a type's reference and entity forms share a row
(joined by Alternate), and every other link is in the type's tooltip. Types no Down link reaches
from the logon session (the API root, failed fetches) follow in a group of their own. Types with a
failing item are red and link to their findings.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from html import escape
from itertools import chain
from typing import Any

__all__ = ["Row", "kind_edges", "link_map_svg", "type_tree"]

Edges = Mapping[tuple[str, str], set[str]]

_NAV_RELS = ("Down", "Up", "Alternate", "Related")
_ROW_H, _BOX_H, _INDENT, _CHAR_W = 26, 20, 24, 6.4
_BAD_TEXT = ' fill="#b71c1c" font-weight="bold"'
_TIP_KINDS = 12
"""Most target types a tooltip names per Rel; the rest are counted."""
MAX_TYPES = 400
"""Most resource types drawn: beyond them a map is unreadable and the matrix lists every type; the
failing types are drawn first, then those with the most resources."""


def kind_edges(snapshot: Any) -> dict[tuple[str, str], set[str]]:
    """(source kind, target kind) -> Rels seen between them, over the links the crawl resolved: one
    look-up per link, so the map costs the same per resource at any size."""
    edges: dict[tuple[str, str], set[str]] = defaultdict(set)
    for res in snapshot:
        kind = res.kind
        steps = chain(((link.rel, link.url) for link in res.links),
                      (("Down", member.url) for member in res.members))  # a collection leads Down to its items
        for rel, url in steps:
            if rel in _NAV_RELS and url:
                target = snapshot.get(url)
                if target is not None and target.root and kind != target.kind:
                    edges[(kind, target.kind)].add(rel)  # type: ignore[arg-type]
    return dict(edges)


@dataclass(frozen=True)
class Row:
    """One row of the map: a type (and its reference form, if any) at a depth under its parent."""

    depth: int
    kinds: tuple[str, ...]
    parent: str | None = None
    """The first kind of the parent row; None for a tree's root and for a group's heading."""
    heading: str = ""


def _forms(kinds: list[str], edges: Edges) -> dict[str, str]:
    """kind -> the kind that leads its row: `XReference` joins `X` when Alternate links them."""
    lead = {kind: kind for kind in kinds}
    present = set(kinds)
    for kind in kinds:
        ref = kind + "Reference"
        if ref in present and ("Alternate" in edges.get((kind, ref), ()) or "Alternate" in edges.get((ref, kind), ())):
            lead[ref] = kind
    return lead


def type_tree(kinds: list[str], edges: Edges, start: str | None = "LogonSession") -> list[Row]:
    """The rows of the map in reading order: trees of Down links, rooted at `start` first."""
    lead = _forms(kinds, edges)
    units = sorted(set(lead.values()))
    members: dict[str, list[str]] = defaultdict(list)
    for kind in sorted(kinds):
        members[lead[kind]].append(kind)
    down: dict[str, set[str]] = defaultdict(set)
    up: dict[str, set[str]] = defaultdict(set)
    direct: dict[str, set[str]] = defaultdict(set)  # parent unit -> units whose lead kind it links Down to
    for (a, b), rels in edges.items():
        ua, ub = lead.get(a), lead.get(b)
        if ua is None or ub is None or ua == ub:
            continue
        if "Down" in rels:
            down[ua].add(ub)
            if b == ub:
                direct[ua].add(ub)
        if "Up" in rels:
            up[ua].add(ub)

    parent: dict[str, str | None] = {}
    level: dict[str, int] = {}
    rows: list[Row] = []

    def grow(root: str) -> None:
        """Breadth-first from `root` over Down links; then a type moves under the one type it links Up to."""
        parent[root], level[root] = None, 0
        frontier, reached = [root], [root]
        while frontier:
            found: dict[str, list[str]] = defaultdict(list)
            for unit in frontier:
                for child in down[unit]:
                    if child not in parent:
                        found[child].append(unit)
            for child, parents in sorted(found.items()):
                # a collection links Down to the entity form; a list of references only to the reference
                parent[child] = min(parents, key=lambda p: (child not in direct[p], p))
                level[child] = level[parent[child]] + 1
            frontier = sorted(found)
            reached += frontier
        for unit in reached[1:]:
            confirmed = [p for p in sorted(up[unit]) if unit in down[p] and p in level and level[p] >= 0]
            if len(confirmed) == 1 and confirmed[0] != parent[unit] and not _below(confirmed[0], unit, parent):
                parent[unit] = confirmed[0]

        children: dict[str | None, list[str]] = defaultdict(list)
        for unit in reached[1:]:
            children[parent[unit]].append(unit)

        def walk(unit: str, depth: int) -> None:
            above = parent[unit]
            rows.append(Row(depth, tuple(members[unit]), above))
            for child in sorted(children[unit]):
                walk(child, depth + 1)

        walk(root, 0)
        for unit in reached:
            level[unit] = -1  # placed: later trees neither enter nor re-parent it

    first = lead.get(start or "", None)
    if first is not None:
        grow(first)
    rest = [u for u in units if u not in parent]
    if rest and first is not None:
        rows.append(Row(0, (), heading=f"Not reached by Down links from {start}:"))
    while rest:
        pending = set(rest)
        targeted = {child for p in rest for child in down[p] if child != p and child in pending}
        roots = [u for u in rest if u not in targeted] or rest[:1]
        grow(roots[0])
        rest = [u for u in rest if u not in parent]
    return rows


def _below(candidate: str, unit: str, parent: Mapping[str, str | None]) -> bool:
    """Whether `candidate` lies in the subtree of `unit` (moving `unit` under it would make a loop)."""
    seen: set[str] = set()
    node: str | None = candidate
    while node is not None and node not in seen:
        if node == unit:
            return True
        seen.add(node)
        node = parent.get(node)
    return False


def _outgoing(edges: Edges) -> dict[str, dict[str, list[str]]]:
    """kind -> Rel -> the kinds it links to that way, sorted: built once for every tooltip."""
    out: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for (a, b), rels in sorted(edges.items()):
        for rel in rels:
            out[a][rel].append(b)
    return out


def _names(kinds: list[str]) -> str:
    shown = ", ".join(kinds[:_TIP_KINDS])
    return shown + (f" and {len(kinds) - _TIP_KINDS} more" if len(kinds) > _TIP_KINDS else "")


def _tooltip(kind: str, by_rel: Mapping[str, list[str]], resources: int, failing: list[str]) -> str:
    lines = [f"{kind}: {resources} resource(s)"]
    if failing:
        lines.append("failing: " + ", ".join(failing))
    lines += [f"{rel} -> {_names(by_rel[rel])}" for rel in _NAV_RELS if by_rel.get(rel)]
    return "\n".join(lines)


def _width(kind: str, bad: bool) -> float:
    return len(kind) * _CHAR_W + (30 if bad else 16)


def link_map_svg(snapshot: Any, failing: Mapping[str, list[str]] | set[str], start: str | None = "LogonSession",
                 href: Any = None) -> str:
    """The map as inline SVG. `failing`: kind -> its failing rule ids; `href(rule_id)`: where a
    failing type links to (its findings)."""
    failing = {k: [] for k in failing} if isinstance(failing, set) else dict(failing)
    groups = snapshot.kinds()
    kinds = sorted(groups)
    if len(kinds) > MAX_TYPES:
        kinds = sorted(sorted(kinds, key=lambda k: (k not in failing, -len(groups[k]), k))[:MAX_TYPES])
    edges = kind_edges(snapshot)
    outgoing = _outgoing(edges)
    rows = type_tree(kinds, edges, start)
    if len(groups) > len(kinds):
        rows.append(Row(0, (), heading=f"{len(groups) - len(kinds)} more resource types not drawn: "
                                       "the matrix lists every one"))
    x_of: dict[str, float] = {}
    y_of: dict[str, float] = {}
    parts: list[str] = []
    right = 200.0
    for index, row in enumerate(rows):
        y = 8 + index * _ROW_H
        if row.heading or not row.kinds:
            parts.append(f'<text x="8" y="{y + 14:.0f}" font-style="italic" fill="#555">{escape(row.heading)}</text>')
            continue
        x = 8 + row.depth * _INDENT
        if row.parent is not None and row.parent in x_of:
            px, py = x_of[row.parent] + 8, y_of[row.parent] + _BOX_H
            parts.append(f'<path d="M{px:.0f} {py:.0f}V{y + _BOX_H / 2:.0f}H{x:.0f}" fill="none" stroke="#78909c"/>')
        x_of[row.kinds[0]], y_of[row.kinds[0]] = x, y
        for position, kind in enumerate(row.kinds):
            if position:
                parts.append(f'<text x="{x + 4:.0f}" y="{y + 14:.0f}" fill="#9e9d24">⇄</text>')
                x += 20
            bad = kind in failing
            width = _width(kind, bad)
            fill, stroke = ("#ffebee", "#c62828") if bad else ("#f1f8e9", "#7cb342")
            tip = _tooltip(kind, outgoing.get(kind, {}), len(groups.get(kind, [])), failing.get(kind, []))
            box = (f'<g><title>{escape(tip)}</title><rect x="{x:.0f}" y="{y:.0f}" width="{width:.0f}" '
                   f'height="{_BOX_H}" rx="4" fill="{fill}" stroke="{stroke}" stroke-width="{2 if bad else 1}"/>'
                   f'<text x="{x + 8:.0f}" y="{y + 14:.0f}"{_BAD_TEXT if bad else ""}>'
                   f'{escape(kind)}{" ✗" if bad else ""}</text></g>')
            if bad and href is not None and failing.get(kind):
                box = f'<a href="{escape(href(failing[kind][0]))}">{box}</a>'
            parts.append(box)
            x += width + 4
        right = max(right, x)
    height = 8 + len(rows) * _ROW_H + 24
    legend = (f'<text x="8" y="{height - 8}" fill="#555">lines: Down, from the type above · ⇄ Alternate '
              "(entity and reference form) · red: a failing item (click: its findings) · hover: all its links</text>")
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{max(right + 8, 720):.0f}" height="{height}" '
            f'font-family="sans-serif" font-size="11" role="img" aria-label="link map of the resource types">'
            + "".join(parts) + legend + "</svg>")
