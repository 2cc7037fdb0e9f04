"""A root element no loaded schema declares is a gap in what was checked, not a violation; one they
declare in another namespace (or in one, where it has none) is a violation.

The schemas can only judge documents whose root they declare as a global element (namespace and
name). Every path that validates (the crawl, the offline check, the action phase) takes the same
decision, SCH001 lists such documents as not checked, and every report lists the gap.
"""

import asyncio
from types import SimpleNamespace

import pytest
from hand_api import NS, ROOT, HandApi
from lxml import etree

from conformance.actions.wire import _element_facts
from conformance.contract.profiles import load_profile
from conformance.contract.schema import load_schemas
from conformance.crawl.client import Target, build_client
from conformance.crawl.crawler import crawl
from conformance.model.snapshot import Snapshot
from conformance.report.html import summary_html
from conformance.report.results import build_results
from conformance.report.text import summary_lines
from conformance.rules import RULES, RuleContext, run_rule
from conformance.run.offline import snapshot_of_file

XS = "http://www.w3.org/2001/XMLSchema"
T = "urn:t"
API = "https://em.test:9398/api/"
LAX = ('<xs:complexType><xs:sequence><xs:any processContents="skip" minOccurs="0" maxOccurs="unbounded"/>'
       '</xs:sequence><xs:anyAttribute processContents="skip"/></xs:complexType>')
STRICT = ('<xs:complexType><xs:sequence><xs:element name="X" minOccurs="0"/></xs:sequence>'
          '<xs:anyAttribute processContents="skip"/></xs:complexType>')


def _schema(folder, namespace: str, lax: list[str], strict: list[str] = ()):
    """A schema folder: `part.xsd` declares the roots, `entry.xsd` only includes it."""
    decls = "".join(f'<xs:element name="{n}">{LAX}</xs:element>' for n in lax)
    decls += "".join(f'<xs:element name="{n}">{STRICT}</xs:element>' for n in strict)
    head = f'<xs:schema xmlns:xs="{XS}" targetNamespace="{namespace}" elementFormDefault="qualified">'
    folder.mkdir(exist_ok=True)
    (folder / "part.xsd").write_text(f"{head}{decls}</xs:schema>")
    (folder / "entry.xsd").write_text(f'{head}<xs:include schemaLocation="part.xsd"/></xs:schema>')
    return folder


@pytest.fixture
def partial(tmp_path):
    """Declares A (anything goes) and B (only an optional X), nothing else."""
    return _schema(tmp_path / "xsd", T, ["A"], ["B"])


def _saved(folder, documents: dict[str, str]):
    folder.mkdir(exist_ok=True)
    for name, text in documents.items():
        (folder / f"{name}.xml").write_text(text)
    return sorted(folder.glob("*.xml"))


@pytest.fixture
def snapshot(partial, tmp_path):
    files = _saved(tmp_path / "docs", {
        "a": f'<A xmlns="{T}" Href="{API}a/1"><Anything/></A>',
        "b": f'<B xmlns="{T}" Href="{API}b/1"><Y/></B>',
        "c1": f'<C xmlns="{T}" Href="{API}c/1"/>',
        "c2": f'<C xmlns="{T}" Href="{API}c/2"><Whatever/></C>',
    })
    schemas, snap = load_schemas(partial), Snapshot(API)
    for path in files:
        for res in snapshot_of_file(path, schemas, API):
            snap.add(res)
    return snap


def _sch001(snap: Snapshot, kind: str):
    ctx = RuleContext(snap, load_profile("v1_7"))
    resources = [r for r in snap if r.kind == kind]
    return list(run_rule(RULES["SCH001"], ctx, resources)), ctx.notes


def test_the_schemas_know_their_global_elements_by_namespace_across_includes(partial):
    schemas = load_schemas(partial / "entry.xsd")  # one file, as `--schema RestAPI.xsd` gives
    assert schemas.global_elements == {f"{{{T}}}A", f"{{{T}}}B"}
    assert schemas.check(etree.fromstring(f'<A xmlns="{T}"/>')).validated
    gap = schemas.check(etree.fromstring(f'<C xmlns="{T}"/>'))
    assert (gap.validated, gap.errors, gap.undeclared_root) == (False, (), "C")
    assert schemas.undeclared_root(etree.fromstring('<A xmlns="urn:other"/>')) == "{urn:other}A"
    assert schemas.undeclared_root(etree.fromstring("<A/>")) == "A (no namespace)"


