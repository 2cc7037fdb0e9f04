"""Profiles and schemas: they load by name or path, and a bad one says which field or file."""

import pytest
from lxml import etree

from conformance.contract.profiles import available_profiles, data_dir, load_profile
from conformance.contract.schema import load_schemas
from conformance.errors import ProfileError, SchemaError

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



V1_7 = (data_dir("profiles") / "v1_7.toml").read_text(encoding="utf-8")


@pytest.mark.parametrize("table, message", [
    ('[uids.forms]\nThing = "{id}"', "[uids]: field 'forms' needs a 'form'"),
    ('[uids]\nform = "urn:veeam:{type}"', "[uids]: field 'form' must be a string with {id}"),
    ('[uids]\nform = "urn:{kind}:{id}"', "[uids]: field 'form' knows only the placeholders {type} and {id}"),
    ('[uids]\nform = "{id}"\nprefix = "urn"', "[uids]: unknown field 'prefix'"),
])
def test_a_bad_uids_table_is_refused_naming_the_field(tmp_path, table, message):
    start, end = V1_7.index("[uids]\n"), V1_7.index("[types]\n")
    path = tmp_path / "uids.toml"
    path.write_text(V1_7[:start] + V1_7[end:] + "\n" + table)
    with pytest.raises(ProfileError) as caught:
        load_profile(str(path))
    assert message in str(caught.value)


def test_the_v1_7_profile_gives_the_uid_form_and_its_documented_departure():
    profile = load_profile("v1_7")
    assert profile.uid_form == "urn:veeam:{type}:{id}" and profile.uid_forms == {"VlanConfiguration": "{id}"}


@pytest.mark.parametrize("table, message", [
    ('"jobs/{id}" = "Job"', "entry 'jobs/{id}' must be a non-empty list of Types"),
    ('"jobs/{id}" = []', "entry 'jobs/{id}' must be a non-empty list of Types"),
    ('"jobs/{id}" = ["JobReference"]', "names the entity Types"),
    ('"jobs/{id}" = ["Job"]\n"Jobs/{ID}" = ["Job"]', "'Jobs/{ID}' is listed twice"),
])
def test_a_bad_resources_table_is_refused_naming_the_entry(tmp_path, table, message):
    start, end = V1_7.index("[resources]\n"), V1_7.index("[types]\n")
    path = tmp_path / "resources.toml"
    path.write_text(V1_7[:start] + V1_7[end:] + "\n[resources]\n" + table)
    with pytest.raises(ProfileError) as caught:
        load_profile(str(path))
    assert message in str(caught.value)


def test_the_profile_says_which_type_a_url_template_serves_and_nothing_of_the_templates_it_does_not_list():
    profile, root = load_profile("v1_7"), "https://em.test:9398/api/"
    assert profile.types_at(root + "nas/jobs/93dfbb3e-f420?format=Entity", root) == ("NasJob",)
    assert profile.types_at(root + "Agents/Jobs/93dfbb3e-f420", root) == ("AgentBackupJob",)
    assert profile.types_at(root + "jobs/93dfbb3e-f420/backupSessions", root) is None  # a collection
    assert profile.types_at(root + "catalog/vms/fileserver/vmRestorePoints/5e1c", root) is None  # a VM by name
    assert profile.same_resource_type("NasJob", "NASJob") and not profile.same_resource_type("NasJob", "Job")


@pytest.mark.parametrize("name", ["v1_5", "v1_6"])
def test_every_profile_knows_the_same_url_templates(name):
    assert load_profile(name).resources == load_profile("v1_7").resources


def test_the_profile_lists_every_item_template_the_mock_serves_with_the_type_it_serves():
    from conformance.mock.kinds import KINDS
    from conformance.mock.surface import load_surface

    served = {f"{kind.path}/{{id}}": kind.entity for kind in KINDS.values()}
    served |= {f"{area.path}/{{id}}": area.type for area in load_surface().areas.values() if not area.by_name}
    resources = load_profile("v1_7").resources
    for template, type_ in served.items():
        assert type_ in resources.get(template.lower(), ()), template


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
