"""Where a product departs from its documentation: a documented profile against a learned one.

`conformance learn` writes what a server served as a profile; this compares it with the profile of
the vendor's pages, fact by fact, and lists each departure with an example URL from the recording:
documented but never served, served but undocumented, served differently. They are sorted by what
breaks a client first: a link whose Type promises another root, or a URL serving another Type, before
a Rel a type carries only sometimes, before an operation at another URL, ..., before what is merely
more than the pages say.

A recording holds only what its crawl reached: a type it never met shows up as documented but never
served, which says as much about the recording as about the product.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from html import escape
from typing import Any

from ..contract.profiles import Profile, available_profiles

__all__ = ["CATEGORIES", "Departure", "ProfileDiff", "diff_profiles", "profile_diff_html", "profile_diff_text"]

NEVER_SERVED, UNDOCUMENTED, DIFFERENT = "documented, never served", "served, undocumented", "served differently"
CATEGORIES = (DIFFERENT, NEVER_SERVED, UNDOCUMENTED)

_RANKS = {
    "Type-to-root": 0, "link Type": 0, "URL template Type": 0, "untyped link": 0,
    "required Rel sometimes": 1, "required Rel": 2, "operation form": 2, "UID form": 3, "child element": 4,
    "resource type": 5, "optional Rel": 5, "URL template": 5, "Rel": 6,
}
_BREAKS_BELOW = 5
"""Departures ranked below this break a client written against the documentation."""


@dataclass(frozen=True, order=True)
class Departure:
    """One fact on which the product and its documentation part."""

    rank: int
    area: str
    category: str
    kind: str
    subject: str
    documented: str = ""
    served: str = ""
    example: str = ""
    """A URL of the recording that shows it; empty for what the recording never met."""

    @property
    def breaks(self) -> bool:
        return self.rank < _BREAKS_BELOW

    def describe(self) -> str:
        what = " ".join(p for p in (self.kind, self.subject) if p)
        detail = f": documented {self.documented or '-'}, served {self.served or '-'}"
        example = f"\n      e.g. {self.example}" if self.example else ""
        return f"[{self.category}] {self.area} {what}{detail}{example}"


@dataclass(frozen=True)
class ProfileDiff:
    documented: Profile
    learned: Profile
    departures: tuple[Departure, ...]
    evidence: Mapping[str, Any]
    """The learned profile's `[learned]` tables (empty for a profile that was not learned)."""

    @property
    def breaking(self) -> tuple[Departure, ...]:
        return tuple(d for d in self.departures if d.breaks)

    @property
    def exit_status(self) -> int:
        """1 when a departure would break a client of the documentation, else 0."""
        return 1 if self.breaking else 0


