"""Comparing two results files: what changed in the link contract, and whether it breaks clients.

The diff reads only results JSON (`conformance-results/1`), so it compares runs of any two
servers or versions long after they ran. A change is *breaking* when a client written against the
old run's contract would fail against the new one: a resource type, a Rel or an action it used is
gone, a link's Type (what its Href returns) changed, an action takes another method, or the new
run has a violation the old one did not. Additions and fixed violations are not breaking.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Any

__all__ = ["AREAS", "Change", "Diff", "DiffError", "diff_html", "diff_results", "diff_text", "load_results"]

RESULTS_SCHEMA = "conformance-results/1"  # the value report.results writes; not imported, to stay light
AREAS = ("resource type", "Rel", "link Type", "action", "schema", "violation")
"""The kinds of change, in the order they are listed."""
_NEEDED = ("contract", "operations", "schemas", "findings")
_MARK = {"added": "+", "removed": "-", "changed": "~", "new": "!", "fixed": "+"}


class DiffError(ValueError):
    """A file that cannot be compared: unreadable, not JSON, or not a results file of this schema."""


@dataclass(frozen=True, order=True)
class Change:
    """One difference between the two runs."""

    area: str
    """One of AREAS."""
    kind: str
    """The resource type it is about ('' for schema files)."""
    subject: str
    """The Rel, action, schema file or rule id; '' for a resource type itself."""
    change: str
    """added, removed or changed; for violations: new or fixed."""
    old: str = ""
    new: str = ""
    breaking: bool = False

    def describe(self) -> str:
        """One line: mark, area, what, and the before/after detail."""
        what = " ".join(part for part in (self.kind, self.subject) if part)
        if self.change == "changed":
            detail = f": {self.old} -> {self.new}"
        else:
            shown = self.new or self.old
            detail = f" ({shown})" if shown else ""
        return f"{_MARK[self.change]} {self.area} {self.change}: {what}{detail}"


@dataclass(frozen=True)
class Diff:
    """Every change from the old run to the new one, and the violations both have."""

    old: Mapping[str, Any]
    new: Mapping[str, Any]
    changes: tuple[Change, ...]
    unchanged: tuple[Change, ...] = ()
    """Violations (rule, resource type) found in both runs; `old`/`new` give the finding counts."""

    @property
    def breaking(self) -> tuple[Change, ...]:
        return tuple(c for c in self.changes if c.breaking)

    @property
    def compatible(self) -> tuple[Change, ...]:
        return tuple(c for c in self.changes if not c.breaking)

    def count(self, area: str, change: str) -> int:
        return sum(1 for c in self.changes if c.area == area and c.change == change)

    @property
    def exit_status(self) -> int:
        """1 when a breaking change (a new violation included) was found, else 0."""
        return 1 if self.breaking else 0

    @property
    def notes(self) -> list[str]:
        """Why the comparison may mislead: incomplete runs."""
        out = []
        for label, data in (("old", self.old), ("new", self.new)):
            if not data.get("complete", True):
                out.append(f"the {label} run is incomplete ({data.get('interrupted') or 'see its results'}): "
                           "what it did not reach shows up as removed or added")
        return out


def load_results(path: str | Path) -> dict[str, Any]:
    """Read a results file; DiffError says why it cannot be compared."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise DiffError(f"cannot read {path}: {exc.strerror or exc}") from exc
    except ValueError as exc:
        raise DiffError(f"{path} is not JSON: {exc}") from exc
    if not isinstance(data, dict) or data.get("schema") != RESULTS_SCHEMA:
        found = data.get("schema") if isinstance(data, dict) else type(data).__name__
        raise DiffError(f"{path} is not a {RESULTS_SCHEMA} file (schema={found!r})")
    missing = [key for key in _NEEDED if key not in data]
    if missing:
        raise DiffError(f"{path} has no {', '.join(repr(k) for k in missing)}: it was written by an older version "
                        "of the suite; run it again to compare")
    return data


def _types(types: Iterable[str]) -> set[str]:
    return {t for t in types if t != "-"}  # an untyped link is no promise about what the Href returns


def _joined(items: Iterable[str]) -> str:
    return ", ".join(sorted(items))


