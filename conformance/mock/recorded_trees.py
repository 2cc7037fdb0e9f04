"""Recorded bodies read into the mock's document trees, so that its faults act on a replay too.

A fault edits a `Node` tree; the mock builds one per answer, a replay reads one from the recorded
body. XML reads as it is written (numbers and booleans typed, as the mock builds them, so a fault
comparing a `StatusCode` to 401 meets one). JSON reads by the vendor's convention the mock renders:
a scalar property is an attribute (`Type`, `Href`, `Name`, `UID` where faults look for them), an
object is a child element, `Links` holds `Link`s, and a document's sole array holds its items. Each
tree is written back in its own format, keys in the order they came; the replay writes back only
trees a fault changed, and serves every other answer byte for byte as recorded.
"""

from __future__ import annotations

import json
from typing import Any

from lxml import etree

from ..model.parsing import json_root, parse_xml
from .tree import Node

__all__ = ["JsonTree", "json_tree", "xml_tree"]


def _scalar(text: str) -> Any:
    """The typed value the mock would have built for a recorded lexical form."""
    if text in ("true", "false"):
        return text == "true"
    if text.isdigit() and (text == "0" or not text.startswith("0")):
        return int(text)
    return text


def _from_element(element: etree._Element) -> Node:
    node = Node(etree.QName(element).localname,
                {etree.QName(k).localname: _scalar(v) for k, v in element.attrib.items()})
    children = [child for child in element if isinstance(child.tag, str)]
    node.children = [_from_element(child) for child in children]
    if not children and element.text is not None:
        node.text = _scalar(element.text)
    return node


def xml_tree(body: bytes) -> Node:
    """The tree of a recorded XML body (hardened parsing: a body that does not parse raises ParseError)."""
    return _from_element(parse_xml(body))


def _singular(key: str) -> str:
    if key.endswith("ies"):
        return key[:-3] + "y"
    if key.endswith(("sses", "xes", "ches", "shes")):
        return key[:-2]
    return key[:-1] if key.endswith("s") else key


class JsonTree:
    """A JSON document as a tree, and back; the order of each object's keys is kept."""

    def __init__(self, doc: Any):
        self.order: dict[int, list[str]] = {}
        self.arrays: set[int] = set()
        """Nodes read from an array beside other arrays (`IncludedIndexingFolders` and
        `ExcludedIndexingFolders`): written back as the array they were, empty or not."""
        self.root = self._node(doc, json_root(doc))

    def _node(self, value: Any, name: str) -> Node:
        if isinstance(value, list):
            node = Node(name, items=name)
            node.children = [self._node(item, _singular(name)) for item in value]
            self.arrays.add(id(node))
            return node
        if not isinstance(value, dict):
            return Node(name, text=value)
        node = Node(name)
        self.order[id(node)] = list(value)
        arrays = [key for key, item in value.items() if isinstance(item, list) and key != "Links"]
        for key, item in value.items():
            if key == "Links":
                node.children.append(Node("Links", items="Link", children=[
                    Node("Link", dict(link)) for link in item or () if isinstance(link, dict)]))
            elif isinstance(item, list) and len(arrays) == 1:  # a document's or wrapper's sole array: its items
                node.items = key
                node.children += [self._node(entry, _singular(key)) for entry in item]
            elif isinstance(item, dict | list):
                node.children.append(self._node(item, key))
            else:
                node.attrs[key] = item
        if len(arrays) == 1 and node.items is None:
            node.items = arrays[0]
        return node

    def value(self, node: Node) -> Any:
        """The JSON value of a (possibly edited) node."""
        if node.missing:
            return None
        if id(node) in self.arrays:
            return [self.value(child) for child in node.children]
        if not node.children and not node.attrs and node.items is None and id(node) not in self.order:
            return node.text
        if node.name == "Links" and node.items == "Link":
            return [dict(link.attrs) for link in node.children] or None
        fields: dict[str, Any] = {}
        items: list[Any] = []
        for child in node.children:
            if node.items is not None and child.name == _singular(node.items) and child.name != "Links":
                items.append(self.value(child))
            else:
                fields[child.name] = self.value(child)
        fields.update(node.attrs)
        if node.text is not None and node.attrs:
            fields["Value"] = node.text
        if node.items is not None:
            fields[node.items] = items  # an array it was read from, `[]` when it had nothing
        order = self.order.get(id(node), [])
        known = [key for key in order if key in fields]
        return {key: fields[key] for key in [*known, *(k for k in fields if k not in order)]}

    def dumps(self) -> bytes:
        return json.dumps(self.value(self.root), ensure_ascii=False, indent=1).encode("utf-8")


def json_tree(body: bytes) -> JsonTree:
    """The tree of a recorded JSON body (ValueError when it is not JSON)."""
    return JsonTree(json.loads(body))
