"""Documents of the key resources: reference and entity forms of items and of collections."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .area_docs import Docs
from .fields import FIELDS
from .hrefs import View
from .kinds import KINDS, Kind
from .tree import Node, el, link, links

__all__ = ["entity", "entity_list", "ref_item", "reference", "references"]


Ups = tuple[tuple[str, str, str], ...]
"""The items an item links Up to, each as (kind path, id, name)."""


def _ups(v: View, kind: Kind, obj: Any) -> Ups:
    out = []
    for parent_path, parent_id in kind.ups(v.ds, obj):
        parent = KINDS[parent_path]
        out.append((parent_path, parent_id, parent.name(v.ds, parent.items(v.ds)[parent_id])))
    return tuple(out)


def _up_links(v: View, ups: Ups) -> list[Node]:
    return [link("Up", v.item(KINDS[path], id_), f"{KINDS[path].entity}Reference", name) for path, id_, name in ups]


def _shown(v: View, kind: Kind, obj: Any) -> tuple[str, ...]:
    """The records of another table an entity shows whole: a job's VMs. Their ids tell them, as a
    VM is only ever added or removed, never changed."""
    return tuple(v.ds.kids("job.includes", obj.id)) if kind.path == "jobs" else ()


def _names(v: View) -> tuple[tuple[Any, ...], ...]:
    """The records writes change whose names items of every kind show (in their own name or in
    their Up links): the backup servers and the jobs."""
    return tuple(v.ds.backup_servers.values()), tuple(v.ds.jobs.values())


def _related_links(v: View, kind: Kind, obj: Any) -> list[Node]:
    out = []
    for target_path, target_id, entity_form in kind.related(v.ds, obj):
        target = KINDS[target_path]
        name = target.name(v.ds, target.items(v.ds)[target_id])
        if entity_form:
            out.append(link("Related", v.entity(target, target_id), target.entity, name))
        else:
            out.append(link("Related", v.item(target, target_id), f"{target.entity}Reference", name))
    return out


def _own_links(v: View, kind: Kind, obj: Any, name: str) -> list[Node | None]:
    """Edit/Delete, Down to children, Create, Related and the actions of an entity."""
    href, ref_type = v.item(kind, obj.id), f"{kind.entity}Reference"
    out: list[Node | None] = [
        link("Edit", href, ref_type, name) if kind.editable else None,
        link("Delete", href, ref_type) if kind.deletable else None,
    ]
    out += [link("Down", f"{href}/{sub.segment}", f"{KINDS[sub.kind].entity}ReferenceList") for sub in kind.subs
            if v.contract.serves(KINDS[sub.kind])]
    if kind.path == "jobs":  # the VMs of a job are a non-key sub-resource, listed and created at /includes
        out += [link("Down", f"{href}/includes", "ObjectInJobList"), link("Create", f"{href}/includes", "ObjectInJob")]
    out += _related_links(v, kind, obj)
    out += Docs(v, None).child_links(kind.path, obj.id)
    out += [link(a.rel, f"{href}?action={a.action}") for a in kind.actions
            if a.applies(obj) and v.contract.offers(kind, a)]
    return out


def _reference(v: View, kind: Kind, obj: Any, tag: str) -> Node:
    name, ups = kind.name(v.ds, obj), _ups(v, kind, obj)

    def build() -> Node:
        alternate = link("Alternate", v.entity(kind, obj.id), kind.entity, name)
        return el(tag, None, links(*_up_links(v, ups), alternate),
                  Type=f"{kind.entity}Reference", Href=v.item(kind, obj.id), Name=name, UID=kind.uid(obj.id))

    return v.keep((tag, kind.path, obj.id), (obj, name, ups), build)


def reference(v: View, kind: Kind, obj: Any) -> Node:
    """`EntityRef`: the default form of an item, with its Up links and the Alternate entity form."""
    return _reference(v, kind, obj, "EntityRef")


def ref_item(v: View, kind: Kind, obj: Any) -> Node:
    """A `Ref`: the reference form as an item of a list."""
    return _reference(v, kind, obj, "Ref")


def entity(v: View, kind: Kind, obj: Any) -> Node:
    """The entity form: root named after the resource, the full link set, then its fields."""
    name, ups, shown = kind.name(v.ds, obj), _ups(v, kind, obj), _shown(v, kind, obj)

    def build() -> Node:
        alternate = link("Alternate", v.item(kind, obj.id), f"{kind.entity}Reference", name)
        node = el(kind.entity, None, links(*_up_links(v, ups), alternate, *_own_links(v, kind, obj, name)),
                  *FIELDS[kind.path](v, obj),
                  Type=kind.entity, Href=v.entity(kind, obj.id), Name=name, UID=kind.uid(obj.id))
        node.attrs.update(kind.attrs(obj))
        return node

    return v.keep((kind.entity, kind.path, obj.id), (obj, name, ups, shown), build, 1 + len(shown))


def references(v: View, kind: Kind, objs: Iterable[Any], key: tuple[str, ...] | None = None) -> Node:
    """`EntityReferences`: one `Ref` per item, each with the links of the reference form. A list
    with a `key` (the collection it is) is kept while its items and the names they show stay."""
    items = tuple(objs)

    def build() -> Node:
        return el("EntityReferences", None, *(ref_item(v, kind, o) for o in items), items="Ref")

    if key is None:
        return build()
    return v.keep(("EntityReferences", kind.path, *key), (items, _names(v)), build, 1 + len(items))


def entity_list(v: View, kind: Kind, objs: Iterable[Any], key: tuple[str, ...] | None = None) -> Node:
    """The plural entity list (`Jobs`, `BackupServers`, ...) of a collection's `?format=Entity`; kept
    as `references` is, and while each job shows the same VMs."""
    items = tuple(objs)

    def build() -> Node:
        return el(kind.plural, None, *(entity(v, kind, o) for o in items), items=kind.entity)

    if key is None:
        return build()
    shown = tuple(_shown(v, kind, o) for o in items)
    return v.keep((kind.plural, kind.path, *key), (items, _names(v), shown), build,
                  1 + len(items) + sum(map(len, shown)))
