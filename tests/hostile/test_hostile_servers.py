"""Against any server, a run ends within its budget, in bounded memory, with a report that names
the problem, sends nothing to another origin, and says "conformant" only when it judged all it should.

Each scenario is a small server on a real socket (`scenarios.py`) and one `conformance run` in a
process of its own, as a user would start it; the scenarios are played side by side.
"""

from __future__ import annotations

import re
import shutil
import signal
import subprocess
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree

import pytest

import hostile_scenarios as s
from hostile_runs import MEASURED, Outcome, finish, start
from hostile_server import Api, HostileServer, Request

SECONDS = 30.0
"""Most seconds a run may take, whatever the server does."""
RSS_MB = 300.0
"""Most memory (peak resident set) a run may take, whatever the server does."""
ARGS = ("--timeout", "2", "--deadline", "20")
"""The budgets of the battery's runs: two seconds a request, twenty the run."""
NO_ROOTS = ("--schema", str(Path(__file__).with_name("no_roots.xsd")))
"""A schema that declares none of the servers' roots: their documents are read but not validated,
which spares each run loading the validator's explanations (the battery is about the rest)."""


@dataclass(frozen=True)
class Scenario:
    api: type[Api]
    args: tuple[str, ...] = NO_ROOTS
    interrupt_when: Callable[[Api], bool] | None = None
    """When the run gets Ctrl-C (SIGINT), as a user would press it: once this holds of the server."""


def _crawling(api: Api) -> bool:
    return sum(r.path.startswith("/api/jobs/") for r in api.requests) >= 3


SCENARIOS: dict[str, Scenario] = {
    "probe_gzip_bomb": Scenario(s.ProbeBomb),
    "logon_gzip_bomb": Scenario(s.LogonBomb),
    "logon_200_mb": Scenario(s.LogonHuge),
    "trickled_resource": Scenario(s.TrickledResource),
    "trickled_logon": Scenario(s.TrickledLogon),
    "silent_resource": Scenario(s.SilentResource),
    "ten_thousand_links": Scenario(s.ManyLinks),
    "session_on_another_origin": Scenario(s.ForeignSession),
    "unreadable_logon": Scenario(s.UnreadableLogon),
    "session_expires": Scenario(s.ExpiringSession),
    "markup_and_escapes": Scenario(s.MarkupValues),
    "three_thousand_templates": Scenario(s.ManyTemplates),
    "ambiguous_hrefs": Scenario(s.BackslashHref),
    "retry_after": Scenario(s.RetryAfter),
    "slow_everywhere": Scenario(s.SlowEverywhere, (*NO_ROOTS, "--deadline", "4", "--per-template", "0")),
    "interrupted": Scenario(s.Interrupted, interrupt_when=_crawling),
    "what_already_held": Scenario(s.Assorted, ()),  # the profile's own schemas: a schema location is there too
    "logon_refused": Scenario(s.LogonRefused),
    "logon_without_session": Scenario(s.LogonWithoutSession),
}


@dataclass
class Played:
    outcome: Outcome
    api: Api
    elsewhere: list[Request] = field(default_factory=list)
    """What a second server, the "other origin" the scenario points at, received."""

    def asked(self, method: str, path: str) -> list[Request]:
        return [r for r in self.api.requests if r.method == method and r.path == path]


def _play(name: str, folder: Path) -> Played:
    scenario = SCENARIOS[name]
    other = Api()
    with HostileServer(other) as elsewhere, HostileServer(scenario.api()) as server:
        api = server.api
        for attribute in ("elsewhere",):
            if hasattr(api, attribute):
                setattr(api, attribute, elsewhere.url)
        api.secret_path = str(folder / "secret.txt")  # type: ignore[attr-defined]
        (folder).mkdir(parents=True, exist_ok=True)
        (folder / "secret.txt").write_text(s.SECRET_FILE_TEXT)
        proc, started = start(server.url, folder / "run", *ARGS, *scenario.args)
        if scenario.interrupt_when:
            while not scenario.interrupt_when(api) and proc.poll() is None:
                time.sleep(0.05)
            proc.send_signal(signal.SIGINT)
        try:
            outcome = MEASURED[name] = finish(proc, started, folder / "run", limit=SECONDS * 2)
        finally:
            getattr(api, "release", lambda: None)()  # a server holding its answers lets them go
        return Played(outcome, api, list(other.requests))


