"""Reproductions: each finding carries a shell script that logs on and sends, in order, the requests
whose answers show the problem, with secrets kept in environment variables."""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest

from conformance.actions.evidence import ActionEvidence, Exchange
from conformance.contract.profiles import load_profile
from conformance.crawl.probes import Probe
from conformance.model.links import Link
from conformance.model.reproduce import Replay, Request
from conformance.model.snapshot import Resource, Snapshot
from conformance.rules import RULES, RuleContext, run_rule

ROOT = "https://em.test:9398/api/"
JOB = ROOT + "jobs/1?format=Entity"
SESSION_URL = ROOT + "logonSessions/5e55-1"


def judged(rule_id: str, *resources: Resource, probes=(), actions=(), replay: Replay | None = None):
    snap = Snapshot(ROOT, meta={"api_version": "v1_7", "user": "qa", "session_url": SESSION_URL})
    for res in resources:
        snap.add(res)
    snap.probes.extend(probes)
    snap.actions.extend(actions)
    return list(run_rule(RULES[rule_id], RuleContext(snap, load_profile("v1_7"), replay=replay), [resources[0]]))


def job(*links: Link) -> Resource:
    return Resource(JOB, 200, "application/xml", "Job", "Job", href=JOB, links=links, excerpt="<Job ...")


def requests_of(script: str) -> list[str]:
    """The curl commands a script sends after its logon, each as its method, headers and URL."""
    return [line for line in script.splitlines() if "curl " in line and "sessionMngr" not in line]


def curl_arguments(script: str) -> list[list[str]]:
    """What each curl of a script would be called with, as bash hands it over (quoting undone)."""
    fake = "curl() { for a in \"$@\"; do printf '%s\\0' \"$a\"; done; printf '\\1\\0'; }\n"
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONFORMANCE_")}
    out = subprocess.run(["bash", "-c", fake + script], capture_output=True, check=True, timeout=30,
                         env=env).stdout.decode()
    calls, call = [], []
    for arg in out.split("\0")[:-1]:
        if arg == "\1":
            calls.append(call)
            call = []
        else:
            call.append(arg)
    return calls


needs_bash = pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")


def test_a_finding_about_a_link_target_reproduces_with_the_targets_url_not_the_holders():
    target = ROOT + "backupServers/404"
    broken = Resource(target, 404, "application/xml", error="HTTP 404", excerpt="<Error StatusCode=\"404\"/>")
    (finding,) = judged("REL001", job(Link("Up", target, "BackupServerReference")), broken)
    assert finding.url == JOB  # the finding stays on the holder ...
    (sent,) = requests_of(finding.reproduction)  # ... but the request that shows it is the target's
    assert sent.endswith('"${CONFORMANCE_TARGET}backupServers/404"')
    assert finding.excerpt.startswith("<Error")


def test_a_type_that_mispredicts_its_target_reproduces_with_the_target():
    target = ROOT + "repositories/7"
    repo = Resource(target, 200, "application/xml", "Job", "Job", href=target)
    (finding,) = judged("TYP001", job(Link("Up", target, "RepositoryReference")), repo)
    assert requests_of(finding.reproduction)[-1].endswith('"${CONFORMANCE_TARGET}repositories/7"')


def test_the_script_logs_on_first_and_sends_the_session_it_read_from_the_answer():
    target = ROOT + "backupServers/404"
    (finding,) = judged("REL001", job(Link("Up", target, "BackupServerReference")),
                        Resource(target, 404, error="HTTP 404"))
    lines = finding.reproduction.splitlines()
    assert lines[0] == "CONFORMANCE_TARGET=${CONFORMANCE_TARGET:-https://em.test:9398/api/}"
    assert lines[1] == "CONFORMANCE_USER=${CONFORMANCE_USER:-qa}"
    logon = lines[2]
    assert logon.startswith("SESSION=$(curl -sS -X POST -u \"$CONFORMANCE_USER:$CONFORMANCE_PASSWORD\"")
    assert '"${CONFORMANCE_TARGET}sessionMngr/?v=v1_7"' in logon and "x-restsvcsessionid:" in logon
    assert '-H "X-RestSvcSessionId: $SESSION"' in lines[3]


