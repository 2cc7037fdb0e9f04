"""Specification of the mock's query engine: filter grammar, coercions, sorting and paging."""

from __future__ import annotations

import dataclasses
import math
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conformance.mock.query import QueryError, QueryPage, parse_filter, run_query

UTC = timezone.utc

JOBS = [
    {"Name": "Alpha Nightly", "JobType": "Backup", "Platform": "VMware", "Size": 9, "Ratio": 1.5,
     "Enabled": True, "Created": datetime(2025, 8, 15, 6, 0, tzinfo=UTC), "Result": "Success", "Note": None},
    {"Name": "beta", "JobType": "Replica", "Platform": "HyperV", "Size": 10, "Ratio": 0.25,
     "Enabled": False, "Created": datetime(2025, 8, 15, 12, 30), "Result": "Failed", "Note": "moved"},
    {"Name": 'Say "Hi"', "JobType": "Backup", "Platform": "HyperV", "Size": 100, "Ratio": 2.0,
     "Enabled": True, "Created": datetime(2025, 8, 16, 13, 0, 0, 500000, tzinfo=UTC), "Result": "Warning",
     "Note": None},
    {"Name": "Gamma", "JobType": "Replica", "Platform": "VMware", "Size": 100, "Ratio": 1.5,
     "Enabled": False, "Created": datetime(2025, 8, 17, tzinfo=timezone(timedelta(hours=2))), "Result": "Success",
     "Note": "kept"},
]


def names(text: str, records=JOBS, **kw) -> list[str]:
    return [r["Name"] for r in run_query(records, filter=text, **kw).items]


def error(**kw) -> str:
    with pytest.raises(QueryError) as info:
        run_query(JOBS, **kw)
    return str(info.value)


# --- comparison operators -------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Size==100", ['Say "Hi"', "Gamma"]),
        ("Size!=100", ["Alpha Nightly", "beta"]),
        ("Size<100", ["Alpha Nightly", "beta"]),
        ("Size>9", ["beta", 'Say "Hi"', "Gamma"]),
        ("Size<=10", ["Alpha Nightly", "beta"]),
        ("Size>=10", ["beta", 'Say "Hi"', "Gamma"]),
    ],
)
def test_each_operator_compares_as_documented(text: str, expected: list[str]) -> None:
    assert names(text) == expected


def test_semicolon_means_and() -> None:
    assert names("JobType==Backup;Platform==HyperV") == ['Say "Hi"']


def test_comma_means_or() -> None:
    assert names("Name==beta,Name==Gamma") == ["beta", "Gamma"]


def test_and_binds_tighter_than_or() -> None:
    # a,b;c is a,(b;c): Alpha via the first term; beta fails b;c.
    assert names('Name=="Alpha Nightly",JobType==Replica;Platform==VMware') == ["Alpha Nightly", "Gamma"]
    assert names("JobType==Replica;Platform==VMware,Name==beta") == ["beta", "Gamma"]


def test_parentheses_group_terms() -> None:
    text = "(JobType==Replica;Enabled==false),(JobType==Backup;Enabled==true)"
    assert names(text) == [r["Name"] for r in JOBS]
    assert names("JobType==Backup;(Platform==HyperV,Size<10)") == ["Alpha Nightly", 'Say "Hi"']


def test_parentheses_nest() -> None:
    assert names("((Size==9),((Size==10;Name==beta)))") == ["Alpha Nightly", "beta"]


# --- values: quoting, whitespace, characters ------------------------------------------------------

def test_quoted_value_may_contain_spaces() -> None:
    assert names('Name=="Alpha Nightly"') == ["Alpha Nightly"]


def test_doubled_quote_inside_quoted_value_is_one_quote() -> None:
    assert names('Name=="Say ""Hi"""') == ['Say "Hi"']


def test_doubled_quotes_work_in_an_unquoted_value_as_in_the_docs() -> None:
    records = [{"Name": '"Backup"'}, {"Name": "Backup"}]
    assert names('Name==""Backup""', records) == ['"Backup"']
    assert names('Name=="""Backup"""', records) == ['"Backup"']


def test_empty_quoted_value_is_the_empty_string() -> None:
    records = [{"Name": ""}, {"Name": "x"}]
    assert names('Name==""', records) == [""]
    assert names('Name=="";Name!=x', records) == [""]


def test_quoted_value_keeps_separators_and_parentheses() -> None:
    records = [{"Name": "a;b,(c)"}, {"Name": "a"}]
    assert names('Name=="a;b,(c)"', records) == ["a;b,(c)"]