def _selected(session: pytest.Session) -> list[str]:
    names = {m.args[0] for item in session.items for m in item.iter_markers("hostile")}
    return [name for name in SCENARIOS if name in names]


@pytest.fixture(scope="module")
def battery(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Future[Played]]:
    """Every selected scenario, played side by side (most of a run is waiting on its server)."""
    with ThreadPoolExecutor(max_workers=4) as pool:
        yield {name: pool.submit(_play, name, tmp_path_factory.mktemp(name)) for name in _selected(request.session)}


def played(battery: dict[str, Future[Played]], name: str) -> Played:
    return battery[name].result()


def _all() -> list[object]:
    return [pytest.param(name, marks=pytest.mark.hostile(name), id=name) for name in SCENARIOS]


@pytest.mark.parametrize("name", _all())
def test_every_run_ends_within_its_budget_in_bounded_memory_and_writes_its_reports(battery, name):
    run = played(battery, name).outcome
    assert run.seconds < SECONDS, run.stderr[-2000:]
    assert run.rss_mb < RSS_MB
    assert run.code in (1, 2, 3), run.stdout[-3000:] + run.stderr[-2000:]  # never "conformant", never a crash
    assert (run.folder / "results.json").exists() and (run.folder / "report.html").exists()
    assert run.results["verdict"] != "conformant"


@pytest.mark.parametrize("name", _all())
def test_no_request_leaves_the_target_and_the_session_id_goes_nowhere_else(battery, name):
    got = played(battery, name)
    assert got.elsewhere == []
    sent_with_credentials = [r for r in got.api.requests if "authorization" in r.headers]
    assert all(r.method == "POST" and r.path == "/api/sessionMngr/" for r in sent_with_credentials)


def _named(run: Outcome, *words: str) -> None:
    said = run.said
    for word in words:
        assert word in said, f"{word!r} not said; stderr: {run.stderr[-1500:]}"


@pytest.mark.hostile("probe_gzip_bomb")
def test_a_gzip_bomb_answering_the_probes_is_cut_at_the_body_limit_and_named(battery):
    run = played(battery, "probe_gzip_bomb").outcome
    assert run.code == 1
    _named(run, "BodyTooLarge", "larger than the 16777216-byte limit (counted after decompression)")


@pytest.mark.hostile("logon_gzip_bomb")
@pytest.mark.hostile("logon_200_mb")
@pytest.mark.parametrize("name", ["logon_gzip_bomb", "logon_200_mb"])
def test_a_logon_answer_over_the_body_limit_stops_the_run_with_exit_3_naming_it(battery, name):
    run = played(battery, name).outcome
    assert run.code == 3
    assert "logon failed: BodyTooLarge" in run.stderr and "larger than the 16777216-byte limit" in run.stderr
    assert run.results["complete"] is False


@pytest.mark.hostile("trickled_resource")
@pytest.mark.hostile("silent_resource")
@pytest.mark.parametrize("name", ["trickled_resource", "silent_resource"])
def test_a_resource_trickled_or_never_answered_is_cut_at_the_request_deadline_and_is_a_finding(battery, name):
    got = played(battery, name)
    assert got.outcome.code == 1
    errors = {r["url"]: r["error"] for r in got.outcome.results["resources"] if r["error"]}
    assert "within 2 s" in errors[got.api.base + "jobs/1"]
    assert any(f["rule"] == "REL001" and "within 2 s" in f["actual"] for f in got.outcome.results["findings"])


