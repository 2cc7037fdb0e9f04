"""Bodies captured from live Enterprise Managers: the rules that judge references, Alternates and
UIDs from one body find nothing on them, and none is in another namespace than the API's.

They are read where they lie (a `captures` folder beside the vendor's pages), never copied. What
real servers send is the test of a false alarm: a rule that fires here would fire in the field.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from vendor_pages import pages_folder

from conformance.contract.profiles import load_profile
from conformance.contract.schema import load_schemas
from conformance.rules import RULES, RuleContext, run_rule
from conformance.run.offline import snapshot_of_file

FROM_ONE_BODY = ("TYP006", "TYP007", "TYP008", "REL010")


def _captures() -> list[Path]:
    folder = pages_folder()
    found = folder.parent / "captures" if folder is not None else None
    return sorted(p for p in found.iterdir() if p.suffix in (".xml", ".json")) if found and found.is_dir() else []


CAPTURES = _captures()


@pytest.mark.skipif(not CAPTURES, reason="no bodies captured from live servers on this machine")
@pytest.mark.parametrize("name", ["v1_5", "v1_7"])
def test_bodies_from_live_servers_raise_nothing_the_body_alone_shows(name):
    profile = load_profile(name)
    schemas = load_schemas(profile.schemas)
    found: dict[tuple[str, str], list[str]] = {}
    judged: set[str] = set()
    for path in CAPTURES:
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