@pytest.mark.parametrize("xml, where", [('<A xmlns="urn:other"/>', "in namespace 'urn:other'"),
                                        ("<A/>", "in no namespace")], ids=["another namespace", "none"])
def test_a_root_the_schemas_declare_in_another_namespace_is_a_violation_not_a_gap(partial, xml, where):
    verdict = load_schemas(partial).check(etree.fromstring(xml))
    assert verdict.validated and verdict.undeclared_root is None
    assert verdict.errors == (f"root element A is {where}; the schemas declare it in {T!r}",)


def test_a_root_no_schema_declares_under_any_namespace_stays_a_gap(partial):
    for xml in ('<C xmlns="urn:other"/>', "<C/>", f'<C xmlns="{T}"/>'):
        verdict = load_schemas(partial).check(etree.fromstring(xml))
        assert (verdict.validated, verdict.errors) == (False, ()) and verdict.undeclared_root


def test_a_document_moved_to_another_namespace_is_a_sch001_finding(partial, tmp_path):
    (path,) = _saved(tmp_path / "moved", {"a": f'<A xmlns="urn:other" Href="{API}a/1"><Anything/></A>'})
    snap = Snapshot(API)
    for res in snapshot_of_file(path, load_schemas(partial), API):
        snap.add(res)
    (finding,), notes = _sch001(snap, "A")
    assert finding.url == API + "a/1" and "namespace 'urn:other'" in finding.actual and notes == []


def test_a_document_with_an_undeclared_root_is_not_validated_and_not_a_finding(snapshot):
    c = snapshot.get(API + "c/1")
    assert (c.validated, c.undeclared_root, c.schema_errors) == (False, "C", ())
    found, notes = _sch001(snapshot, "C")
    assert found == []
    assert notes == [f"2 C document(s) not checked: no loaded schema declares their root element C (e.g. {API}c/1)"]


def test_a_document_with_a_declared_root_that_is_invalid_is_still_a_sch001_finding(snapshot):
    assert snapshot.get(API + "a/1").validated and _sch001(snapshot, "A") == ([], [])
    (finding,), notes = _sch001(snapshot, "B")
    assert finding.url == API + "b/1" and "Y" in finding.actual and notes == []
    assert "No matching global declaration" not in finding.actual


def test_every_report_lists_the_undeclared_roots_as_a_coverage_gap(snapshot, partial):
    run = SimpleNamespace(snapshot=snapshot, profile=load_profile("v1_7"), results={}, findings=[],
                          stale_waivers=[], settings=SimpleNamespace(fail_on="info", baseline=None, schema=partial))
    gap = {"root": "C", "resources": 2, "example": API + "c/1"}
    assert build_results(run)["coverage"]["undeclared_roots"] == [gap]
    line = f"not validated: no loaded schema declares the root element C (2 resource(s), e.g. {API}c/1)"
    assert line in summary_lines(run)
    assert f"<code>C</code> (2 resource(s), e.g. <code>{API}c/1</code>)" in summary_html(run)


def test_the_marker_survives_saving_and_loading_the_snapshot(snapshot, tmp_path):
    snapshot.save(tmp_path / "s.json")
    again = Snapshot.load(tmp_path / "s.json")
    assert again.get(API + "c/1") == snapshot.get(API + "c/1")
    assert again.get(API + "c/1").undeclared_root == "C"


def test_the_crawl_validates_only_the_roots_the_schemas_declare(tmp_path):
    schemas = load_schemas(_schema(tmp_path / "xsd", NS, ["EnterpriseManager", "LogonSession"]))
    target = Target(ROOT, "admin", "pw")

    async def go():
        async with build_client(target, transport=HandApi(width=2).transport()) as client:
            return await crawl(client, target, schemas=schemas)

    snap = asyncio.run(go())
    by_root = {r.root: r for r in snap}
    assert by_root["EnterpriseManager"].validated and by_root["LogonSession"].validated
    assert (by_root["Item"].validated, by_root["Item"].undeclared_root) == (False, "Item")
    assert by_root["EntityReferences"].undeclared_root == "EntityReferences"
    assert not any(r.schema_errors for r in snap)


def test_the_action_phase_takes_the_same_decision(partial):
    schemas = load_schemas(partial)
    assert _element_facts(etree.fromstring(f'<C xmlns="{T}"/>'), "C", schemas) == \
        {"schema_errors": (), "validated": False}
    facts = _element_facts(etree.fromstring(f'<B xmlns="{T}"><Y/></B>'), "B", schemas)
    assert facts["validated"] and facts["schema_errors"]
