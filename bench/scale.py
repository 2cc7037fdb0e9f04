"""The suite at scale against the mock in its own process: four figures, measured in one run.

    python bench/scale.py [--small-size 200] [--large-size 20000] [--latency-size 1000] [--surface documented|key]

(a) the suite's rate over the rate of a raw sequential GET loop over the same URLs (goal >= 0.8):
    how close the suite runs to the server's own speed;
(b) a sequential crawl-and-validate baseline over the suite, both against the mock answering each
    request 20 ms late (goal >= 15): what concurrency buys where the network, not the suite, is
    the limit;
(c) the suite's time per resource at the large size over that at the small one (goal <= 1.2):
    whether the run stays linear;
(d) the suite's peak RSS at the large size (goal < 300 MB).

Every run is a `conformance run` subprocess with every URL template's members crawled
(`--per-template 0`) and a budget above the estate, so the sizes are whole estates. The mock runs
in a process of its own, so the two share nothing but the machine.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

import httpx
from lxml import etree

from conformance.contract.profiles import load_profile
from conformance.contract.schema import load_schemas
from conformance.mock import DEFAULT_PASSWORD, DEFAULT_USER

_NOW = "2026-01-01T00:00:00Z"
_BUDGET = "1000000"


class Mock:
    """`conformance mock` in a subprocess on a free port, stopped on exit."""

    def __init__(self, size: int, latency_ms: float = 0.0, surface: str = "documented") -> None:
        self.args = [sys.executable, "-m", "conformance", "mock", "--port", "0", "--size", str(size),
                     "--seed", "0", "--now", _NOW, "--latency", str(latency_ms), "--surface", surface]

    def __enter__(self) -> Mock:
        self.proc = subprocess.Popen(self.args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        line = self.proc.stdout.readline() if self.proc.stdout else ""
        match = re.search(r"(https?://\S+/api/)", line)
        if not match:
            self.proc.kill()
            raise SystemExit(f"the mock did not start: {line!r}")
        self.url = match.group(1)
        return self

    def __exit__(self, *exc: object) -> None:
        self.proc.terminate()
        self.proc.wait(10)


def suite(url: str, out: Path, *extra: str) -> dict[str, float]:
    """One `conformance run` against `url`, with the reports a run writes by default (HTML and the
    results JSON): wall time, the crawl's time, resources, peak RSS (MB) of the run's process."""
    out.mkdir(parents=True, exist_ok=True)
    args = [sys.executable, "-m", "conformance", "run", "--target", url, "--actions", "none",
            "--per-template", "0", "--max-resources", _BUDGET, "--deadline", "3600",
            "--json", str(out / "results.json"), "--html", str(out / "report.html"), *extra]
    env = {**os.environ, "CONFORMANCE_PASSWORD": DEFAULT_PASSWORD}
    started = time.perf_counter()
    proc = subprocess.Popen(args, cwd=out, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):
        raise SystemExit(f"conformance run exited {code}: {proc.stderr.read() if proc.stderr else ''}")
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    crawl = datetime.fromisoformat(results["crawl_finished"]) - datetime.fromisoformat(results["started"])
    return {"wall": wall, "crawl": crawl.total_seconds(), "resources": results["counts"]["resources"],
            "rss_mb": usage.ru_maxrss / 1024, "exit": code}


def urls_of(out: Path) -> list[str]:
    """The URLs the suite fetched with GET, in a fixed order."""
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    return sorted(row["url"] for row in results["resources"] if row["method"] == "GET")


def _logon(client: httpx.Client, root: str) -> None:
    answer = client.post(root.rstrip("/") + "/sessionMngr/?v=latest", auth=(DEFAULT_USER, DEFAULT_PASSWORD))
    answer.raise_for_status()
    client.headers["X-RestSvcSessionId"] = answer.headers["X-RestSvcSessionId"]


def raw_loop(root: str, urls: list[str], validate: bool = False) -> float:
    """Seconds for one client to GET every URL in turn (and parse and validate it, when asked):
    what a hand-written tool does."""
    schema = load_schemas(load_profile("v1_7").schemas) if validate else None
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    base = "{0.scheme}://{0.netloc}".format(urlsplit(root))
    with httpx.Client(timeout=60) as client:
        _logon(client, root)
        started = time.perf_counter()
        for url in urls:
            answer = client.get(base + url[len(base):])
            if schema is not None and answer.status_code == 200 and b"<" in answer.content[:1]:
                schema.check(etree.fromstring(answer.content, parser))
        return time.perf_counter() - started


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--small-size", type=int, default=200, help="mock size of the small estate (~1,000 resources)")
    ap.add_argument("--large-size", type=int, default=20000, help="mock size of the large estate (~100,000 resources)")
    ap.add_argument("--latency-size", type=int, default=1000, help="mock size for the latency figure (~5,000 resources)")
    ap.add_argument("--latency", type=float, default=20.0, help="mock latency in ms for figure (b)")
    ap.add_argument("--concurrency", type=int, default=32, help="the suite's --concurrency for figure (b)")
    ap.add_argument("--surface", default="documented", choices=("documented", "key"),
                    help="what the mock serves: every documented area, or the key resources alone")
    ns = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="conformance-scale-"))

    with Mock(ns.small_size, surface=ns.surface) as mock:
        small = suite(mock.url, work / "small")
        raw = raw_loop(mock.url, urls_of(work / "small"))
    a = raw / small["crawl"]
    print(f"(a) over {small['resources']} resources: the suite's crawl (fetch, parse, validate, probes) "
          f"{small['resources'] / small['crawl']:.0f}/s, a raw sequential GET loop {small['resources'] / raw:.0f}/s: "
          f"ratio {a:.2f} (goal >= 0.8); the whole run, rules and reports included, "
          f"{small['resources'] / small['wall']:.0f}/s: {raw / small['wall']:.2f}", flush=True)

    with Mock(ns.latency_size, ns.latency, ns.surface) as mock:
        slow = suite(mock.url, work / "latency", "--concurrency", str(ns.concurrency))
        baseline = raw_loop(mock.url, urls_of(work / "latency"), validate=True)
    b = baseline / slow["wall"]
    print(f"(b) with {ns.latency:g} ms latency over {slow['resources']} resources: sequential crawl-and-validate "
          f"{baseline:.1f} s, suite (--concurrency {ns.concurrency}) {slow['wall']:.1f} s: {b:.1f}x (goal >= 15)",
          flush=True)

    with Mock(ns.large_size, surface=ns.surface) as mock:
        large = suite(mock.url, work / "large")
    c = (large["wall"] / large["resources"]) / (small["wall"] / small["resources"])
    print(f"(c) time per resource: {1000 * small['wall'] / small['resources']:.2f} ms at {small['resources']}, "
          f"{1000 * large['wall'] / large['resources']:.2f} ms at {large['resources']}: ratio {c:.2f} (goal <= 1.2)")
    print(f"(d) peak RSS at {large['resources']} resources: {large['rss_mb']:.0f} MB (goal < 300 MB); "
          f"at {small['resources']}: {small['rss_mb']:.0f} MB")
    print(f"runs kept in {work}")


if __name__ == "__main__":
    main()
