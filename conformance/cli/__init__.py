"""The `conformance` command: run the suite, serve the mock, list rules and profiles."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, NoReturn

from ..errors import EXIT_USAGE
from ..mock.surfaces import SIZE_RESOURCES, SURFACES
from .learn_command import add_learn_parser, learn_main

__all__ = ["EXIT_USAGE", "build_parser", "main"]

DEFAULT_HTML = Path("reports") / "conformance.html"
DEFAULT_JSON = Path("reports") / "results.json"


class _Parser(argparse.ArgumentParser):
    """argparse with the suite's exit code for usage errors (its subcommands inherit it)."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def _bounded_int(low: int, high: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"invalid number: {text!r}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{value} is out of range ({low} to {high})")
        return value

    return parse


def _mock_size(text: str) -> int:
    from ..mock.data import MAX_SIZE

    return _bounded_int(1, MAX_SIZE)(text)


def _moment(text: str) -> datetime:
    from ..mock.data import parse_moment

    try:
        return parse_moment(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid number: {text!r}") from None
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"{text} must be a positive number of seconds")
    return value


_NOW_HELP = ("the moment the mock's data is generated for, ISO 8601 (2026-01-01T00:00:00Z; UTC when no offset "
             "is given): every time it shows is relative to it, so the same size, seed and --now serve the same "
             "bodies (default: the current time)")

_SIZE_HELP = ("size of the mock's backup estate: about S records (backup servers, jobs, sessions, restore "
              "points, ...; at least one of each), 1 to 100000; each record shows in several resources, so "
              f"{SIZE_RESOURCES} (default: 40)")


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("conformance")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown (not installed)"


_EXIT_CODES = """\
exit codes of `run`: 0 conformant, 1 violations found, 2 interrupted, 3 target unreachable or
logon refused, 4 bad options (any usage error), profile or schemas, 5 nothing checked."""

_EPILOG = f"""\
A setting not given as an option comes from its CONFORMANCE_* variable, else from its conformance_*
key in the project's pytest configuration (pyproject.toml, pytest.ini, ...), as for the plugin; the
report paths are the command's own. The project's addopts, PYTEST_ADDOPTS, testpaths, conftest.py
and other settings of its own tests are set aside. The files at the report paths are removed first:
what is there afterwards, this run wrote. The password of a real target comes from the environment
variable CONFORMANCE_PASSWORD only.

{_EXIT_CODES}
"""


