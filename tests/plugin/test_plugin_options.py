"""The plugin through pytest itself: inert by default, and clear about bad input."""

import pytest

pytest_plugins = ["pytester"]


def test_without_a_target_the_plugin_leaves_other_suites_alone(pytester):
    pytester.makepyfile("def test_ordinary(): assert True")
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
    assert "conformance summary" not in result.stdout.str()
    assert "crawl" not in result.stdout.str()


def test_options_are_listed_in_help_with_their_env_and_ini_names(pytester):
    result = pytester.runpytest("--help")
    result.stdout.fnmatch_lines(["link-contract conformance:", "*--conformance-target=TARGET*", "*env CONFORMANCE_TARGET*"])


@pytest.mark.parametrize("args, message", [
    (["--conformance-target", "mock", "--conformance-max-resources", "0"], "*--conformance-max-resources*invalid value '0'*"),
    (["--conformance-target", "mock", "--conformance-per-template", "-1"],
     "*--conformance-per-template*invalid value '-1'*0 (no limit)*"),
    (["--conformance-target", "mock", "--conformance-timeout", "soon"], "*--conformance-timeout*invalid value 'soon'*"),
    (["--conformance-target", "https://em.test/api/", "--conformance-mock-fault", "x"], "*only applies to*mock*"),
    (["--conformance-target", "mock", "--conformance-schema", "/no/such/file.xsd"], "*--conformance-schema*no such file*"),
    (["--conformance-target", "mock", "--conformance-mock-size", "100001"], "*--conformance-mock-size*from 1 to 100000*"),
    (["--conformance-target", "mock", "--conformance-mock-now", "soon"], "*--conformance-mock-now*'soon'*ISO 8601*"),
    (["--conformance-target", "mock", "--conformance-format", "yaml"], "*--conformance-format*'yaml'*xml, json*"),
])
def test_a_bad_option_value_is_a_usage_error_naming_option_and_value(pytester, args, message):
    result = pytester.runpytest(*args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([message])


def test_environment_variables_are_read_and_named_when_bad(pytester, monkeypatch):
    monkeypatch.setenv("CONFORMANCE_TARGET", "mock")
    monkeypatch.setenv("CONFORMANCE_CONCURRENCY", "-2")
    result = pytester.runpytest()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*environment variable CONFORMANCE_CONCURRENCY*invalid value '-2'*"])


def test_an_unknown_profile_is_a_usage_error_listing_the_known_ones(pytester):
    result = pytester.runpytest("--conformance-target", "https://127.0.0.1:9/api/", "--conformance-profile", "v0_1")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*unknown profile 'v0_1'*v1_7*"])


def test_a_real_target_without_a_password_is_a_usage_error_saying_which_variable_to_set(pytester, monkeypatch):
    monkeypatch.delenv("CONFORMANCE_PASSWORD", raising=False)
    result = pytester.runpytest("--conformance-target", "https://127.0.0.1:9/api/")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*CONFORMANCE_PASSWORD*"])


@pytest.mark.parametrize("args, message", [
    (["--conformance-target", "em.example.com"], "*target URL 'em.example.com' is not an absolute http(s) URL*"),
    (["--conformance-target", "mock", "--conformance-mock-fault", "no_such_fault"], "*unknown fault 'no_such_fault'*"),
    (["--conformance-target", "https://127.0.0.1:9/api/", "--conformance-ca-bundle", "{not_pem}"],
     "*--ca-bundle*cannot be loaded*"),
])
def test_what_the_user_typed_wrong_stops_the_session_before_it_starts_with_exit_4(pytester, monkeypatch, args, message):
    monkeypatch.setenv("CONFORMANCE_PASSWORD", "x")
    not_pem = pytester.makefile(".pem", "not a certificate")
    result = pytester.runpytest(*(arg.format(not_pem=not_pem) for arg in args))
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([message])
    assert "test session starts" not in result.stdout.str()


def test_the_only_option_is_for_one_invocation_never_from_the_environment(pytester, monkeypatch):
    monkeypatch.setenv("CONFORMANCE_ONLY", "1")
    pytester.makepyfile("def test_ordinary(): assert True")
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
    assert "conformance summary" not in result.stdout.str()


def test_an_unreachable_target_exits_3_naming_the_url(pytester, monkeypatch):
    monkeypatch.setenv("CONFORMANCE_PASSWORD", "x")
    result = pytester.runpytest("--conformance-target", "http://127.0.0.1:9/api", "--conformance-timeout", "2")
    assert result.ret == 3
    result.stderr.fnmatch_lines(["*cannot reach http://127.0.0.1:9/api/*"])
