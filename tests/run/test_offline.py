"""`conformance check`: saved documents judged one file at a time, fragments skipped and named."""

from __future__ import annotations

import json
from pathlib import Path
from xml.etree import ElementTree

import pytest

from conformance.cli import main
from conformance.run.offline import fragment_reason

NS = "http://www.veeam.com/ent/v1.0"


def task(origin: str = "https://em-one.example.com:9398", duplicate_link: bool = False) -> str:
    """A Task that passes every rule, or, with `duplicate_link`, fails LNK008 alone."""
    href = f"{origin}/api/tasks/task-1"
    links = f'<Link Rel="Delete" Href="{href}"/>' * (2 if duplicate_link else 1)
    return (f'<?xml version="1.0" encoding="utf-8"?>\n<Task xmlns="{NS}" Href="{href}" Type="Task">\n'
            f"  <Links>{links}</Links>\n"
            f"  <TaskId>task-1</TaskId>\n  <State>Finished</State>\n  <Operation>StartJob</Operation>\n</Task>\n")


def save(folder: Path, name: str, body: str) -> Path:
    path = folder / name
    path.write_text(body, encoding="utf-8")
    return path


def check(capsys, *args: str | Path) -> tuple[int, str]:
    code = main(["check", *map(str, args)])
    out = capsys.readouterr()
    return code, out.out + out.err


def summary(out: str) -> str:
    return next(line for line in out.splitlines() if line.startswith("conformance check:"))


@pytest.fixture(autouse=True)
def in_tmp_path(tmp_path, monkeypatch):
    """Every check writes its results JSON (reports/results.json by default): here, not in the project."""
    monkeypatch.chdir(tmp_path)


# Fragments: what the check recognises as a part of a document, and why.

@pytest.mark.parametrize("body, media, reason", [
    ('<?xml version="1.0" encoding="utf-8"?>', "xml", "an XML declaration alone"),
    (f'<EntityReferences xmlns="{NS}">', "xml", "truncated (a start tag or a cut-off document)"),
    (f'<Task xmlns="{NS}" Href="https://h/api/tasks/1"><TaskId>1</TaskId></Ta', "xml",
     "truncated (a start tag or a cut-off document)"),
    ("<ScheduleEnabled>true</ScheduleEnabled>", "xml", "a part of a larger document (no namespace)"),
    (f'<Link xmlns="{NS}" Rel="Up" Href="https://h/api/"/>', "xml", "a bare <Link> snippet, not a representation"),
    (f'<Links xmlns="{NS}"><Link Rel="Up" Href="https://h/api/"/></Links>', "xml",
     "a bare <Links> snippet, not a representation"),
    (f'<EntityReferences xmlns="{NS}"><Ref Href="https://h/api/jobs/1"/> ... </EntityReferences>', "xml",
     "elided with '...'"),
    ('"Weekly": {"Enabled": "true"}', "json", "a property, not a document"),
    ('{"Refs": [{"Href": "https://h/api/jobs/1"}, ...]}', "json", "elided with '...'"),
    ('{"Refs": ["..."]}', "json", "elided with '...'"),
    ('{"Refs": [{"Href": "https://h/api/jobs/1"}', "json", "truncated (a start tag or a cut-off document)"),
    ("{}", "application/json", "an empty object"),
    ("", "xml", "empty (no document)"),
    (f'... <Link xmlns="{NS}" Rel="Up" Href="https://h/api/"/>', "xml", "elided with '...'"),
])
def test_a_part_of_a_document_is_a_fragment_with_its_reason(body, media, reason):
    assert fragment_reason(body.encode(), media) == reason


@pytest.mark.parametrize("body, media", [
    (task(), "xml"),
    (task(), "application/xml; charset=utf-8"),
    ('{"Href": "https://h/api/jobs/1", "Type": "Job", "Description": "Backing up..."}', "json"),
    # Whole documents that do not parse are broken documents, not parts: reading them says so.
    (task().replace("StartJob", "Start & stop"), "xml"),
    (task().replace("</Task>", "</Task></Task>"), "xml"),
    ('{"Href": "https://h/api/jobs/1", "Type": "Job",}', "json"),
    # Nor is what holds no markup at all: text or another format saved as .xml is unreadable.
    ("hello world", "xml"),
    ("%PDF-1.7 \x00\x01", "xml"),
])
def test_a_whole_document_is_no_fragment_even_when_it_does_not_parse(body, media):
    assert fragment_reason(body.encode(), media) is None