@pytest.mark.hostile("trickled_logon")
def test_a_trickled_logon_stops_the_run_at_the_request_deadline_with_exit_3(battery):
    run = played(battery, "trickled_logon").outcome
    assert run.code == 3 and "logon failed: DeadlineExceeded" in run.stderr and "within 2 s" in run.stderr


@pytest.mark.hostile("session_on_another_origin")
def test_a_session_named_at_another_origin_is_logged_off_at_the_target_and_its_link_is_a_finding(battery):
    got = played(battery, "session_on_another_origin")
    assert got.asked("DELETE", "/api/logonSessions/1")  # the server that issued the session sees its logoff
    lnk003 = [f for f in got.outcome.results["findings"] if f["rule"] == "LNK003"]
    assert any("logonSessions/1" in f["actual"] for f in lnk003)


@pytest.mark.hostile("unreadable_logon")
def test_a_logon_answer_that_cannot_be_read_stops_the_run_with_exit_3_and_logs_off(battery):
    got = played(battery, "unreadable_logon")
    assert got.outcome.code == 3
    assert "with a body that cannot be read" in got.outcome.stderr
    assert got.asked("DELETE", "/api/logonSessions/1")
    assert got.outcome.results["complete"] is False


@pytest.mark.hostile("session_expires")
def test_a_session_lost_mid_crawl_is_said_once_and_the_run_exits_3_incomplete(battery):
    run = played(battery, "session_expires").outcome
    assert run.code == 3, run.stderr[-2000:]
    assert "the session was lost" in run.stderr
    results = run.results
    assert results["complete"] is False and "the session was lost" in results["interrupted"]
    assert not [f for f in results["findings"] if "HTTP 401" in f["actual"]]  # not one finding per refused URL


@pytest.mark.hostile("markup_and_escapes")
def test_server_text_is_shown_as_text_in_the_html_the_junit_and_the_terminal(battery):
    run = played(battery, "markup_and_escapes").outcome
    assert "\x1b" not in run.stdout + run.stderr and "\x07" not in run.stdout + run.stderr
    assert "\\x1b" in run.stdout  # shown, not interpreted
    assert s.HOSTILE_MARKUP not in run.html
    junit = (run.folder / "junit.xml").read_text()
    assert "\x1b" not in junit and s.HOSTILE_MARKUP not in junit
    ElementTree.parse(run.folder / "junit.xml")
    names = [case.get("name") for case in ElementTree.parse(run.folder / "junit.xml").iter("testcase")]
    assert all(re.fullmatch(r"[A-Z]{3}\d{3}\[[\w.%-]+\]", name or "") for name in names), names


BROWSERS = ("chromium", "chromium-browser", "google-chrome")


@pytest.mark.hostile("markup_and_escapes")
def test_the_html_report_of_a_hostile_server_runs_no_script_in_a_browser(battery):
    browser = next((path for name in BROWSERS if (path := shutil.which(name))), None)
    if browser is None:
        pytest.skip("no headless browser installed (looked for " + ", ".join(BROWSERS) + ")")
    run = played(battery, "markup_and_escapes").outcome
    command = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--virtual-time-budget=3000", "--dump-dom",
               (run.folder / "report.html").as_uri()]
    dom = subprocess.run(command, capture_output=True, text=True, timeout=60).stdout
    assert "<html" in dom and "conformance" in dom  # the page rendered, its own script ran
    assert not re.search(r"<html[^>]*data-owned", dom)
    assert "&lt;img src=x onerror=" in dom  # the server's text is on the page, as text


@pytest.mark.hostile("three_thousand_templates")
def test_a_server_with_thousands_of_url_shapes_gets_a_fixed_number_of_probes(battery):
    got = played(battery, "three_thousand_templates")
    shapes = [r for r in got.api.requests if r.path.startswith("/api/area")]
    crawled = {r.target for r in shapes if "x-restsvcsessionid" in r.headers and "json" not in r.headers["accept"]}
    assert len(crawled) == s.ManyTemplates.count  # each once
    assert len(shapes) - len(crawled) <= 4 * 24  # the probes' cap per resource type, whatever the shapes


