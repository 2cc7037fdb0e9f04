"""The rules that judge a document by its root alone hold on the vendor's own examples: the Type on
a root names that root, a UID names its type and its id, and an Href is a URL of the Type.
Complete documents are judged whole; of a cut-off one, its root's start tag, when the page gives
all of it. What the rules do find there are defects of the pages, listed in vendor_defects.toml
with what is wrong."""

from __future__ import annotations

import re

import pytest
from vendor_pages import Example, defects, examples

from conformance.contract.profiles import load_profile
from conformance.model.parsing import media_kind, parse_body
from conformance.model.snapshot import Resource, Snapshot
from conformance.model.urls import normalise_url
from conformance.rules import RULES, RuleContext, run_rule

ROOT = "https://localhost:9398/api/"
RULE_IDS = ("TYP005", "TYP006", "TYP007")
MEDIA = {"xml": "application/xml", "json": "application/json"}
PROFILE = load_profile("v1_7")

# What the rules do find there are the defects listed in vendor_defects.toml, with the reasons.
PAGE_DEFECTS: dict[str, set[str]] = {}
for _example, _rule in defects():
    if _rule in RULE_IDS:
        PAGE_DEFECTS.setdefault(_example, set()).add(_rule)

EXAMPLES = examples()
START_TAG = re.compile(r"^(?:<\?xml[^>]*\?>)?\s*<(\w+)((?:\s+[\w:]+=\"[^\"]*\")*)\s*/?>")
ATTRIBUTE = re.compile(r'([\w:]+)="([^"]*)"')


def _url(href: str | None, example: Example) -> str:
    return normalise_url(href) if href and href.startswith("http") else f"{ROOT}{example.name}"


def resource_of(example: Example) -> Resource | None:
    """The example as the crawl would record it; a fragment by its root's start tag, or None."""
    content_type = MEDIA[example.media]
    if example.complete:
        doc, _ = parse_body(example.body.encode(), content_type)
        return Resource(_url(doc.href, example), 200, content_type, doc.root, doc.type, doc.href, doc.name, doc.uid,
                        doc.links, doc.members)
    tag = START_TAG.match(example.body) if example.media == "xml" else None
    if tag is None or tag.group(1) in ("Link", "Links"):
        return None  # a link is no representation
    attrs = dict(ATTRIBUTE.findall(tag.group(2)))
    return Resource(_url(attrs.get("Href"), example), 200, content_type, tag.group(1), attrs.get("Type"),
                    attrs.get("Href"), attrs.get("Name"), attrs.get("UID"))


JUDGED = [(ex, res) for ex in EXAMPLES if (res := resource_of(ex)) is not None]


def broken_rules(res: Resource) -> set[str]:
    snapshot = Snapshot(ROOT)
    snapshot.add(res)
    ctx = RuleContext(snapshot, PROFILE)
    return {f.rule_id for rule_id in RULE_IDS for f in run_rule(RULES[rule_id], ctx, [res])}


pages = pytest.mark.skipif(not EXAMPLES, reason="the vendor's pages are not on this machine")


@pages
def test_the_vendor_examples_break_no_rule_on_their_own_but_for_the_page_defects_listed():
    found = {ex.name: broken for ex, res in JUDGED if (broken := broken_rules(res))}
    assert found == PAGE_DEFECTS


@pages
def test_the_examples_judged_hold_uids_of_both_forms_in_xml_and_json():
    with_uid = [res for _, res in JUDGED if res.uid]
    assert sum(1 for r in with_uid if r.root == "EntityRef") >= 40
    assert sum(1 for r in with_uid if r.type and not r.type.endswith("Reference")) >= 80
    assert sum(1 for r in with_uid if media_kind(r.content_type) == "json") >= 5
