"""URLs are read one way everywhere: a URL with more than one reading has no origin, is not
resolved, and so is neither followed nor sent."""

import pytest

from conformance.urls import normalise_url, origin, resolve, same_origin, url_problem

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