def test_unquoted_whitespace_is_ignored() -> None:
    assert names(" Name == Alpha Nightly ") == []  # becomes AlphaNightly, as the docs say
    assert names("( Size > = 100 ; Result == Success )") == ["Gamma"]
    assert names('Name == "Alpha Nightly" ') == ["Alpha Nightly"]


def test_unquoted_value_may_hold_dashes_dots_and_colons() -> None:
    records = [{"Uid": "urn:veeam:Job:7445e6ce-86f5-4171", "Ip": "172.17.53.55", "Version": "11.0.0.837"}]
    text = "Uid==urn:veeam:job:7445E6CE-86f5-4171;Ip==172.17.53.55;Version==11.0.0.837"
    assert run_query(records, filter=text).total == 1


def test_unquoted_value_may_be_a_date_or_time() -> None:
    assert names("Created>=2025-08-16;Created<2025-08-16T13:00:01Z") == ['Say "Hi"']


# --- case-insensitivity ---------------------------------------------------------------------------

def test_field_names_are_case_insensitive() -> None:
    assert names("jobtype==backup;PLATFORM==hyperv") == ['Say "Hi"']


def test_record_keys_are_case_insensitive() -> None:
    records = [{"NAME": "x"}, {"name": "y"}]
    assert run_query(records, filter="Name==y").items == ({"name": "y"},)


def test_string_values_compare_case_insensitively() -> None:
    assert names("Name==GAMMA") == ["Gamma"]
    assert names('Name!="alpha nightly"') == ["beta", 'Say "Hi"', "Gamma"]
    assert names("Name<C") == ["Alpha Nightly", "beta"]  # case-folded order, not ASCII order


# --- type coercion --------------------------------------------------------------------------------

def test_integers_compare_numerically_not_lexically() -> None:
    assert names("Size<10") == ["Alpha Nightly"]
    assert names("Size>=10;Size<1e2") == ["beta"]


def test_integer_field_accepts_a_decimal_literal() -> None:
    assert names("Size>9.5;Size<=10.0") == ["beta"]


def test_huge_integer_literals_compare_as_floats() -> None:
    assert names("Size<" + "9" * 5000) == [r["Name"] for r in JOBS]


def test_floats_compare_numerically() -> None:
    assert names("Ratio==1.5") == ["Alpha Nightly", "Gamma"]
    assert names("Ratio<.5") == ["beta"]
    assert names("Ratio>1") == ["Alpha Nightly", 'Say "Hi"', "Gamma"]


def test_booleans_parse_from_true_or_false_in_any_case() -> None:
    assert names("Enabled==TRUE") == ["Alpha Nightly", 'Say "Hi"']
    assert names("Enabled==false") == ["beta", "Gamma"]
    assert names("Enabled!=True") == ["beta", "Gamma"]


@pytest.mark.parametrize(
    ("literal", "expected"),
    [
        ('"2025-08-15T06:00:00Z"', ["Alpha Nightly"]),
        ('"2025-08-15T06:00:00.000000Z"', ["Alpha Nightly"]),
        ('"2025-08-15T08:00:00+02:00"', ["Alpha Nightly"]),
        ('"2025-08-15T06:00:00"', ["Alpha Nightly"]),  # naive literal is UTC
        ('"2025-08-15T12:30:00Z"', ["beta"]),  # naive record value is UTC
        ('"2025-08-16T13:00:00.5Z"', ['Say "Hi"']),
        ('"2025-08-16T22:00:00Z"', ["Gamma"]),  # record carries +02:00
    ],
)
def test_datetimes_parse_from_iso_8601_forms(literal: str, expected: list[str]) -> None:
    assert names(f"Created=={literal}") == expected


def test_date_only_literal_means_midnight_utc() -> None:
    assert names('Created>="2025-08-15";Created<="2025-08-16"') == ["Alpha Nightly", "beta"]


def test_datetime_fractional_seconds_beyond_microseconds_are_accepted() -> None:
    assert names('Created>"2025-08-16T13:00:00.4999999Z"') == ['Say "Hi"', "Gamma"]


# --- enums ----------------------------------------------------------------------------------------

def test_result_compares_by_declared_order_success_warning_failed() -> None:
    assert names("Result>Success") == ["beta", 'Say "Hi"']
    assert names("Result<failed") == ["Alpha Nightly", 'Say "Hi"', "Gamma"]
    assert names("Result>=Warning") == ["beta", 'Say "Hi"']