# Each file is judged on its own.

def test_two_files_with_the_same_href_are_both_judged(tmp_path, capsys):
    broken = save(tmp_path, "a-broken.xml", task(duplicate_link=True))
    save(tmp_path, "b-clean.xml", task())
    code, out = check(capsys, tmp_path)
    assert code == 1
    assert f"{broken}: 1 finding(s)" in out and "LNK008" in out
    assert summary(out) == ("conformance check: 2 file(s): 2 judged, 0 skipped as fragments; "
                            "1 finding(s) in 1 file(s), 0 unreadable")


def test_a_finding_names_the_file_it_came_from(tmp_path, capsys):
    broken = save(tmp_path, "job-run.xml", task(duplicate_link=True))
    code, out = check(capsys, broken)
    assert code == 1 and f"saved in {broken}" in out


def test_a_saved_json_file_is_fetched_again_as_json_in_its_profiles_version(tmp_path, capsys):
    import json

    href = "https://em-one.example.com:9398/api/tasks/task-1"
    saved = save(tmp_path, "task.json", json.dumps({
        "TaskId": "task-1", "State": "Finished", "Operation": "StartJob", "Href": href, "Type": "Task",
        "Links": [{"Rel": "Delete", "Href": href}, {"Rel": "Delete", "Href": href}]}))
    code, out = check(capsys, saved, "--profile", "v1_6")
    assert code == 1 and "LNK008" in out
    assert "sessionMngr/?v=v1_6" in out and "?v=latest" not in out
    assert "Accept: application/json" in out and "application/xml" not in out


def test_a_saved_xml_file_is_fetched_again_as_xml_in_its_profiles_version(tmp_path, capsys):
    code, out = check(capsys, save(tmp_path, "task.xml", task(duplicate_link=True)), "--profile", "v1_7")
    assert code == 1 and "sessionMngr/?v=v1_7" in out and "Accept: application/xml" in out


def test_files_from_different_hosts_each_have_their_own_origin(tmp_path, capsys):
    save(tmp_path, "one.xml", task("https://em-one.example.com:9398"))
    save(tmp_path, "two.xml", task("http://em-two.example.com:9399"))
    code, out = check(capsys, tmp_path)
    assert code == 0, out
    assert "LNK003" not in out
    assert summary(out).startswith("conformance check: 2 file(s): 2 judged")


def test_a_given_root_applies_to_every_file(tmp_path, capsys):
    save(tmp_path, "one.xml", task("https://em-one.example.com:9398"))
    other = save(tmp_path, "two.xml", task("http://em-two.example.com:9399"))
    code, out = check(capsys, tmp_path, "--root", "https://em-one.example.com:9398/api/")
    assert code == 1
    assert f"{other}: 1 finding(s)" in out and "LNK003" in out


def test_a_document_without_its_own_href_takes_its_origin_from_its_links(tmp_path, capsys):
    body = task("https://em-one.example.com:9398").replace(
        ' Href="https://em-one.example.com:9398/api/tasks/task-1" Type="Task"', "", 1)
    save(tmp_path, "no-href.xml", body)
    code, out = check(capsys, tmp_path, "--rules", "LNK003")
    assert code == 0, out


# Fragments are skipped, named and counted; broken whole documents are not.

def test_a_truncated_file_is_skipped_with_its_reason_and_counted(tmp_path, capsys):
    save(tmp_path, "clean.xml", task())
    cut = save(tmp_path, "cut.xml", task()[:150])
    declaration = save(tmp_path, "empty.xml", '<?xml version="1.0"?>')
    code, out = check(capsys, tmp_path)
    assert code == 0, out
    assert f"  {cut}: truncated (a start tag or a cut-off document)" in out
    assert f"  {declaration}: an XML declaration alone" in out
    assert "      1  truncated (a start tag or a cut-off document)" in out
    assert "      1  an XML declaration alone" in out
    assert summary(out) == ("conformance check: 3 file(s): 1 judged, 2 skipped as fragments; "
                            "0 finding(s) in 0 file(s), 0 unreadable")


