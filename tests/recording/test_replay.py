"""`conformance mock --replay`: a recording served on any host and port, with the API's own behaviour
(logon, logoff, the documented errors) around the recorded answers, and the faults that can act on it."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import httpx
import pytest

from conformance.cli import main
from conformance.mock import DEFAULT_PASSWORD, FAULTS
from conformance.mock.replay import create_replay_app
from conformance.recording import Recording

from end_to_end import failing
from recording_steps import crawl_replay

MISSING = "5eed0000-0000-4000-8000-000000000000"
"""The id the `missing` probe asks for: the recording holds its 404 as XML only."""


@pytest.fixture
def client(recorded):
    """`client(base)`: an in-process client of a replay of the recording, as addressed at `base`."""
    def make(base: str = "http://replay.test", app=None) -> httpx.AsyncClient:
        app = app or create_replay_app(recorded, password=DEFAULT_PASSWORD)
        return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=base)

    return make


async def _logon(client: httpx.AsyncClient) -> httpx.Response:
    return await client.post("/api/sessionMngr/?v=v1_7", auth=("admin", DEFAULT_PASSWORD))


@pytest.mark.anyio
async def test_the_logon_answers_the_recorded_session_with_a_token_of_its_own_at_the_clients_origin(client):
    first, second = client("http://replay.test"), client("https://elsewhere.example:8443")
    one, two = await _logon(first), await _logon(second)
    assert one.status_code == two.status_code == 201
    assert one.headers["X-RestSvcSessionId"] != two.headers["X-RestSvcSessionId"]
    assert one.headers["Location"].startswith("http://replay.test/api/logonSessions/")
    assert two.headers["Location"].startswith("https://elsewhere.example:8443/api/logonSessions/")
    assert "https://elsewhere.example:8443/api/jobs" in two.text and "recording.invalid" not in two.text
    assert "X-RestSvcSessionId=" in one.headers["set-cookie"]


@pytest.mark.anyio
async def test_a_wrong_password_or_another_api_version_is_refused_as_the_api_documents(client):
    replay = client()
    refused = await replay.post("/api/sessionMngr/?v=v1_7", auth=("admin", "wrong"))
    assert refused.status_code == 401 and 'StatusCode="401"' in refused.text
    other = await replay.post("/api/sessionMngr/?v=v1_6", auth=("admin", DEFAULT_PASSWORD))
    assert other.status_code == 400 and "v1_7" in other.text


@pytest.mark.anyio
async def test_without_a_session_only_the_root_answers_and_the_rest_is_the_documented_401(client):
    replay = client()
    assert (await replay.get("/api/")).status_code == 200
    refused = await replay.get("/api/jobs")
    assert refused.status_code == 401 and refused.headers["WWW-Authenticate"].startswith("Basic")
    assert "<Error" in refused.text


@pytest.mark.anyio
async def test_what_the_recording_does_not_hold_is_an_error_with_an_error_body(client):
    replay = client()
    token = (await _logon(replay)).headers["X-RestSvcSessionId"]
    replay.headers["X-RestSvcSessionId"] = token
    unknown = await replay.get("/api/jobs/no-such-job")
    assert unknown.status_code == 404 and 'StatusCode="404"' in unknown.text
    patch = await replay.patch("/api/jobs")
    assert patch.status_code == 405 and patch.headers["Allow"] == "GET" and "<Error" in patch.text
    as_json = await replay.get(f"/api/jobs/{MISSING}", headers={"Accept": "application/json"})
    assert as_json.status_code == 404 and as_json.json()["StatusCode"] == 404


@pytest.mark.anyio
async def test_each_resource_answers_in_the_form_asked_for(client):
    replay = client()
    replay.headers["X-RestSvcSessionId"] = (await _logon(replay)).headers["X-RestSvcSessionId"]
    xml = await replay.get("/api/jobs")
    json_form = await replay.get("/api/jobs", headers={"Accept": "application/json"})
    assert xml.headers["content-type"].startswith("application/xml") and xml.text.lstrip().startswith("<?xml")
    assert json_form.headers["content-type"].startswith("application/json") and json_form.json()["Refs"]
    assert {ref["Href"] for ref in json_form.json()["Refs"]} == set(re.findall(r'<Ref [^>]*Href="([^"]+)"', xml.text))


@pytest.mark.anyio
async def test_after_logoff_the_session_is_refused_and_the_others_keep_working(client, recorded):
    app = create_replay_app(Recording.load(recorded), password=DEFAULT_PASSWORD)
    first, second = client(app=app), client(app=app)  # one replay, two clients
    answers = [await _logon(first), await _logon(second)]
    session = answers[0].headers["Location"]
    first.headers["X-RestSvcSessionId"] = answers[0].headers["X-RestSvcSessionId"]
    second.headers["X-RestSvcSessionId"] = answers[1].headers["X-RestSvcSessionId"]
    assert (await first.delete(session)).status_code == 204
    assert (await first.get(session)).status_code == 401
    assert (await second.get(session)).status_code == 200


@pytest.mark.parametrize("fault", ["down_link_without_type", "json_drops_link", "json_member_misspelt", "json_ignored",
                                   "xml_as_text", "session_survives_logout", "error_status_mismatch",
                                   "method_not_allowed_as_500", "wrong_namespace", "member_uid_malformed",
                                   "reference_of_another_type"])
def test_a_fault_on_top_of_a_replay_breaks_exactly_its_rule(recorded, fault):
    """One fault of each kind: a document edited in both forms, a JSON form alone, a reply re-rendered
    from the XML form, a reply's header, the session's behaviour, an Error, a probe's status, a document
    moved out of its namespace, the members of one list edited."""
    assert {rule for rule, _ in failing(crawl_replay(recorded, [fault]))} == {FAULTS[fault].rule, *FAULTS[fault].also}


def test_the_clean_replay_passes_every_rule(recorded):
    assert failing(crawl_replay(recorded)) == set()


def test_a_fault_that_needs_the_mocks_data_or_writes_is_refused_naming_why(recorded, capsys):
    refused = [name for name, fault in FAULTS.items() if fault.replay]
    assert {"edit_elsewhere", "clone_shares_vms", "paging_drops_filter"} <= set(refused)
    with pytest.raises(ValueError, match="edit_elsewhere.*cannot act on a replay: .*generated data"):
        create_replay_app(recorded, faults=["edit_elsewhere"])
    assert main(["mock", "--replay", str(recorded), "--fault", "clone_shares_vms"]) == 4
    assert "cannot act on a replay" in capsys.readouterr().err
    assert main(["mock", "--list-faults"]) == 0
    listed = capsys.readouterr().out
    assert all(re.search(rf"^{name}\s.*\[not on a replay\]$", listed, re.M) for name in refused)


def test_options_of_generated_data_do_not_apply_to_a_replay(recorded, capsys):
    assert main(["mock", "--replay", str(recorded), "--size", "3"]) == 4
    assert "--size does not apply to --replay" in capsys.readouterr().err


def test_mock_replay_serves_a_recording_on_a_real_socket(recorded):
    proc = subprocess.Popen([sys.executable, "-m", "conformance", "mock", "--replay", str(recorded), "--port", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        assert f"replaying {recorded}" in line and "(user 'admin')" in line
        url = re.search(r"http://\S+/api/", line).group(0)
        root = httpx.get(url, timeout=5)
        assert root.status_code == 200 and f'Href="{url}"' in root.text
        logon = httpx.post(url + "sessionMngr/?v=v1_7", auth=("admin", DEFAULT_PASSWORD), timeout=5)
        assert logon.status_code == 201 and logon.headers["Location"].startswith(url)
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.mark.parametrize("body", [
    {"FileSystemIndexingMode": "Disabled", "IncludedIndexingFolders": [], "ExcludedIndexingFolders": ["/tmp", "/proc"]},
    {"Kind": "Everyday", "Days": [], "Enabled": True},
    {"Refs": [], "Links": None},
])
def test_a_recorded_json_body_a_fault_edits_keeps_its_lists_as_they_came(body):
    """Arrays of plain values, beside each other or alone, empty or not, are written back as arrays."""
    from conformance.mock.recorded_trees import json_tree

    assert json.loads(json_tree(json.dumps(body).encode()).dumps()) == body