def test_caller_supplies_other_enum_orders_by_case_insensitive_field() -> None:
    records = [{"State": s} for s in ("Stopped", "Starting", "Working", "Pausing")]
    orders = {"state": ["Starting", "Stopping", "Working", "Pausing", "Resuming", "Stopped"]}
    got = run_query(records, filter="STATE>working", enum_orders=orders).items
    assert [r["State"] for r in got] == ["Stopped", "Pausing"]


def test_caller_enum_order_overrides_the_default() -> None:
    got = run_query(JOBS, filter="Result>Failed", enum_orders={"RESULT": ["Failed", "Success", "Warning"]})
    assert [r["Name"] for r in got.items] == ["Alpha Nightly", 'Say "Hi"', "Gamma"]


def test_enum_equality_is_plain_case_insensitive_matching() -> None:
    assert names("Result==WARNING") == ['Say "Hi"']
    assert names("Result==Unknown") == []


def test_record_value_outside_the_enum_never_orders() -> None:
    records = [{"Result": "Bogus"}, {"Result": "Failed"}]
    assert [r["Result"] for r in run_query(records, filter="Result>Success").items] == ["Failed"]
    assert [r["Result"] for r in run_query(records, filter="Result<Failed").items] == []


# --- None and missing values ----------------------------------------------------------------------

def test_none_never_equals_and_always_differs() -> None:
    assert names("Note==moved") == ["beta"]
    assert names("Note!=moved") == ["Alpha Nightly", 'Say "Hi"', "Gamma"]


@pytest.mark.parametrize("text", ["Note<zzz", "Note>a", "Note<=zzz", "Note>=a"])
def test_ordering_comparisons_with_none_are_false(text: str) -> None:
    assert names(text) == ["beta", "Gamma"]  # the two records whose Note is None never match


def test_a_key_missing_from_some_records_behaves_as_none() -> None:
    records = [{"Name": "a", "Size": 1}, {"Name": "b"}]
    assert names("Size>=0", records) == ["a"]
    assert names("Size!=1", records) == ["b"]


def test_parse_filter_returns_a_predicate_over_mappings() -> None:
    pred = parse_filter("name==beta;SIZE>=10")
    assert [pred(r) for r in JOBS] == [False, True, False, False]
    assert parse_filter("Result>Success")({"result": "Warning"}) is True
    assert parse_filter("Size==1")({}) is False


# --- sorting --------------------------------------------------------------------------------------

def sorted_names(**kw) -> list[str]:
    return [r["Name"] for r in run_query(JOBS, **kw).items]


def test_sort_asc_orders_ascending_and_stably() -> None:
    assert sorted_names(sort_asc="Size") == ["Alpha Nightly", "beta", 'Say "Hi"', "Gamma"]
    assert sorted_names(sort_asc="Ratio") == ["beta", "Alpha Nightly", "Gamma", 'Say "Hi"']


def test_sort_desc_orders_descending_and_stably() -> None:
    assert sorted_names(sort_desc="Size") == ['Say "Hi"', "Gamma", "beta", "Alpha Nightly"]
    assert sorted_names(sort_desc="JobType") == ["beta", "Gamma", "Alpha Nightly", 'Say "Hi"']


def test_sort_field_is_case_insensitive_and_strings_sort_case_insensitively() -> None:
    assert sorted_names(sort_asc="name") == ["Alpha Nightly", "beta", "Gamma", 'Say "Hi"']


def test_sort_puts_none_last_in_both_directions() -> None:
    assert sorted_names(sort_asc="Note") == ["Gamma", "beta", "Alpha Nightly", 'Say "Hi"']
    assert sorted_names(sort_desc="Note") == ["beta", "Gamma", "Alpha Nightly", 'Say "Hi"']


def test_sort_uses_enum_order_and_utc_datetimes() -> None:
    assert sorted_names(sort_asc="Result") == ["Alpha Nightly", "Gamma", 'Say "Hi"', "beta"]
    assert sorted_names(sort_desc="Created") == ["Gamma", 'Say "Hi"', "beta", "Alpha Nightly"]


def test_sort_tolerates_mixed_value_types() -> None:
    records = [{"V": "b"}, {"V": 2}, {"V": True}, {"V": "a"}]
    assert [r["V"] for r in run_query(records, sort_asc="v").items] == [True, 2, "a", "b"]


def test_filter_then_sort_then_page() -> None:
    got = run_query(JOBS, filter="Size>9", sort_desc="Name", page_size=2, page=2)
    assert [r["Name"] for r in got.items] == ["beta"]
    assert (got.total, got.pages_count) == (3, 2)


