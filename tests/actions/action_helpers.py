"""Helpers of the action phase's tests: XML bodies and links."""

from __future__ import annotations

from lxml import etree

NS = {"v": "http://www.veeam.com/ent/v1.0"}
XML = {"Content-Type": "application/xml"}


def xml(response) -> etree._Element:
    return etree.fromstring(response.content)


def spec(name: str, *children: tuple[str, str], namespace: str = NS["v"]) -> bytes:
    """A request body: `<name>` in the API's namespace with simple children, in the order given."""
    inner = "".join(f"<{k}>{v}</{k}>" for k, v in children)
    return f'<{name} xmlns="{namespace}">{inner}</{name}>'.encode()


def links(node: etree._Element, rel: str) -> list[str]:
    return [l.get("Href") for l in node.findall("v:Links/v:Link", NS) if l.get("Rel") == rel]


def text(node: etree._Element, name: str) -> str | None:
    return node.findtext(f"v:{name}", namespaces=NS)
