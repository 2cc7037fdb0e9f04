"""`conformance learn`: a server's contract learned from its recordings, judged against, and compared
with its documentation (`conformance diff --profiles`)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from conformance.cli import main
from conformance.contract.profiles import load_profile
from conformance.report.profile_diff import diff_profiles


def _record(out: Path, *args: str) -> Path:
    assert main(["record", "--target", "mock", "--surface", "key", "--out", str(out), *args]) == 0
    return out


def _learn(out: Path, *recordings: Path) -> Path:
    assert main(["learn", *map(str, recordings), "--out", str(out)]) == 0
    return out


def _departures(profile: Path, documented: str = "v1_7") -> set[tuple[str, str, str, str]]:
    diff = diff_profiles(load_profile(documented), load_profile(str(profile)))
    return {(d.category, d.area, d.kind, d.subject) for d in diff.departures}


@pytest.fixture(scope="module")
def clean(tmp_path_factory) -> tuple[Path, Path]:
    """A recording of the key mock as it is, and the profile learned from it."""
    base = tmp_path_factory.mktemp("learn")
    recording = _record(base / "rec")
    return recording, _learn(base / "learned.toml", recording)


def test_the_mock_is_conformant_under_the_profile_learned_from_its_recording(clean, tmp_path):
    _, learned = clean
    proc = subprocess.run([sys.executable, "-m", "conformance", "run", "--target", "mock", "--surface", "key",
                           "--profile", str(learned), "--json", "r.json", "--html", "r.html"],
                          cwd=tmp_path, capture_output=True, text=True, env=dict(os.environ), timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    results = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert results["profile"] == "learned-v1_7"


def test_a_recording_is_checked_against_a_learned_profile_file(clean, tmp_path):
    recording, learned = clean
    assert main(["check", str(recording), "--profile", str(learned), "--json", str(tmp_path / "r.json"),
                 "--html", str(tmp_path / "r.html")]) == 0


def test_every_learned_fact_says_how_many_resources_showed_it(clean):
    _, learned = clean
    data = tomllib.loads(learned.read_text(encoding="utf-8"))
    profile = load_profile(str(learned))
    job = data["learned"]["kinds"]["Job"]
    assert job["resources"] >= 1 and job["example"].startswith("https://recording.invalid/api/jobs/")
    assert profile.kinds["Job"].required == {rel for rel, n in job["rels"].items() if n == job["resources"]}
    assert profile.kinds["Job"].optional == {rel for rel, n in job["rels"].items() if n < job["resources"]}
    assert data["api_version"] == "v1_7" and data["schemas"] == "v1_7"
    assert profile.resources["jobs/{id}"] == ("Job",)
    assert "Start" in profile.action_rels and "Down" in profile.typed_rels and "Start" not in profile.typed_rels
    assert profile.uid_form == "urn:veeam:{type}:{id}"
    assert data["learned"]["children"]["Job"]["children"]["JobType"] == data["learned"]["children"]["Job"]["documents"]
    assert "# " in learned.read_text(encoding="utf-8").split("[kinds.Job]")[1].splitlines()[1]


def test_the_mock_as_it_is_departs_from_its_documentation_only_where_its_recording_never_looked(clean):
    _, learned = clean
    diff = diff_profiles(load_profile("v1_7"), load_profile(str(learned)))
    assert diff.departures, "the key surface leaves most documented types unmet"
    assert {d.category for d in diff.departures} == {"documented, never served"}
    assert diff.exit_status == 0


@pytest.mark.parametrize(("fault", "departure"), [
    ("down_link_without_type", ("served differently", "untyped link", "Job", "Down")),
    ("job_without_clone", ("documented, never served", "required Rel", "Job", "Clone")),
    ("type_mismatch", ("served differently", "Type-to-root", "Backup", "")),
    ("uid_of_another_type", ("served differently", "UID form", "Backup", "")),
    ("undeclared_element", ("served, undocumented", "child element", "Job", "Undeclared")),
])
def test_a_fault_the_recording_holds_is_its_one_departure_from_the_documentation(clean, tmp_path, fault, departure):
    faulted = _learn(tmp_path / "learned.toml", _record(tmp_path / "rec", "--fault", fault))
    assert _departures(faulted) - _departures(clean[1]) == {departure}
    assert main(["diff", "--profiles", "v1_7", str(faulted), "--html", str(tmp_path / "d.html")]) == 1
    page = (tmp_path / "d.html").read_text(encoding="utf-8")
    assert departure[1] in page and "https://recording.invalid/api/" in page


def test_the_profile_diff_reads_in_a_terminal_with_an_example_url(clean, capsys):
    _, learned = clean
    assert main(["diff", "--profiles", "v1_7", str(learned)]) == 0
    out = capsys.readouterr().out
    assert "documented: v1_7" in out and "breaking a client: none" in out
    assert "e.g. https://recording.invalid/api/" in out


@pytest.fixture(scope="module")
def documented(tmp_path_factory) -> dict[str, Path]:
    """Profiles learned from recordings of the documented mock (every area it serves, size 10), per version."""
    base = tmp_path_factory.mktemp("documented")
    learned = {}
    for version in ("v1_6", "v1_7"):
        rec = base / f"rec_{version}"
        assert main(["record", "--target", "mock", "--size", "10", "--surface", "documented", "--profile", version,
                     "--out", str(rec)]) == 0
        learned[version] = _learn(base / f"{version}.toml", rec)
    return learned


def test_the_documented_mock_is_conformant_under_the_profile_learned_from_it(documented, tmp_path):
    proc = subprocess.run([sys.executable, "-m", "conformance", "run", "--target", "mock", "--size", "10",
                           "--surface", "documented", "--actions", "none", "--profile", str(documented["v1_7"]),
                           "--json", "r.json", "--html", "r.html"],
                          cwd=tmp_path, capture_output=True, text=True, env=dict(os.environ), timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert load_profile(str(documented["v1_7"])).type_roots["NasJob"] == ("NASJob",)


def test_two_versions_learned_apart_differ_as_the_versions_do(documented):
    """v1_7 added a job's linked jobs and repositories (tests/versions): their types, templates and the
    Types of a job's Down and Create links are what two learned contracts of the documented mock differ by."""
    learned = documented
    got = _departures(learned["v1_7"], str(learned["v1_6"]))
    assert got == {
        ("served, undocumented", "URL template", "", "jobs/{id}/linkedbackuprepositories/{id}"),
        ("served, undocumented", "URL template", "", "jobs/{id}/linkedjobs/{id}"),
        ("served, undocumented", "link Type", "Job", "Create"),
        ("served, undocumented", "link Type", "Job", "Down"),
        ("served, undocumented", "resource type", "LinkedBackupRepositoryObject", ""),
        ("served, undocumented", "resource type", "LinkedBackupRepositoryResourceObjects", ""),
        ("served, undocumented", "resource type", "LinkedJobObject", ""),
        ("served, undocumented", "resource type", "LinkedJobResourceObjects", ""),
    }
    assert load_profile(str(learned["v1_6"])).api_version == "v1_6"