def test_a_whole_document_that_does_not_parse_is_unreadable_and_fails(tmp_path, capsys):
    save(tmp_path, "clean.xml", task())
    broken = save(tmp_path, "broken.xml", task().replace("StartJob", "Start & stop"))
    code, out = check(capsys, tmp_path)
    assert code == 1
    assert f"unreadable: {broken}: not well-formed XML" in out
    assert summary(out).endswith("0 finding(s) in 0 file(s), 1 unreadable")


def test_a_file_that_is_no_xml_at_all_is_unreadable_not_a_fragment(tmp_path, capsys):
    notes = save(tmp_path, "notes.xml", "These are notes, not a response.")
    code, out = check(capsys, notes)
    assert code == 1
    assert f"unreadable: {notes}: not well-formed XML" in out
    assert summary(out).endswith("1 judged, 0 skipped as fragments; 0 finding(s) in 0 file(s), 1 unreadable")


def test_json_parts_are_skipped_like_xml_ones(tmp_path, capsys):
    save(tmp_path, "clean.xml", task())
    prop = save(tmp_path, "prop.json", '"Weekly": {"Enabled": "true"}')
    code, out = check(capsys, tmp_path)
    assert code == 0 and f"  {prop}: a property, not a document" in out


# Rule selection, as in `run`.

def test_rules_selects_what_is_judged(tmp_path, capsys):
    save(tmp_path, "broken.xml", task(duplicate_link=True))
    assert check(capsys, tmp_path, "--rules", "SCH")[0] == 0
    assert check(capsys, tmp_path, "--skip-rules", "LNK008,PRF")[0] == 0
    code, out = check(capsys, tmp_path, "--rules", "attributes")
    assert code == 1 and "LNK008" in out


# Exit codes.

