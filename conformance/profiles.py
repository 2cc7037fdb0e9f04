"""Loading and checking a profile: the vendor facts of one API version, kept as data."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import ProfileError

__all__ = ["DEFAULT_PROFILE", "Profile", "available_profiles", "data_dir", "load_profile"]

DEFAULT_PROFILE = "v1_7"


def data_dir(kind: str) -> Path:
    """`profiles` or `schemas`: inside the installed wheel, else beside the package in a checkout."""
    packaged = Path(__file__).parent / "_data" / kind
    return packaged if packaged.is_dir() else Path(__file__).resolve().parent.parent / kind


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
    reference_roots: frozenset[str] = frozenset({"EntityRef", "EntityReferences"})
    entity_query: str = "format=Entity"
    type_roots: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Documented exceptions to the Type-to-root naming rules."""

    def roots_for_type(self, type_: str) -> tuple[str, ...]:
        """The root element(s) a link of this Type must return: the exceptions, else the rules."""
        if type_ in self.type_roots:
            return self.type_roots[type_]
        if type_.endswith("ReferenceList"):
            return ("EntityReferences",)
        if type_.endswith("Reference"):
            return ("EntityRef",)
        if type_.endswith("List") and len(type_) > 4:
            return (_plural(type_[:-4]),)
        return (type_,)


def _plural(noun: str) -> str:
    if noun.endswith("y") and noun[-2:-1] not in "aeiou":
        return noun[:-1] + "ies"
    if noun.endswith(("s", "x", "ch", "sh")):
        return noun + "es"
    return noun + "s"


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
    for label, group in (("typed", typed), ("actions", actions)):
        unknown = sorted(group - vocabulary)
        if unknown:
            raise ProfileError(f"{where} [rels]: field {label!r} names Rels missing from 'vocabulary': {unknown}")
    forms = data.get("forms", {})
    if not isinstance(forms, dict):
        raise ProfileError(f"{where}: field 'forms' must be a table")
    types = data.get("types", {})
    roots = types.get("roots", {}) if isinstance(types, dict) else None
    if not isinstance(roots, dict) or not all(isinstance(v, list) and v and all(isinstance(x, str) for x in v)
                                              for v in roots.values()):
        raise ProfileError(f"{where} [types.roots]: each entry must be a non-empty list of root element names")
    return Profile(
        reference_roots=frozenset(_field(forms, "reference_roots", list, f"{where} [forms]")) if forms
        else frozenset({"EntityRef", "EntityReferences"}),
        entity_query=str(forms.get("entity_query", "format=Entity")),
        type_roots={k: tuple(v) for k, v in roots.items()},
        name=_field(data, "name", str, where),
        api_version=_field(data, "api_version", str, where),
        products=tuple(str(p) for p in _field(data, "products", list, where)),
        description=str(data.get("description", "")),
        namespace=_field(data, "namespace", str, where),
        schemas=schemas,
        rel_vocabulary=vocabulary,
        typed_rels=typed,
        action_rels=actions,
        source=file,
    )
