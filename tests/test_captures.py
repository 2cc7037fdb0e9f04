"""Bodies captured from live servers are conformant: the suite raises nothing on them but their real defects.

People captured whole response bodies from real Enterprise Managers (EM 9.5 Update 4, v11, v12)
as test fixtures of open-source clients; they show what servers in the field send, which the
vendor's pages do not always show. They are read at test time where they lie (the folder named by
`CONFORMANCE_CAPTURES`, else `shared/reference/captures` beside the checkout), never copied into
the project, and each is judged alone, as `conformance check` judges a saved file, in the profile
of its server's API version, which the folder's README gives in its table. What the suite finds
must be exactly the defects listed, with the reason each is one, in `capture_defects.toml`; a false
alarm is fixed in the suite, never listed.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections import Counter
from functools import cache
from pathlib import Path

import pytest
from run_summary import found_lines, summarise

from conformance.contract.profiles import load_profile
from conformance.contract.schema import load_schemas
from conformance.rules import RULES, RuleContext, run_rule
from conformance.run.offline import FileVerdict, check_file, snapshot_of_file

_PROJECT = Path(__file__).resolve().parents[1]
DEFECTS_FILE = Path(__file__).with_name("capture_defects.toml")

def captures_folder() -> Path | None:
    """Where the captured bodies are, or None when this machine has no copy of them."""
    named = os.environ.get("CONFORMANCE_CAPTURES")
    candidates = [Path(named)] if named else []
    candidates += [parent / "shared" / "reference" / "captures" for parent in _PROJECT.parents]
    return next((path for path in candidates if (path / "README.md").is_file()), None)


FOLDER = captures_folder()
pytestmark = pytest.mark.skipif(FOLDER is None, reason="the bodies captured from live servers are not on this "
                                "machine (set CONFORMANCE_CAPTURES to their folder)")


def _bodies() -> list[Path]:
    return sorted(p for p in FOLDER.iterdir() if p.suffix in (".xml", ".json")) if FOLDER else []


_VERSIONS = ((re.compile(r"\bv1_([4-9])\b"), None), (re.compile(r"(?:\bv|\bVBR |\bEM )12\b"), "v1_7"),
             (re.compile(r"(?:\bv|\bVBR |\bEM )11\b"), "v1_6"), (re.compile(r"\b9\.5\b"), "v1_5"))


def profile_for(server: str) -> str | None:
    """The profile a server is judged in: its API version's, or the oldest the suite has for an older
    one (9.5 Update 4 speaks v1_4, which the vendor no longer supports; v1_5 is the nearest)."""
    for pattern, profile in _VERSIONS:
        found = pattern.search(server)
        if found:
            return profile or f"v1_{max(5, int(found.group(1)))}"
    return None


@cache
def servers() -> dict[str, str]:
    """Each capture's server, as the folder's README tables it (file -> the `server` column)."""
    rows = [[cell.strip() for cell in line.strip().strip("|").split("|")]
            for line in (FOLDER / "README.md").read_text(encoding="utf-8").splitlines() if line.startswith("|")]
    header = [cell.casefold() for cell in rows[0]]
    return {row[header.index("file")]: row[header.index("server")] for row in rows[2:] if len(row) == len(header)}


@cache
def defects() -> dict[tuple[str, str], str]:
    """The defects of the captures the suite is right to find: (file, rule) -> why it is one."""
    data = tomllib.loads(DEFECTS_FILE.read_text(encoding="utf-8"))
    return {(d["capture"], d["rule"]): d["why"] for d in data.get("defect", [])}


@pytest.fixture(scope="module")
def judged(request: pytest.FixtureRequest) -> dict[str, FileVerdict]:
    """Each capture's verdict, by file name, in its server's profile."""
    verdicts = {}
    for path in _bodies():
        if profile_for(servers().get(path.name, "")):
            profile = load_profile(profile_for(servers()[path.name]))
            verdicts[path.name] = check_file(path, profile, load_schemas(profile.schemas))
    per_profile = Counter(profile_for(servers()[name]) for name in verdicts)
    lines = [f"captures: {len(verdicts)} bodies from live servers judged "
             f"({', '.join(f'{n} in {p}' for p, n in sorted(per_profile.items()))}), "
             f"{sum(v.findings for v in verdicts.values())} finding(s)"]
    lines += [f"  not validated: {name} (root {v.undeclared_root})" for name, v in verdicts.items() if v.undeclared_root]
    lines += found_lines(verdicts, defects(), "the servers", DEFECTS_FILE.name)
    summarise(request.config, "bodies captured from live servers", lines)
    return verdicts


def _found(judged: dict[str, FileVerdict]) -> dict[tuple[str, str], list[str]]:
    found: dict[tuple[str, str], list[str]] = {}
    for name, verdict in judged.items():
        for rule_id, kind, findings in verdict.results:
            found.setdefault((name, rule_id), []).extend(
                f"{kind}: {f.link.describe() if f.link else ''} expected {f.expected}; {f.actual}" for f in findings)
    return found


def test_every_capture_has_its_server_in_the_readme_and_that_server_a_profile():
    assert [path.name for path in _bodies() if not profile_for(servers().get(path.name, ""))] == []


@pytest.mark.parametrize("server, profile", [
    ("EM 9.5 U4 era (v1_4), 2019", "v1_5"), ("EM 9.5 U4 era, http :9399", "v1_5"), ("REST v1_6", "v1_6"),
    ("EM/VBR v11 (test name), files dated 2023-10/11", "v1_6"), ("EM/VBR v12", "v1_7"), ("EM 12.1", "v1_7"),
    ("EM v11, files dated 2023-12", "v1_6"),
    ("a server of 2031", None)])
def test_a_servers_words_name_its_profile(server, profile):
    assert profile_for(server) == profile


def test_every_capture_is_read_whole_and_judged(judged):
    assert {name: v.error or v.fragment for name, v in judged.items() if v.error or v.fragment} == {}
    assert len(judged) == len(_bodies())


def test_the_suite_finds_nothing_on_the_captures_but_their_listed_defects(judged):
    unexpected = {key: lines for key, lines in _found(judged).items() if key not in defects()}
    assert unexpected == {}, "\n".join(f"{name} {rule}: {'; '.join(lines)}" for (name, rule), lines in unexpected.items())


def test_every_listed_defect_is_still_found_and_says_why(judged):
    assert sorted(set(defects()) - set(_found(judged))) == []
    for (capture, rule), why in defects().items():
        assert capture in servers() and rule[:3] in ("SCH", "LNK", "REL", "TYP", "PRF", "PRT") and len(why) > 20


def test_the_paging_links_live_servers_send_are_judged_and_pass(judged):
    """Every query result of the captures carries First and Last without a Type; PRT009 judges them."""
    queries = [name for name in judged if "_query_" in name]
    assert queries, "the captures hold query results"
    for name in queries:
        profile = load_profile(profile_for(servers()[name]))
        snapshot = snapshot_of_file(FOLDER / name, None)
        (res,) = snapshot
        assert res.paging is not None and {link.rel for link in res.links} >= {"First", "Last"}, name
        assert all(link.type is None for link in res.links if link.rel in profile.paging_rels), name
        ctx = RuleContext(snapshot, profile)
        assert list(run_rule(RULES["PRT009"], ctx, [res])) == [] and RULES["PRT009"].applied(ctx), name


FROM_ONE_BODY = ("TYP006", "TYP007", "TYP008", "REL010")
"""The rules that judge references, Alternates and UIDs from one body alone."""


@pytest.mark.parametrize("name", ["v1_5", "v1_7"])
def test_what_one_body_shows_raises_nothing_in_any_profile(name):
    """Whichever profile judges them, no capture draws a finding of the rules one body can answer,
    and none is in another namespace than the API's: a rule that fired here would fire in the field."""
    profile = load_profile(name)
    schemas = load_schemas(profile.schemas)
    found: dict[tuple[str, str], list[str]] = {}
    judged: set[str] = set()
    for path in _bodies():
        snapshot = snapshot_of_file(path, schemas)
        (res,) = list(snapshot)
        assert not any("namespace" in message for message in res.schema_errors), path.name
        for rule_id in FROM_ONE_BODY:
            ctx = RuleContext(snapshot, profile)
            findings = list(run_rule(RULES[rule_id], ctx, [res]))
            if findings:
                found[(path.name, rule_id)] = [f"{f.expected}; {f.actual}" for f in findings]
            judged |= {rule_id} if ctx.subjects else set()
    assert found == {}
    assert {"TYP006", "TYP007", "REL010"} <= judged  # the captures hold what these rules judge
