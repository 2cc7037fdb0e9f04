"""Learning a server's contract from its recordings: what it actually serves, written as a profile.

The vendor's pages say what a server should do; a recording shows what one did. `learn` reads the
answers of one or more recordings of one API version and writes them in the profile format the suite
already judges with (profiles/*.toml), so the contract a product keeps can be read, reviewed, diffed
against its documentation (`conformance diff --profiles`) and judged against (`run --profile FILE`).

Every fact says how many resources showed it: a comment beside it, and the `[learned]` tables (the
counts, an example URL of each, and the element children each root showed) that the loader leaves
alone and `report.profile_diff` reads. Data flows one way: recordings -> `Learned` -> TOML text.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

from lxml import etree

from ..contract.profiles import DEFAULT_PROFILE, Profile, available_profiles, load_profile, path_template
from ..errors import ConformanceError
from ..model.parsing import ParseError, read_body
from ..model.snapshot import Resource
from . import SESSION, Recording, RecordingError

__all__ = ["LearnError", "Learned", "learn", "learned_toml", "naming_rules"]


class LearnError(ConformanceError):
    """Recordings that cannot be learned from: not recordings, or of different API versions."""


@dataclass
class KindFacts:
    """What the resources of one type (as items name it) showed on their own element."""

    resources: int = 0
    example: str = ""
    rels: Counter[str] = field(default_factory=Counter)
    """Rel -> how many resources of the type carry at least one link with it."""
    types: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    """Rel -> the Types its links carried, with how many links carried each."""
    untyped: Counter[str] = field(default_factory=Counter)
    """Rel -> how many of its links carried no Type."""


@dataclass
class Seen:
    """One fact and its evidence: how many resources showed it, and the first of them."""

    count: int = 0
    example: str = ""

    def add(self, url: str) -> None:
        self.count += 1
        self.example = self.example or url


@dataclass
class Learned:
    """Everything the recordings showed, counted; `learned_toml` writes it as a profile."""

    api_version: str
    products: tuple[str, ...]
    namespace: str
    recordings: tuple[str, ...]
    resources: int = 0
    warnings: list[str] = field(default_factory=list)
    kinds: dict[str, KindFacts] = field(default_factory=lambda: defaultdict(KindFacts))
    resources_at: dict[str, dict[str, Seen]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(Seen)))
    """Item path template -> entity Type served there -> evidence."""
    targets: dict[str, dict[str, dict[str, Seen]]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(lambda: defaultdict(Seen))))
    """Rel -> a link's Type -> the root element its Href returned -> evidence (links whose target was recorded)."""
    named_roots: dict[str, dict[str, Seen]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(Seen)))
    """A Type a document gave itself, or an embedded member whose URL was recorded -> the root element."""
    rel_typed: Counter[str] = field(default_factory=Counter)
    rel_untyped: Counter[str] = field(default_factory=Counter)
    action_rels: set[str] = field(default_factory=set)
    paging_rels: set[str] = field(default_factory=set)
    operations: dict[str, dict[str, dict[str, Seen]]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(lambda: defaultdict(Seen))))
    """Path template of the carrying resource -> operation Rel -> the form of its Href -> evidence."""
    uids: dict[str, dict[str, Seen]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(Seen)))
    """Resource type (less `Reference`) -> UID form -> evidence."""
    children: dict[str, dict[str, Seen]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(Seen)))
    """Root element -> child element -> how many documents of that root had it."""
    documents: dict[str, Seen] = field(default_factory=lambda: defaultdict(Seen))
    """Root element -> how many documents had it."""
    reference_roots: set[str] = field(default_factory=set)
    entity_query: bool = False

    @property
    def typed_rels(self) -> list[str]:
        """Rels whose every link carried a Type."""
        return sorted(r for r in self.rel_typed if not self.rel_untyped[r])

    @property
    def operation_rels(self) -> list[str]:
        """Rels whose links invoke an operation and never carry a Type (a Create names what it creates)."""
        return sorted(r for r in self.action_rels if not self.rel_typed[r])

    @property
    def roots(self) -> dict[str, dict[str, Seen]]:
        """A Type of a typed Rel's links -> the root element its Href returned -> evidence. The Type of
        another link (a Create's names the body it takes) promises nothing about what its Href returns."""
        out: dict[str, dict[str, Seen]] = defaultdict(lambda: defaultdict(Seen))
        for found in [self.targets[rel] for rel in self.typed_rels] + [self.named_roots]:
            for type_, roots in found.items():
                for root, seen in roots.items():
                    into = out[type_][root]
                    into.count += seen.count
                    into.example = into.example or seen.example
        return out


