"""JSON is judged by the same schemas as XML: read onto the types they declare, named by member path."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from conformance.contract.schema import SchemaSet, judge, load_schemas
from conformance.model.parsing import read_body

SCHEMAS = Path(__file__).resolve().parents[2] / "schemas" / "v1_7"
HOST = "https://em.example.com:9398/api"
JOB = "00000000-0000-4000-8000-000000000001"


@pytest.fixture(scope="module")
def schemas() -> SchemaSet:
    return load_schemas(SCHEMAS)


def _links() -> list[dict[str, str]]:
    return [{"Rel": "Up", "Href": f"{HOST}/backupServers/1", "Name": "em", "Type": "BackupServerReference"},
            {"Rel": "Alternate", "Href": f"{HOST}/jobs/{JOB}?format=Entity", "Name": "Nightly", "Type": "Job"}]


def _reference_list(refs: object) -> dict:
    return {"Refs": refs}


def _ref() -> dict:
    return {"Links": _links(), "UID": f"urn:veeam:Job:{JOB}", "Name": "Nightly",
            "Href": f"{HOST}/jobs/{JOB}", "Type": "JobReference"}


def _judge(schemas: SchemaSet, doc: object):
    _, parsed = read_body(json.dumps(doc).encode(), "application/json")
    return judge(schemas, parsed)


def test_a_list_of_references_in_the_vendors_shape_validates(schemas: SchemaSet) -> None:
    verdict = _judge(schemas, _reference_list([_ref(), _ref()]))
    assert verdict.validated and verdict.errors == ()


@pytest.mark.parametrize("empty", [[], None], ids=["empty array", "null"])
def test_an_empty_list_may_come_as_an_empty_array_or_null(schemas: SchemaSet, empty: object) -> None:
    query = {"Entities": {"BackupJobSessions": {"BackupJobSessions": empty}},
             "PagingInfo": {"Links": [{"Rel": "First", "Href": f"{HOST}/query?type=BackupJobSession&page=1"}],
                            "PageNum": 1, "PageSize": 100, "PagesCount": 1}}
    verdict = _judge(schemas, query)
    assert verdict.validated and verdict.errors == ()


def test_a_misspelt_member_is_named_by_its_path_with_the_likely_name(schemas: SchemaSet) -> None:
    ref = _ref()
    ref["Links"][1] = {"Rel": "Alternate", "Hfer": f"{HOST}/jobs/{JOB}?format=Entity", "Type": "Job"}
    verdict = _judge(schemas, _reference_list([_ref(), ref]))
    assert verdict.errors == ("$.Refs[1].Links[1].Hfer: member 'Hfer' is not declared for link (did you mean Href?)",)


def test_a_mistyped_member_fails_the_schemas_type(schemas: SchemaSet) -> None:
    server = {"Links": _links(), "Description": "em", "Port": True, "Version": "12.1.0.2131",
              "Name": "em", "Type": "BackupServer", "Href": f"{HOST}/backupServers/1?format=Entity"}
    (message,) = _judge(schemas, server).errors
    assert message.startswith("$.Port: ") and "'true'" in message


def test_an_object_where_a_value_is_declared_is_a_finding(schemas: SchemaSet) -> None:
    ref = _ref()
    ref["Name"] = {"Value": "Nightly"}
    assert _judge(schemas, _reference_list([ref])).errors == (
        "$.Refs[0].Name: an object where the schema declares the attribute value Name",)


def test_a_member_in_another_order_than_the_schemas_is_no_finding(schemas: SchemaSet) -> None:
    ref = _ref()
    shuffled = {key: ref[key] for key in sorted(ref, reverse=True)}
    assert _judge(schemas, _reference_list([shuffled])).errors == ()


def test_a_document_no_declared_root_fits_is_a_gap_not_a_finding(schemas: SchemaSet) -> None:
    verdict = _judge(schemas, {"Whatever": 1, "Else": 2})
    assert not verdict.validated and verdict.undeclared_root == "object (JSON)" and verdict.errors == ()


def test_an_error_body_without_type_is_read_as_the_error_it_is(schemas: SchemaSet) -> None:
    error = {"FirstChanceExceptionMessage": None, "Message": "Cannot find job", "StackTrace": None,
             "Status": None, "StatusCode": 404}
    assert _judge(schemas, error).validated and _judge(schemas, error).errors == ()
    error["StatusCod"] = 404
    assert _judge(schemas, error).undeclared_root == "object (JSON)"  # nothing fits every member any more


def test_roots_alike_are_told_apart_by_the_type_of_the_link_that_led_there(schemas: SchemaSet) -> None:
    service = {"Links": [{"Rel": "Down", "Href": f"{HOST}/nas/jobs", "Type": "NasJobReferenceList"}]}
    _, parsed = read_body(json.dumps(service).encode(), "application/json")
    told, other = judge(schemas, parsed, "NasService"), judge(schemas, parsed, "QuerySvc")
    assert told.validated and told.root == "NASService" and told.errors == ()  # the hint, whatever its case
    assert other.validated and other.root == "QuerySvc"  # a list of links fits either: the link tells


def test_the_xml_forms_root_reads_a_json_document_whose_type_is_wrong(schemas: SchemaSet) -> None:
    """A wrong Type is the type rules' finding; the schemas judge the members against the real root."""
    server = {"Links": _links(), "Description": "em", "Port": 9392, "Version": "12.1.0.2131",
              "Name": "em", "Type": "BackupServerReference", "Href": f"{HOST}/backupServers/1?format=Entity"}
    _, parsed = read_body(json.dumps(server).encode(), "application/json")
    assert judge(schemas, parsed).errors != ()  # read as the reference its Type names
    assert judge(schemas, parsed, "BackupServer").errors == ()


