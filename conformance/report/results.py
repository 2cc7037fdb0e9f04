"""The results JSON: one run's verdict, items, findings and crawl, in a versioned schema.

It is the contract between a run, a baseline made from it, and a diff against another run, so
its shape only changes with its `schema` version (see docs/results.md).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import asdict
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ..contract.profiles import Profile
from ..model.snapshot import Snapshot
from ..rules import RULES, Finding, Severity
from .gate import by_severity, split
from .sampling import sampling
from .text import stop_reason, undeclared_roots, verdict

__all__ = ["RESULTS_SCHEMA", "Rows", "build_results", "finding_row", "resource_row", "write_results"]

RESULTS_SCHEMA = "conformance-results/1"


def finding_row(f: Finding, kind: str) -> dict[str, Any]:
    return {
        "rule": f.rule_id, "severity": str(f.severity), "kind": kind, "url": f.url,
        "link": None if f.link is None else {"rel": f.link.rel, "type": f.link.type, "href": f.link.href,
                                             "name": f.link.name},
        "expected": f.expected, "actual": f.actual, "message": f.message or RULES[f.rule_id].statement,
        "reproduction": f.reproduction, "excerpt": f.excerpt, "waiver": f.waiver or None,
    }


def resource_row(r: Any) -> dict[str, Any]:
    return {"url": r.url, "method": r.method, "status": r.status, "root": r.root, "type": r.type, "kind": r.kind,
            "links": len(r.links), "members": len(r.members), "elapsed_ms": r.elapsed_ms, "error": r.error}


class Rows:
    """A list of the results whose items are made as they are read: `write_results` writes the row
    of each of a hundred thousand resources in turn, never holding them all at once."""

    def __init__(self, make: Callable[[], Iterator[Any]], count: int):
        self._make, self._count = make, count

    def __iter__(self) -> Iterator[Any]:
        return self._make()

    def __len__(self) -> int:
        return self._count


class _Streamed(list):  # type: ignore[type-arg]
    """Rows as `json.dump` takes them: its encoder (pure Python, as `dump` always uses) asks a list
    for its length and its items, never for its storage."""

    def __init__(self, rows: Rows):
        super().__init__()
        self.rows = rows

    def __iter__(self) -> Iterator[Any]:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)


def _contract(snapshot: Snapshot) -> dict[str, dict[str, list[str]]]:
    """Resource type -> Rel -> the Types of its links (`-` for none), over each document's own links."""
    out: dict[str, dict[str, set[str]]] = {}
    for res in snapshot:
        if res.error is None:
            rels = out.setdefault(res.kind, {})
            for link in res.own_links:
                if link.rel:
                    rels.setdefault(link.rel, set()).add(link.type or "-")
    return {kind: {rel: sorted(types) for rel, types in sorted(rels.items())} for kind, rels in sorted(out.items())}


def _operations(snapshot: Snapshot, profile: Profile) -> dict[str, dict[str, str]]:
    """Resource type -> operation Rel -> the HTTP method the profile says invokes it there."""
    out: dict[str, dict[str, set[str]]] = {}
    for res in snapshot:
        for link in res.own_links if res.error is None else ():
            spec = profile.actions.get(link.rel or "")
            if spec is None and link.rel not in profile.action_rels:
                continue
            method = spec.for_href(link.href or "", snapshot.root_url).method if spec else "POST"
            out.setdefault(res.kind, {}).setdefault(link.rel or "", set()).add(method)
    return {kind: {rel: ",".join(sorted(m)) for rel, m in sorted(rels.items())} for kind, rels in sorted(out.items())}


