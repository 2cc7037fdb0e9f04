"""Loading and checking a profile: the vendor facts of one API version, kept as data."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..errors import ProfileError
from ..model.names import plural

__all__ = ["DEFAULT_PROFILE", "SAFETY", "ActionSpec", "ExpectedLinks", "Profile", "available_profiles", "data_dir",
           "load_profile", "path_template", "recorded_profile"]

DEFAULT_PROFILE = "v1_7"


def data_dir(kind: str) -> Path:
    """`profiles` or `schemas`: inside the installed wheel, else beside the package in a checkout."""
    package = Path(__file__).resolve().parents[1]
    packaged = package / "_data" / kind
    return packaged if packaged.is_dir() else package.parent / kind


@dataclass(frozen=True)
class ExpectedLinks:
    """The links one resource type carries on its own element (`[kinds.<type>]` of a profile)."""

    required: frozenset[str] = frozenset()
    """Rels every resource of the type carries."""
    optional: frozenset[str] = frozenset()
    """Rels it may carry (where the data calls for them, or documented but not always served)."""
    types: Mapping[str, frozenset[str]] = field(default_factory=dict)
    """For some Rels, the only Types their links may have (e.g. the collections a session opens)."""

    @property
    def allowed(self) -> frozenset[str]:
        return self.required | self.optional


_METHODS = ("POST", "PUT", "PATCH", "DELETE")


@dataclass(frozen=True)
class Profile:
    """What one API version promises; rules read expectations from here, never from code."""

    name: str
    api_version: str
    products: tuple[str, ...]
    description: str
    namespace: str
    schemas: Path
    rel_vocabulary: frozenset[str]
    typed_rels: frozenset[str]
    action_rels: frozenset[str]
    source: Path
    paging_rels: frozenset[str] = frozenset()
    """Rels of the links from one page of a paged result to another (`[rels] paging`: First, Next,
    ...): GET-able, yet held to no Type, since every one leads to a page of the same result."""
    reference_roots: frozenset[str] = frozenset({"EntityRef", "EntityReferences"})
    entity_query: str = "format=Entity"
    type_roots: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Documented exceptions to the Type-to-root naming rules."""
    actions: Mapping[str, ActionSpec] = field(default_factory=dict)
    """What following each operation Rel promises (`[actions.<Rel>]`): method, body, outcome, safety."""
    task_final_states: frozenset[str] = frozenset({"Finished"})
    """Task states after which nothing changes any more (`[tasks] final_states`)."""
    kinds: Mapping[str, ExpectedLinks] = field(default_factory=dict)
    """Resource type (as items name it: `Job`, `JobReference`) -> the links it must and may carry."""
    uid_form: str | None = None
    """The form of a key resource's UID (`[uids] form`: `urn:veeam:{type}:{id}`); None: not judged."""
    uid_forms: Mapping[str, str] = field(default_factory=dict)
    """Resource type -> the form its UID takes instead (`[uids.forms]`, documented departures)."""
    operations: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    """Documented operation links that are not `?action=` on their own resource (`[operations]`):
    path template of the resource carrying the link -> Rel -> the Href's form (`{resource}/start`)."""
    resources: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Which resource each URL template serves (`[resources]`): path template of an item (below the
    API root, ids as `{id}`, lower case) -> the Type(s) of what it serves, in the entity form (its
    reference form is `<Type>Reference`). A template not listed is not judged."""

    def types_at(self, url: str, root_url: str) -> tuple[str, ...] | None:
        """The Types of the resource the URL's path template serves, None where the profile does not say."""
        return self.resources.get(path_template(url, root_url)) if self.resources else None

    def same_resource_type(self, one: str, other: str) -> bool:
        """Whether two entity Types name one kind of resource: equal, or spelt apart but standing for
        one root element by the Type-to-root mapping and its documented departures (`NasJob`, `NASJob`)."""
        return one == other or bool(set(self.roots_for_type(one)) & set(self.roots_for_type(other)))

    def roots_for_type(self, type_: str) -> tuple[str, ...]:
        """The root element(s) a link of this Type must return: the exceptions, else the rules."""
        if type_ in self.type_roots:
            return self.type_roots[type_]
        if type_.endswith("ReferenceList"):
            return ("EntityReferences",)
        if type_.endswith("Reference"):
            return ("EntityRef",)
        if type_.endswith("List") and len(type_) > 4:
            return (plural(type_[:-4]),)
        return (type_,)


