"""`conformance record`: what a recording holds and leaves out, how it is laid out, how it stops and
is taken up again, and what it refuses."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from nested_runs import told
from recording_steps import HeldAfter, files_of, record

from conformance.cli import main
from conformance.crawl.client import Target
from conformance.mock import DEFAULT_PASSWORD
from conformance.recording import (
    BODIES,
    FORMAT,
    INDEX,
    LEFT_OUT,
    ORIGIN,
    Exchange,
    Recording,
    RecordingError,
    RecordingWriter,
    url_key,
)
from conformance.recording.recorder import MASK, Recorder, token_forms


def _index(folder: Path) -> dict:
    return json.loads((folder / INDEX).read_text())


def test_the_index_says_what_was_recorded_and_what_was_left_out(recorded):
    index = _index(recorded)
    assert index["format"] == FORMAT and index["complete"] is True and index["incomplete"] == []
    assert (index["profile"], index["api_version"], index["user"]) == ("v1_7", "v1_7", "admin")
    assert index["root"] == ORIGIN + "/api/" and index["left_out"] == list(LEFT_OUT)
    assert index["source"] == {"mock": {"size": 1, "seed": 0, "surface": "key", "faults": []}}


def test_every_answer_is_a_file_of_its_own_named_after_its_url_and_every_file_is_indexed(recorded):
    exchanges = _index(recorded)["exchanges"]
    bodies = {e["body"] for e in exchanges if e["body"]}
    assert bodies == {name for name in files_of(recorded) if name.startswith(BODIES + "/")}
    def order(e: dict) -> tuple:
        request = e["request"]
        return url_key(request["url"]), request["method"], request["accept"], request["session"]

    assert exchanges == sorted(exchanges, key=order)  # a stable order: two recordings diff line by line
    named = {e["body"] for e in exchanges}
    assert {"bodies/api/jobs.xml", "bodies/api/jobs.as-json.json", "bodies/api/jobs.no-session.xml",
            "bodies/api/sessionMngr/_~v=latest.POST.no-session.xml"} <= named
    forms = {(e["request"]["method"], e["request"]["accept"], e["request"]["session"]) for e in exchanges}
    assert forms == {("GET", "xml", "session"), ("GET", "json", "session"), ("GET", "xml", "none"),
                     ("GET", "xml", "ended"), ("POST", "xml", "none"), ("DELETE", "xml", "session")}


def test_every_resource_is_held_as_xml_and_as_json(recorded):
    recording = Recording.load(recorded)
    got = {e.url for e in recording if e.method == "GET" and e.session == "session" and e.status == 200}
    for url in got:
        assert recording.find("GET", url, "xml", "session") is not None
        assert recording.find("GET", url, "json", "session") is not None, url


def test_no_secret_reaches_the_recording(tmp_path, monkeypatch):
    """The mock's token is a sentinel here, so its absence is a fact, not a hope; so are the password
    and the Basic credentials that carry it."""
    import conformance.mock.auth as auth

    monkeypatch.setattr(auth.secrets, "token_urlsafe", lambda n: "SENTINEL-TOKEN-0123456789")
    assert record(tmp_path / "rec") == 0
    basic = base64.b64encode(f"admin:{DEFAULT_PASSWORD}".encode()).decode()
    for name, data in files_of(tmp_path / "rec").items():
        for secret in ("SENTINEL-TOKEN", DEFAULT_PASSWORD, basic):
            assert secret.encode() not in data, (secret, name)
    headers = {k.lower() for e in _index(tmp_path / "rec")["exchanges"] for k in e["headers"]}
    assert headers == {"content-type", "location", "www-authenticate"}


def test_a_token_shown_in_a_body_is_masked_and_the_session_id_it_encodes_replaced(tmp_path):
    """Some servers' tokens are the base64 of the session id that their bodies show."""
    session_id = "48e761b6-4746-4f45-b9c9-eb5f2957eb21"
    token = base64.b64encode(session_id.encode()).decode()
    recorder = Recorder(RecordingWriter(tmp_path, {}), Target("https://em.example:9398/api/", "u", "p"))
    recorder.secrets.update(token_forms(token))
    served = f'<S Href="https://em.example:9398/api/logonSessions/{session_id}">{token}</S>'
    body = recorder.clean_bytes(served.encode())
    assert token.encode() not in body and session_id.encode() not in body and MASK.encode() in body
    assert body.startswith(f'<S Href="{ORIGIN}/api/logonSessions/'.encode())


