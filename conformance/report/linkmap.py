"""The API's link map as SVG: resource types as nodes, Rels as edges, violations marked."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from html import escape
from typing import Any

from ..urls import resolve

__all__ = ["kind_edges", "link_map_svg"]

_NAV_RELS = ("Down", "Up", "Alternate", "Related")
_PER_ROW = 6
_COLOURS = {"Down": "#1565c0", "Up": "#6a1b9a", "Alternate": "#9e9d24", "Related": "#00838f"}


def kind_edges(snapshot: Any) -> dict[tuple[str, str], set[str]]:
    """(source kind, target kind) -> Rels seen between them, over the links the crawl resolved."""
    edges: dict[tuple[str, str], set[str]] = defaultdict(set)
    for res in snapshot:
        members = [replace(m, rel="Down") for m in res.members]  # a collection leads Down to its items
        for link in (*res.links, *members):
            if link.rel not in _NAV_RELS or not link.href:
                continue
            url = resolve(link.href, res.url)
            target = snapshot.get(url) if url else None
            if target is not None and target.root and res.kind != target.kind:
                edges[(res.kind, target.kind)].add(link.rel)
    return dict(edges)


def _layers(kinds: list[str], edges: dict[tuple[str, str], set[str]], start: str | None) -> dict[str, int]:
    """Breadth-first depth over Down links from the entry point, so the map reads top-down."""
    depth = {start: 0} if start in kinds else {}
    frontier = list(depth)
    while frontier:
        nxt = []
        for kind in frontier:
            for (a, b), rels in edges.items():
                if a == kind and b not in depth and ("Down" in rels or "Alternate" in rels):
                    depth[b] = depth[kind] + 1
                    nxt.append(b)
        frontier = nxt
    deepest = max(depth.values(), default=0)
    for kind in kinds:
        depth.setdefault(kind, deepest + 1)
    return depth


def link_map_svg(snapshot: Any, failing_kinds: set[str], start: str | None = "LogonSession") -> str:
    """A layered drawing; red nodes have a failing item. Edges are coloured by Rel."""
    kinds = sorted(snapshot.kinds())
    edges = kind_edges(snapshot)
    depth = _layers(kinds, edges, start)
    layers: dict[int, list[str]] = defaultdict(list)
    for kind in kinds:
        layers[depth[kind]].append(kind)
    rows: dict[int, list[str]] = {}
    for _, names in sorted(layers.items()):  # a wide layer wraps onto several rows
        for start_index in range(0, len(names), _PER_ROW):
            rows[len(rows)] = names[start_index:start_index + _PER_ROW]
    box_w, box_h, gap_x, gap_y = 190, 26, 14, 56
    width = max(len(r) for r in rows.values()) * (box_w + gap_x) + gap_x if rows else 200
    pos: dict[str, tuple[float, float]] = {}
    for level, names in sorted(rows.items()):
        offset = (width - len(names) * (box_w + gap_x) + gap_x) / 2
        for i, name in enumerate(names):
            pos[name] = (offset + i * (box_w + gap_x), 20 + level * (box_h + gap_y))
    height = (max(rows) + 1) * (box_h + gap_y) + 40 if rows else 60
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
             f'font-family="sans-serif" font-size="11" role="img" aria-label="link map">']
    for (a, b), rels in sorted(edges.items()):
        (x1, y1), (x2, y2) = pos[a], pos[b]
        rel = next(r for r in _NAV_RELS if r in rels)
        parts.append(f'<line x1="{x1 + box_w / 2:.0f}" y1="{y1 + box_h:.0f}" x2="{x2 + box_w / 2:.0f}" y2="{y2:.0f}" '
                     f'stroke="{_COLOURS[rel]}" stroke-opacity="0.45"><title>{escape(a)} -&gt; {escape(b)}: '
                     f'{escape(", ".join(sorted(rels)))}</title></line>')
    for kind, (x, y) in pos.items():
        bad = kind in failing_kinds
        fill, stroke = ("#ffebee", "#c62828") if bad else ("#e8f5e9", "#2e7d32")
        parts.append(f'<g><rect x="{x:.0f}" y="{y:.0f}" width="{box_w}" height="{box_h}" rx="5" fill="{fill}" '
                     f'stroke="{stroke}" stroke-width="{2 if bad else 1}"/><text x="{x + box_w / 2:.0f}" '
                     f'y="{y + 17:.0f}" text-anchor="middle">{escape(kind)}{" ✗" if bad else ""}</text></g>')
    legend_y = height - 14
    for i, rel in enumerate(_NAV_RELS):
        parts.append(f'<text x="{10 + i * 90}" y="{legend_y}" fill="{_COLOURS[rel]}">— {rel}</text>')
    parts.append("</svg>")
    return "".join(parts)
