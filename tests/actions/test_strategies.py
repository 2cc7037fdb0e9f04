"""The strategies: valid bodies are valid, invalid ones are invalid in the way they say, values
keep their facets, and Href variations name nothing that exists."""

from __future__ import annotations

import re
import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from conformance.actions.strategies import (
    INVALID_KINDS,
    PLAIN,
    XML,
    Simple,
    as_payload,
    invalid_body,
    not_a_value,
    read_spec,
    simple_value,
    tree_of,
    unknown_action,
    unknown_id,
    valid_body,
    xsd_integer,
    xsd_pattern,
    xsd_string,
)
from conformance.contract.profiles import data_dir
from conformance.contract.schema import load_schemas

SCHEMAS = data_dir("schemas") / "v1_7"
SPECS = ("JobCloneSpec", "CreateObjectInJobSpec", "BackupServerSpec")
quick = settings(max_examples=30, derandomize=True, database=None, deadline=None,
                 suppress_health_check=list(HealthCheck))


@pytest.fixture(scope="module")
def schemas():
    return load_schemas(SCHEMAS)


def errors(schemas, body: bytes) -> tuple[str, ...]:
    return schemas.validate(etree.fromstring(body))


@pytest.mark.parametrize("element", SPECS)
def test_every_spec_the_suite_sends_is_declared_by_the_project_schemas(element):
    spec = read_spec(SCHEMAS, element)
    assert spec is not None and spec.namespace == "http://www.veeam.com/ent/v1.0"


def test_an_element_the_schemas_do_not_declare_has_no_spec():
    assert read_spec(SCHEMAS, "NoSuchStartupSpec") is None
    assert read_spec(SCHEMAS / "no-such.xsd", "JobCloneSpec") is None


@pytest.mark.parametrize("element, choose", [("JobCloneSpec", None), ("JobCloneSpec", "ReplicaJobCloneInfo"),
                                             ("CreateObjectInJobSpec", None), ("BackupServerSpec", None)])
@pytest.mark.parametrize("alphabet", ["xml", "plain"])
def test_valid_bodies_validate_against_the_schemas(schemas, element, choose, alphabet):
    spec = read_spec(SCHEMAS, element)
    chars = PLAIN if alphabet == "plain" else st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Cn", "Co"))

    @quick
    @given(valid_body(spec, choose=choose, alphabet=chars))
    def check(tree):
        if choose:
            assert [c.name for c in tree.children] == [choose]
        assert errors(schemas, as_payload(tree, spec.namespace, "valid").body) == ()

    check()


def test_values_that_must_name_something_come_from_the_values_given(schemas):
    spec = read_spec(SCHEMAS, "JobCloneSpec")
    uid = "urn:veeam:Repository:7c65c1e5-82e2-4662-b728-b4fa42485e3a"

    @quick
    @given(valid_body(spec, {"RepositoryUid": st.just(uid)}, choose="BackupJobCloneInfo"))
    def check(tree):
        assert next(c.text for c in tree.children[0].children if c.name == "RepositoryUid") == uid

    check()


@pytest.mark.parametrize("element", SPECS)
@pytest.mark.parametrize("kind", INVALID_KINDS)
def test_each_kind_of_invalid_body_is_refused_by_the_schemas_or_is_no_xml_at_all(schemas, element, kind):
    spec = read_spec(SCHEMAS, element)

    @quick
    @given(invalid_body(kind, valid_body(spec), spec.namespace))
    def check(payload):
        assert payload.case.startswith("invalid: ")
        if payload.content_type != XML:
            assert kind == "content-type" and errors(schemas, payload.body) == ()  # valid XML, wrong label
            return
        try:
            root = etree.fromstring(payload.body)
        except etree.XMLSyntaxError:
            assert kind in ("bytes", "empty")
            return
        assert errors(schemas, etree.tostring(root)) != (), payload

    check()


def test_a_body_received_is_broken_like_a_generated_one(schemas):
    job = (b'<Job xmlns="http://www.veeam.com/ent/v1.0" Href="h" Type="Job" Name="n" UID="urn:veeam:Job:1">'
           b"<JobType>Backup</JobType><Platform>VMware</Platform><Description>d</Description>"
           b"<ScheduleConfigured>true</ScheduleConfigured><ScheduleEnabled>false</ScheduleEnabled>"
           b"<JobScheduleOptions><Standart><RetryOptions><RetryTimes>3</RetryTimes></RetryOptions></Standart>"
           b"</JobScheduleOptions></Job>")
    assert errors(schemas, job) == ()
    tree = tree_of(job, read_spec(SCHEMAS, "Job"))
    # An edit may send only what it changes: no part of a Job is required (the vendor's schema makes
    # even the schedule options optional, though every example shows them).
    assert [c.required for c in tree.children] == [False] * 6
    assert tree.children[4].simple.base == "boolean"
    for kind in ("missing", "order", "type", "namespace"):
        @quick
        @given(invalid_body(kind, st.just(tree), "http://www.veeam.com/ent/v1.0"))
        def check(payload):
            assert errors(schemas, payload.body) != ()

        check()


@quick
@given(st.data())
def test_simple_values_keep_their_facets(data):
    assert len(data.draw(xsd_string(1, 50))) in range(1, 51)
    assert 1 <= int(data.draw(simple_value(Simple("unsignedShort", min_value=1)))) <= 65535
    assert re.fullmatch("[0-9A-Fa-f]{40}", data.draw(xsd_pattern(["[0-9A-Fa-f]{40}"])))
    assert data.draw(simple_value(Simple("string", enumeration=("A", "B")))) in ("A", "B")
    assert data.draw(simple_value(Simple("boolean"))) in ("true", "false")
    assert -5 <= int(data.draw(xsd_integer(-5, 5))) <= 5


@quick
@given(st.data())
def test_text_that_is_not_a_value_of_a_type_is_none_of_its_values(data):
    assert data.draw(not_a_value(Simple("boolean"))) not in ("true", "false", "1", "0")
    value = data.draw(not_a_value(Simple("unsignedShort", min_value=1)))
    assert not value.isdigit() or not 1 <= int(value) <= 65535
    assert not re.fullmatch("urn:[^:]+:[^:]+:.+", data.draw(not_a_value(Simple("string", patterns=("urn:[^:]+:[^:]+:.+",)))))
    assert data.draw(not_a_value(Simple("string", enumeration=("A", "B")))) not in ("A", "B")


@quick
@given(st.data())
def test_an_unknown_id_replaces_the_last_id_and_is_none_the_crawl_saw(data):
    taken = frozenset({str(uuid.UUID(int=1, version=4))})
    href = data.draw(unknown_id("https://em/api/jobs/6c8a-1/includes/9f2b-2", taken))
    assert href.startswith("https://em/api/jobs/6c8a-1/includes/") and href.rsplit("/", 1)[1] not in taken | {"9f2b-2"}
    assert unknown_id("https://em/api/backupServers?action=create") is None


@quick
@given(st.data())
def test_an_unknown_action_is_no_action_the_api_has(data):
    href = data.draw(unknown_action("https://em/api/jobs/1?action=start", frozenset({"start", "stop"})))
    action = href.rsplit("action=", 1)[1]
    assert action.lower() not in ("start", "stop") and href.startswith("https://em/api/jobs/1?action=")
    assert unknown_action("https://em/api/jobs/1/includes", frozenset()) is None