def naming_rules() -> Profile:
    """A profile with no documented departures: `roots_for_type` then says what the naming rules alone predict."""
    return Profile("rules", "", (), "", "", Path(), frozenset(), frozenset(), frozenset(), Path())


_DEFAULT_ROOTS = naming_rules()


def _open(folders: Sequence[str | Path]) -> list[Recording]:
    if not folders:
        raise LearnError("no recording given")
    recordings = []
    for folder in folders:
        try:
            recordings.append(Recording.load(folder))
        except RecordingError as exc:
            raise LearnError(str(exc)) from exc
    versions = {r.api_version: r.folder for r in recordings}
    if len(versions) > 1:
        listed = ", ".join(f"{folder} holds {version}" for version, folder in sorted(versions.items()))
        raise LearnError(f"the recordings are of different API versions ({listed}): one contract is one version; "
                         "learn each version on its own and compare the profiles with `conformance diff --profiles`")
    return recordings


def _form(href_url: str, owner_url: str, root_url: str) -> str:
    """How an operation link's Href is built from its carrying resource: `?action=x` on it, `{resource}/x`
    below it, or a path below the API root."""
    href, owner = urlsplit(href_url), urlsplit(owner_url)
    query = f"?{href.query}" if href.query else ""
    if href.path.rstrip("/").lower() == owner.path.rstrip("/").lower():
        return "{resource}" + query
    if href.path.lower().startswith(owner.path.rstrip("/").lower() + "/"):
        return "{resource}" + href.path[len(owner.path.rstrip("/")):] + query
    base = urlsplit(root_url).path.rstrip("/")
    below = href.path[len(base):] if href.path.lower().startswith(base.lower()) else href.path
    return "/" + "/".join("{id}" if any(c.isdigit() for c in p) else p for p in below.strip("/").split("/")) + query


def _names_operation(rel: str, href_url: str) -> bool:
    """An operation link: its Href asks for an action (`?action=`), or ends with the Rel's own name."""
    parts = urlsplit(href_url)
    if any(k.lower() == "action" for k, _ in parse_qsl(parts.query)):
        return True
    return parts.path.rstrip("/").rsplit("/", 1)[-1].lower() == rel.lower()


def _uid_form(uid: str, type_: str, href_url: str) -> str:
    """The UID's form, the type and the id (the Href's last path segment) as placeholders."""
    ident = urlsplit(href_url).path.rstrip("/").rsplit("/", 1)[-1]
    form = uid.replace(ident, "{id}") if ident else uid
    return form.replace(f":{type_}:", ":{type}:")


def _local(tag: object) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def _read(learned: Learned, recording: Recording, root_url: str, accept: str,
          roots_at: dict[str, str]) -> list[Resource]:
    resources = []
    for exchange in recording:
        if (exchange.method != "GET" or exchange.session != SESSION or exchange.accept != accept
                or not 200 <= exchange.status < 300 or exchange.body is None):
            continue
        body = recording.body(exchange)
        try:
            doc, element = read_body(body, exchange.content_type)
        except ParseError:
            learned.warnings.append(f"{recording.folder}: {exchange.url}: not readable, left out")
            continue
        res = Resource(exchange.url, exchange.status, exchange.content_type, doc.root, doc.type, doc.href,
                       doc.name, doc.uid, doc.links, doc.members)
        resources.append(res)
        roots_at[res.url] = doc.root
        if isinstance(element, etree._Element):
            learned.namespace = learned.namespace or (etree.QName(element).namespace or "")
            learned.documents[doc.root].add(res.url)
            for name in dict.fromkeys(_local(child.tag) for child in element if _local(child.tag)):
                learned.children[doc.root][name].add(res.url)
    return resources