def test_recordings_of_two_api_versions_are_not_learned_as_one(clean, tmp_path, capsys):
    older = _record(tmp_path / "rec16", "--profile", "v1_6")
    assert main(["learn", str(older), str(clean[0]), "--out", str(tmp_path / "x.toml")]) == 4
    err = capsys.readouterr().err
    assert "different API versions" in err and "v1_6" in err and "v1_7" in err
    assert not (tmp_path / "x.toml").exists()


def test_a_folder_that_is_not_a_recording_is_refused(tmp_path, capsys):
    assert main(["learn", str(tmp_path), "--out", str(tmp_path / "x.toml")]) == 4
    assert "not a recording" in capsys.readouterr().err


def test_an_incomplete_recording_is_learned_from_with_a_warning(clean, tmp_path, capsys):
    copy = tmp_path / "rec"
    shutil.copytree(clean[0], copy)
    index = copy / "recording.json"
    data = json.loads(index.read_text(encoding="utf-8"))
    data.update(complete=False, incomplete=["the deadline"])
    index.write_text(json.dumps(data), encoding="utf-8")
    assert main(["learn", str(copy), "--out", str(tmp_path / "x.toml")]) == 0
    assert "incomplete (the deadline)" in capsys.readouterr().err
    assert load_profile(str(tmp_path / "x.toml")).kinds["Job"].required


def test_several_recordings_of_one_version_count_their_resources_together(clean, tmp_path):
    other = tmp_path / "another-server"
    shutil.copytree(clean[0], other)
    both = _learn(tmp_path / "both.toml", clean[0], other)
    one = tomllib.loads(clean[1].read_text(encoding="utf-8"))["learned"]
    two = tomllib.loads(both.read_text(encoding="utf-8"))["learned"]
    assert two["resource_count"] == 2 * one["resource_count"]
    assert two["kinds"]["Job"]["resources"] == 2 * one["kinds"]["Job"]["resources"]


def test_a_recording_made_under_a_learned_profile_is_checked_in_its_api_version(clean, tmp_path):
    recording = _record(tmp_path / "rec", "--profile", str(clean[1]))
    assert json.loads((recording / "recording.json").read_text(encoding="utf-8"))["profile"] == "learned-v1_7"
    assert main(["check", str(recording), "--json", str(tmp_path / "r.json"), "--html", str(tmp_path / "r.html")]) == 0
    assert json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))["profile"] == "v1_7"


def test_a_learned_profile_names_the_schemas_it_is_told_to(clean, tmp_path):
    schemas = tmp_path / "schemas"
    shutil.copytree(load_profile("v1_7").schemas, schemas)
    out = tmp_path / "x.toml"
    assert main(["learn", str(clean[0]), "--out", str(out), "--schemas", str(schemas)]) == 0
    assert load_profile(str(out)).schemas == schemas.resolve()
    assert load_profile(str(clean[1])).schemas == load_profile("v1_7").schemas


def test_a_recording_crawled_as_json_gives_the_contract_of_its_xml_forms(clean, tmp_path):
    learned = _learn(tmp_path / "json.toml", _record(tmp_path / "rec", "--format", "json"))
    assert diff_profiles(load_profile(str(clean[1])), load_profile(str(learned))).departures == ()
