"""The HTML report leads with what is wrong: the verdict, then the findings grouped by rule, then
the matrix, coverage, action phase and link map, and only then pytest-html's own tables. Passing
items are counted, not listed, so the page stays small; nothing a server says can script it."""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
import sys
import threading
from html.parser import HTMLParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote
from xml.sax.saxutils import quoteattr

import pytest

from conformance.model.links import Link
from conformance.model.snapshot import Resource, Snapshot
from conformance.report.html_findings import AS_LINES, IN_FULL, findings_html
from conformance.report.html_matrix import matrix_html
from conformance.report.html_page import BEGIN, END, relayout
from conformance.report.item_log import ItemLog
from conformance.report.linkmap import MAX_TYPES, kind_edges, link_map_svg, type_tree
from conformance.rules import Finding, Severity
from conformance.run.runner import ItemResult

FAULTS = ["dangling_link", "type_mismatch"]  # REL001 on Replica, TYP001 on Repository
HOSTILE = "<img src=x onerror=alert(1)>"
BROWSERS = ("chromium", "chromium-browser", "google-chrome")


def conformance(*args: str, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "conformance", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300, env={**os.environ, **(env or {})})


@pytest.fixture(scope="module")
def faulty(tmp_path_factory) -> Path:
    """A report of the mock with two faults, and the snapshot of that run beside it."""
    cwd = tmp_path_factory.mktemp("html")
    args = [a for fault in FAULTS for a in ("--fault", fault)]
    result = conformance("run", *args, "--actions", "all", "--html", "report.html", "--snapshot", "snapshot.json",
                         cwd=cwd)
    assert result.returncode == 1, result.stdout[-2000:]
    return cwd


class _Ids(HTMLParser):
    """The element ids of a page, in document order."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.ids += [value for name, value in attrs if name == "id" and value]


def ids_in_order(page: str) -> list[str]:
    parser = _Ids()
    parser.feed(page)
    return parser.ids


def rows_listed(page: str) -> dict[str, list[dict]]:
    """The rows pytest-html's script will draw: the JSON in its data container."""
    blob = re.search(r'data-jsonblob="([^"]*)"', page).group(1)
    return json.loads(html.unescape(blob))["tests"]


def test_the_page_reads_verdict_findings_matrix_coverage_actions_link_map_then_pytest_htmls_tables(faulty):
    ids = ids_in_order((faulty / "report.html").read_text())
    wanted = ["conformance", "conformance-findings", "finding-REL001", "finding-TYP001", "conformance-matrix",
              "conformance-coverage", "conformance-actions", "conformance-linkmap", "results-table",
              "conformance-environment", "environment"]
    assert [i for i in ids if i in wanted] == wanted


def test_a_finding_shows_its_rule_types_url_expected_actual_and_reproduction(faulty):
    page = (faulty / "report.html").read_text()
    block = page[page.index('id="finding-REL001"'):page.index('id="finding-TYP001"')]
    for text in ("error", "REL001", "Every GET-able link", "Replica", "/api/replicas/",
                 "HTTP 200 with a readable representation", "HTTP 404", "curl -sS"):
        assert text in block, text
    assert "X-RestSvcSessionId: $SESSION" in block  # the reproduction names the session, never its value


def test_passing_items_are_counted_but_not_listed_so_the_page_stays_small(faulty):
    page = (faulty / "report.html").read_text()
    listed = rows_listed(page)
    assert sorted(listed) == ["conformance::REL001[Replica]", "conformance::TYP001[Repository]"]
    passed = int(re.search(r"(\d+) Passed", page).group(1))
    assert passed > 1000 and re.search(rf"{passed} passing (and \d+ skipped )?conformance items are counted here", page)
    assert len(page.encode()) < 200_000


def test_coverage_and_the_action_phase_are_shown_open(faulty):
    page = (faulty / "report.html").read_text()
    assert '<details open id="conformance-coverage">' in page and '<details open id="conformance-actions">' in page
    assert "Root elements no loaded schema declares" in page
    assert re.search(r"--actions all \(conformance-ci\): \d+ operation\(s\) followed", page)
    # an item that could not check a link because its target failed says so, though it passed
    assert re.search(r"<b>REL002</b> on \d+ type\(s\) \([^)]*\bReplica\b[^)]*\): [^<]*not checked: its target "
                     r"failed \(HTTP 404\)", page)


def test_the_link_map_is_a_tree_of_types_from_the_logon_session_with_failing_types_marked(faulty):
    snapshot = Snapshot.load(faulty / "snapshot.json")
    rows = type_tree(sorted(snapshot.kinds()), kind_edges(snapshot))
    assert rows[0].kinds == ("LogonSession",) and rows[0].depth == 0
    where = {row.kinds[0]: row for row in rows if row.kinds}
    assert where["Jobs"].parent == "LogonSession" and where["Jobs"].depth == 1
    assert where["Job"].kinds == ("Job", "JobReference") and where["Job"].parent == "Jobs"
    assert where["ObjectInJob"].parent == "Job"  # under the type it links Up to, not only the first found
    assert sum(len(row.kinds) for row in rows) == len(snapshot.kinds())  # every type once
    svg = link_map_svg(snapshot, {"Replica": ["REL001"]}, href=lambda rule_id: f"#finding-{rule_id}")
    assert '<a href="#finding-REL001">' in svg and "Replica ✗" in svg and svg.count("✗") == 1