# --- paging ---------------------------------------------------------------------------------------

def test_without_page_size_everything_is_one_page() -> None:
    got = run_query(JOBS)
    assert got == QueryPage(items=tuple(JOBS), page=1, page_size=4, pages_count=1, total=4)


def test_pages_are_numbered_from_one() -> None:
    assert run_query(JOBS, page_size=3).items == tuple(JOBS[:3])
    assert run_query(JOBS, page_size=3, page=2).items == tuple(JOBS[3:])


@pytest.mark.parametrize(
    ("total", "size", "pages"), [(0, 2, 1), (1, 2, 1), (2, 2, 1), (3, 2, 2), (4, 2, 2), (5, 1, 5), (4, 10, 1)]
)
def test_pages_count_rounds_up_and_is_at_least_one(total: int, size: int, pages: int) -> None:
    records = [{"N": i} for i in range(total)]
    got = run_query(records, page_size=size, page=pages)
    assert (got.pages_count, got.total, got.page_size, got.page) == (pages, total, size, pages)
    assert len(got.items) == (total - (pages - 1) * size)


def test_page_beyond_the_last_is_empty_not_an_error() -> None:
    got = run_query(JOBS, page_size=3, page=3)
    assert (got.items, got.pages_count, got.page) == ((), 2, 3)
    assert run_query(JOBS, page=2).items == ()


def test_empty_result_is_one_empty_page() -> None:
    assert run_query([]) == QueryPage(items=(), page=1, page_size=0, pages_count=1, total=0)
    assert run_query(JOBS, filter="Size>1000", page_size=5).pages_count == 1


def test_query_page_is_immutable() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        run_query(JOBS).page = 2  # type: ignore[misc]


# --- errors ---------------------------------------------------------------------------------------

def test_query_error_is_a_value_error() -> None:
    assert issubclass(QueryError, ValueError)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Foo==1", "filter: unknown field 'Foo' at 0"),
        ("Size==1;(Bar<2)", "filter: unknown field 'Bar' at 9"),
        ("Name==", "filter: expected value after '==' at 6"),
        ("Name== ;Size==1", "filter: expected value after '==' at 7"),
        ("Name", "filter: expected operator after 'Name' at 4"),
        ("Name=beta", "filter: expected operator after 'Name' at 4"),
        ("", "filter: expected field name at 0"),
        ("Size==1;", "filter: expected field name at 8"),
        ("==1", "filter: expected field name at 0"),
        ('Name=="beta', "filter: unterminated quoted value at 6"),
        ('Name==be"ta', "filter: stray quote in unquoted value at 8"),
        ("(Size==1", "filter: expected ')' at 8"),
        ("Size==1)", "filter: unexpected ')' at 7"),
        ("Platform==vCloud&JobType==Backup", "filter: unexpected '&' at 16"),
        ('Name=="a"b', "filter: unexpected 'b' at 9"),
        ("Size>=+10", "filter: expected value after '>=' at 6"),
        ("Size==big", "filter: value 'big' is not a valid number for 'Size' at 6"),
        ("Enabled==yes", "filter: value 'yes' is not a valid boolean for 'Enabled' at 9"),
        ("Created>=yesterday", "filter: value 'yesterday' is not a valid ISO 8601 date/time for 'Created' at 9"),
        ("Result>Great", "filter: 'Great' is not a value of enum 'Result' at 7"),
        ("(" * 100 + "Size==1" + ")" * 100, "filter: parentheses nested too deeply at 64"),
    ],
)
def test_bad_filters_raise_query_error_naming_the_problem(text: str, message: str) -> None:
    assert error(filter=text) == message


def test_parse_filter_reports_syntax_errors_without_records() -> None:
    with pytest.raises(QueryError, match=r"expected value after '<=' at 6"):
        parse_filter("Size<=")


def test_zero_records_accept_any_field_name() -> None:
    assert run_query([], filter="Anything==1", sort_asc="Whatever").total == 0


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"sort_asc": "Name", "sort_desc": "Size"}, "sortAsc and sortDesc cannot be used together"),
        ({"sort_asc": "Foo"}, "sortAsc: unknown field 'Foo'"),
        ({"sort_desc": "Foo"}, "sortDesc: unknown field 'Foo'"),
        ({"sort_asc": " "}, "sortAsc: expected a field name"),
        ({"page_size": 0}, "pageSize: must be a positive integer, got 0"),
        ({"page_size": -3}, "pageSize: must be a positive integer, got -3"),
        ({"page_size": True}, "pageSize: must be a positive integer, got True"),
        ({"page": 0}, "page: must be a positive integer, got 0"),
        ({"page_size": 2, "page": -1}, "page: must be a positive integer, got -1"),
    ],
)
def test_bad_sort_and_paging_arguments_raise_query_error(kw: dict, message: str) -> None:
    assert error(**kw) == message