def _facts(learned: Learned, res: Resource, root_url: str, roots_at: Mapping[str, str]) -> None:
    kind = learned.kinds[res.kind]
    kind.resources += 1
    kind.example = kind.example or res.url
    own = res.own_links
    for rel in sorted({link.rel for link in own if link.rel}):
        kind.rels[rel] += 1
    for link in res.links:
        if not link.rel or not link.url:
            continue
        if link.type:
            learned.rel_typed[link.rel] += 1
            target = roots_at.get(link.url)
            if target:
                learned.targets[link.rel][link.type][target].add(link.url)
        else:
            learned.rel_untyped[link.rel] += 1
            if _names_operation(link.rel, link.url):
                learned.action_rels.add(link.rel)
                owner = link.owner_url or res.url
                learned.operations[path_template(owner, root_url)][link.rel][
                    _form(link.url, owner, root_url)].add(res.url)
            elif any(k.lower() == "page" for k, _ in parse_qsl(urlsplit(link.url).query)):
                learned.paging_rels.add(link.rel)
    for member in res.members:
        if member.type and member.url and roots_at.get(member.url):
            learned.named_roots[member.type][roots_at[member.url]].add(member.url)
    if res.type and res.root:
        learned.named_roots[res.type][res.root].add(res.url)
    for link in own:
        if link.rel:
            if link.type:
                kind.types[link.rel][link.type] += 1
            else:
                kind.untyped[link.rel] += 1
    if res.type and res.type.endswith(("Reference", "ReferenceList")) and res.root:
        learned.reference_roots.add(res.root)
    if "format=entity" in res.url.lower():
        learned.entity_query = True
    template = path_template(res.url, root_url)
    entity = res.type and not res.type.endswith(("Reference", "ReferenceList", "List"))
    if entity and template.endswith("{id}") and res.root not in learned.reference_roots:
        learned.resources_at[template][res.type].add(res.url)
    if res.uid and res.type and (res.href or res.url):
        type_ = res.type.removesuffix("Reference")
        learned.uids[type_][_uid_form(res.uid, type_, res.href or res.url)].add(res.url)


def learn(folders: Sequence[str | Path]) -> Learned:
    """What the recordings in these folders show, counted; LearnError says why they cannot be learned from."""
    recordings = _open(folders)
    first = recordings[0]
    products: list[str] = []
    for recording in recordings:
        products += [str(p) for p in recording.meta.get("products") or () if str(p) not in products]
    learned = Learned(first.api_version, tuple(products), "", tuple(str(r.folder) for r in recordings))
    for recording in recordings:
        if not recording.complete:
            reasons = "; ".join(recording.meta.get("incomplete") or ["it was stopped before its end"])
            learned.warnings.append(f"{recording.folder}: the recording is incomplete ({reasons}): what it did not "
                                    "reach is missing from the contract, and Rels it met on some resources only "
                                    "are learned as optional")
        root_url = str(recording.meta.get("root") or "https://recording.invalid/api/")
        # The XML form names its root element; JSON has none, only what `json_root` can tell of it. A
        # recording crawled as JSON holds the XML form of what it reached as well.
        roots_at: dict[str, str] = {}
        resources = _read(learned, recording, root_url, "xml", roots_at)
        if not resources:
            resources = _read(learned, recording, root_url, "json", roots_at)
            if resources:
                learned.warnings.append(f"{recording.folder}: no answer in XML: learned from JSON, whose root "
                                        "elements are guessed, and no element children learned")
        for res in resources:
            _facts(learned, res, root_url, roots_at)
        learned.resources += len(resources)
    if not learned.resources:
        raise LearnError(f"the recording{'s' if len(recordings) > 1 else ''} hold no answer to learn from "
                         f"({', '.join(learned.recordings)})")
    return learned


# -- writing ------------------------------------------------------------------------------------------

def _q(text: str) -> str:
    """A TOML string (JSON's escapes are TOML's)."""
    return json.dumps(text, ensure_ascii=False)


def _key(text: str) -> str:
    return text if text.replace("_", "").replace("-", "").isalnum() else _q(text)


def _list(items: Iterable[str]) -> str:
    return "[" + ", ".join(_q(i) for i in items) + "]"


def _counts(counter: Mapping[str, int]) -> str:
    return "{ " + ", ".join(f"{_key(k)} = {v}" for k, v in sorted(counter.items())) + " }"


def _shipped(api_version: str) -> Profile | None:
    for name in available_profiles():
        profile = load_profile(name)
        if profile.name == api_version:
            return profile
    return None


def _best(seen: Mapping[str, Seen]) -> tuple[str, Seen]:
    return max(seen.items(), key=lambda item: (item[1].count, item[0]))


