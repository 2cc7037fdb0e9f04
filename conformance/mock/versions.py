"""What each API version of the mock serves: the latest contract minus what later versions added.

A logon session keeps the version it was opened with (`?v=`), and every document it is served is
built for that version: resources and links a version did not have yet are absent, and asking
for them answers as an older server would (404 for the collection, 400 for the query type or the
action). The differences are the ones the profiles `profiles/v1_5.toml` and `profiles/v1_6.toml`
state, each with the vendor page it comes from (or marked as an assumption where no page settles it).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from .auth import API_VERSIONS, LATEST
from .kinds import KINDS, Action, Kind
from .surfaces import SIZE_RESOURCES, SURFACES

__all__ = ["SIZE_RESOURCES", "SURFACES", "Contract", "contract_of", "versions_up_to"]

@dataclass(frozen=True)
class _Added:
    """What one version added over the version before it."""

    kinds: frozenset[str] = frozenset()
    """Key resources (KINDS paths), with their collections, session links and query type."""
    actions: frozenset[tuple[str, str]] = frozenset()
    """(kind path, action Rel) pairs: action links and the operations behind them."""
    areas: frozenset[str] = frozenset()
    """Areas of the surface table (`cdpPolicies`, `jobs/{id}/linkedJobs`), with everything below them:
    their collections, items, session and service links, query types, and the links other documents
    carry to them."""


_ADDED: Mapping[str, _Added] = {
    # v1_6 (product 11): continuous data protection (policies, replicas, their sessions).
    "v1_6": _Added(areas=frozenset({"cdpPolicies", "cdpReplicaSessions", "cdpReplicaTaskSessions", "cdpReplicas"})),
    # v1_7 (product 12): CDP replicas of Cloud Director vApps, and the linked jobs and repositories
    # of the multi-platform backup copy jobs.
    "v1_7": _Added(areas=frozenset({"cdpReplica/vApps", "jobs/{id}/linkedJobs", "jobs/{id}/linkedBackupRepositories"})),
}


@dataclass(frozen=True)
class Contract:
    """The resources and links one API version serves."""

    version: str
    missing_kinds: frozenset[str] = frozenset()
    missing_actions: frozenset[tuple[str, str]] = frozenset()
    missing_areas: frozenset[str] = frozenset()
    areas: bool = True
    """Whether the table's areas are served (`surface = "key"` serves the key resources alone)."""

    def serves(self, kind: Kind) -> bool:
        return kind.path not in self.missing_kinds

    def serves_type(self, type_: str) -> bool:
        """Whether an area whose items are of this Type is there (not when its key resource is new)."""
        return not any(KINDS[path].entity == type_ for path in self.missing_kinds)

    def serves_area(self, path: str, type_: str) -> bool:
        """Whether a surface area (or listing, document or service) at this path is there: not below an
        area a later version added, and not of a Type whose key resource is new."""
        return self.serves_type(type_) and not any(path == a or path.startswith(a + "/") for a in self.missing_areas)

    def offers(self, kind: Kind, action: Action) -> bool:
        return (kind.path, action.rel) not in self.missing_actions


def _build(version: str) -> Contract:
    later = [_ADDED[v] for v in API_VERSIONS[API_VERSIONS.index(version) + 1:] if v in _ADDED]
    return Contract(version, frozenset().union(*(a.kinds for a in later)),
                    frozenset().union(*(a.actions for a in later)), frozenset().union(*(a.areas for a in later)))


_CONTRACTS = {version: _build(version) for version in API_VERSIONS}


def contract_of(version: str | None) -> Contract:
    """The contract of an API version (`v1_6`); None or an unknown name means the latest."""
    return _CONTRACTS.get(version or LATEST, _CONTRACTS[LATEST])


def versions_up_to(version: str) -> tuple[str, ...]:
    """The versions a server of this API version accepts at logon: its own and every older one.

    ValueError names the known versions when `version` is none of them.
    """
    if version not in API_VERSIONS:
        raise ValueError(f"unknown API version {version!r}; known: {', '.join(API_VERSIONS)}")
    return API_VERSIONS[:API_VERSIONS.index(version) + 1]
