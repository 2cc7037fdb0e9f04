"""Absolute Hrefs, always built from the origin the client used, never from a configured host."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field
from urllib.parse import quote, urlencode

from .kept import Kept
from .kinds import Kind
from .model import Dataset
from .tree import Node
from .versions import Contract, contract_of

__all__ = ["View", "base_url"]


def _first(value: str | None) -> str | None:
    """The client-facing value of a forwarding header (the first of a comma-separated chain)."""
    if not value:
        return None
    head = value.split(",")[0].strip()
    return head or None


def base_url(scheme: str, host: str, headers: Mapping[str, str]) -> str:
    """`scheme://host[:port]/api/` as the client sees it, honouring `X-Forwarded-Proto`/`-Host`.

    `host` is the request's own Host (with its port); a proxy in front rewrites it, so the
    forwarded values win when present.
    """
    proto = (_first(headers.get("x-forwarded-proto")) or scheme).lower()
    if proto not in ("http", "https"):
        proto = scheme
    authority = _first(headers.get("x-forwarded-host")) or host
    return f"{proto}://{authority}/api/"


@dataclass(frozen=True, slots=True)
class View:
    """What every document builder needs: the data, the API root URL of this request, and the
    contract of the API version the caller's session speaks. `kept` is the app's store of subtrees
    kept between responses (see `kept`); None where a tree may change once built (an app with faults)."""

    ds: Dataset
    base: str
    contract: Contract = contract_of(None)
    kept: Kept | None = field(default=None, compare=False)

    def href(self, path: str) -> str:
        return self.base + path

    def keep(self, key: tuple[Hashable, ...], deps: object, build: Callable[[], Node], weight: int = 1) -> Node:
        """`build()`, or the subtree kept under `key` for this origin and API version while it was
        built from the same `deps` (the records it shows); `weight` counts the items it holds."""
        if self.kept is None:
            return build()
        return self.kept.node((self.base, self.contract.version, self.contract.areas, *key), deps, build, weight)

    def item(self, kind: Kind, id_: str) -> str:
        return f"{self.base}{kind.path}/{id_}"

    def entity(self, kind: Kind, id_: str) -> str:
        return f"{self.base}{kind.path}/{id_}?format=Entity"

    def query(self, params: Mapping[str, str | int]) -> str:
        """A `/query` URL whose parameters are percent-encoded (spaces as %20)."""
        return f"{self.base}query?{urlencode(params, quote_via=quote)}"
