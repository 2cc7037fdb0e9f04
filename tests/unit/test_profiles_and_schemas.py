"""Profiles and schemas: they load by name or path, and a bad one says which field or file."""

import pytest
from lxml import etree

from conformance.errors import ProfileError, SchemaError
from conformance.profiles import available_profiles, load_profile
from conformance.schema import load_schemas

XS = "http://www.w3.org/2001/XMLSchema"


def test_the_default_profile_loads_by_api_version_and_by_product_alias():
    assert load_profile("v1_7") == load_profile("13") == load_profile("12")
    assert "v1_7" in available_profiles()


def test_an_unknown_profile_lists_the_known_ones():
    with pytest.raises(ProfileError, match="unknown profile 'v0_1'.*v1_7"):
        load_profile("v0_1")


@pytest.mark.parametrize("body, message", [
    ('name = "x"', "missing field 'rels'"),
    ('name = "x"\nschemas = "v1_7"\nrels = 3', "field 'rels' must be a dict"),
    ('name = "x"\napi_version="v"\nproducts=[]\nnamespace="n"\nschemas = "v1_7"\n[rels]\nvocabulary=["Up"]\n'
     'typed=["Down"]\nactions=[]', "'typed' names Rels missing from 'vocabulary'"),
    ("name = ", "not valid TOML"),
])
def test_a_broken_profile_names_the_file_and_the_field(tmp_path, body, message):
    path = tmp_path / "broken.toml"
    path.write_text(body)
    with pytest.raises(ProfileError, match=message) as info:
        load_profile(str(path))
    assert str(path) in str(info.value)


def _xsd(path, elements, include=None):
    inc = f'<xs:include schemaLocation="{include}"/>' if include else ""
    decls = "".join(f'<xs:element name="{e}"><xs:complexType/></xs:element>' for e in elements)
    path.write_text(f'<xs:schema xmlns:xs="{XS}" targetNamespace="urn:t" elementFormDefault="qualified">'
                    f"{inc}{decls}</xs:schema>")


def test_a_schema_folder_compiles_every_entry_point_into_one_validator(tmp_path):
    _xsd(tmp_path / "a.xsd", ["A"], include="b.xsd")
    _xsd(tmp_path / "b.xsd", ["B"])
    _xsd(tmp_path / "c.xsd", ["C"])
    schemas = load_schemas(tmp_path)
    for name in "ABC":
        assert schemas.validate(etree.fromstring(f'<{name} xmlns="urn:t"/>')) == ()
    (message,) = schemas.validate(etree.fromstring('<D xmlns="urn:t"/>'))
    assert message.startswith("line 1:") and "D" in message


def test_a_missing_or_broken_schema_is_a_schema_error_naming_the_path(tmp_path):
    with pytest.raises(SchemaError, match="does not exist"):
        load_schemas(tmp_path / "nope.xsd")
    bad = tmp_path / "bad.xsd"
    bad.write_text(f'<xs:schema xmlns:xs="{XS}"><xs:element name="A" type="Nope"/></xs:schema>')
    with pytest.raises(SchemaError, match="does not compile"):
        load_schemas(bad)