def _crawl_options(p: argparse.ArgumentParser, verb: str, project: bool = True) -> None:
    """The options of the crawl, which `run` and `record` share: the target, its budgets, the mock's data.
    `project`: whether the project's pytest configuration supplies settings too (as for `run`)."""
    configured = "conformance_target of the project's pytest configuration, else " if project else ""
    p.add_argument("--target", metavar="URL|mock",
                   help=f"API root URL (https://HOST:9398/api/) or 'mock' (default: CONFORMANCE_TARGET, else "
                        f"{configured}mock)")
    p.add_argument("--user", metavar="NAME", help="logon user (default: admin)")
    p.add_argument("--profile", metavar="NAME|FILE",
                   help="API version profile or product version, or a profile file (PROFILE.toml, such as one "
                        "`conformance learn` wrote), forced (default: the version the server speaks "
                        "picks it: logon with ?v=latest, the newest of the root's SupportedVersions; a server older "
                        "or newer than every profile is judged with the nearest, and the reports say so); with the "
                        "mock target, the mock speaks the profile's API version; `conformance profiles` lists them")
    p.add_argument("--schema", metavar="PATH", help="XSD file or folder overriding the profile's schemas")
    tls = p.add_mutually_exclusive_group()
    tls.add_argument("--insecure", action="store_true", help="skip TLS certificate verification (warns)")
    tls.add_argument("--ca-bundle", metavar="PATH", help="CA bundle (PEM) to verify the server certificate")
    p.add_argument("--format", choices=("xml", "json"),
                   help="what the crawl asks for: xml (Accept: application/xml, the default) or json (every "
                        "resource asked for as application/json and judged so by every rule that can read it)")
    p.add_argument("--max-resources", type=int, metavar="N",
                   help="stop after N resources; what is left is reported as not covered, and the budget is "
                        "shared round robin among URL templates (default: 5000)")
    p.add_argument("--per-template", type=_bounded_int(0, 10**9), metavar="N",
                   help="fetch at most N URLs of one URL template (the members of a collection, such as "
                        "/api/jobs/{id}), so every template is reached before one is repeated; the rest is "
                        "reported as sampled (0: no limit; default: 10)")
    p.add_argument("--timeout", type=float, metavar="S",
                   help="seconds for one whole request, body included, in every phase (default: 20)")
    p.add_argument("--max-body", type=int, metavar="BYTES",
                   help="largest response body, counted after decompression (default: 16 MiB)")
    p.add_argument("--deadline", type=float, metavar="S",
                   help=f"seconds for the whole {verb}; past it the {verb} stops crawling, logs off and keeps what "
                        "it has, marked incomplete (default: 1800)")
    p.add_argument("--concurrency", type=int, metavar="N", help="requests in flight at once (default: 8)")
    p.add_argument("--fault", action="append", default=[], metavar="NAME",
                   help="with the mock target: switch on a named fault (repeatable); see `conformance mock "
                        "--list-faults`")
    p.add_argument("--size", type=_mock_size, metavar="S", help="with the mock target: " + _SIZE_HELP)
    p.add_argument("--surface", choices=SURFACES,
                   help="with the mock target: documented (default, every documented area) or key (the key "
                        "resources alone, faster)")
    p.add_argument("--now", type=_moment, metavar="ISO8601",
                   help=f"with the mock target: the moment its data is generated for (default: when the {verb} "
                        "starts)")