def available_profiles() -> dict[str, Path]:
    """Profile names (file stems) to their files, sorted."""
    folder = data_dir("profiles")
    return {p.stem: p for p in sorted(folder.glob("*.toml"))}


def _field(data: Mapping[str, Any], key: str, kind: type, where: str) -> Any:
    if key not in data:
        raise ProfileError(f"{where}: missing field {key!r}")
    value = data[key]
    if not isinstance(value, kind):
        raise ProfileError(f"{where}: field {key!r} must be a {kind.__name__}, got {type(value).__name__} {value!r}")
    if kind is list and not all(isinstance(v, str) for v in value):
        raise ProfileError(f"{where}: field {key!r} must be a list of strings")
    return value


def _rel_list(table: Mapping[str, Any], key: str, vocabulary: frozenset[str], where: str) -> frozenset[str]:
    if key not in table:
        return frozenset()
    rels = frozenset(_field(table, key, list, where))
    unknown = sorted(rels - vocabulary)
    if unknown:
        raise ProfileError(f"{where}: field {key!r} names Rels missing from [rels] 'vocabulary': {unknown}")
    return rels


def _expected_links(data: Mapping[str, Any], vocabulary: frozenset[str], where: str) -> dict[str, ExpectedLinks]:
    """`[kinds.<type>]` tables: `required` and `optional` Rels, and `types` pinning some Rels' Types."""
    kinds = data.get("kinds", {})
    if not isinstance(kinds, dict):
        raise ProfileError(f"{where}: field 'kinds' must be a table of resource types")
    out = {}
    for kind, table in kinds.items():
        here = f"{where} [kinds.{kind}]"
        if not isinstance(table, dict):
            raise ProfileError(f"{here}: must be a table (required, optional, types), got {table!r}")
        unknown = sorted(set(table) - {"required", "optional", "types"})
        if unknown:
            raise ProfileError(f"{here}: unknown field {unknown[0]!r}; known fields: required, optional, types")
        required = _rel_list(table, "required", vocabulary, here)
        optional = _rel_list(table, "optional", vocabulary, here)
        if required & optional:
            raise ProfileError(f"{here}: Rels both 'required' and 'optional': {sorted(required & optional)}")
        types = table.get("types", {})
        if not isinstance(types, dict):
            raise ProfileError(f"{here}: field 'types' must be a table of Rel = [Types]")
        for rel, names in types.items():
            if rel not in required | optional:
                raise ProfileError(f"{here}: field 'types' names Rel {rel!r}, which is neither required nor optional")
            if not isinstance(names, list) or not names or not all(isinstance(n, str) and n for n in names):
                raise ProfileError(f"{here}: field 'types' entry {rel!r} must be a non-empty list of Types")
        out[kind] = ExpectedLinks(required, optional, {rel: frozenset(names) for rel, names in types.items()})
    return out


SAFETY = ("safe", "reversible", "destructive")
"""How much following a link changes the server: nothing that matters, something the suite undoes, or for good."""
_RETURNS = ("Task", "Location", "nothing")
_UNDO = ("repeat", "same-body", "Delete", "none")
_SPEC_FIELDS = {"status", "returns", "safety", "body", "choice", "choices", "undo", "observe", "on"}


@dataclass(frozen=True)
class ActionSpec:
    """What following one operation link promises (`[actions.<Rel>]`, or one of its `on` variants)."""

    rel: str
    method: str
    status: int
    """The documented success status: 202 for work handed to a Task, 201 for a creation, 200/204 otherwise."""
    returns: str
    """'Task' (a Task body), 'Location' (a Location header naming the new resource) or 'nothing'."""
    safety: str
    body: str | None = None
    """The spec element the request body must be (`JobCloneSpec`), None when it takes no body."""
    choice: str | None = None
    """An element of the target's entity whose value picks the body's alternative (`JobType`)."""
    choices: Mapping[str, str] = field(default_factory=dict)
    """Value of `choice` -> the child element of the spec for it."""
    undo: str | None = None
    """How the suite returns to the start: 'repeat' (twice is nothing), 'same-body' (the resource as
    it is, sent back), 'Delete' (delete what was created)."""
    observe: tuple[str, ...] = ()
    """Elements of the target's entity the operation must change (a toggle that toggles nothing fails)."""
    template: str | None = None
    """For a variant: the path template it applies to (`jobs/{id}/includes`); None for the Rel's default."""
    variants: tuple[ActionSpec, ...] = ()

    def for_href(self, href: str, root_url: str) -> ActionSpec:
        """The variant whose template the Href's path matches, else the Rel's default."""
        template = path_template(href, root_url)
        return next((v for v in self.variants if v.template == template), self)