def _schemas(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The XSDs the run validated with: the file or folder name, and a digest per file."""
    source = Path(path)
    files = sorted(source.rglob("*.xsd")) if source.is_dir() else [source] if source.is_file() else []
    return {"name": source.name,
            "files": {(f.relative_to(source).as_posix() if source.is_dir() else f.name):
                      "sha256:" + hashlib.sha256(f.read_bytes()).hexdigest() for f in files}}


def build_results(run: Any, *, exit_status: int | None = None, interrupted: str | None = None) -> dict[str, Any]:
    """Everything a person or a pipeline needs from one run, as plain data.

    `interrupted` defaults to why the run stopped early, or that the crawl did not finish (`stop_reason`).
    """
    snapshot, settings = run.snapshot, run.settings
    results = list(run.results.values())
    findings = [(f, r.kind) for r in results for f in r.findings]
    new = [f for f, _ in findings if not f.waiver]
    gate = split(f for f, _ in findings)
    outcomes = Counter(r.outcome for r in results)
    rules = []
    for rule in RULES.values():
        per_kind = sorted((r.kind, r) for r in results if r.rule_id == rule.id)
        if per_kind:
            rules.append({"id": rule.id, "severity": str(rule.severity), "family": rule.family,
                          "statement": rule.statement, "source": rule.source,
                          "outcomes": {kind: r.outcome for kind, r in per_kind},
                          "skipped": {kind: r.reason for kind, r in per_kind if r.outcome == "skipped"}})
    interrupted = interrupted or stop_reason(run)
    complete = bool(snapshot.meta.get("complete")) and interrupted is None and outcomes.get("error", 0) == 0
    return {
        "schema": RESULTS_SCHEMA,
        "tool": {"name": "conformance", "version": _version()},
        "target": snapshot.meta.get("target"),
        "profile": run.profile.name,
        "api_version": run.profile.api_version,
        "products": list(run.profile.products),
        "profile_choice": _profile_choice(run),
        "started": snapshot.meta.get("started"),
        "crawl_finished": snapshot.meta.get("finished"),
        "finished": datetime.now(timezone.utc).isoformat(),
        "complete": complete,
        "interrupted": interrupted,
        "verdict": verdict(run),
        "exit_status": exit_status,
        "gate": {"fail_on": str(settings.fail_on), "baseline": str(settings.baseline) if settings.baseline else None},
        "counts": {
            "resources": len(snapshot),
            "kinds": len(snapshot.kinds()),
            "items": {k: outcomes.get(k, 0) for k in ("passed", "failed", "waived", "skipped", "error")},
            "findings": {str(s): sum(1 for f, _ in findings if f.severity == s) for s in sorted(Severity, reverse=True)},
            "new_findings": {str(s): sum(1 for f in new if f.severity == s) for s in sorted(Severity, reverse=True)},
            "waived_findings": len(findings) - len(new),
            "below_gate_findings": by_severity(gate["below_gate"]),
            "baseline_findings": len(gate["baseline"]),
        },
        "rules": rules,
        "findings": [finding_row(f, kind) for f, kind in findings],
        "stale_waivers": [asdict(w) for w in getattr(run, "stale_waivers", [])],
        "resources": Rows(lambda: map(resource_row, sorted(snapshot, key=lambda r: r.url)), len(snapshot)),
        "link_types": sorted({f"{r.kind} {l.rel} {l.type or '-'}" for r in snapshot for l in r.links if l.rel}),
        "contract": _contract(snapshot),
        "operations": _operations(snapshot, run.profile),
        "lifecycles": (snapshot.meta.get("actions") or {}).get("lifecycles", []),
        "schemas": _schemas(settings.schema or run.profile.schemas),
        "coverage": {"undeclared_roots": undeclared_roots(snapshot), "sampling": sampling(run),
                     "other_sessions": snapshot.meta.get("other_sessions") or 0},
    }


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("conformance")
    except PackageNotFoundError:
        return "unknown"


def write_results(path: str | os.PathLike[str], data: dict[str, Any]) -> Path:
    """Write atomically: a crash mid-write must not leave half a JSON file for the next step."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(target.suffix + ".tmp")
    streamed = {key: _Streamed(value) if isinstance(value, Rows) else value for key, value in data.items()}
    with open(tmp, "w", encoding="utf-8") as out:  # streamed: a large run's file is never one string
        json.dump(streamed, out, indent=1, default=str)
    os.replace(tmp, target)
    return target


def _profile_choice(run: Any) -> dict[str, Any] | None:
    """Which profile judged the run and why: asked for, or picked by the version the server speaks."""
    choice = getattr(run, "choice", None)
    if choice is not None:
        return choice.to_dict()
    chosen = run.snapshot.meta.get("profile_choice")
    return dict(chosen) if isinstance(chosen, dict) else None
