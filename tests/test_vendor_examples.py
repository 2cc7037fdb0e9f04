"""The vendor's own examples are conformant: the suite raises nothing on them but their real defects.

Every example body of the v1.7 pages is read at test time (never copied into the project); each
whole one is saved to a file and judged alone by `conformance check`'s machinery, responses and
representations by every rule, request bodies by the schema rule. What the suite finds must be
exactly the defects listed, with the reason each is one, in `vendor_defects.toml`; fragments are
skipped, counted and named. The counts are printed at the end of the test run.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from run_summary import found_lines, summarise
from vendor_pages import Example, defects, examples, pages_folder

from conformance.contract.profiles import load_profile
from conformance.contract.schema import load_schemas
from conformance.rules.selection import select_rules
from conformance.run.offline import FileVerdict, check_file

DEFECTS_FILE = Path(__file__).with_name("vendor_defects.toml")

pytestmark = pytest.mark.skipif(pages_folder() is None, reason="the vendor's v1.7 pages are not on this machine "
                                "(set CONFORMANCE_VENDOR_PAGES to their folder)")


def _file_of(example: Example, folder: Path) -> Path:
    path = folder / f"{example.page.removesuffix('.md')}-{example.index}.{example.media}"
    path.write_text(example.body, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def judged(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> dict[str, FileVerdict]:
    """Each whole example's verdict, by `page#index`."""
    profile = load_profile("v1_7")
    schemas = load_schemas(profile.schemas)
    schema_only = select_rules(["SCH"], [""])
    folder = tmp_path_factory.mktemp("vendor-examples")
    every = examples()
    verdicts = {
        ex.name: check_file(_file_of(ex, folder), profile, schemas, schema_only if ex.role == "request" else None)
        for ex in every if ex.complete
    }
    fragments = Counter(ex.fragment for ex in every if not ex.complete)
    lines = [f"vendor examples: {len(every)} bodies on the v1.7 pages; {len(verdicts)} whole ones judged "
             f"({sum(ex.role == 'request' for ex in every if ex.complete)} request bodies by the schema rule), "
             f"{sum(fragments.values())} fragments skipped"]
    lines += [f"  skipped: {count:4}  {reason}" for reason, count in fragments.most_common()]
    lines += found_lines(verdicts, defects(), "the pages", DEFECTS_FILE.name)
    summarise(request.config, "vendor examples", lines)
    return verdicts


def _defects() -> dict[tuple[str, str], str]:
    return defects()


def _judged_here(example: str, rule: str) -> bool:
    """Whether this test judges the entry: a whole example, requests by the schema rule only."""
    found = {ex.name: ex for ex in examples() if ex.complete}
    return example in found and (found[example].role != "request" or rule.startswith("SCH"))


def _found(judged: dict[str, FileVerdict]) -> dict[tuple[str, str], list[str]]:
    found: dict[tuple[str, str], list[str]] = {}
    for name, verdict in judged.items():
        for rule_id, kind, findings in verdict.results:
            found.setdefault((name, rule_id), []).extend(
                f"{kind}: {f.link.describe() if f.link else ''} expected {f.expected}; {f.actual}" for f in findings)
    return found


def test_every_whole_example_is_read_and_judged(judged):
    unreadable = {name: v.error for name, v in judged.items() if v.error or v.fragment}
    assert unreadable == {}
    assert len(judged) > 300  # the pages hold over 300 whole bodies; fewer means the reading broke


def test_fragments_are_skipped_with_a_reason_never_silently():
    for example in examples():
        assert example.complete or example.fragment.strip(), example.name


def test_the_suite_finds_nothing_on_the_vendor_examples_but_their_listed_defects(judged):
    unexpected = {key: lines for key, lines in _found(judged).items() if key not in _defects()}
    assert unexpected == {}, "\n".join(f"{name} {rule}: {'; '.join(lines)}" for (name, rule), lines in unexpected.items())


def test_every_listed_defect_is_still_found(judged):
    stale = sorted(key for key in set(_defects()) - set(_found(judged)) if _judged_here(*key))
    assert stale == [], f"listed in {DEFECTS_FILE.name} but no longer found: {stale}"


def test_every_listed_defect_names_a_real_example_and_says_why():
    names = {ex.name for ex in examples()}
    for (example, rule), why in _defects().items():
        assert example in names and rule[:3] in ("SCH", "LNK", "REL", "TYP", "PRF", "PRT") and len(why) > 20