def _evidence(profile: Profile) -> dict[str, Any]:
    try:
        data = tomllib.loads(profile.source.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return {}
    learned = data.get("learned", {})
    return learned if isinstance(learned, dict) else {}


def _example(evidence: Mapping[str, Any], table: str, *keys: str) -> str:
    node: Any = evidence.get(table, {})
    for key in keys:
        node = node.get(key, {}) if isinstance(node, dict) else {}
    return str(node.get("example", "")) if isinstance(node, dict) else ""


def _joined(items: Iterable[str]) -> str:
    return ", ".join(sorted(items))


def _facts_children(profile: Profile) -> dict[str, tuple[set[str], set[str]]]:
    """Root element -> (every child the schema facts declare, those required), from the facts table of
    the profile's schemas; roots the table does not declare are left out (the vendor's XSD holds them)."""
    facts = (profile.schemas if profile.schemas.is_dir() else profile.schemas.parent) / "facts.toml"
    try:
        data = tomllib.loads(facts.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return {}
    types = data.get("types", {})
    out = {}
    for root, type_name in data.get("roots", {}).items():
        spec = types.get(type_name)
        if not isinstance(spec, dict):
            continue
        names, required = set(), set()
        for entry in spec.get("children", []):
            name, _, kind = str(entry).partition(" ")
            names.add(name)
            if not kind.endswith(("?", "*")):
                required.add(name)
        out[root] = (names, required)
    return out


def _kinds(doc: Profile, got: Profile, evidence: Mapping[str, Any], before: Mapping[str, Any]) -> list[Departure]:
    out = []
    served_kinds = evidence.get("kinds", {})
    earlier = before.get("kinds", {})
    for kind in sorted(set(doc.kinds) - set(got.kinds)):
        out.append(Departure(_RANKS["resource type"], "resource type", NEVER_SERVED, kind, "",
                             _joined(doc.kinds[kind].allowed) or "no links", ""))
    for kind in sorted(set(got.kinds) - set(doc.kinds)):
        out.append(Departure(_RANKS["resource type"] + 1, "resource type", UNDOCUMENTED, kind, "", "",
                             _joined(got.kinds[kind].allowed) or "no links", _example(evidence, "kinds", kind)))
    for kind in sorted(set(doc.kinds) & set(got.kinds)):
        want, have = doc.kinds[kind], got.kinds[kind]
        example = _example(evidence, "kinds", kind)
        facts = served_kinds.get(kind, {}) if isinstance(served_kinds, dict) else {}
        counts, total = facts.get("rels", {}), facts.get("resources", "?")
        for rel in sorted(want.required - have.allowed):
            out.append(Departure(_RANKS["required Rel"], "required Rel", NEVER_SERVED, kind, rel, "on every one",
                                 f"on none of {total}", example))
        for rel in sorted(want.required & have.optional):
            out.append(Departure(_RANKS["required Rel sometimes"], "required Rel sometimes", DIFFERENT, kind, rel,
                                 "on every one", f"on {counts.get(rel, '?')} of {total}", example))
        for rel in sorted(want.optional - have.allowed):
            out.append(Departure(_RANKS["optional Rel"], "optional Rel", NEVER_SERVED, kind, rel, "where the data "
                                 "calls for it", f"on none of {total}", example))
        for rel in sorted(have.allowed - want.allowed):
            out.append(Departure(_RANKS["Rel"], "Rel", UNDOCUMENTED, kind, rel, "not of this type",
                                 f"on {counts.get(rel, '?')} of {total}", example))
        untyped = facts.get("untyped", {})
        for rel in sorted(set(untyped) & doc.typed_rels):
            out.append(Departure(_RANKS["untyped link"], "untyped link", DIFFERENT, kind, rel, "with a Type",
                                 f"{untyped[rel]} link(s) without one", example))
        served_types = facts.get("types", {})
        if kind in earlier:  # both learned: the Types each Rel's links carried, compared
            was = earlier[kind].get("types", {})
            for rel in sorted(set(was) & set(served_types)):
                came = set(served_types[rel]) - set(was[rel])
                if came:
                    out.append(Departure(_RANKS["link Type"] + 6, "link Type", UNDOCUMENTED, kind, rel,
                                         _joined(was[rel]), _joined(came), example))
        for rel, pinned in sorted(want.types.items()):
            extra = set(served_types.get(rel, ())) - pinned
            if extra:
                out.append(Departure(_RANKS["link Type"], "link Type", DIFFERENT, kind, rel, _joined(pinned),
                                     _joined(extra), example))
    return out


def _roots(doc: Profile, evidence: Mapping[str, Any], before: Mapping[str, Any]) -> list[Departure]:
    """Types whose links led to another root than documented; against a learned profile, only Types
    its own links carried (a Type it never met is a new resource type, not another root)."""
    out = []
    for type_, facts in sorted(evidence.get("roots", {}).items()):
        if before and type_ not in before.get("roots", {}) and type_ not in doc.type_roots:
            continue
        served = set(facts.get("roots", {}))
        documented = set(doc.roots_for_type(type_))
        if served - documented:
            out.append(Departure(_RANKS["Type-to-root"], "Type-to-root", DIFFERENT, type_, "", _joined(documented),
                                 _joined(served), str(facts.get("example", ""))))
    return out


def _resources(doc: Profile, got: Profile, evidence: Mapping[str, Any]) -> list[Departure]:
    out = []
    for template in sorted(set(doc.resources) | set(got.resources)):
        want, have = doc.resources.get(template), got.resources.get(template)
        example = _example(evidence, "resources", template)
        if have is None:
            out.append(Departure(_RANKS["URL template"], "URL template", NEVER_SERVED, "", template,
                                 _joined(want or ()), ""))
        elif want is None:
            out.append(Departure(_RANKS["URL template"] + 1, "URL template", UNDOCUMENTED, "", template, "",
                                 _joined(have), example))
        elif not any(doc.same_resource_type(a, b) for a in want for b in have):
            out.append(Departure(_RANKS["URL template Type"], "URL template Type", DIFFERENT, "", template,
                                 _joined(want), _joined(have), example))
    return out


def _operations(doc: Profile, evidence: Mapping[str, Any]) -> list[Departure]:
    out = []
    for template, rels in sorted(evidence.get("operations", {}).items()):
        for rel, facts in sorted(rels.items()):
            forms = facts.get("forms", {})
            if not forms:
                continue
            served = max(forms.items(), key=lambda item: (item[1], item[0]))[0]
            documented = doc.operations.get(template, {}).get(rel)
            fits = served == documented if documented else served.startswith("{resource}?action=")
            if not fits:
                out.append(Departure(_RANKS["operation form"], "operation form", DIFFERENT, template, rel,
                                     documented or "{resource}?action=...", served, str(facts.get("example", ""))))
    return out


def _uids(doc: Profile, evidence: Mapping[str, Any]) -> list[Departure]:
    out = []
    if doc.uid_form is None:
        return out
    for type_, facts in sorted(evidence.get("uids", {}).items()):
        forms = facts.get("forms", {})
        if not forms:
            continue
        served = max(forms.items(), key=lambda item: (item[1], item[0]))[0]
        documented = doc.uid_forms.get(type_, doc.uid_form)
        if served != documented:
            out.append(Departure(_RANKS["UID form"], "UID form", DIFFERENT, type_, "", documented, served,
                                 str(facts.get("example", ""))))
    return out


def _children(doc: Profile, evidence: Mapping[str, Any]) -> list[Departure]:
    out = []
    declared = _facts_children(doc)
    for root, facts in sorted(evidence.get("children", {}).items()):
        if root not in declared:
            continue
        names, required = declared[root]
        served = facts.get("children", {})
        example, total = str(facts.get("example", "")), facts.get("documents", "?")
        for child in sorted(set(served) - names - {"Links"}):
            out.append(Departure(_RANKS["child element"], "child element", UNDOCUMENTED, root, child,
                                 "not declared", f"in {served[child]} of {total} document(s)", example))
        for child in sorted(required - set(served)):
            out.append(Departure(_RANKS["child element"], "child element", NEVER_SERVED, root, child,
                                 "required", f"in none of {total} document(s)", example))
    return out


def diff_profiles(documented: Profile, learned: Profile) -> ProfileDiff:
    """Every departure of the learned contract from the documented one, what breaks a client first."""
    evidence, before = _evidence(learned), _evidence(documented)
    departures = (_kinds(documented, learned, evidence, before) + _roots(documented, evidence, before)
                  + _resources(documented, learned, evidence) + _operations(documented, evidence)
                  + _uids(documented, evidence) + _children(documented, evidence))
    vocabulary = learned.rel_vocabulary - documented.rel_vocabulary
    departures += [Departure(_RANKS["Rel"], "Rel", UNDOCUMENTED, "", rel, "not in the vocabulary", "served")
                   for rel in sorted(vocabulary)]
    return ProfileDiff(documented, learned, tuple(sorted(departures)), evidence)


def _where(profile: Profile) -> str:
    """A shipped profile by its name alone (its path is the installation's), any other by its file."""
    return "shipped" if available_profiles().get(profile.name) == profile.source else str(profile.source)


def _heading(diff: ProfileDiff) -> list[str]:
    doc, got = diff.documented, diff.learned
    seen = diff.evidence.get("resource_count")
    recordings = ", ".join(diff.evidence.get("recordings", ())) or "?"
    return [f"documented: {doc.name} (API {doc.api_version}) {_where(doc)}",
            f"served:     {got.name} (API {got.api_version}) {_where(got)}"
            + (f", learned from {recordings}, {seen} resources" if seen else "")]


def _counts(diff: ProfileDiff) -> str:
    by = {c: sum(1 for d in diff.departures if d.category == c) for c in CATEGORIES}
    return (f"{len(diff.departures)} departure(s), {len(diff.breaking)} that break a client of the documentation: "
            + ", ".join(f"{n} {c}" for c, n in by.items()))


_UNMET = {"resource type": "resource types", "URL template": "URL templates"}
"""Departures listed on one line in the terminal: on a recording of part of a server, there are many."""


def profile_diff_text(diff: ProfileDiff) -> str:
    """The departures as a person reads them in a terminal, what breaks a client first."""
    lines = ["conformance diff --profiles: where the product departs from its documentation", *_heading(diff), ""]
    if diff.documented.api_version != diff.learned.api_version:
        lines.append(f"note: the profiles are of different API versions ({diff.documented.api_version}, "
                     f"{diff.learned.api_version}): the departures include what the versions change")
    for title, items in (("breaking a client", diff.breaking),
                         ("other departures", tuple(d for d in diff.departures if not d.breaks))):
        lines.append(f"{title} ({len(items)}):" if items else f"{title}: none")
        unmet: dict[str, list[str]] = {}
        for d in items:
            if d.category == NEVER_SERVED and d.area in _UNMET:
                unmet.setdefault(d.area, []).append(d.kind or d.subject)
            else:
                lines.append(f"  {d.describe()}")
        for area, names in unmet.items():  # what the recording never met: one line each, all named
            lines.append(f"  [{NEVER_SERVED}] {len(names)} {_UNMET[area]}: {', '.join(names)}")
    lines += ["", _counts(diff)]
    return "\n".join(lines) + "\n"


_STYLE = ("body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;margin-bottom:1.5em}"
          "td,th{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}"
          ".breaking{background:#ffebee}.fine{background:#f5f5f5}h1{font-size:1.4em}")


def profile_diff_html(diff: ProfileDiff) -> str:
    """The departures as one self-contained HTML page: documented and served side by side."""
    rows = "".join(
        f'<tr class="{"breaking" if d.breaks else "fine"}"><td>{escape(d.category)}</td><td>{escape(d.area)}</td>'
        f"<td>{escape(d.kind)}</td><td>{escape(d.subject)}</td><td>{escape(d.documented)}</td>"
        f"<td>{escape(d.served)}</td><td><code>{escape(d.example)}</code></td></tr>"
        for d in diff.departures)
    return "\n".join([
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>conformance diff --profiles</title>"
        f"<style>{_STYLE}</style></head><body>",
        "<h1>Where the product departs from its documentation</h1>",
        "<p>" + "<br>".join(escape(line) for line in _heading(diff)) + "</p>",
        f"<p><b>{escape(_counts(diff))}</b></p>",
        "<table><tr><th>departure</th><th>about</th><th>type or template</th><th>Rel, child or form</th>"
        f"<th>documented</th><th>served</th><th>example</th></tr>{rows}</table>",
        "</body></html>"]) + "\n"
