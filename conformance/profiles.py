"""Loading and checking a profile: the vendor facts of one API version, kept as data."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
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
    return Profile(
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
