"""URLs are read one way everywhere: a URL with more than one reading has no origin, is not
resolved, and so is neither followed nor sent."""

import pytest

from conformance.model.urls import normalise_url, origin, resolve, same_origin, url_problem, url_template

ROOT = "https://em.test:9398/api/"


@pytest.mark.parametrize("href, problem", [
    ("http://em.test:1\\@em.test:9398/api/jobs", "a backslash"),
    ("https://user:pw@em.test:9398/api/jobs", "userinfo"),
    ("https://em.test:09398/api/jobs", "an unusual port '09398'"),
    ("https://em.test:+9398/api/jobs", "an unusual port '+9398'"),
    ("https://em.test:99999/api/jobs", "an unusual port '99999'"),
    ("https://em.test:9398/api/jobs\x1b[2J", "a control character"),
])
def test_a_url_with_more_than_one_reading_has_no_origin_and_is_not_resolved(href, problem):
    assert problem in (url_problem(href) or "")
    assert origin(href) is None and resolve(href, ROOT) is None and not same_origin(href, ROOT)


@pytest.mark.parametrize("href", [ROOT, ROOT + "jobs?format=Entity", "https://EM.test:443/x", "jobs/1", "../x"])
def test_ordinary_urls_have_one_reading(href):
    assert url_problem(href) is None


@pytest.mark.parametrize("url, normal", [
    ("HTTPS://Em.Test:443/api/Jobs?b=2&a=1#top", "https://em.test/api/Jobs?a=1&b=2"),
    ("http://h:80", "http://h"),
    ("http://h/a%7b?x=a+b", "http://h/a%7b?x=a+b"),
    ("http://h/a/./b/../c", "http://h/a/c"),
    ("http://h/a b", "http://h/a%20b"),
])
def test_one_spelling_per_resource_whichever_parser_reads_it(url, normal):
    assert normalise_url(url) == normal


@pytest.mark.parametrize("url, template", [
    ("https://em.test/api/jobs/6c8a-1", "/api/jobs/{id}"),
    ("https://em.test/api/Jobs/77f0-2/Includes/9f-2", "/api/jobs/{id}/includes/{id}"),
    ("https://em.test/api/jobs/6c8a-1?format=Entity", "/api/jobs/{id}?format=entity"),
    ("https://em.test/api/query?type=Job&format=Entities", "/api/query?format=entities&type=job"),
    ("https://em.test/api/query?type=Vm&format=Entities", "/api/query?format=entities&type=vm"),
    ("https://em.test/api/query?type=Job&page=2&pageSize=100", "/api/query?page={id}&pagesize={id}&type=job"),
    ("https://em.test/api/sessionMngr/?v=v1_7", "/api/sessionmngr/?v={id}"),
    ("https://em.test/api/backupServers", "/api/backupservers"),
])
def test_a_url_template_blanks_ids_and_keeps_what_chooses_the_representation(url, template):
    assert url_template(url) == template


def test_members_of_one_collection_share_a_template_and_other_forms_or_queries_do_not():
    assert url_template(ROOT + "jobs/1") == url_template(ROOT + "jobs/2")
    assert url_template(ROOT + "jobs/1") != url_template(ROOT + "jobs/1?format=Entity")
    assert url_template(ROOT + "query?type=Job") != url_template(ROOT + "query?type=Vm")
    assert url_template(ROOT + "query?type=Job&page=1") == url_template(ROOT + "query?type=Job&page=2")
