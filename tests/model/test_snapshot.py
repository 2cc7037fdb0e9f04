"""The snapshot: links read once against their document, one copy of what repeats, and a file that
is written and read one record at a time and loads back what was saved."""

from __future__ import annotations

import json

import pytest

from conformance.model.links import Link
from conformance.model.records import ActionEvidence, Exchange, Probe
from conformance.model.snapshot import SNAPSHOT_FORMAT, Resource, Snapshot

ROOT = "https://em.test:9398/api/"
JOBS = ROOT + "jobs"
JOB = ROOT + "jobs/1"


def job(url: str = JOB, *links: Link, **kw) -> Resource:
    return Resource(url, 200, "application/xml", "EntityRef", "JobReference", href=url, links=links, **kw)


def test_a_resource_reads_each_href_and_owner_against_its_own_url_once():
    res = Resource(JOBS, 200, root="EntityReferences", links=(Link("Up", "./", "EnterpriseManager", owner=JOBS),),
                   members=(Link(None, "jobs/2?b=1&a=2", "JobReference"), Link(None, "https://EM.test:9398/api/x#f")))
    assert res.links[0].url == ROOT and res.links[0].owner_url == JOBS
    assert [m.url for m in res.members] == [ROOT + "jobs/2?a=2&b=1", ROOT + "x"]  # normalised, as the crawl keys URLs
    assert Resource(JOBS, 200, members=(Link(None, "http://a\\@b/"),)).members[0].url is None  # no single reading


def test_a_link_already_read_keeps_its_reading_and_equality_ignores_it():
    read = job(JOB, Link("Up", "../", "EnterpriseManager")).links[0]
    again = Resource(JOBS + "/elsewhere/", 200, links=(read,)).links[0]
    assert again is read and again.url == ROOT
    assert read == Link("Up", "../", "EnterpriseManager")  # a finding's link compares as the server wrote it


def test_equal_links_and_texts_of_different_resources_are_kept_once():
    snap = Snapshot(ROOT)
    first = snap.add(job(JOB, Link("Up", ROOT, "EnterpriseManager", owner=JOB)))
    second = snap.add(job(ROOT + "jobs/2", Link("Up", ROOT, "EnterpriseManager", owner=JOB)))
    assert second.links[0] is first.links[0]
    collection = snap.add(Resource(JOBS, 200, members=(Link(None, "".join(["https://em.test:9398/api/", "jobs/1"])),)))
    assert collection.members[0].href is first.url and collection.members[0].url is first.url


def test_a_relative_href_read_against_another_document_is_not_shared():
    snap = Snapshot(ROOT)
    a = snap.add(Resource(ROOT + "a/", 200, links=(Link("Down", "x", "X"),)))
    b = snap.add(Resource(ROOT + "b/", 200, links=(Link("Down", "x", "X"),)))
    assert (a.links[0].url, b.links[0].url) == (ROOT + "a/x", ROOT + "b/x")


def full_snapshot() -> Snapshot:
    snap = Snapshot(ROOT, meta={"profile": "v1_7", "complete": True})
    snap.add(Resource(JOBS, 200, "application/xml", "EntityReferences", "JobReferenceList", JOBS,
                      links=(Link("Up", "./", "EnterpriseManager", owner=JOBS),),
                      members=(Link(None, "jobs/1", "JobReference", "nightly"),), elapsed_ms=1.5, size=300))
    snap.add(job(JOB, Link("Alternate", JOB + "?format=Entity", "Job", "nightly", JOB),
                 via=Link(None, "jobs/1", "JobReference", "nightly"), schema_errors=("line 3: /x: not expected",),
                 excerpt="<EntityRef ...", validated=True))
    snap.add(Resource(ROOT + "gone", 404, "application/xml", error="HTTP 404", excerpt="<Error/>"))
    snap.probes.append(Probe("json", JOB, "GET", JOB, (("Accept", "application/json"),), 200, "application/json",
                             "JobReference", links=(Link("Alternate", JOB + "?format=Entity", "Job", owner=JOB),)))
    snap.actions.append(ActionEvidence("valid", "Start", JOB, JOB + "?action=start", "valid",
                                       (Exchange("action", "POST", JOB + "?action=start", status=202, root="Task"),),
                                       expected_status=202, before=(("State", "Stopped"),)))
    return snap


def test_a_saved_snapshot_loads_back_what_was_saved(tmp_path):
    snap = full_snapshot()
    snap.save(tmp_path / "s.jsonl")
    back = Snapshot.load(tmp_path / "s.jsonl")
    assert (back.root_url, back.meta) == (snap.root_url, snap.meta)
    assert [r.to_dict() for r in back] == [r.to_dict() for r in snap]
    assert [[link.url for link in r.links + r.members] for r in back] == [
        [link.url for link in r.links + r.members] for r in snap]
    assert back.probes == snap.probes and back.actions == snap.actions
    assert back.probes_for(JOB, "json") == snap.probes and back.actions_for(JOB) == snap.actions


def test_the_file_has_one_record_per_line_after_a_header(tmp_path):
    full_snapshot().save(tmp_path / "s.jsonl")
    lines = [json.loads(line) for line in (tmp_path / "s.jsonl").read_text(encoding="utf-8").splitlines()]
    assert lines[0]["format"] == SNAPSHOT_FORMAT and lines[0]["root_url"] == ROOT
    assert [next(iter(line)) for line in lines[1:]] == ["resource", "resource", "resource", "probe", "action"]
    gone = lines[3]["resource"]
    assert gone == {"url": ROOT + "gone", "status": 404, "content_type": "application/xml", "error": "HTTP 404",
                    "excerpt": "<Error/>"}  # what a field holds by default is left out


def test_a_file_of_another_format_or_a_damaged_line_is_refused_by_name(tmp_path):
    old = tmp_path / "old.json"
    old.write_text(json.dumps({"format": "conformance-snapshot/1", "root_url": ROOT, "resources": []}, indent=1))
    with pytest.raises(ValueError, match=r"old.json: not a conformance-snapshot/2 file \(no header line\)"):
        Snapshot.load(old)
    damaged = tmp_path / "damaged.jsonl"
    full_snapshot().save(damaged)
    damaged.write_text(damaged.read_text(encoding="utf-8") + '{"resource": {"status": 200}}\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"damaged.jsonl, line 7: not a snapshot record"):
        Snapshot.load(damaged)


def test_probes_and_actions_are_found_by_url_as_they_arrive():
    snap = full_snapshot()
    assert [p.name for p in snap.probes_for(JOB, "json")] == ["json"]
    snap.probes.append(Probe("anonymous", JOB, "GET", JOB, status=401, root="Error"))
    assert [p.name for p in snap.probes_for(JOB, "anonymous")] == ["anonymous"]
    assert snap.actions_for(JOBS) == []


def test_kinds_follow_the_resources_added():
    snap = full_snapshot()
    assert list(snap.kinds()) == ["HTTP404", "JobReference", "JobReferenceList"]
    snap.add(job(ROOT + "jobs/2"))
    assert [r.url for r in snap.kinds()["JobReference"]] == [JOB, ROOT + "jobs/2"]


def test_a_snapshot_shows_its_size_not_its_records():
    assert repr(full_snapshot()) == f"<Snapshot of {ROOT}: 3 resources, 1 probes, 1 action records>"


def test_once_settled_a_snapshot_still_takes_records():
    snap = full_snapshot()
    snap.settle()
    later = snap.add(job(ROOT + "jobs/9", Link("Up", "../", "EnterpriseManager")))
    assert snap.get(ROOT + "jobs/9") is later and later.links[0].url == ROOT
