"""Documents of the table's areas: items in reference and entity form, collections, listings,
per-item documents and services, with the links the table and the estate give them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import cache

from ..contract.profiles import Profile, load_profile
from ..model.names import plural
from .estate import Estate, Item
from .hrefs import View
from .instances import Filler, facts
from .kinds import KINDS
from .paging import at_page, paging_info, requested_page
from .surface import Area, Listing, Service, Single, Surface, load_surface
from .tree import Node, el, link, links

__all__ = ["Docs", "contract", "documented_rels", "uid_of"]

_ID = "{id}"
PAGING = "PagingInfo"
LIST_PAGE_SIZE = 100
"""The page size of a paged list asked for without one (the vendor's examples of file listings)."""


@cache
def contract() -> Profile:
    """The documented contract the areas hold to (the latest profile), read once."""
    return load_profile("v1_7")


def uid_of(type_: str, id_: str) -> str:
    """An item's UID in the form the profile documents for its type."""
    profile = contract()
    form = profile.uid_forms.get(type_, profile.uid_form or "urn:veeam:{type}:{id}")
    return form.format(type=type_, id=id_)


@cache
def documented_rels(type_: str) -> frozenset[str] | None:
    """The Rels the profile documents for a resource type (None where it says nothing of it)."""
    expected = contract().kinds.get(type_)
    if expected is None:
        return None
    return frozenset(expected.required) | frozenset(expected.optional)


class Docs:
    """Builds documents for one request: its view (origin, version) and the dataset's estate."""

    def __init__(self, v: View, estate: Estate | None) -> None:
        self.v = v
        self.est: Estate = estate  # type: ignore[assignment]  # only links of key resources need none
        self.surface: Surface = estate.surface if estate is not None else load_surface()

    # -- addresses ---------------------------------------------------------------------------------

    def href(self, path: str, id_: str) -> str:
        """The reference-form URL of an item of an area or a key resource."""
        if path in KINDS:
            return self.v.item(KINDS[path], id_)
        area = self.surface.areas[path]
        item = self.est.items[path][id_]
        if area.parent is None or item.parent is None:
            return self.v.href(f"{area.path}/{id_}")
        tail = area.path[len(area.parent) + len("/{id}/"):]
        return f"{self.href(area.parent, item.parent)}/{tail}/{id_}"

    def below(self, parent: str | None, parent_id: str | None, path: str) -> str:
        """The URL of a collection or document below an item (or at the top level)."""
        if parent is None or parent_id is None:
            return self.v.href(path)
        return f"{self.href(parent, parent_id)}/{path[len(parent) + len('/{id}/'):]}"

    def is_key(self, path: str) -> bool:
        return path in KINDS or self.surface.areas[path].key

    def entity_href(self, path: str, id_: str) -> str:
        href = self.href(path, id_)
        return f"{href}?format=Entity" if self.is_key(path) else href

    def type_of(self, path: str) -> str:
        return KINDS[path].entity if path in KINDS else self.surface.areas[path].type

    def ref_type(self, path: str) -> str:
        return f"{self.type_of(path)}Reference" if self.is_key(path) else self.type_of(path)

    # -- links -------------------------------------------------------------------------------------

    def _kept(self, type_: str, found: Iterable[Node | None]) -> Node:
        """The links of a document of `type_`, less those whose Rel the profile does not list for it."""
        allowed = documented_rels(type_)
        later = {rel for _, rel in self.v.contract.missing_actions}  # Rels the caller's API version lacks
        return links(*(n for n in found if n is not None and n.attrs.get("Rel") not in later
                       and (allowed is None or n.attrs.get("Rel") in allowed)))

    def up_links(self, area: Area, item: Item) -> list[Node]:
        return [link("Up", self.href(p, i), self.ref_type(p), self.est.name_of(p, i)) for p, i in self.est.ups(area.path, item.id)]

    def served(self, path: str) -> bool:
        """Whether the caller's API version has an area, a listing's area or a key resource."""
        if path in KINDS:
            return self.v.contract.serves(KINDS[path])
        if not self.v.contract.areas or not self.v.contract.serves_area(path, ""):
            return False
        if path in self.surface.listings:
            return self.served(self.surface.listings[path].of)
        if path in self.surface.areas:
            return self.v.contract.serves_area(path, self.surface.areas[path].type)
        return True

    def child_links(self, path: str, id_: str) -> list[Node]:
        """Down, Create and Related links of an item to what hangs below it in the table."""
        out = []
        for child in self.surface.children(path):
            if not self.served(child.path):
                continue
            url = self.below(path, id_, child.path)
            if isinstance(child, Area):
                out.append(link("Down", url, child.down_type))
                if child.create:
                    out.append(link("Create", url, child.type))
            elif isinstance(child, Listing):
                out.append(link(child.rel, url, f"{self.type_of(child.of)}ReferenceList"))
            elif isinstance(child, Single):
                out.append(link(child.rel, url, child.type))
        return out

    def _action_links(self, actions: dict[str, str] | Iterable[tuple[str, str]], href: str, paths: bool) -> list[Node]:
        pairs = actions.items() if isinstance(actions, dict) else actions
        return [link(rel, f"{href}/{name}" if paths else f"{href}?action={name}") for rel, name in pairs]

    def _attrs(self, root: str, href: str, type_: str, name: str, id_: str) -> dict[str, str]:
        known = facts().attributes(root)
        values = {"Href": href, "Type": type_, "Name": name, "UID": uid_of(type_, id_), "Id": id_}
        out = {k: values[k] for k in ("Href", "Type", "Name", "UID", "Id") if k in known}
        out.update({k: name for k in known if k not in values})
        return out

    def _filler(self, key: str, name: str) -> Filler:
        return Filler(key, name, self.est.now)

    # -- items -------------------------------------------------------------------------------------

    def reference(self, area: Area, item: Item, tag: str = "EntityRef") -> Node:
        href = self.href(area.path, item.id)
        alternate = link("Alternate", f"{href}?format=Entity", area.type, item.name)
        return el(tag, None, self._kept(area.reference_type, [*self.up_links(area, item), alternate]),
                  Type=area.reference_type, Href=href, Name=item.name, UID=f"urn:veeam:{area.type}:{item.id}")

    def entity(self, area: Area, item: Item) -> Node:
        href = self.href(area.path, item.id)
        own = f"{href}?format=Entity" if area.key else href
        found: list[Node | None] = [*self.up_links(area, item)]
        if area.key:
            found.append(link("Alternate", href, area.reference_type, item.name))
        if area.edit:
            found.append(link("Edit", href, self.ref_type(area.path), item.name))
        if area.delete:
            found.append(link("Delete", href))
        found += self.child_links(area.path, item.id)
        found += [link("Related", self.entity_href(p, i), self.type_of(p), self.est.name_of(p, i))
                  for p, i in self.est.related(area.path, item.id)]
        found += self._action_links(area.actions, href, area.paths)
        found += [link(rel, href) for rel in area.toggles]
        children = self._filler(f"{area.path}:{item.id}", item.name).children(area.root)
        for child in children:
            set_value = self.est.overrides.get((area.path, item.id), {}).get(child.name)
            if set_value is not None:
                child.text = set_value  # type: ignore[assignment]
        node = el(area.root, None, self._kept(area.type, found), *children)
        node.attrs.update(self._attrs(area.root, own, area.type, item.name, item.id))
        return node

    # -- collections -------------------------------------------------------------------------------

    def members(self, area: Area, parent_id: str | None) -> list[Item]:
        items = self.est.items[area.path]
        if area.parent is None:
            return list(items.values())
        return [items[i] for i in self.est.kids[area.path].get(parent_id or "", ())]

    def references(self, area: Area, members: Sequence[Item]) -> Node:
        return el("EntityReferences", None, *(self.reference(area, m, "Ref") for m in members), items="Ref")

    def list_root(self, area: Area) -> str | None:
        """The root of an area's entity list: the table's, else the plural the schemas declare."""
        if area.list:
            return area.list
        listed = plural(area.root)
        return listed if listed in facts().roots else None

    def entities(self, area: Area, members: Sequence[Item]) -> Node:
        root = self.list_root(area)
        if root is None:
            return self.references(area, members)
        return el(root, None, *(self.entity(area, m) for m in members), items=area.root)

    def collection(self, area: Area, parent_id: str | None, entity_form: bool) -> Node:
        members = self.members(area, parent_id)
        if area.key and not entity_form and not area.entity_collection:
            return self.references(area, members)
        return self.entities(area, members)

    # -- single documents and services -------------------------------------------------------------

    def single(self, single: Single, parent_id: str | None, url: str) -> Node:
        parent = single.parent
        found: list[Node | None] = []
        name = "document"
        if parent is not None and parent_id is not None:
            name = self.est.name_of(parent, parent_id)
            found.append(link("Up", self.href(parent, parent_id), self.ref_type(parent), name))
        base = url.split("?", 1)[0]
        found += self._action_links(single.actions, base, False)
        node = el(single.root, None, self._kept(single.type, found),
                  *self._filler(f"{single.path}:{parent_id}", name).children(single.root, ("Links", PAGING)))
        known = facts().attributes(single.root)
        node.attrs.update({k: v for k, v in (("Href", url), ("Type", single.type)) if k in known})
        if PAGING in facts().children(single.root):  # a paged list: its one page (the mock lists no entries)
            page, size = requested_page(url, LIST_PAGE_SIZE)
            node.children.append(paging_info(page, size, 1, lambda number: at_page(url, size, number)))
        return node

    def service(self, service: Service, session_href: str) -> Node:
        found: list[Node | None] = [link("Up", session_href, "LogonSession")]
        for path in service.downs:
            found += self.down_links(path)
        found += [link(rel, self.v.href(path)) for rel, path in service.links.items()]
        node = el(service.root, None, self._kept(service.type, found))
        known = facts().attributes(service.root)
        node.attrs.update({k: v for k, v in (("Href", self.v.href(service.path)), ("Type", service.type)) if k in known})
        return node

    def session_links(self) -> list[Node]:
        """What a logon session leads to beyond the key resources: services and areas no service lists."""
        listed = {p for s in self.surface.services.values() for p in s.downs}
        out: list[Node] = []
        for area in self.surface.top_areas():
            if area.path not in listed and area.in_session:
                out += self.down_links(area.path)
        for path in self.surface.services:
            out += self.down_links(path)
        return out

    def down_links(self, path: str) -> list[Node]:
        """Links to a top-level area (both forms) or service, as a session or service lists them."""
        if not self.served(path):
            return []
        if path in self.surface.services:
            service = self.surface.services[path]
            return [link("Down", self.v.href(path), service.type)]
        if path in self.surface.listings:
            listed = self.surface.listings[path].of
            return [link("Down", self.v.href(path), f"{self.type_of(listed)}ReferenceList")]
        area = self.surface.areas[path]
        if not area.key:
            return [link("Down", self.v.href(path), area.down_type)]
        out = [link("Down", self.v.href(path), area.down_type)]
        if area.list:
            out.append(link("Down", self.v.href(f"{path}?format=Entity"), f"{area.type}List"))
        return out