def estate(jobs: int, other_types: int = 0) -> Snapshot:
    """A collection of `jobs` jobs that link Up to it, and resources of `other_types` types more that
    the collection links Down to."""
    root = "https://em.test/api/"
    snap = Snapshot(root)
    others = [f"{root}things/{i}" for i in range(other_types)]
    snap.add(Resource(root + "jobs", 200, root="EntityReferences", type="JobReferenceList", href=root + "jobs",
                      links=tuple(Link("Down", url, f"Thing{i}") for i, url in enumerate(others)),
                      members=tuple(Link(None, f"{root}jobs/{i}", "JobReference") for i in range(jobs))))
    for i in range(jobs):
        snap.add(Resource(f"{root}jobs/{i}", 200, root="EntityRef", type="JobReference", href=f"{root}jobs/{i}",
                          links=(Link("Up", "../jobs", "JobReferenceList"),)))
    for i, url in enumerate(others):
        snap.add(Resource(url, 200, root=f"Thing{i}", href=url))
    return snap


def test_the_link_map_draws_resource_types_not_resources():
    small, large = link_map_svg(estate(3), set()), link_map_svg(estate(3000), set())
    assert small.count("<rect") == large.count("<rect") == 2 and len(large) - len(small) < 10
    assert "JobReference: 3000 resource(s)" in large and "Up -&gt; JobReferenceList" in large  # a relative Up, read


def test_past_its_bound_the_link_map_counts_the_types_it_leaves_out_and_names_a_dozen_targets_a_rel():
    svg = link_map_svg(estate(1, MAX_TYPES + 5), {"Thing7": ["LNK001"]})
    assert svg.count("<rect") == MAX_TYPES and "7 more resource types not drawn" in svg
    assert "Thing7 ✗" in svg  # a failing type is drawn first
    assert re.search(r"Down -&gt; JobReference, Thing0, Thing1, [^<]* and \d+ more", svg)


def _chromium() -> str | None:
    return next((path for name in BROWSERS if (path := shutil.which(name))), None)


_PROBE = """<script>
  const box = (el) => { const r = el.getBoundingClientRect(); return {top: r.top, bottom: r.bottom}; };
  document.body.dataset.probe = JSON.stringify({
    viewport: [innerWidth, innerHeight],
    findings: box(document.getElementById('conformance-findings')),
    first: box(document.querySelector('#conformance .rule-findings h3')),
    rows: document.querySelectorAll('#results-table tbody.results-table-row').length,
    environment: document.querySelectorAll('#environment tr').length,
  });
</script>"""


def test_in_a_1280x900_browser_window_the_first_finding_shows_without_scrolling(faulty, tmp_path):
    browser = _chromium()
    if browser is None:
        pytest.skip("no headless browser installed (looked for " + ", ".join(BROWSERS) + ")")
    page = (faulty / "report.html").read_text()
    probed = tmp_path / "probed.html"
    probed.write_text(page.replace("</body>", _PROBE + "</body>"))  # after pytest-html's own script
    command = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
               "--window-size=1280,900", "--dump-dom", probed.as_uri()]
    dom = subprocess.run(command, capture_output=True, text=True, timeout=120).stdout
    probe = json.loads(html.unescape(re.search(r'data-probe="([^"]*)"', dom).group(1)))
    width, height = probe["viewport"]  # the window less the browser's own frame
    assert width == 1280 and height <= 900
    assert 0 < probe["findings"]["top"] < probe["first"]["top"] and probe["first"]["bottom"] < height
    # pytest-html's script still draws its table (the two failures) and its environment, now below
    assert probe["rows"] == 2 and probe["environment"] > 0