@lru_cache(maxsize=4096)
def path_template(url: str, root_url: str) -> str:
    """The path of a URL below the API root, lower case, id-like segments (with a digit) as `{id}`.

    `https://em/api/jobs/6c8...?action=clone` -> `jobs/{id}`; the query is not part of it.
    """
    from urllib.parse import urljoin, urlsplit

    path = urlsplit(urljoin(root_url, url)).path
    base = urlsplit(root_url).path
    if path.lower().startswith(base.lower()):
        path = path[len(base):]
    parts = [p for p in path.strip("/").split("/") if p]
    return "/".join("{id}" if any(ch.isdigit() for ch in p) else p.lower() for p in parts)


def _spec(rel: str, table: Mapping[str, Any], here: str, default: ActionSpec | None) -> ActionSpec:
    unknown = sorted(set(table) - _SPEC_FIELDS - {"method"})
    if unknown:
        raise ProfileError(f"{here}: unknown field {unknown[0]!r}; known fields: method, {', '.join(sorted(_SPEC_FIELDS))}")
    merged = {k: v for k, v in vars(default).items() if k not in ("variants", "template")} if default else {}

    def pick(key: str, kind: type, allowed: tuple[str, ...] = ()) -> Any:
        if key not in table:
            if default is None and key in ("status", "returns", "safety"):
                raise ProfileError(f"{here}: missing field {key!r}")
            return merged.get(key)
        value = table[key]
        if not isinstance(value, kind) or isinstance(value, bool) != (kind is bool):
            raise ProfileError(f"{here}: field {key!r} must be a {kind.__name__}, got {value!r}")
        if allowed and value not in allowed:
            raise ProfileError(f"{here}: field {key!r} must be one of {', '.join(allowed)}, got {value!r}")
        return value

    method = str(pick("method", str) or "POST").upper()
    if method not in _METHODS:
        raise ProfileError(f"{here}: field 'method' must be one of {', '.join(_METHODS)}, got {method!r}")
    status = pick("status", int)
    if not 200 <= status <= 299:
        raise ProfileError(f"{here}: field 'status' must be a success status (200-299), got {status}")
    choices = pick("choices", dict) or {}
    if not all(isinstance(k, str) and isinstance(v, str) and v for k, v in choices.items()):
        raise ProfileError(f"{here}: field 'choices' must map values to element names (strings)")
    choice = pick("choice", str)
    if bool(choice) != bool(choices):
        raise ProfileError(f"{here}: fields 'choice' and 'choices' go together")
    observe = pick("observe", list) or ()
    if not all(isinstance(o, str) and o for o in observe):
        raise ProfileError(f"{here}: field 'observe' must be a list of element names")
    undo = pick("undo", str, _UNDO)
    return ActionSpec(rel, method, status, pick("returns", str, _RETURNS), pick("safety", str, SAFETY),
                      pick("body", str) or None, choice, dict(choices), None if undo == "none" else undo,
                      tuple(observe))


def _actions(tables: Any, vocabulary: frozenset[str], where: str) -> dict[str, ActionSpec]:
    """`[actions.<Rel>]` tables that say what following the Rel promises, with `[actions.<Rel>.on."path"]`
    variants for the targets where it differs. A table with only `method` is not one of them."""
    if not isinstance(tables, dict):
        raise ProfileError(f"{where}: field 'actions' must be a table of [actions.<Rel>] tables")
    out: dict[str, ActionSpec] = {}
    for rel, table in tables.items():
        here = f"{where} [actions.{rel}]"
        if rel not in vocabulary:
            raise ProfileError(f"{here}: Rel {rel!r} is missing from [rels] 'vocabulary'")
        if not isinstance(table, dict):
            raise ProfileError(f"{here}: must be a table, got {table!r}")
        if not set(table) & _SPEC_FIELDS:
            continue
        default = _spec(rel, table, here, None)
        on = table.get("on", {})
        if not isinstance(on, dict) or not all(isinstance(v, dict) for v in on.values()):
            raise ProfileError(f"{here}: field 'on' must be a table of path templates, each a table")
        variants = []
        for template, sub in on.items():
            inner = f"{where} [actions.{rel}.on.{template!r}]"
            if "on" in sub:
                raise ProfileError(f"{inner}: variants do not nest (field 'on')")
            key = path_template(template, "/")
            variants.append(replace(_spec(rel, sub, inner, default), template=key))
        out[rel] = replace(default, variants=tuple(variants))
    return out