def _resource_types(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[Change]:
    changes = []
    for kind in sorted(set(old) - set(new)):
        changes.append(Change("resource type", kind, "", "removed", old=_joined(old[kind]), breaking=True))
    for kind in sorted(set(new) - set(old)):
        changes.append(Change("resource type", kind, "", "added", new=_joined(new[kind])))
    return changes


def _links(kind: str, old: Mapping[str, list[str]], new: Mapping[str, list[str]],
           operations: set[str]) -> list[Change]:
    """Rels (other than operations, which `_operations` compares) and the Types of every Rel."""
    changes = []
    for rel in sorted(set(old) - set(new) - operations):
        changes.append(Change("Rel", kind, rel, "removed", old=_joined(old[rel]), breaking=True))
    for rel in sorted(set(new) - set(old) - operations):
        changes.append(Change("Rel", kind, rel, "added", new=_joined(new[rel])))
    for rel in sorted(set(old) & set(new)):
        before, after = _types(old[rel]), _types(new[rel])
        gone, came = before - after, after - before
        if gone and came:
            changes.append(Change("link Type", kind, rel, "changed", _joined(before), _joined(after), breaking=True))
        elif gone:
            changes.append(Change("link Type", kind, rel, "removed", old=_joined(gone), breaking=True))
        elif came:
            changes.append(Change("link Type", kind, rel, "added", new=_joined(came)))
    return changes


def _operations(kind: str, old: Mapping[str, str], new: Mapping[str, str]) -> list[Change]:
    changes = []
    for rel in sorted(set(old) - set(new)):
        changes.append(Change("action", kind, rel, "removed", old=old[rel], breaking=True))
    for rel in sorted(set(new) - set(old)):
        changes.append(Change("action", kind, rel, "added", new=new[rel]))
    for rel in sorted(set(old) & set(new)):
        if old[rel] != new[rel]:
            changes.append(Change("action", kind, rel, "changed", old[rel], new[rel], breaking=True))
    return changes


def _schemas(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[Change]:
    """Schema files added, removed or edited: listed, never breaking by themselves (what they
    change in the documents shows up as links and violations)."""
    before, after = old.get("files", {}), new.get("files", {})
    old_name, new_name = str(old.get("name", "")), str(new.get("name", ""))
    changes = [Change("schema", "", f, "removed", old=old_name) for f in sorted(set(before) - set(after))]
    changes += [Change("schema", "", f, "added", new=new_name) for f in sorted(set(after) - set(before))]
    changes += [Change("schema", "", f, "changed", f"{old_name} {before[f][:15]}", f"{new_name} {after[f][:15]}")
                for f in sorted(set(before) & set(after)) if before[f] != after[f]]
    return changes


def _violations(old: list[Mapping[str, Any]], new: list[Mapping[str, Any]]) -> tuple[list[Change], list[Change]]:
    """Violations by item (rule, resource type), the unit that is stable across servers and runs."""
    before = Counter((f["rule"], f["kind"]) for f in old)
    after = Counter((f["rule"], f["kind"]) for f in new)
    changes = [Change("violation", kind, rule, "new", new=f"{after[(rule, kind)]} finding(s)", breaking=True)
               for rule, kind in sorted(set(after) - set(before))]
    changes += [Change("violation", kind, rule, "fixed", old=f"{before[(rule, kind)]} finding(s)")
                for rule, kind in sorted(set(before) - set(after))]
    unchanged = [Change("violation", kind, rule, "unchanged", str(before[(rule, kind)]), str(after[(rule, kind)]))
                 for rule, kind in sorted(set(before) & set(after))]
    return changes, unchanged


def diff_results(old: Mapping[str, Any], new: Mapping[str, Any]) -> Diff:
    """Every difference between two results files, each classed breaking or not."""
    changes = _resource_types(old["contract"], new["contract"])
    for kind in sorted(set(old["contract"]) & set(new["contract"])):
        before, after = old["operations"].get(kind, {}), new["operations"].get(kind, {})
        changes += _links(kind, old["contract"][kind], new["contract"][kind], set(before) | set(after))
        changes += _operations(kind, before, after)
    changes += _schemas(old["schemas"], new["schemas"])
    violations, unchanged = _violations(old["findings"], new["findings"])
    changes += violations
    order = {area: i for i, area in enumerate(AREAS)}
    changes.sort(key=lambda c: (not c.breaking, order[c.area], c.kind, c.subject, c.change))
    return Diff(old, new, tuple(changes), tuple(unchanged))


def _label(data: Mapping[str, Any]) -> str:
    products = list(data.get("products") or [])
    return (f"{data.get('profile')} (API {data.get('api_version')}, "
            f"product{'s' if len(products) > 1 else ''} {', '.join(products) or '?'})")


def _run_line(name: str, path: str, data: Mapping[str, Any]) -> str:
    counts = data.get("counts", {})
    return (f"{name}: {path}  target {data.get('target')}, schemas {data['schemas'].get('name')}, "
            f"{counts.get('resources', '?')} resources of {counts.get('kinds', '?')} types, "
            f"finished {data.get('finished')}")


def _verdict(diff: Diff) -> str:
    if diff.breaking:
        return f"BREAKING: {len(diff.breaking)} change(s) would fail a client of the old contract"
    return f"compatible: no breaking change ({len(diff.compatible)} other change(s))"


def diff_text(diff: Diff, old_path: str = "OLD", new_path: str = "NEW") -> str:
    """The diff as a person reads it in a terminal or a CI log."""
    lines = [f"conformance diff: {_label(diff.old)} -> {_label(diff.new)}",
             "  " + _run_line("old", old_path, diff.old), "  " + _run_line("new", new_path, diff.new), ""]
    lines += [f"note: {note}" for note in diff.notes]
    for title, items in (("breaking changes", diff.breaking), ("other changes", diff.compatible)):
        lines.append(f"{title} ({len(items)}):" if items else f"{title}: none")
        lines += [f"  {c.describe()}" for c in items]
    lines.append(f"violations: {diff.count('violation', 'new')} new, {diff.count('violation', 'fixed')} fixed, "
                 f"{len(diff.unchanged)} unchanged")
    lines += [f"  = violation unchanged: {c.kind} {c.subject} ({c.old} -> {c.new} finding(s))" for c in diff.unchanged]
    lines += ["", f"verdict: {_verdict(diff)}"]
    return "\n".join(lines) + "\n"


_STYLE = ("body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;margin-bottom:1.5em}"
          "td,th{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}"
          ".breaking{background:#ffebee}.fine{background:#e8f5e9}h1{font-size:1.4em}")


def _table(rows: Iterable[Change], css: str) -> str:
    body = "".join(f'<tr class="{css}"><td>{escape(c.area)}</td><td>{escape(c.change)}</td><td>{escape(c.kind)}</td>'
                   f"<td>{escape(c.subject)}</td><td>{escape(c.old)}</td><td>{escape(c.new)}</td></tr>" for c in rows)
    return ("<table><tr><th>area</th><th>change</th><th>resource type</th><th>Rel, action, file or rule</th>"
            f"<th>before</th><th>after</th></tr>{body}</table>")


def diff_html(diff: Diff, old_path: str = "OLD", new_path: str = "NEW") -> str:
    """The diff as one self-contained HTML page."""
    parts = [f"<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>conformance diff</title>"
             f"<style>{_STYLE}</style></head><body>",
             f"<h1>{escape(_label(diff.old))} &rarr; {escape(_label(diff.new))}</h1>",
             f"<p>{escape(_run_line('old', old_path, diff.old))}<br>{escape(_run_line('new', new_path, diff.new))}</p>",
             *(f"<p><b>note:</b> {escape(note)}</p>" for note in diff.notes),
             f'<p class="{"breaking" if diff.breaking else "fine"}"><b>Verdict: {escape(_verdict(diff))}</b></p>']
    for title, items, css in (("Breaking changes", diff.breaking, "breaking"),
                              ("Other changes", diff.compatible, "fine")):
        parts.append(f"<h2>{title} ({len(items)})</h2>")
        parts.append(_table(items, css) if items else "<p>none</p>")
    parts.append(f"<h2>Violations in both runs ({len(diff.unchanged)})</h2>")
    parts.append(_table(diff.unchanged, "") if diff.unchanged else "<p>none</p>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