def test_a_probe_without_session_reproduces_without_the_session_header_nor_a_logon():
    probe = Probe("anonymous", JOB, "GET", JOB, status=200, root="Job")
    (finding,) = judged("PRT004", job(), probes=[probe])
    assert "X-RestSvcSessionId" not in finding.reproduction and "sessionMngr" not in finding.reproduction
    (sent,) = requests_of(finding.reproduction)
    assert sent.endswith('"${CONFORMANCE_TARGET}jobs/1?format=Entity"')


def test_a_probe_reproduces_with_its_own_headers():
    probe = Probe("json", JOB, "GET", JOB, (("Accept", "application/json"),), status=200,
                  content_type="application/xml", root="Job")
    (finding,) = judged("PRT003", job(), probes=[probe])
    (sent,) = requests_of(finding.reproduction)
    assert "-H 'Accept: application/json'" in sent and "application/xml" not in sent
    assert '-H "X-RestSvcSessionId: $SESSION"' in sent


def test_a_session_that_survives_logoff_reproduces_as_logoff_then_the_old_id_on_the_scripts_own_session():
    probe = Probe("after_logoff", SESSION_URL, "GET", SESSION_URL, status=200, root="LogonSession")
    holder = Resource(SESSION_URL, 200, "application/xml", "LogonSession", "LogonSession", href=SESSION_URL)
    (finding,) = judged("PRT007", holder, probes=[probe])
    script = finding.reproduction
    assert "5e55-1" not in script  # a replay has a session of its own: its URL is read from its logon
    assert re.search(r"^SESSION_URL=\$\(printf '%s\\n' \"\$LOGON\" \| grep -o 'Href=", script, re.M)
    logoff, again = requests_of(script)
    assert "-X DELETE" in logoff and logoff.endswith('"$SESSION_URL"')
    assert " -X " not in again and again.endswith('"$SESSION_URL"') and "$SESSION\"" in again


def _start(status=202, **more) -> Exchange:
    return Exchange("action", "POST", ROOT + "jobs/1?action=start", (("X-RestSvcSessionId", "***"),),
                    status=status, **more)


def _poll(state: str) -> Exchange:
    return Exchange("poll", "GET", ROOT + "tasks/task-7", (("X-RestSvcSessionId", "***"),), status=200,
                    root="Task", task_state=state, href=ROOT + "tasks/task-7")


def test_an_action_finding_replays_every_request_of_its_scenario_in_order():
    started = _start(root="Task", task_state="Running", href=ROOT + "tasks/task-7",
                     location=ROOT + "tasks/task-7")
    evidence = ActionEvidence("task", "Start", JOB, ROOT + "jobs/1?action=start", "valid",
                              (started, _poll("Running"), _poll("Running"), _poll("Running")),
                              final_states=("Finished",), polls=3)
    (finding,) = judged("ACT005", job(), actions=[evidence])
    sent = requests_of(finding.reproduction)
    assert len(sent) == 2 and "-X POST" in sent[0] and "jobs/1?action=start" in sent[0]
    # The Task's URL is read from the answer (a replay gets its own), then polled as often as the run did.
    assert re.search(r"^URL_1=\$\(printf '%s\\n' \"\$ANSWER\" \| awk 'tolower\(\$1\) == \"location:\"", finding.reproduction, re.M)
    assert sent[1] == ('for _ in $(seq 3); do curl -sS -i -H "X-RestSvcSessionId: $SESSION" '
                       "-H 'Accept: application/xml' \"$URL_1\"; done")
    assert "task-7" not in finding.reproduction


@needs_bash
def test_an_action_request_keeps_its_method_content_type_and_body():
    body = "<?xml version='1.0'?>\n<JobCloneSpec xmlns=\"http://www.veeam.com/ent/v1.0\"><JobName>a b</JobName></JobCloneSpec>"
    clone = Exchange("action", "POST", ROOT + "jobs/1?action=clone",
                     (("X-RestSvcSessionId", "***"), ("Content-Type", "application/xml")), body, status=500)
    evidence = ActionEvidence("valid", "Clone", JOB, ROOT + "jobs/1?action=clone", "valid JobCloneSpec", (clone,))
    (finding,) = judged("ACT001", job(), actions=[evidence])
    (sent,) = requests_of(finding.reproduction)
    assert "-X POST" in sent and "-H 'Content-Type: application/xml'" in sent
    (call,) = [c for c in curl_arguments(finding.reproduction) if "--data-binary" in c]
    assert call[call.index("--data-binary") + 1] == body and call[-1] == "https://em.test:9398/api/jobs/1?action=clone"