def learned_toml(learned: Learned, schemas: str | None = None) -> str:
    """The learned contract as a profile file, each fact with its evidence."""
    shipped = _shipped(learned.api_version) or load_profile(DEFAULT_PROFILE)
    if schemas and Path(schemas).exists():  # a folder or file of this machine: named so the loader finds it
        schemas = str(Path(schemas).resolve())
    schemas = schemas or (shipped.schemas.name if shipped.schemas.parent.name == "schemas" else str(shipped.schemas))
    stamp = datetime.now(timezone.utc).replace(microsecond=0).isoformat()
    typed = learned.typed_rels
    actions = learned.operation_rels
    paging = sorted(learned.paging_rels - set(actions) - set(typed))
    vocabulary = sorted(set(learned.rel_typed) | set(learned.rel_untyped))
    out = [
        f"# Learned by `conformance learn` from {len(learned.recordings)} recording(s), {learned.resources} resources,"
        f" on {stamp}.",
        "# Every fact is what the recordings showed: the comments and the [learned] tables say how many",
        "# resources showed it, so a fact seen once reads as one sighting, not as evidence.",
        "",
        f"name = {_q('learned-' + learned.api_version)}",
        f"api_version = {_q(learned.api_version)}",
        f"products = {_list(learned.products)}",
        f"description = {_q('Contract learned from ' + ', '.join(Path(r).name for r in learned.recordings))}",
        f"namespace = {_q(learned.namespace or shipped.namespace)}",
        "# The shipped schemas of this API version: what a document may hold is the vendor's schemas' to say;",
        "# the element children each root showed are in [learned.children].",
        f"schemas = {_q(schemas)}",
        "",
        "[rels]",
        f"vocabulary = {_list(vocabulary)}",
        "# Rels whose every link carried a Type.",
        f"typed = {_list(typed)}",
        "# Rels of untyped links to another page of the same result (their Href names a page).",
        f"paging = {_list(paging)}",
        "# Rels of untyped links that invoke an operation (`?action=`, or a path ending with the Rel's name).",
        f"actions = {_list(actions)}",
        "# Links per Rel, with and without a Type:",
        *(f"#   {rel}: {learned.rel_typed[rel]} typed, {learned.rel_untyped[rel]} untyped" for rel in vocabulary),
        "",
        "[forms]",
        f"reference_roots = {_list(sorted(_reference_roots(learned)) or shipped.reference_roots)}",
        f"entity_query = {_q(shipped.entity_query)}",
    ]
    out += ["", "[operations]",
            "# Operation links served in another form than `?action=` on their own resource; every form met:"]
    sections = []
    operations = {t: {r: f for r, f in rels.items() if r in actions} for t, rels in learned.operations.items()}
    for template, rels in sorted(operations.items()):
        for rel, forms in sorted(rels.items()):
            for form, seen in sorted(forms.items()):
                out.append(f"#   {template or '(root)'} {rel}: {form} ({seen.count} resource(s))")
        odd = {rel: _best(forms) for rel, forms in rels.items() if not _best(forms)[0].startswith("{resource}?action=")}
        if odd:
            sections.append(f"\n[operations.{_q(template)}]")
            sections += [f"{rel} = {_q(form)}  # {seen.count} resource(s)" for rel, (form, seen) in sorted(odd.items())]
    out += sections
    uid_forms = {t: _best(forms) for t, forms in learned.uids.items()}
    common = Counter()
    for form, seen in uid_forms.values():
        common[form] += seen.count
    out += ["", "[uids]"]
    if common:
        form = common.most_common(1)[0][0]
        out.append(f"form = {_q(form)}  # {common[form]} resource(s)")
        out += ["", "[uids.forms]"]
        out += [f"{_key(t)} = {_q(f)}  # {s.count} resource(s)" for t, (f, s) in sorted(uid_forms.items()) if f != form]
    out += ["", "[resources]", "# Item URL template -> the Type of the entity it served (resources that showed it)."]
    for template, types in sorted(learned.resources_at.items()):
        total = sum(s.count for s in types.values())
        out.append(f"{_q(template)} = {_list(sorted(types))}  # {total} resource(s)")
    out += ["", "[types.roots]",
            "# Types (of typed links, embedded members, a document's own) that named another root than the",
            "# naming rules predict; the comment counts the resources and links that showed each root."]
    for type_, roots in sorted(learned.roots.items()):
        if set(roots) - set(_DEFAULT_ROOTS.roots_for_type(type_)):
            shown = ", ".join(f"{r} {s.count}" for r, s in sorted(roots.items()))
            out.append(f"{_key(type_)} = {_list(sorted(roots))}  # seen: {shown}")
    out += ["", "# Rels per resource type: required where every resource of the type carried it, optional",
            "# otherwise; the comment says how many of the type's resources carried each.", "[kinds]"]
    empty = [k for k, f in sorted(learned.kinds.items()) if not f.rels]
    out += [f"{_key(k)} = {{}}  # {learned.kinds[k].resources} resource(s), no links of their own" for k in empty]
    for name, facts in sorted(learned.kinds.items()):
        if not facts.rels:
            continue
        required = sorted(r for r, n in facts.rels.items() if n == facts.resources)
        optional = sorted(r for r, n in facts.rels.items() if n < facts.resources)
        out += ["", f"[kinds.{_key(name)}]", f"# {facts.resources} resource(s); carried by: "
                + ", ".join(f"{r} {n}" for r, n in sorted(facts.rels.items()))]
        if required:
            out.append(f"required = {_list(required)}")
        if optional:
            out.append(f"optional = {_list(optional)}")
    kept = {rel: spec for rel, spec in shipped.actions.items() if rel in vocabulary}
    if kept:
        out += ["", "# What following a link does is not in a recording (it holds GETs only): [actions] and [tasks]",
                f"# are those of the shipped profile {shipped.name}, for the Rels the recordings served."]
        out += _actions_text(shipped.source, set(kept))
    out += _learned_tables(learned)
    return "\n".join(out) + "\n"


