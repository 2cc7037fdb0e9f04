"""The hardened parser: a hostile body is a parse error, never an expansion or a fetch."""

import pytest

from conformance.model.parsing import ParseError, media_kind, parse_body, parse_xml


def test_entity_expansion_bomb_is_refused():
    bomb = b"""<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>
    <lolz>&lol2;</lolz>"""
    with pytest.raises(ParseError, match="DOCTYPE"):
        parse_xml(bomb)


def test_external_entities_are_never_resolved(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOPSECRET")
    body = f"""<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file://{secret}">]><r>&x;</r>""".encode()
    with pytest.raises(ParseError):
        parse_xml(body)


def test_malformed_xml_is_a_parse_error():
    with pytest.raises(ParseError, match="well-formed"):
        parse_xml(b"<Job><Links></Job>")


@pytest.mark.parametrize("value, kind", [
    ("application/xml; charset=utf-8", "xml"), ("text/xml", "xml"), ("application/vnd.x+xml", "xml"),
    ("application/json", "json"), ("text/html", "other"), (None, "other"),
])
def test_media_kind_reads_the_content_type(value, kind):
    assert media_kind(value) == kind


def test_body_neither_xml_nor_json_is_a_parse_error_naming_the_content_type():
    with pytest.raises(ParseError, match="Content-Type 'text/plain'"):
        parse_body(b"plain words", "text/plain")


def test_a_wrong_content_type_does_not_hide_an_xml_body():
    doc, element = parse_body(b'<Job xmlns="urn:x" Type="Job"/>', "text/plain")
    assert doc.root == "Job" and element is not None


def test_json_document_takes_its_kind_from_the_type_property():
    doc, element = parse_body(b'{"Type": "Job", "Href": "https://x/api/jobs/1", "Name": "J", "Links": []}',
                              "application/json")
    assert (doc.root, doc.type, doc.href, element) == ("Job", "Job", "https://x/api/jobs/1", None)