@pytest.mark.parametrize("args, message", [
    (["no-such-file.xml"], "no-such-file.xml: no such file or folder"),
    (["--rules", "NOPE", "."], "'NOPE' names no rule"),
    (["--skip-rules", "NOPE", "."], "'NOPE' names no rule"),
    (["--profile", "v0_1", "."], "v0_1"),
    (["--schema", "no-such.xsd", "."], "no-such.xsd"),
    (["notes.txt"], "notes.txt: not a .xml or .json file"),
])
def test_bad_input_exits_4_naming_it(tmp_path, capsys, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    save(tmp_path, "clean.xml", task())
    save(tmp_path, "notes.txt", task())
    code, out = check(capsys, *args)
    assert code == 4 and message in out


def test_a_folder_without_xml_or_json_files_exits_4(tmp_path, capsys):
    save(tmp_path, "notes.txt", "nothing to judge")
    code, out = check(capsys, tmp_path)
    assert code == 4 and "no .xml or .json file to check" in out


def test_only_fragments_means_nothing_was_judged_exit_5(tmp_path, capsys):
    save(tmp_path, "cut.xml", task()[:150])
    code, out = check(capsys, tmp_path)
    assert code == 5
    assert summary(out).startswith("conformance check: 1 file(s): 0 judged, 1 skipped as fragments")


# Reports: the check of files writes what a run writes, one entry per file.

def _three_files(folder: Path) -> list[Path]:
    folder.mkdir(exist_ok=True)
    return [save(folder, "clean.xml", task()), save(folder, "twice.xml", task(duplicate_link=True)),
            save(folder, "cut.xml", task()[:150])]


def test_a_check_of_files_writes_the_results_json_with_one_entry_per_file(tmp_path, capsys):
    _three_files(tmp_path / "saved")
    code, out = check(capsys, tmp_path / "saved")
    results = json.loads((tmp_path / "reports" / "results.json").read_text())
    assert code == 1 and results["exit_status"] == 1 and results["verdict"] == "violations found"
    assert results["schema"] == "conformance-results/1" and results["target"] == "files" and results["complete"]
    rows = {Path(row["file"]).name: row for row in results["resources"]}
    assert list(rows) == ["clean.xml", "cut.xml", "twice.xml"] and results["counts"]["resources"] == 3
    assert rows["cut.xml"]["fragment"] == "truncated (a start tag or a cut-off document)"
    assert (rows["clean.xml"]["findings"], rows["twice.xml"]["findings"], rows["clean.xml"]["root"]) == (0, 1, "Task")
    (finding,) = results["findings"]
    assert (Path(finding["file"]).name, finding["rule"], finding["kind"]) == ("twice.xml", "LNK008", "Task")
    outcomes = {rule["id"]: rule["outcomes"] for rule in results["rules"]}
    assert outcomes["LNK008"] == {"Task": "failed"} and outcomes["LNK001"] == {"Task": "passed"}
    assert out.splitlines()[-1] == f"conformance: results JSON written to {Path('reports') / 'results.json'}"


def test_a_clean_check_says_conformant_in_its_results(tmp_path, capsys):
    save(tmp_path, "clean.xml", task())
    code, _ = check(capsys, tmp_path / "clean.xml", "--json", tmp_path / "out" / "clean.json")
    results = json.loads((tmp_path / "out" / "clean.json").read_text())
    assert (code, results["exit_status"], results["verdict"], results["findings"]) == (0, 0, "conformant", [])


def test_only_fragments_writes_a_results_json_that_judged_nothing(tmp_path, capsys):
    save(tmp_path, "cut.xml", task()[:150])
    code, _ = check(capsys, tmp_path / "cut.xml")
    results = json.loads((tmp_path / "reports" / "results.json").read_text())
    assert (code, results["exit_status"], results["verdict"]) == (5, 5, "nothing judged")


def test_html_and_junit_are_written_when_asked_one_entry_per_file(tmp_path, capsys):
    _three_files(tmp_path / "saved")
    code, out = check(capsys, tmp_path / "saved", "--html", tmp_path / "page.html", "--junit", tmp_path / "junit.xml")
    page = (tmp_path / "page.html").read_text()
    assert code == 1 and "Verdict: violations found" in page and "LNK008" in page
    assert all(name in page for name in ("clean.xml", "twice.xml", "cut.xml"))
    suite = ElementTree.parse(tmp_path / "junit.xml").getroot().find("testsuite")
    cases = {Path(case.get("name")).name: case for case in suite.iter("testcase")}
    assert (suite.get("tests"), suite.get("failures"), suite.get("skipped")) == ("3", "1", "1")
    assert cases["twice.xml"].find("failure") is not None and "LNK008" in cases["twice.xml"].find("failure").text
    assert cases["cut.xml"].find("skipped") is not None and len(cases["clean.xml"]) == 0
    assert f"conformance: HTML report written to {tmp_path / 'page.html'}" in out


def test_a_gate_of_a_recording_is_refused_on_files(tmp_path, capsys):
    save(tmp_path, "clean.xml", task())
    code, out = check(capsys, tmp_path / "clean.xml", "--baseline", tmp_path / "b.toml")
    assert code == 4 and "--baseline applies to a recording" in out
    assert not (tmp_path / "reports" / "results.json").exists()


# JSON files are judged by the schemas as XML files are.

def _job_reference(**members: object) -> str:
    href = "https://em.example.com:9398/api/jobs/9be68a1c-7893-4c92-93e9-043be7533759"
    return json.dumps({"Refs": [{
        "Links": [{"Rel": "Alternate", "Href": f"{href}?format=Entity", "Name": "Nightly", "Type": "Job"}],
        "UID": "urn:veeam:Job:9be68a1c-7893-4c92-93e9-043be7533759", "Name": "Nightly", "Href": href,
        "Type": "JobReference", **members}]})


def test_a_json_file_in_the_vendors_shape_passes_the_schema_rule(tmp_path, capsys):
    save(tmp_path, "jobs.json", _job_reference())
    code, out = check(capsys, tmp_path / "jobs.json", "--rules", "SCH")
    assert code == 0, out


def test_a_json_member_the_schema_does_not_know_fails_the_schema_rule_by_its_path(tmp_path, capsys):
    save(tmp_path, "jobs.json", _job_reference(Nmae="Nightly"))
    code, out = check(capsys, tmp_path / "jobs.json")
    results = json.loads((tmp_path / "reports" / "results.json").read_text())
    assert code == 1 and {f["rule"] for f in results["findings"]} == {"SCH001"}
    assert results["findings"][0]["actual"] == ("$.Refs[0].Nmae: member 'Nmae' is not declared for Ref "
                                                "(did you mean Name?)")