def _captures() -> Path | None:
    from vendor_pages import pages_folder

    pages = pages_folder()
    folder = pages.parent / "captures" if pages is not None else None
    return folder if folder is not None and folder.is_dir() else None


# What the schemas find in JSON captured from live servers: only the job entity of an EM 9.5 (REST
# v1_4, older than any profile) departs, by members v1_7 dropped or renamed and one v1_7 requires.

@pytest.mark.skipif(_captures() is None, reason="the bodies captured from live servers are not on this machine")
def test_json_captured_from_live_servers_validates(schemas: SchemaSet) -> None:
    found = {}
    for path in sorted(_captures().glob("*.json")):
        _, parsed = read_body(path.read_bytes(), "application/json")
        verdict = judge(schemas, parsed)
        assert verdict.validated, path.name
        if verdict.errors:
            found[path.name] = {message.split(": ", 1)[0] for message in verdict.errors}
    assert found == {}  # RetrySpecified1, Order: what live servers send is declared (design: the sources)


def test_a_recursive_type_nested_past_reason_is_a_finding_not_a_crash(schemas: SchemaSet) -> None:
    result: dict = {"Success": "true"}
    for _ in range(900):  # a Result holds a Result: the schema itself allows any depth
        result = {"Result": result}
    task = {"Links": [], "Result": result, "Type": "Task", "Href": f"{HOST}/tasks/task-1"}
    verdict = _judge(schemas, task)
    assert verdict.validated and verdict.errors == ("$: nested too deeply to be read onto the schema's types",)


def _job_with_lists(excluded: object) -> dict:
    indexing = {"FileSystemIndexingMode": "ExceptSpecifiedFolders", "IncludedIndexingFolders": [],
                "ExcludedIndexingFolders": excluded}
    return {"JobScheduleOptions": {"Standart": {"RetryOptions": {"RetryTimes": 3},
                                                "OptionsDaily": {"Kind": "Everyday", "Days": ["Sunday", "Monday"],
                                                                 "Enabled": True},
                                                "OptionsMonthly": {"Months": [], "Enabled": False}}},
            "JobInfo": {"BackupJobInfo": {"GuestProcessingOptions": {"WindowsGuestFSIndexingOptions": indexing}}},
            "Name": "Nightly", "UID": f"urn:veeam:Job:{JOB}", "Links": _links(),
            "Href": f"{HOST}/jobs/{JOB}?format=Entity", "Type": "Job"}


def test_lists_of_plain_values_as_servers_send_them_validate(schemas: SchemaSet) -> None:
    """A run of repeated values and an element of nothing but values are flat arrays, empty or not."""
    verdict = _judge(schemas, _job_with_lists(["/proc", "/tmp"]))
    assert verdict.validated and verdict.errors == ()


def test_a_list_of_values_given_as_one_value_is_named_by_its_path(schemas: SchemaSet) -> None:
    verdict = _judge(schemas, _job_with_lists("/proc"))
    path = "$.JobInfo.BackupJobInfo.GuestProcessingOptions.WindowsGuestFSIndexingOptions.ExcludedIndexingFolders"
    assert verdict.errors == (f"{path}: a value where the schema declares ExcludedIndexingFolders with members",)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="work is forked on Linux only")
def test_xsds_read_in_a_copy_of_the_process_judge_json_as_those_read_here_and_without_xmlschema_here() -> None:
    """A run reads the XSDs in a copy while it crawls (`SchemaSet.read_apart`); the copy hands back
    a plain model, so the run never imports xmlschema unless a document must be explained. Run in an
    interpreter of its own: a test process of pytest-xdist has threads, and nothing forks beside them."""
    port = {"Links": _links(), "UID": "urn:veeam:Repository:1", "Name": "r", "Href": f"{HOST}/repositories/1",
            "Type": "Repository", "Kind": "WinLocal", "FreeSpace": 1, "Capacity": "lots"}
    code = textwrap.dedent(f"""
        import json, sys
        from conformance.contract.schema import judge, load_schemas
        from conformance.model.parsing import read_body
        here, apart = load_schemas({str(SCHEMAS)!r}), load_schemas({str(SCHEMAS)!r})
        apart.read_apart()
        def verdict(schemas, doc):
            return judge(schemas, read_body(json.dumps(doc).encode(), "application/json")[1])
        good = verdict(apart, {json.dumps(_reference_list([_ref()]))})
        print(good.validated, good.errors, "xmlschema" in sys.modules)
        wrong = {json.dumps(port)}
        print(verdict(apart, wrong) == verdict(here, wrong), verdict(apart, wrong).errors != ())
    """)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[:2] == ["True () False", "True True"]