RESOURCE = "{resource}"
"""In an `[operations]` form, the path of the resource that carries the link."""


def _operations(tables: Any, action_rels: frozenset[str], where: str) -> dict[str, dict[str, str]]:
    """`[operations."<path>"]` tables: Rel = the form of its Href on resources of that path template,
    `{resource}` followed by a path and query, or a path below the API root (`/security/accounts?action=x`)."""
    if not isinstance(tables, dict):
        raise ProfileError(f"{where}: field 'operations' must be a table of [operations.\"<path>\"] tables")
    out: dict[str, dict[str, str]] = {}
    for template, table in tables.items():
        here = f"{where} [operations.{template!r}]"
        if not isinstance(table, dict):
            raise ProfileError(f"{here}: must be a table of Rel = \"Href form\", got {table!r}")
        forms = {}
        for rel, form in table.items():
            if rel not in action_rels:
                raise ProfileError(f"{here}: Rel {rel!r} is missing from [rels] 'actions'")
            if not isinstance(form, str) or not form.startswith((RESOURCE, "/")) or RESOURCE in form[len(RESOURCE):]:
                raise ProfileError(f"{here}: field {rel!r} must start with {RESOURCE} or '/' (a path below the "
                                   f"API root), got {form!r}")
            forms[rel] = form
        out[path_template(template, "/")] = forms
    return out


def _uid_forms(table: Any, where: str) -> tuple[str | None, dict[str, str]]:
    """`[uids]`: `form` with the placeholders `{type}` (the resource's Type less `Reference`) and `{id}`
    (the last segment of its Href's path), and `[uids.forms]` giving some resource types another form."""
    if not isinstance(table, dict):
        raise ProfileError(f"{where}: field 'uids' must be a table (form, forms)")
    unknown = sorted(set(table) - {"form", "forms"})
    if unknown:
        raise ProfileError(f"{where} [uids]: unknown field {unknown[0]!r}; known fields: form, forms")
    forms = table.get("forms", {})
    if not isinstance(forms, dict):
        raise ProfileError(f"{where} [uids]: field 'forms' must be a table of resource type = form")
    default = table.get("form")
    if forms and default is None:
        raise ProfileError(f"{where} [uids]: field 'forms' needs a 'form' for every other resource type")
    named = ([("form", default)] if default is not None else []) + [(f"forms.{k}", v) for k, v in forms.items()]
    for key, form in named:
        if not isinstance(form, str) or "{id}" not in form:
            raise ProfileError(f"{where} [uids]: field {key!r} must be a string with {{id}} (and may have {{type}}), "
                               f"got {form!r}")
        stray = form.replace("{type}", "").replace("{id}", "")
        if "{" in stray or "}" in stray:
            raise ProfileError(f"{where} [uids]: field {key!r} knows only the placeholders {{type}} and {{id}}, "
                               f"got {form!r}")
    return default, dict(forms)


def _resources(table: Any, where: str) -> dict[str, tuple[str, ...]]:
    """`[resources]`: "<path template>" = [Types], the entity Types a template's URLs serve."""
    if not isinstance(table, dict):
        raise ProfileError(f"{where}: field 'resources' must be a table of \"<path template>\" = [Types]")
    out: dict[str, tuple[str, ...]] = {}
    for template, types in table.items():
        if not isinstance(types, list) or not types or not all(isinstance(t, str) and t for t in types):
            raise ProfileError(f"{where} [resources]: entry {template!r} must be a non-empty list of Types")
        if any(t.endswith(("Reference", "List")) for t in types):
            raise ProfileError(f"{where} [resources]: entry {template!r} names the entity Types (Job, not "
                               f"JobReference or JobList), got {types!r}")
        key = path_template(template, "/")
        if key in out:
            raise ProfileError(f"{where} [resources]: {template!r} is listed twice (as {key!r})")
        out[key] = tuple(types)
    return out


