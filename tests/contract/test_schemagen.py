"""Schemas written from a facts table: the checked-in XSD is the table's, and a bad table says where."""

from pathlib import Path

import pytest
from lxml import etree

from conformance.contract.schema import load_schemas
from conformance.contract.schemagen import GENERATED_NAME, generate, main
from conformance.errors import SchemaError

FOLDER = Path(__file__).resolve().parents[2] / "schemas" / "v1_7"
NS = "http://www.veeam.com/ent/v1.0"


def test_the_checked_in_xsd_is_written_from_the_facts_table():
    assert (FOLDER / GENERATED_NAME).read_bytes() == generate(FOLDER / "facts.toml", NS), \
        "run: python3 -m conformance.contract.schemagen schemas/v1_7"
    assert main([str(FOLDER), "--check"]) == 0


def _facts(tmp_path: Path, text: str) -> Path:
    (tmp_path / "facts.toml").write_text(text, encoding="utf-8")
    (tmp_path / "common.xsd").write_bytes((FOLDER / "common.xsd").read_bytes())
    return tmp_path / "facts.toml"


def test_children_keep_their_order_and_cardinality(tmp_path):
    facts = _facts(tmp_path, '[roots]\nThing = "Thing"\n[types.Thing]\n'
                             'children = ["Links Links?", "Size long", "Tag string*", "When dateTime?"]\n'
                             'attributes = ["Href"]\n')
    (tmp_path / "documented.xsd").write_bytes(generate(facts, NS))
    (tmp_path / "api.xsd").write_text(
        f'<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="{NS}">'
        '<xs:include schemaLocation="common.xsd"/><xs:include schemaLocation="documented.xsd"/></xs:schema>')
    schemas = load_schemas(tmp_path / "api.xsd")

    def errors(body: str) -> tuple[str, ...]:
        return schemas.validate(etree.fromstring(f'<Thing xmlns="{NS}" Href="h">{body}</Thing>'))

    assert errors("<Size>3</Size><Tag>a</Tag><Tag>b</Tag>") == ()
    assert errors("<Links><Link Rel='Up'/></Links><Size>3</Size><When>2026-01-01T00:00:00Z</When>") == ()
    assert errors("<Tag>a</Tag><Size>3</Size>") != ()  # out of order
    assert errors("<Tag>a</Tag>") != ()  # Size is required
    assert errors("<Size>three</Size>") != ()  # not a number


@pytest.mark.parametrize("text, message", [
    ('[roots]\nA = "Nowhere"\n', "type 'Nowhere' is neither a builtin"),
    ('[types.A]\nchildren = ["just-a-name"]\n', r"\[types.A\]: child 'just-a-name' is not 'Name Type'"),
    ("[types.A\n", "not valid TOML"),
])
def test_a_bad_facts_table_says_where(tmp_path, text, message):
    with pytest.raises(SchemaError, match=message):
        generate(_facts(tmp_path, text), NS)