class _HostileApi(BaseHTTPRequestHandler):
    """A server whose one resource has a Type that is markup."""

    def _send(self, status: int, body: str = "", **headers: str) -> None:
        self.send_response(status)
        for name, value in {"Content-Type": "application/xml", **headers}.items():
            self.send_header(name, value)
        data = body.encode()
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _root(self) -> str:
        return f"http://{self.headers['Host']}/api/"

    def _session(self) -> str:
        root, ns = self._root(), 'xmlns="http://www.veeam.com/ent/v1.0"'
        return (f'<LogonSession {ns} Href="{root}logonSessions/1" Type="LogonSession"><Links>'
                f'<Link Rel="Down" Href="{root}evil" Type={quoteattr(HOSTILE)} Name={quoteattr(HOSTILE)}/>'
                f'<Link Rel="Delete" Href="{root}logonSessions/1"/></Links></LogonSession>')

    def do_GET(self) -> None:
        root, ns = self._root(), 'xmlns="http://www.veeam.com/ent/v1.0"'
        if self.path == "/api/":
            self._send(200, f'<EnterpriseManager {ns} Href="{root}" Type="EnterpriseManager"/>')
        elif self.path == "/api/logonSessions/1":
            self._send(200, self._session())
        elif self.path == "/api/evil":
            self._send(200, f"<EntityRef {ns} Href=\"{root}evil\" Type={quoteattr(HOSTILE)} Name={quoteattr(HOSTILE)}>"
                            f'<Links><Link Rel="Up" Href="{root}logonSessions/1" Type="LogonSession"/></Links>'
                            "</EntityRef>")
        else:
            self._send(404, f'<Error {ns} StatusCode="404"/>')

    def do_POST(self) -> None:
        if self.path.startswith("/api/sessionMngr/"):
            self._send(201, self._session(), **{"X-RestSvcSessionId": "hostile-session"})
        else:
            self._send(405, "")

    def do_DELETE(self) -> None:
        self._send(204)

    def log_message(self, *args: object) -> None:
        pass


def test_a_type_that_is_markup_is_shown_as_text_everywhere_in_the_report(tmp_path):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _HostileApi)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        result = conformance("run", "--target", f"http://127.0.0.1:{server.server_port}/api/", "--html", "r.html",
                             cwd=tmp_path, env={"CONFORMANCE_PASSWORD": "x"})
    finally:
        server.shutdown()
        server.server_close()
    assert result.returncode == 1, result.stdout[-2000:] + result.stderr[-2000:]
    page = (tmp_path / "r.html").read_text()
    assert HOSTILE not in page
    assert html.escape(HOSTILE) in page[page.index(BEGIN):page.index(END)]  # shown, as text
    # pytest-html's script puts each row's cells and log into the page as markup: they must be escaped too;
    # the node ids carry the Type only as an inert, percent-encoded word
    rows = rows_listed(page)
    assert any(quote(HOSTILE, safe="") in node_id for node_id in rows)
    assert all(HOSTILE not in json.dumps(entries, ensure_ascii=False) for entries in rows.values())


def _finding(url: str, rule: str = "LNK004", kind: str = "Job") -> tuple[Finding, str]:
    return Finding(rule, Severity.ERROR, url, "a Type", "none", reproduction=f"curl -sS {url}"), kind


def test_a_rule_with_thousands_of_findings_shows_a_few_in_full_a_hundred_as_lines_and_counts_the_rest():
    findings = [_finding(f"https://em.test/api/jobs/{i:04d}")[0] for i in range(2000)]
    page = findings_html([ItemResult("LNK004", "Job", "failed", tuple(findings), 2000)])
    assert page.count('class="finding"') == IN_FULL and page.count("<li>") == AS_LINES
    assert f"and {2000 - IN_FULL - AS_LINES} more finding(s) of LNK004" in page
    assert len(page) < 60_000


def test_a_skipped_item_is_a_dash_in_the_matrix_with_its_reason():
    results = {("LNK004", "Job"): ItemResult("LNK004", "Job", "passed", (), 1),
               ("LNK004", "Task"): ItemResult("LNK004", "Task", "failed", (_finding("u", kind="Task")[0],), 1)}
    log = ItemLog(outcomes={("ACT001", "Job"): "skipped", ("ACT001", "Task"): "skipped",
                            ("ACT002", "Job"): "skipped"},
                  skipped={("ACT001", "Job"): "--actions none", ("ACT001", "Task"): "--actions none",
                           ("ACT002", "Job"): "no invalid input was sent"})
    matrix = matrix_html(results, log)
    # The reason most of a row's cells share is said once, on the row; any other on its cell.
    assert '<td class=n>–<' in matrix and "(–: --actions none)" in matrix
    assert '<td class=n title="ACT002 on Task: not run">–<' in matrix
    assert '<td class=f title="LNK004 on Task: failed"><a href="#finding-LNK004">✗</a><' in matrix
    assert "<td>✓<" in matrix and "2 rule x type pair(s): --actions none" in matrix


PAGE = ('<body><h1 id="title">T</h1><p>generated</p><div id="environment-header"><h2>Environment</h2></div>'
        '<table id="environment"></table><div class="summary"><div class="additional-summary prefix">'
        f"{BEGIN}<section>S</section>{END}</div></div><table id=\"results-table\"></table><footer></footer></body>")


def test_the_page_is_rearranged_only_where_its_markers_are_found():
    page = relayout(PAGE)
    assert ids_in_order(page) == ["title", "results-table", "conformance-environment", "environment-header",
                                  "environment"]
    assert page.index("<section>S</section>") < page.index("<p>generated</p>")
    assert relayout(page) == page
    assert relayout(PAGE.replace('<h1 id="title">', "<h1>").replace("<footer>", "")) == \
        PAGE.replace('<h1 id="title">', "<h1>").replace("<footer>", "")