def test_a_recording_is_valid_at_any_moment_marked_incomplete_until_it_ends(tmp_path):
    writer = RecordingWriter(tmp_path, {"complete": False, "api_version": "v1_7"})
    writer.add(Exchange("GET", ORIGIN + "/api/", "xml", "session", 200, (("Content-Type", "application/xml"),)),
               b"<EnterpriseManager/>")
    writer.flush(force=True)
    # a recording killed here: nothing ended it, and it still reads
    recording = Recording.load(tmp_path)
    assert not recording.complete and len(recording) == 1
    assert recording.body(recording.find("GET", "/api/", "xml", "session")) == b"<EnterpriseManager/>"


def test_a_recording_stopped_by_its_deadline_is_taken_up_and_ends_as_one_made_in_one_go(recorded, tmp_path, capsys):
    out = tmp_path / "rec"
    assert record(out, "--deadline", "0.05") == 2
    stopped = _index(out)
    assert stopped["complete"] is False and "deadline" in stopped["incomplete"][0]
    assert "(incomplete: the run's deadline" in capsys.readouterr().out
    assert record(out) == 0
    assert "taken up from the earlier attempt" in capsys.readouterr().out
    resumed = _index(out)
    assert resumed["complete"] is True and len(resumed["attempts"]) == 2
    assert resumed["exchanges"] == _index(recorded)["exchanges"]
    once, twice = files_of(recorded), files_of(out)
    assert {k: v for k, v in twice.items() if k != INDEX} == {k: v for k, v in once.items() if k != INDEX}


@pytest.mark.parametrize("setup, args, message", [
    ("file", (), "is a file"),
    ("other files", (), "holds files but no recording"),
    ("complete", (), "holds a complete recording"),
    ("complete", ("--size", "2"), "holds a complete recording"),
])
def test_a_folder_that_cannot_take_the_recording_is_refused_before_anything_is_sent(recorded, tmp_path, capsys,
                                                                                   setup, args, message):
    out = tmp_path / "out"
    if setup == "file":
        out.write_text("x")
    elif setup == "other files":
        out.mkdir()
        (out / "notes.txt").write_text("x")
    else:
        import shutil

        shutil.copytree(recorded, out)
    assert main(["record", "--out", str(out), *args]) == 4
    assert message in capsys.readouterr().err


def test_an_incomplete_recording_is_only_taken_up_with_the_same_target(recorded, tmp_path, capsys):
    out = tmp_path / "rec"
    assert record(out, "--deadline", "0.05") == 2
    assert main(["record", "--out", str(out), "--size", "2", "--surface", "key"]) == 4
    assert "resume it with the same target and profile" in capsys.readouterr().err
    assert main(["record", "--out", str(out), "--size", "1", "--now", "2025-06-01T00:00:00Z"]) == 4
    assert "resume it with that --now" in capsys.readouterr().err


def test_an_anonymized_recording_is_never_taken_up_again(anonymized, capsys):
    assert main(["record", "--out", str(anonymized)]) == 4
    assert "anonymized recording" in capsys.readouterr().err


def test_a_folder_that_is_not_a_recording_says_so(tmp_path):
    with pytest.raises(RecordingError, match="not a recording"):
        Recording.load(tmp_path)
    (tmp_path / INDEX).write_text('{"format": "something-else"}')
    with pytest.raises(RecordingError, match="not a conformance-recording/1 index"):
        Recording.load(tmp_path)


def test_check_and_diff_tell_a_recording_from_saved_files(recorded, tmp_path, capsys):
    (tmp_path / "a.xml").write_text("<x/>")
    assert main(["check", str(tmp_path / "a.xml"), "--fail-on", "error"]) == 4
    assert "--fail-on applies to a recording" in capsys.readouterr().err
    assert main(["check", str(recorded), str(tmp_path / "a.xml")]) == 4
    assert "a recording is checked alone" in capsys.readouterr().err
    assert main(["diff", str(recorded), str(tmp_path / "a.xml")]) == 4
    assert f"{recorded} is a recording: judge it first" in capsys.readouterr().err