def _resolve(name_or_path: str) -> Path:
    path = Path(name_or_path)
    if path.suffix == ".toml" and path.is_file():
        return path
    known = available_profiles()
    for stem, file in known.items():
        products = _peek_products(file)
        if name_or_path in (stem, *products):
            return file
    raise ProfileError(f"unknown profile {name_or_path!r}; known profiles: {', '.join(known) or 'none'}")


def _peek_products(file: Path) -> list[str]:
    try:
        products = tomllib.loads(file.read_text(encoding="utf-8")).get("products", [])
    except (OSError, tomllib.TOMLDecodeError):
        return []
    return [str(p) for p in products] if isinstance(products, list) else []


def recorded_profile(name: str | None, api_version: str) -> str:
    """The profile a recording was made with, as `load_profile` takes it: its name where the suite knows
    it, else its API version (a recording made with a profile file names a profile no other run knows)."""
    try:
        _resolve(name or api_version)
    except ProfileError:
        return api_version
    return name or api_version


def load_profile(name_or_path: str = DEFAULT_PROFILE) -> Profile:
    """Load a profile by name (`v1_7`), product version alias (`13`) or path to a `.toml` file."""
    file = _resolve(name_or_path)
    where = str(file)
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(f"{where}: not valid TOML: {exc}") from exc
    rels = _field(data, "rels", dict, where)
    schemas = Path(_field(data, "schemas", str, where))
    if not schemas.is_absolute():
        schemas = data_dir("schemas") / schemas
    vocabulary = frozenset(_field(rels, "vocabulary", list, f"{where} [rels]"))
    typed = frozenset(_field(rels, "typed", list, f"{where} [rels]"))
    actions = frozenset(_field(rels, "actions", list, f"{where} [rels]"))
    paging = frozenset(_field(rels, "paging", list, f"{where} [rels]")) if "paging" in rels else frozenset()
    for label, group in (("typed", typed), ("actions", actions), ("paging", paging)):
        unknown = sorted(group - vocabulary)
        if unknown:
            raise ProfileError(f"{where} [rels]: field {label!r} names Rels missing from 'vocabulary': {unknown}")
    for label, group in (("typed", typed), ("actions", actions)):
        if group & paging:
            raise ProfileError(f"{where} [rels]: Rels both {label!r} and 'paging': {sorted(group & paging)}")
    forms = data.get("forms", {})
    if not isinstance(forms, dict):
        raise ProfileError(f"{where}: field 'forms' must be a table")
    types = data.get("types", {})
    roots = types.get("roots", {}) if isinstance(types, dict) else None
    if not isinstance(roots, dict) or not all(isinstance(v, list) and v and all(isinstance(x, str) for x in v)
                                              for v in roots.values()):
        raise ProfileError(f"{where} [types.roots]: each entry must be a non-empty list of root element names")
    action_specs = _actions(data.get("actions", {}), vocabulary, where)
    tasks = data.get("tasks", {})
    if not isinstance(tasks, dict):
        raise ProfileError(f"{where}: field 'tasks' must be a table")
    final_states = frozenset(_field(tasks, "final_states", list, f"{where} [tasks]")) if tasks else frozenset({"Finished"})
    uid_form, uid_forms = _uid_forms(data.get("uids", {}), where)
    return Profile(
        actions=action_specs,
        task_final_states=final_states,
        reference_roots=frozenset(_field(forms, "reference_roots", list, f"{where} [forms]")) if forms
        else frozenset({"EntityRef", "EntityReferences"}),
        entity_query=str(forms.get("entity_query", "format=Entity")),
        type_roots={k: tuple(v) for k, v in roots.items()},
        kinds=_expected_links(data, vocabulary, where),
        operations=_operations(data.get("operations", {}), actions, where),
        resources=_resources(data.get("resources", {}), where),
        uid_form=uid_form,
        uid_forms=uid_forms,
        name=_field(data, "name", str, where),
        api_version=_field(data, "api_version", str, where),
        products=tuple(str(p) for p in _field(data, "products", list, where)),
        description=str(data.get("description", "")),
        namespace=_field(data, "namespace", str, where),
        schemas=schemas,
        rel_vocabulary=vocabulary,
        typed_rels=typed,
        paging_rels=paging,
        action_rels=actions,
        source=file,
    )