def _run_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("run", help="crawl a target and check its link contract (default target: the embedded mock)",
                       description="Crawl the target from its API root, check every representation and link, "
                                   "and write an HTML report. Arguments after `--` go to pytest.",
                       epilog=_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    _crawl_options(p, "run")
    p.add_argument("--replay", metavar="DIR",
                   help="with the mock target: serve this recording (`conformance record` wrote it) instead of "
                        "generated data; judged read-only, as `conformance check DIR` does")
    p.add_argument("--rules", metavar="SEL", help="run only these rules: ids, prefixes or families, comma-separated")
    p.add_argument("--skip-rules", metavar="SEL", help="skip these rules: ids, prefixes or families")
    p.add_argument("--actions", choices=("none", "safe", "all"),
                   help="what may be sent beyond GET (default: all on the mock, none elsewhere)")
    p.add_argument("--dry-run", action="store_true",
                   help="list every request the action phase would send, and send none of them")
    p.add_argument("--hypothesis-profile", choices=("conformance-ci", "conformance-dev", "conformance-deep"),
                   help="hypothesis settings of the action phase (default: conformance-ci, derandomized and "
                        "sized for a first run: one example of each kind of input per operation, three short "
                        "sequences; conformance-deep for many examples and long sequences)")
    _report_options(p)
    p.add_argument("--snapshot", metavar="PATH", help="also save the crawl's snapshot (JSON) here")
    p.add_argument("pytest_args", nargs=argparse.REMAINDER,
                   help="-- then extra pytest arguments (e.g. -k LNK; -n auto judges on one worker process per core)")


def _report_options(p: argparse.ArgumentParser, html: str | None = str(DEFAULT_HTML),
                    json: str | None = str(DEFAULT_JSON)) -> None:
    """Where a judgement's reports go, and what fails it: `run` and the check of a recording."""
    p.add_argument("--html", default=html, metavar="PATH", help=f"HTML report (default: {DEFAULT_HTML})")
    p.add_argument("--json", default=json, metavar="PATH",
                   help=f"results JSON, schema conformance-results/1, always written (default: {DEFAULT_JSON})")
    p.add_argument("--junit", metavar="PATH", help="also write JUnit XML here")
    p.add_argument("--baseline", metavar="FILE", help="known violations (TOML) that do not fail the run; "
                                                       "`conformance baseline` writes one")
    p.add_argument("--fail-on", choices=("error", "warning", "info"),
                   help="lowest severity of a new finding that fails the run (default: warning)")


def _run(ns: argparse.Namespace) -> int:
    from .run_command import run

    return run(ns)


_RECORD_EPILOG = """\
The crawl is `run`'s, under the same budgets and safety: GET only, one logon and one logoff, the
target's origin only; then the JSON form of every resource it fetched. Settings not given as options
come from their CONFORMANCE_* environment variables (not from the project's pytest configuration);
the password of a real target from CONFORMANCE_PASSWORD only. Nothing secret is stored: no session
token, cookie or Authorization header (the index lists what was left out).

DIR is created, or taken up where it stopped: a recording that is incomplete is resumed (what it
holds is given back from it, the rest is asked from the target, in a session of its own); one that
is complete is refused, unless --anonymize asks to anonymize it. While recording, DIR holds the
original bodies; --anonymize rewrites it when the recording stops (Ctrl-C included).

exit codes: 0 recorded completely, 2 stopped early (Ctrl-C, --deadline; the recording is valid up to
there, marked incomplete), 3 target unreachable, logon refused or session lost, 4 bad options or a
DIR that cannot take this recording.
"""


def _record_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("record", help="crawl a target and store every answer, to replay and judge it offline",
                       description="Crawl the target as `run` does and store every answer it gets, XML and JSON,\n"
                                   "in DIR: one file per body and an index (docs/recording.md). `conformance mock\n"
                                   "--replay DIR` serves it again; `conformance check DIR` judges it.",
                       epilog=_RECORD_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", required=True, metavar="DIR", help="the folder of the recording (created, or resumed)")
    p.add_argument("--anonymize", action="store_true",
                   help="replace names, hosts, user names, paths and descriptions by stand-ins, the same one for "
                        "the same value everywhere (ids are kept), so the recording can be handed on")
    _crawl_options(p, "recording", project=False)


def _record(ns: argparse.Namespace) -> int:
    from .record_command import record

    return record(ns, vars(build_parser().parse_args(["run"])))


def _baseline_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("baseline", help="write a baseline (known violations) from a results JSON",
                       description="One waiver per (rule, resource type) with findings in RESULTS.json; the same "
                                   "run with --baseline FILE then passes, and a new violation still fails.")
    p.add_argument("results", metavar="RESULTS.json")
    p.add_argument("-o", "--output", metavar="FILE", help="where to write the TOML (default: standard output)")
    p.add_argument("--reason", default="known violation (baseline); replace with a ticket reference",
                   help="reason written into every entry")


def _baseline(ns: argparse.Namespace) -> int:
    import json

    from ..report.baseline import baseline_from_results, render_baseline
    from ..report.results import RESULTS_SCHEMA

    try:
        data = json.loads(Path(ns.results).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        print(f"conformance baseline: cannot read {ns.results}: {exc}", file=sys.stderr)
        return 4
    if data.get("schema") != RESULTS_SCHEMA:
        print(f"conformance baseline: {ns.results} is not a {RESULTS_SCHEMA} file (schema={data.get('schema')!r})",
              file=sys.stderr)
        return 4
    text = render_baseline(baseline_from_results(data, ns.reason), source=Path(ns.results).name)
    if ns.output:
        Path(ns.output).parent.mkdir(parents=True, exist_ok=True)
        Path(ns.output).write_text(text, encoding="utf-8")
        print(f"conformance: baseline with {text.count('[[waiver]]')} waiver(s) written to {ns.output}")
    else:
        print(text, end="")
    return 0


def _diff_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("diff", help="compare two results JSON files (what changed in the link contract, what breaks), "
                                    "or with --profiles a documented and a learned profile",
                       description="Compare two results files (conformance-results/1): resource types, Rels, link "
                                   "Types, actions and schemas added, removed or changed, and violations new, "
                                   "fixed and unchanged. Exit 1 when a change would break a client of the old "
                                   "contract (a new violation included), 0 otherwise, 4 on a file that cannot be "
                                   "compared. With --profiles, OLD is a documented profile (a name such as v1_7, or "
                                   "a file) and NEW a profile `conformance learn` wrote: the departures of the "
                                   "product from its documentation (documented but never served, served but "
                                   "undocumented, served differently), each with an example URL of the recording, "
                                   "what breaks a client first; exit 1 when one would break a client of the "
                                   "documentation.")
    p.add_argument("old", metavar="OLD", help="results of the old version (the contract clients rely on); with "
                                              "--profiles, the documented profile")
    p.add_argument("new", metavar="NEW", help="results of the new version; with --profiles, the learned profile")
    p.add_argument("--profiles", action="store_true",
                   help="compare two profiles (documented, learned) instead of two results files")
    p.add_argument("--html", metavar="PATH", help="also write the diff as an HTML page")


def _diff_profiles(ns: argparse.Namespace) -> int:
    from ..contract.profiles import load_profile
    from ..errors import ProfileError
    from ..report.profile_diff import diff_profiles, profile_diff_html, profile_diff_text

    try:
        documented, learned = load_profile(ns.old), load_profile(ns.new)
    except ProfileError as exc:
        print(f"conformance diff: error: {exc}", file=sys.stderr)
        return 4
    diff = diff_profiles(documented, learned)
    print(profile_diff_text(diff), end="")
    if ns.html:
        Path(ns.html).parent.mkdir(parents=True, exist_ok=True)
        Path(ns.html).write_text(profile_diff_html(diff), encoding="utf-8")
    return diff.exit_status


def _diff(ns: argparse.Namespace) -> int:
    from ..recording import is_recording

    if ns.profiles:
        return _diff_profiles(ns)
    from ..report.diff import DiffError, diff_html, diff_results, diff_text, load_results

    for path in (ns.old, ns.new):
        if is_recording(path):
            print(f"conformance diff: error: {path} is a recording: judge it first (conformance check {path} --json "
                  "RESULTS.json) and compare the results files", file=sys.stderr)
            return 4
    try:
        old, new = load_results(ns.old), load_results(ns.new)
    except DiffError as exc:
        print(f"conformance diff: error: {exc}", file=sys.stderr)
        return 4
    diff = diff_results(old, new)
    print(diff_text(diff, ns.old, ns.new), end="")
    if ns.html:
        Path(ns.html).parent.mkdir(parents=True, exist_ok=True)
        Path(ns.html).write_text(diff_html(diff, ns.old, ns.new), encoding="utf-8")
        print(f"conformance: HTML diff written to {ns.html}")
    return diff.exit_status


def _mock_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("mock", help="serve the embedded mock Enterprise Manager on a real socket",
                       description="Serve the mock API at http://HOST:PORT/api/. The password is taken from "
                                   "CONFORMANCE_MOCK_PASSWORD, else the documented default.",
                       epilog="exit codes: 0 stopped with Ctrl-C, 4 a bad option or an address it cannot listen "
                              "on (a port in use, an address not this machine's).")
    p.add_argument("--host", default="127.0.0.1", help="interface to bind (default: 127.0.0.1)")
    p.add_argument("--port", type=_bounded_int(0, 65535), default=9399, help="port (default: 9399; 0 picks a free one)")
    p.add_argument("--replay", metavar="DIR",
                   help="serve this recording (`conformance record` wrote it) instead of generated data: its "
                        "answers at any host and port, its logon and logoff, the documented errors around them")
    p.add_argument("--size", type=_mock_size, default=None, metavar="S", help=_SIZE_HELP)
    p.add_argument("--seed", type=int, default=None, metavar="K", help="seed of the generated data (default: 0)")
    p.add_argument("--now", type=_moment, default=None, metavar="ISO8601", help=_NOW_HELP)
    p.add_argument("--session-idle", type=_seconds, default=900.0, metavar="SECONDS",
                   help="a logon session expires after this many seconds without a request (default: 900, "
                        "the documented 15 minutes)")
    p.add_argument("--latency", type=float, default=0.0, metavar="MS", help="delay each response by MS milliseconds")
    p.add_argument("--user", default=None, metavar="NAME",
                   help="account name (default: admin; with --replay, the recording's user)")
    p.add_argument("--fault", action="append", default=[], metavar="NAME",
                   help="switch on a named fault (repeatable); on a replay, those that can act on a recording")
    p.add_argument("--api-version", default=None, metavar="VERSION",
                   help="newest API version served (v1_5, v1_6 or v1_7; default: v1_7), the one a ?v=latest logon "
                        "opens, so `conformance run --target URL` judges it with that version's profile; older ones "
                        "stay available at logon with ?v=")
    p.add_argument("--surface", choices=SURFACES, default=None,
                   help="documented (default): every documented resource area; key: the key resources alone "
                        "(backup servers, jobs, sessions, repositories, backups, restore points, replicas, backup "
                        "files, tasks, queries, reports), a smaller and faster server")
    p.add_argument("--list-faults", action="store_true", help="list the faults and the rule each breaks, then exit")


def _mock(ns: argparse.Namespace) -> int:
    from ..mock import DEFAULT_USER, FAULTS, create_app, generate_dataset
    from ..mock.server import serve

    if ns.list_faults:
        for fault in FAULTS.values():
            print(f"{fault.name:28} {fault.rule:8} {fault.description}"
                  + (" [not on a replay]" if fault.replay else ""))
        return 0
    if ns.latency < 0:
        print(f"conformance mock: error: --latency {ns.latency} must not be negative", file=sys.stderr)
        return EXIT_USAGE
    generated = {"--size": ns.size, "--seed": ns.seed, "--now": ns.now, "--api-version": ns.api_version,
                 "--surface": ns.surface}
    try:
        if ns.replay is not None:
            given = [flag for flag, value in generated.items() if value is not None]
            if given:
                raise ValueError(f"{given[0]} does not apply to --replay: the recording is the data")
            from ..errors import ConformanceError
            from ..mock import create_replay_app

            try:
                app = create_replay_app(ns.replay, faults=ns.fault, user=ns.user, latency_ms=ns.latency,
                                        session_idle=ns.session_idle)
            except ConformanceError as exc:
                raise ValueError(str(exc)) from exc
        else:
            app = create_app(generate_dataset(40 if ns.size is None else ns.size, ns.seed or 0, ns.now),
                             faults=ns.fault, user=ns.user or DEFAULT_USER, latency_ms=ns.latency,
                             api_version=ns.api_version or "v1_7", session_idle=ns.session_idle,
                             surface=ns.surface or SURFACES[0])
    except ValueError as exc:
        print(f"conformance mock: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    try:
        serve(app, ns.host, ns.port)
    except OSError as exc:  # the port is taken, the address is not this machine's, the name does not resolve
        print(f"conformance mock: error: cannot listen on {ns.host}:{ns.port}: {exc.strerror or exc}",
              file=sys.stderr)
        return EXIT_USAGE
    return 0


def _rules(ns: argparse.Namespace) -> int:
    from ..rules import RULES
    from ..rules.docs import rules_markdown

    if ns.markdown:
        print(rules_markdown(), end="")
        return 0
    for rule in RULES.values():
        print(f"{rule.id}  {str(rule.severity):7}  {rule.family:10}  {rule.statement}")
    return 0


def _profiles(ns: argparse.Namespace) -> int:
    from ..contract.profiles import available_profiles, load_profile
    from ..errors import ProfileError

    for name in available_profiles():
        try:
            p = load_profile(name)
            print(f"{p.name:8} products {', '.join(p.products):10} {p.description}")
        except ProfileError as exc:
            print(f"{name:8} does not load: {exc}")
    return 0


_CHECK_EPILOG = """\
A recording (a folder `conformance record` wrote) is judged as a crawl of it: it is replayed on a
local port and `run` checks the replay read-only, in the profile it was recorded with, with the same
rules and the same reports (--baseline and --fail-on apply to a recording alone) and `run`'s exit
codes. Two recordings' results JSON compare with `conformance diff`.

Saved files write a run's reports too: the results JSON always (--json, default reports/results.json),
with one resource per file (its path, and why it was skipped if it was) and each finding naming its
file; the HTML page with --html and JUnit XML (one test case per file) with --junit. The last lines
name the files written.

Each file is judged on its own, never merged with another, even when they share an Href. Its API
root is --root when given, else the origin of its own Href, else of its first absolute link. A JSON
file is judged by the schemas as its XML form would be: read onto the types they declare, each
problem named by its member path ($.Links[2].Rel).
A file that is not a whole representation (an XML declaration alone, a cut-off document, an
element without namespace, a bare <Link> snippet, text elided with '...', a bare JSON property)
is skipped and listed with the reason; a whole document that does not parse, or a .xml file that
holds no markup at all, is unreadable. A file named here must be a .xml or .json file.

exit codes: 0 nothing found, 1 findings or unreadable documents, 4 bad input (a path that does not
exist, a named file that is not .xml/.json, no .xml/.json file in a folder, an unknown rule, a
profile or schema that does not load, any usage error), 5 every file was skipped as a fragment
(nothing judged).
"""


def _check_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("check", help="judge saved representations (files or folders of .xml/.json), or a recording, "
                                     "without a server",
                       description="Run the rules that need no request on saved responses, one file at a time; or\n"
                                   "judge a recording as a crawl of it, with every rule.",
                       epilog=_CHECK_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("paths", nargs="+", metavar="FILE_OR_DIR")
    p.add_argument("--profile", default=None, metavar="NAME|FILE",
                   help="API version profile, or a profile file (PROFILE.toml, such as one `conformance learn` "
                        "wrote) (default: a recording's own, else v1_7)")
    p.add_argument("--schema", metavar="PATH", help="XSD file or folder overriding the profile's schemas")
    p.add_argument("--root", metavar="URL",
                   help="the API root every file came from (default: each file's own, from its Href or links)")
    p.add_argument("--rules", metavar="SEL", help="run only these rules: ids, prefixes or families, comma-separated")
    p.add_argument("--skip-rules", metavar="SEL", help="skip these rules: ids, prefixes or families")
    p.add_argument("--html", metavar="PATH", help=f"HTML report (files: only when asked; a recording: default "
                                                  f"{DEFAULT_HTML})")
    p.add_argument("--json", metavar="PATH", help=f"results JSON, schema conformance-results/1, always written "
                                                  f"(default: {DEFAULT_JSON}); for files, one resource per file")
    p.add_argument("--junit", metavar="PATH", help="also write JUnit XML here (for files: one test case per file)")
    p.add_argument("--baseline", metavar="FILE", help="a recording only: known violations (TOML) that do not fail it")
    p.add_argument("--fail-on", choices=("error", "warning", "info"),
                   help="a recording only: lowest severity of a new finding that fails it (default: warning); "
                        "on files every finding fails the check")


_RECORDING_ONLY = ("baseline", "fail_on")


def _check_recording(ns: argparse.Namespace) -> int:
    """The check of a recording: `run` against its replay, read-only, in its own profile."""
    from ..contract.profiles import recorded_profile
    from ..recording import Recording, RecordingError
    from .run_command import run

    if len(ns.paths) > 1 or ns.root:
        print("conformance check: error: a recording is checked alone (no other path, no --root)", file=sys.stderr)
        return EXIT_USAGE
    try:
        recording = Recording.load(ns.paths[0])
    except RecordingError as exc:
        print(f"conformance check: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    args = ["run", "--target", "mock", "--replay", ns.paths[0], "--actions", "none",
            "--profile", ns.profile or recorded_profile(recording.meta.get("profile"), recording.api_version),
            "--html", ns.html or str(DEFAULT_HTML), "--json", ns.json or str(DEFAULT_JSON)]
    if recording.meta.get("crawled_as") in ("xml", "json"):  # judged in the form it was crawled in
        args += ["--format", recording.meta["crawled_as"]]
    # The recording's own crawl budgets: the same server sampled alike takes the members it recorded.
    limits = recording.meta.get("limits") or {}
    for flag, key in (("--per-template", "per_template"), ("--max-resources", "max_resources")):
        if isinstance(limits.get(key), int):
            args += [flag, str(limits[key])]
    for flag, value in (("--schema", ns.schema), ("--rules", ns.rules), ("--skip-rules", ns.skip_rules),
                        ("--junit", ns.junit), ("--baseline", ns.baseline), ("--fail-on", ns.fail_on)):
        if value:
            args += [flag, value]
    return run(build_parser().parse_args(args))


def _check(ns: argparse.Namespace) -> int:
    from collections import Counter

    from ..recording import is_recording

    if any(is_recording(path) for path in ns.paths):
        return _check_recording(ns)
    given = [f"--{name.replace('_', '-')}" for name in _RECORDING_ONLY if getattr(ns, name)]
    if given:
        print(f"conformance check: error: {given[0]} applies to a recording (a folder `conformance record` wrote), "
              "not to saved files", file=sys.stderr)
        return EXIT_USAGE

    from ..contract.profiles import DEFAULT_PROFILE, load_profile
    from ..contract.schema import load_schemas
    from ..errors import ConformanceError
    from ..plugin.items import format_findings
    from ..rules import RULES
    from ..rules.selection import UnknownRuleError, select_rules
    from ..run.offline import check_files, collect_files

    try:
        rules = select_rules([ns.rules or ""], [ns.skip_rules or ""])
        profile = load_profile(ns.profile or DEFAULT_PROFILE)
        schemas = load_schemas(ns.schema or profile.schemas)
        files = collect_files(ns.paths)
    except (ConformanceError, UnknownRuleError) as exc:
        print(f"conformance check: error: {exc}", file=sys.stderr)
        return 4
    reports = {"results JSON": Path(ns.json or DEFAULT_JSON), "HTML report": ns.html and Path(ns.html),
               "JUnit XML": ns.junit and Path(ns.junit)}
    for what, path in reports.items():
        if path and path.is_dir():
            print(f"conformance check: error: the {what} path {path} is a folder", file=sys.stderr)
            return 4
    for path in reports.values():  # as a run: a report left by an earlier check never passes for this one's
        if path:
            path.unlink(missing_ok=True)
    # `conformance check .` twice: the first check's results JSON is a report, not a saved answer
    own = {path.resolve() for path in reports.values() if path}
    files = [path for path in files if path.resolve() not in own]
    skipped: list[tuple[Path, str]] = []
    undeclared: dict[str, list[Path]] = {}
    unreadable = findings = with_findings = 0
    verdicts = []
    for verdict in check_files(files, profile, schemas, rules, ns.root):
        verdicts.append(verdict)
        if verdict.fragment is not None:
            skipped.append((verdict.path, verdict.fragment))
        elif verdict.error is not None:
            unreadable += 1
            print(f"unreadable: {verdict.path}: {verdict.error}\n")
        if verdict.undeclared_root is not None:
            undeclared.setdefault(verdict.undeclared_root, []).append(verdict.path)
        if verdict.results:
            findings += verdict.findings
            with_findings += 1
            print(f"{verdict.path}: {verdict.findings} finding(s)")
            for rule_id, kind, found in verdict.results:
                print(format_findings(RULES[rule_id], kind, found), end="\n\n")
    if skipped:
        print("skipped, not a whole representation:")
        for path, reason in skipped:
            print(f"  {path}: {reason}")
        print("skipped by reason:")
        for reason, count in Counter(reason for _, reason in skipped).most_common():
            print(f"  {count:5}  {reason}")
    for root_name, paths in sorted(undeclared.items()):
        print(f"not validated: no loaded schema declares the root element {root_name} "
              f"({len(paths)} file(s), e.g. {paths[0]})")
    judged = len(files) - len(skipped)
    print(f"conformance check: {len(files)} file(s): {judged} judged, {len(skipped)} skipped as fragments; "
          f"{findings} finding(s) in {with_findings} file(s), {unreadable} unreadable")
    status = 1 if findings or unreadable else 5 if not judged else 0
    _files_reports(ns, verdicts, profile, status, format_findings)
    return status


def _files_reports(ns: argparse.Namespace, verdicts: list[Any], profile: Any, status: int,
                   format_findings: Any) -> None:
    """The check of files writes a run's reports: the results JSON always, HTML and JUnit when asked."""
    from ..run.offline_reports import files_run, write_files_html, write_files_junit, write_files_results

    run = files_run(verdicts, profile, ns.schema)
    written = {"results JSON": write_files_results(ns.json or DEFAULT_JSON, run, status)}
    if ns.html:
        written["HTML report"] = write_files_html(ns.html, run)
    if ns.junit:
        written["JUnit XML"] = write_files_junit(ns.junit, run, format_findings)
    for what, path in written.items():
        print(f"conformance: {what} written to {path}")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="conformance", description="Link-contract conformance suite for XML "
                     "hypermedia REST APIs (Veeam Backup Enterprise Manager REST API).",
                     epilog="Every command exits 4 on a usage error; `conformance COMMAND --help` gives its other "
                            "exit codes.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}",
                        help="print the installed package version and exit")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    _run_parser(sub)
    _record_parser(sub)
    _mock_parser(sub)
    _check_parser(sub)
    _baseline_parser(sub)
    _diff_parser(sub)
    add_learn_parser(sub)
    rules = sub.add_parser("rules", help="print the rule catalog, one rule per line")
    rules.add_argument("--markdown", action="store_true", help="print the full catalog as Markdown (docs/rules.md)")
    sub.add_parser("profiles", help="list the profiles (API versions)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    ns = parser.parse_args(argv)
    handlers = {"run": _run, "record": _record, "mock": _mock, "check": _check, "baseline": _baseline, "diff": _diff,
                "learn": learn_main, "rules": _rules,
                "profiles": _profiles}
    if ns.command is None:
        parser.print_help()
        return EXIT_USAGE
    return handlers[ns.command](ns)


def console() -> NoReturn:
    """The `conformance` command (and `python -m conformance`): `main`, then the process ends at once.

    What it wrote is flushed and its logs closed first. Left out is only the interpreter's own
    teardown, which frees a run's snapshot, items and reports one object at a time: a tenth of a
    second at the end of every default run, and seconds after a large one, that no one waits for
    usefully. `main` returns as any function does, for callers that go on."""
    try:
        code = main()
        sys.stdout.flush()
    except BrokenPipeError:  # the reader went away (`conformance rules | head -1`): it has what it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # nothing more is written there
        code = 1
    try:
        sys.stderr.flush()
    except (OSError, ValueError):
        pass
    logging.shutdown()
    os._exit(code)


if __name__ == "__main__":
    console()