def test_the_check_of_an_incomplete_recording_is_incomplete_and_a_replay_is_judged_read_only(tmp_path):
    from conformance.run.runner import close_run, prepare_run
    from conformance.run.settings import resolve_args

    out = tmp_path / "rec"
    assert record(out, "--deadline", "0.05") == 2
    replay = ["--conformance-target", "mock", "--conformance-mock-replay", str(out)]
    settings = resolve_args(replay)
    assert settings.effective_actions == "none"
    run = prepare_run(settings)
    try:
        assert run.snapshot.meta["incomplete"][0].startswith("the recording is incomplete (the run's deadline")
        assert run.snapshot.meta["target"] == f"recording {out}"
    finally:
        close_run(run)
    with pytest.raises(pytest.UsageError, match="answers no write"):
        resolve_args([*replay, "--conformance-actions", "all"])


def test_a_target_that_cannot_be_reached_exits_3_and_leaves_a_recording_that_says_why(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("CONFORMANCE_PASSWORD", "x")
    out = tmp_path / "rec"
    assert main(["record", "--out", str(out), "--target", "http://127.0.0.1:9/api/", "--timeout", "2"]) == 3
    assert "cannot reach http://127.0.0.1:9/api/" in capsys.readouterr().err
    index = _index(out)
    assert index["complete"] is False and "cannot reach" in index["incomplete"][0] and index["exchanges"] == []
    assert "127.0.0.1:9" not in index["incomplete"][0]  # stored, as every URL, at the recording's own origin


def test_ctrl_c_leaves_a_valid_recording_marked_incomplete_and_anonymized_as_asked(tmp_path):
    import os
    import signal
    import subprocess
    import sys

    from conformance.mock import DEFAULT_USER, create_app, generate_dataset
    from conformance.mock.server import MockServer

    out = tmp_path / "rec"
    held = HeldAfter(create_app(generate_dataset(1), password=DEFAULT_PASSWORD), free=20)
    with MockServer(held) as server:
        proc = subprocess.Popen([sys.executable, "-m", "conformance", "record", "--out", str(out), "--anonymize",
                                 "--target", server.url, "--user", DEFAULT_USER],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                env={**os.environ, "CONFORMANCE_PASSWORD": DEFAULT_PASSWORD})
        try:
            assert held.holding.wait(120), "the recording never got past its first answers"
            proc.send_signal(signal.SIGINT)  # while the server holds the answers it is waiting for
            stdout, stderr = proc.communicate(timeout=120)
        finally:
            held.release()
            proc.kill()
    assert proc.returncode == 2, told(stdout, stderr, saved=(out / INDEX,))
    index = _index(out)
    assert index["complete"] is False and index["incomplete"] == ["interrupted (Ctrl-C)"]
    assert index["anonymized"] is True and index["logoff_status"] == 204
    assert index["exchanges"] and index["replaced"]["host"] >= 1
    assert not any(b"corp.example" in data for data in files_of(out).values())
    assert Recording.load(out).find("GET", "/api/", "xml", "session") is not None


def test_a_recording_is_checked_with_the_budgets_it_was_recorded_with(recorded, tmp_path, monkeypatch):
    """A sampled recording holds the members its crawl took; its check samples alike (the same
    --per-template and --max-resources), so it asks the replay for exactly those, never for a
    member the recording left out."""
    import shutil

    from conformance.cli import run_command

    folder = tmp_path / "rec"
    shutil.copytree(recorded, folder)
    index = json.loads((folder / "recording.json").read_text())
    index["limits"].update(per_template=3, max_resources=700)
    (folder / "recording.json").write_text(json.dumps(index))
    asked = []
    monkeypatch.setattr(run_command, "run", lambda ns: asked.append(ns) or 0)
    assert main(["check", str(folder)]) == 0
    assert (asked[0].per_template, asked[0].max_resources) == (3, 700)


def test_a_recording_crawled_as_json_holds_both_forms_and_is_checked_as_json(tmp_path):
    from recording_steps import MOCK, conformance, finished

    code, out, err = finished(conformance("record", "--out", "rec", "--format", "json", *MOCK, cwd=tmp_path))
    assert code == 0, err
    index = json.loads((tmp_path / "rec" / "recording.json").read_text())
    assert index["crawled_as"] == "json"
    accepts = {exchange["request"]["accept"] for exchange in index["exchanges"] if exchange["request"]["method"] == "GET"}
    assert accepts == {"xml", "json"}
    code, out, err = finished(conformance("check", "rec", "--json", "checked.json", cwd=tmp_path))
    results = json.loads((tmp_path / "checked.json").read_text())
    assert code == 0 and results["verdict"] == "conformant", out[-2000:]
    assert results["counts"]["items"]["failed"] == 0
