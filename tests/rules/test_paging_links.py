"""Paging links (First, Previous, Next, Last in a result's PagingInfo): what the suite expects of them.

Servers of every version write them without a Type, and that is no finding in any profile; what
PRT009 holds them to is where they lead: another page of the same query, within PagesCount,
numbered from PageNum, answering the page they name.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conformance.contract.profiles import load_profile
from conformance.errors import ProfileError
from conformance.model.links import Link
from conformance.model.parsing import Paging, parse_body
from conformance.model.snapshot import Resource, Snapshot
from conformance.model.urls import normalise_url
from conformance.rules import RULES, RuleContext, run_rule

R = "https://em.test/api/"
Q = R + "query?type=Job&format=Entities&filter=Name%3D%3Dx&pageSize=2"


def page(number: int, count: int, *links: Link, url: str | None = None, size: int = 2) -> Resource:
    return Resource(url or f"{Q}&page={number}", 200, "application/xml", "QueryResult", links=links,
                    paging=Paging(str(number), str(size), str(count)))


def at(rel: str, number: int, query: str = Q) -> Link:
    return Link(rel, f"{query}&page={number}")


def findings(rule_id: str, res: Resource, *others: Resource, profile: str = "v1_7") -> list[str]:
    snap = Snapshot(R)
    for one in (res, *others):
        snap.add(one)
    ctx = RuleContext(snap, load_profile(profile))
    return [f"{f.link.rel if f.link else ''}: {f.expected} / {f.actual}" for f in run_rule(RULES[rule_id], ctx, [res])]


MIDDLE = page(2, 3, at("First", 1), at("Previous", 1), at("Next", 3), at("Last", 3))


@pytest.mark.parametrize("profile", ["v1_5", "v1_6", "v1_7"])
def test_typeless_paging_links_as_every_server_writes_them_are_no_finding_in_any_profile(profile):
    for rule_id in ("LNK004", "LNK005", "PRT009", "TYP001"):
        assert findings(rule_id, MIDDLE, profile=profile) == [], rule_id


def test_a_profile_that_makes_a_rel_both_typed_and_paging_is_refused(tmp_path: Path):
    text = load_profile("v1_7").source.read_text(encoding="utf-8")
    broken = tmp_path / "broken.toml"
    broken.write_text(text.replace('typed = ["Alternate", "Down", "Edit", "Related", "Up"]',
                                   'typed = ["Alternate", "Down", "Edit", "Next", "Related", "Up"]'), encoding="utf-8")
    with pytest.raises(ProfileError, match="both 'typed' and 'paging'.*Next"):
        load_profile(str(broken))


def test_last_is_pages_count_and_no_link_leads_past_it():
    assert findings("PRT009", page(2, 3, at("First", 1), at("Last", 4))) == ["Last: page=3 / page=4"]
    # On the last page a Next is one step on, and past the last page.
    assert findings("PRT009", page(3, 3, at("Next", 4))) == ["Next: a page within PagesCount=3 / page=4"]
    assert findings("PRT009", page(1, 3, at("Previous", 0))) == ["Previous: a page number (page=1 or more) / page=0"]


def test_next_and_previous_step_one_page_from_page_num_not_from_the_url():
    # The URL asks for no page; the result says it is page 2: Next is 3.
    res = page(2, 5, at("Previous", 1), at("Next", 4), url=Q)
    assert findings("PRT009", res) == ["Next: page=3 / page=4"]


def test_an_empty_result_is_one_page():
    assert findings("PRT009", page(1, 0, at("First", 1), at("Last", 1))) == []


def test_a_paging_link_keeps_path_query_and_page_size():
    other_path = Link("Next", R.replace("/api/", "/api/jobs") + "?type=Job&page=3")
    dropped = at("Next", 3, Q.replace("&filter=Name%3D%3Dx", ""))
    resized = at("Previous", 1, Q.replace("pageSize=2", "pageSize=5"))
    found = findings("PRT009", page(2, 3, other_path, dropped, resized))
    assert found[0].startswith("Next: a page of /api/query")
    assert found[1].startswith("Next: the query kept") and "'filter'" in found[1]
    assert any("pageSize=2 (the PageSize of this result)" in f for f in found[2:])


def test_a_page_the_crawl_followed_answers_the_page_its_link_names():
    target = page(3, 3, url=normalise_url(f"{Q}&page=3"))  # as the crawl records what it fetched
    wrong = Resource(target.url, 200, "application/xml", "QueryResult", paging=Paging("1", "2", "3"))
    assert findings("PRT009", MIDDLE, target) == []
    assert findings("PRT009", MIDDLE, wrong) == [f"Next: page 3 / {target.url} answers PageNum=1",
                                                  f"Last: page 3 / {target.url} answers PageNum=1"]
    elsewhere = Resource(target.url, 200, "application/xml", "Error")
    assert findings("PRT009", MIDDLE, elsewhere)[0].endswith(f"{target.url} returns Error")


def test_a_saved_result_without_its_url_is_held_to_the_query_its_first_link_names():
    saved = page(1, 2, at("First", 1), at("Next", 2, Q.replace("Name", "Other")), url="file:///tmp/result.xml")
    found = findings("PRT009", saved)
    assert len(found) == 1 and found[0].startswith("Next: the query kept")


def test_paging_counters_are_read_from_xml_attributes_and_json_properties():
    xml = (b'<QueryResult xmlns="http://www.veeam.com/ent/v1.0"><Refs/><PagingInfo PageNum="2" PageSize="5" '
           b'PagesCount="4"><Links><Link Rel="First" Href="https://em.test/api/query?type=Job&amp;page=1"/></Links>'
           b'</PagingInfo></QueryResult>')
    doc, _ = parse_body(xml, "application/xml")
    assert doc.paging == Paging("2", "5", "4") and [l.rel for l in doc.links] == ["First"]
    body = json.dumps({"Refs": {"Refs": []}, "PagingInfo": {"Links": [{"Rel": "Last", "Href": Q + "&page=4"}],
                                                           "PageNum": 2, "PageSize": 5, "PagesCount": 4}})
    doc, _ = parse_body(body.encode(), "application/json")
    assert doc.paging == Paging("2", "5", "4") and doc.links[0].owner is None
    assert parse_body(b'<Job xmlns="http://www.veeam.com/ent/v1.0"/>', "application/xml")[0].paging is None


def test_paging_counters_survive_the_snapshot_file(tmp_path: Path):
    snap = Snapshot(R)
    snap.add(MIDDLE)
    path = tmp_path / "snap.jsonl"
    snap.save(path)
    assert Snapshot.load(path).get(MIDDLE.url).paging == Paging("2", "2", "3")