@pytest.mark.hostile("ambiguous_hrefs")
def test_hrefs_with_a_backslash_userinfo_or_an_odd_port_are_findings_and_never_fetched(battery):
    got = played(battery, "ambiguous_hrefs")
    assert not [r for r in got.api.requests if r.path in ("/api/jobs/sneaky", "/api/jobs/3", "/api/jobs/4")]
    actual = " ".join(f["actual"] for f in got.outcome.results["findings"] if f["rule"] == "LNK003")
    assert "a backslash" in actual and "userinfo" in actual and "an unusual port" in actual


@pytest.mark.hostile("retry_after")
def test_a_503_with_retry_after_is_asked_again_within_the_request_deadline(battery):
    got = played(battery, "retry_after")
    assert len(got.asked("GET", "/api/jobs")) >= 2
    jobs = next(r for r in got.outcome.results["resources"] if r["url"] == got.api.base + "jobs")
    assert jobs["status"] == 200 and jobs["error"] is None


@pytest.mark.hostile("slow_everywhere")
def test_the_runs_deadline_stops_the_crawl_and_what_was_seen_is_judged_marked_incomplete(battery):
    run = played(battery, "slow_everywhere").outcome
    assert run.code in (1, 2)
    assert "the run's deadline (4 s) was reached during the crawl" in run.stdout + run.stderr
    results = run.results
    assert results["complete"] is False and results["verdict"] in ("incomplete", "violations found")
    assert sum(results["counts"]["items"].values()) > 0  # judged what it had


@pytest.mark.hostile("interrupted")
def test_an_interrupted_run_writes_its_snapshot_too_marked_incomplete(battery):
    run = played(battery, "interrupted").outcome
    assert run.code == 2
    assert run.snapshot["meta"]["complete"] is False and run.results["complete"] is False


@pytest.mark.hostile("what_already_held")
@pytest.mark.parametrize("job, said", [
    ("malformed", "tag mismatch"), ("truncated", "premature end"), ("utf8", "invalid bytes in character encoding"),
    ("png", "image/png"), ("empty", "document is empty"), ("html", "text/html"),
    ("huge", "larger than the 16777216-byte limit"),
    ("bomb", "larger than the 16777216-byte limit (counted after decompression)"), ("deepxml", "excessive depth"),
    ("deepjson", "not valid json"), ("laughs", "amplification"), ("quadratic", "amplification"),
    ("external", "external entity"), ("loop", "HTTP 302"), ("away", "HTTP 307"), ("reset", "RemoteProtocolError"),
    ("e500", "HTTP 500"), ("e502", "HTTP 502")])
def test_what_already_held_still_holds_each_broken_answer_is_named_on_its_url(battery, job, said):
    got = played(battery, "what_already_held")
    url = got.api.base + "jobs/" + job
    resource = next(r for r in got.outcome.results["resources"] if r["url"] == url)
    named = [resource["error"] or ""] + [f["actual"] for f in got.outcome.results["findings"] if f["url"] == url]
    assert any(said.lower() in text.lower() for text in named if text), named


@pytest.mark.hostile("what_already_held")
def test_entities_includes_and_schema_locations_are_neither_expanded_nor_fetched_nor_read(battery):
    got = played(battery, "what_already_held")
    everything = got.outcome.said + got.outcome.html + (got.outcome.folder / "snapshot.json").read_text()
    assert s.SECRET_FILE_TEXT not in everything and "lollollol" not in everything
    assert len([r for r in got.api.requests if r.target == "/api/jobs/loop"]) == 1  # redirects are not followed


@pytest.mark.hostile("logon_refused")
@pytest.mark.hostile("logon_without_session")
@pytest.mark.parametrize("name, said", [("logon_refused", "logon refused (401)"),
                                        ("logon_without_session", "without a X-RestSvcSessionId header")])
def test_a_logon_that_opens_no_session_stops_the_run_with_exit_3(battery, name, said):
    run = played(battery, name).outcome
    assert run.code == 3 and said in run.stderr