def _reference_roots(learned: Learned) -> set[str]:
    """The roots of the reference form: of documents that said so by their Type, and the targets of links
    whose Type promised a reference (a list of references has no Type of its own)."""
    promised = {root for type_, roots in learned.roots.items() if type_.endswith(("Reference", "ReferenceList"))
                for root in roots}
    return learned.reference_roots | promised


def _actions_text(source: Path, rels: set[str]) -> list[str]:
    """The shipped profile's `[actions.<Rel>]` and `[tasks]` tables, as written there, for these Rels."""
    lines, keep = [], False
    for line in source.read_text(encoding="utf-8").splitlines():
        stripped = line.strip()
        if stripped.startswith("["):
            head = stripped.strip("[]").split(".")
            keep = (head[0] == "actions" and len(head) > 1 and head[1] in rels) or head == ["tasks"]
            if keep:
                lines.append("")
        if keep and not stripped.startswith("#"):
            lines.append(line)
    return lines


def _learned_tables(learned: Learned) -> list[str]:
    out = ["", "# The evidence, for readers and for `conformance diff --profiles`; the profile loader ignores it.",
           "[learned]", f"recordings = {_list(Path(r).name for r in learned.recordings)}",
           f"resource_count = {learned.resources}"]
    if learned.warnings:
        out.append(f"warnings = {_list(learned.warnings)}")
    for name, facts in sorted(learned.kinds.items()):
        out += ["", f"[learned.kinds.{_key(name)}]", f"resources = {facts.resources}", f"example = {_q(facts.example)}"]
        if facts.rels:
            out.append(f"rels = {_counts(facts.rels)}")
        if facts.untyped:
            out.append(f"untyped = {_counts(facts.untyped)}")
        typed = {rel: sorted(types) for rel, types in facts.types.items() if types}
        if typed:
            out.append("types = { " + ", ".join(f"{_key(r)} = {_list(t)}" for r, t in sorted(typed.items())) + " }")
    for template, types in sorted(learned.resources_at.items()):
        type_, seen = _best(types)
        out += ["", f"[learned.resources.{_q(template)}]", f"resources = {sum(s.count for s in types.values())}",
                f"example = {_q(seen.example)}"]
    for type_, roots in sorted(learned.roots.items()):
        root, seen = _best(roots)
        out += ["", f"[learned.roots.{_key(type_)}]", f"roots = {_counts({r: s.count for r, s in roots.items()})}",
                f"example = {_q(seen.example)}"]
    for template, rels in sorted(learned.operations.items()):
        for rel, forms in sorted(rels.items()):
            if rel not in learned.operation_rels:
                continue
            form, seen = _best(forms)
            out += ["", f"[learned.operations.{_q(template)}.{_key(rel)}]",
                    f"forms = {_counts({f: s.count for f, s in forms.items()})}", f"example = {_q(seen.example)}"]
    for type_, forms in sorted(learned.uids.items()):
        form, seen = _best(forms)
        out += ["", f"[learned.uids.{_key(type_)}]", f"forms = {_counts({f: s.count for f, s in forms.items()})}",
                f"example = {_q(seen.example)}"]
    for root, children in sorted(learned.children.items()):
        docs = learned.documents[root]
        out += ["", f"[learned.children.{_key(root)}]", f"documents = {docs.count}", f"example = {_q(docs.example)}",
                f"children = {_counts({c: s.count for c, s in children.items()})}"]
    return out