# --- properties -----------------------------------------------------------------------------------

record_st = st.fixed_dictionaries(
    {"Id": st.integers(), "N": st.one_of(st.none(), st.integers(-5, 5)), "S": st.sampled_from(["a", "B", "b", "c"])}
)
records_st = st.lists(record_st, max_size=12).map(lambda rs: [{**r, "Id": i} for i, r in enumerate(rs)])
FAST = settings(max_examples=60, deadline=None)


def ids(page: QueryPage) -> list[int]:
    return [r["Id"] for r in page.items]


@FAST
@given(records_st, st.integers(1, 5), st.sampled_from(["N", "S"]), st.booleans())
def test_walking_all_pages_reassembles_the_sorted_result(records, size, field, desc) -> None:
    kw = {"sort_desc": field} if desc else {"sort_asc": field}
    whole = run_query(records, **kw)
    first = run_query(records, page_size=size, **kw)
    assert first.pages_count == max(1, math.ceil(len(records) / size))
    pages = [run_query(records, page_size=size, page=p, **kw) for p in range(1, first.pages_count + 2)]
    assert [r for p in pages for r in p.items] == list(whole.items)
    assert pages[-1].items == ()
    assert all(0 < len(p.items) <= size for p in pages[:-1]) or not records


@FAST
@given(records_st, st.sampled_from(["N", "S"]), st.booleans())
def test_sorting_is_stable_with_none_last(records, field, desc) -> None:
    got = ids(run_query(records, sort_desc=field) if desc else run_query(records, sort_asc=field))
    present = [r for r in records if r[field] is not None]

    def key(r):
        return r[field].casefold() if isinstance(r[field], str) else r[field]

    expected = sorted(present, key=key, reverse=desc) + [r for r in records if r[field] is None]
    assert got == [r["Id"] for r in expected]


@FAST
@given(records_st, st.integers(-6, 6), st.sampled_from(["a", "b", "C", "z"]))
def test_equals_and_not_equals_partition_the_records(records, n, s) -> None:
    for text in (f"N=={n}", f"S=={s}"):
        yes = ids(run_query(records, filter=text))
        no = ids(run_query(records, filter=text.replace("==", "!=")))
        assert sorted(yes + no) == [r["Id"] for r in records]
        assert not set(yes) & set(no)


@FAST
@given(records_st, st.integers(-6, 6))
def test_less_and_greater_or_equal_partition_the_non_none_records(records, n) -> None:
    below = set(ids(run_query(records, filter=f"N<{n}")))
    rest = set(ids(run_query(records, filter=f"N>={n}")))
    assert below | rest == {r["Id"] for r in records if r["N"] is not None}
    assert not below & rest


@FAST
@given(records_st, st.integers(-6, 6), st.sampled_from(["a", "b", "c"]))
def test_and_is_intersection_and_or_is_union(records, n, s) -> None:
    left, right = set(ids(run_query(records, filter=f"N>{n}"))), set(ids(run_query(records, filter=f"S=={s}")))
    assert set(ids(run_query(records, filter=f"N>{n};S=={s}"))) == left & right
    assert set(ids(run_query(records, filter=f"N>{n},S=={s}"))) == left | right
    assert set(ids(run_query(records, filter=f"(S=={s},N>{n});(N>{n})"))) == left


@FAST
@given(st.lists(st.text(max_size=8), min_size=1, max_size=5), st.data())
def test_any_text_round_trips_through_doubled_quotes(values, data) -> None:
    records = [{"Id": i, "Name": v} for i, v in enumerate(values)]
    target = data.draw(st.sampled_from(values))
    got = ids(run_query(records, filter='Name=="' + target.replace('"', '""') + '"'))
    assert got == [r["Id"] for r in records if r["Name"].casefold() == target.casefold()]


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(), st.text(alphabet='Nn=!<>;,()" 1-.:&\t', max_size=30)))
def test_parsing_arbitrary_text_raises_nothing_but_query_error(text) -> None:
    try:
        predicate = parse_filter(text)
    except QueryError:
        return
    try:
        predicate({"N": 1})
    except QueryError:
        pass
