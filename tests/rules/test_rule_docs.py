"""The rule documentation is generated from the catalog and kept in step with it."""

from pathlib import Path

from conformance.rules import RULES
from conformance.rules._catalog import split_doc
from conformance.rules.docs import _FAMILIES, rules_markdown

DOC = Path(__file__).resolve().parents[2] / "docs" / "rules.md"


def test_docs_rules_md_is_the_generated_catalog():
    assert DOC.read_text(encoding="utf-8") == rules_markdown(), "run: conformance rules --markdown > docs/rules.md"


def test_every_rule_has_a_section_with_its_source_and_fault():
    text = rules_markdown()
    for rule in RULES.values():
        assert f"### {rule.id}: " in text and f"`{rule.fault}`" in text and rule.source in text


def test_the_catalog_has_at_least_25_rules_each_in_a_family_with_a_documented_title():
    assert len(RULES) >= 25
    assert {r.family for r in RULES.values()} == set(_FAMILIES)
    assert {"schema", "attributes", "relations", "types", "protocol", "profile"} <= set(_FAMILIES)


def test_a_statement_is_the_docstrings_whole_first_paragraph_however_it_is_wrapped():
    doc = """A link's Type predicts the root element its Href returns (the four naming rules plus the
    profile's documented exceptions).

    Clients choose the class to deserialise into from the Type.
    """
    assert split_doc(doc) == ("A link's Type predicts the root element its Href returns (the four naming rules "
                              "plus the profile's documented exceptions).",
                              "Clients choose the class to deserialise into from the Type.")
    for rule in RULES.values():
        assert rule.statement.endswith(".") and "\n" not in rule.statement, rule.id
    assert RULES["TYP001"].statement.endswith("plus the profile's documented exceptions).")
