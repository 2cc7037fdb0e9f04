"""A server crawled as JSON (`--format json`) is judged in JSON by every rule that can read it,
and the JSON form of a server crawled as XML is held to the same schemas."""

from __future__ import annotations

import pytest
from end_to_end import crawl_mock, judge

from conformance.model.parsing import media_kind


@pytest.fixture(scope="module")
def clean_json_crawl():
    return crawl_mock(size=3, surface="key", actions="none", form="json")


def test_the_clean_mock_crawled_as_json_is_conformant(clean_json_crawl):
    found = {key: [f.actual for f in items[:2]] for key, items in judge(clean_json_crawl).items() if items}
    assert found == {}


def test_every_answer_of_a_json_crawl_is_json_and_validated_by_the_schemas(clean_json_crawl):
    readable = [res for res in clean_json_crawl if res.error is None]
    assert readable and {media_kind(res.content_type) for res in readable} == {"json"}
    assert clean_json_crawl.meta["format"] == "json"
    assert [res.url for res in readable if not res.validated] == []


def test_json_documents_group_into_the_items_of_their_xml_forms(clean_json_crawl):
    """What the JSON alone cannot name (an Error has no Type, a list has only its array) the schemas do,
    so every resource is judged under the same item (rule x resource type) in either form."""
    xml_crawl = crawl_mock(size=3, surface="key", actions="none")
    as_xml = {res.url: res.kind for res in xml_crawl if res.error is None}
    as_json = {res.url: res.kind for res in clean_json_crawl if res.error is None}
    assert as_json.keys() == as_xml.keys()
    assert {url: (as_xml[url], kind) for url, kind in as_json.items() if as_xml[url] != kind} == {}


@pytest.mark.parametrize("form", ["xml", "json"])
def test_a_misspelt_json_member_fails_the_schema_rule_alone_in_either_crawl(form):
    found = judge(crawl_mock(["json_member_misspelt"], size=3, surface="key", actions="none", form=form))
    failing = {key: items for key, items in found.items() if items}
    assert set(failing) == {("SCH001", "Job")}
    assert {f.actual for f in failing[("SCH001", "Job")]} == {
        "$.Platfrom: member 'Platfrom' is not declared for Job (did you mean Platform?)"}
    assert all("Accept: application/json" in f.reproduction for f in failing[("SCH001", "Job")])


def test_the_format_comes_from_the_environment_too_and_the_run_says_so(tmp_path):
    """`conformance run` with CONFORMANCE_FORMAT=json: the whole crawl in JSON, the misspelt member its finding."""
    import json
    import os
    import subprocess
    import sys

    env = {**os.environ, "CONFORMANCE_FORMAT": "json"}
    result = subprocess.run([sys.executable, "-m", "conformance", "run", "--size", "1", "--surface", "key",
                             "--actions", "none", "--fault", "json_member_misspelt", "--json", "r.json"],
                            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 1, result.stdout[-3000:] + result.stderr[-2000:]
    results = json.loads((tmp_path / "r.json").read_text())
    assert {(f["rule"], f["kind"]) for f in results["findings"]} == {("SCH001", "Job")}
    assert "Accept: application/json" in results["findings"][0]["reproduction"]