def test_a_binary_body_is_piped_in_byte_for_byte():
    clone = Exchange("action", "POST", ROOT + "jobs/1?action=clone", (("X-RestSvcSessionId", "***"),
                     ("Content-Type", "application/xml")), "\\x00\\xff", binary=True, status=500)
    evidence = ActionEvidence("invalid", "Clone", JOB, ROOT + "jobs/1?action=clone", "random bytes", (clone,))
    (finding,) = judged("ACT001", job(), actions=[evidence])
    (sent,) = requests_of(finding.reproduction)
    assert sent.startswith("printf '\\x00\\xff' | curl ") and "--data-binary @-" in sent


def test_a_sequence_replays_its_logons_logoffs_and_steps_in_order():
    logon = Exchange("action", "POST", ROOT + "sessionMngr/?v=v1_7", (("Authorization", "***"),), status=201,
                     href=ROOT + "logonSessions/s-1")
    relogon = Exchange("action", "POST", ROOT + "sessionMngr/?v=v1_7", (("Authorization", "***"),), status=201,
                       href=ROOT + "logonSessions/s-2")
    with_session = (("X-RestSvcSessionId", "***"),)
    steps = (logon, _start(), Exchange("action", "DELETE", ROOT + "logonSessions/s-1", with_session, status=204),
             relogon, Exchange("check", "GET", ROOT + "jobs/1/includes", with_session, status=200))
    evidence = ActionEvidence("sequence", "sequence", JOB, ROOT + "jobs", "sequences", steps=steps,
                              divergence="job to hold 1 VM; actually 2 more")
    (finding,) = judged("ACT010", job(), actions=[evidence])
    lines = finding.reproduction.splitlines()
    order = [line.split("=", 1)[0] if not line.startswith("curl") else line.split('"')[-2] for line in lines[2:]]
    assert order == ["LOGON", "SESSION", "SESSION_URL", "${CONFORMANCE_TARGET}jobs/1?action=start", "$SESSION_URL",
                     "SESSION", "${CONFORMANCE_TARGET}jobs/1/includes"]
    assert "s-1" not in finding.reproduction and "s-2" not in finding.reproduction


def test_no_reproduction_holds_a_secret_value_only_the_variables_that_hold_them():
    target = ROOT + "backupServers/404"
    scripts = [f.reproduction for f in judged("REL001", job(Link("Up", target, "X")), Resource(target, 404, error="x"))]
    scripts += [f.reproduction for f in judged("PRT007", Resource(SESSION_URL, 200, root="LogonSession"),
                                               probes=[Probe("after_logoff", SESSION_URL, "GET", SESSION_URL, status=200)])]
    for script in scripts:
        assert "***" not in script and "Authorization" not in script
        assert "$CONFORMANCE_PASSWORD" in script and "$SESSION" in script


def test_the_run_tls_options_are_on_every_curl_of_the_script():
    replay = Replay(ROOT, "v1_7", "qa", ("--cacert", "em-ca.pem"))
    script = replay.script([Request("GET", JOB), Request("DELETE", JOB)])
    curls = [line for line in script.splitlines() if "curl " in line]
    assert len(curls) == 3 and all("curl -sS --cacert em-ca.pem " in c or "curl -sS -i --cacert em-ca.pem " in c
                                   for c in curls)


@needs_bash
def test_a_url_outside_the_root_is_written_as_it_is_and_odd_characters_stay_one_word():
    replay = Replay(ROOT)
    script = replay.script([Request("GET", "https://elsewhere.test/x", session=False),
                            Request("GET", ROOT + "jobs/$(touch x)`id`!\"'", session=False)])
    first, second = curl_arguments(script)
    assert first[-1] == "https://elsewhere.test/x"
    assert second[-1] == ROOT + "jobs/$(touch x)`id`!\"'"  # the root from its variable, nothing expanded
