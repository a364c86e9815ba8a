"""`bot.safe_json` alone: each class of bad input either parses to a marker and is named with its
path, or raises its own typed error; never a RecursionError, a ValueError from `int()`, or a float
no database can store. Webhooks and the shop API both rely on this."""

from __future__ import annotations

import copy
import json
import pickle

import pytest

from bot.safe_json import INT64_MAX, INT64_MIN, OutOfRange, Problem, TooDeep, first_problem, loads

API_RANGE = (1 - 10 ** 30, 10 ** 30 - 1)


def test_a_body_nested_100000_deep_is_too_deep_not_a_recursion_error():
    text = "[" * 100_000 + "]" * 100_000
    with pytest.raises(TooDeep):
        loads(text)
    with pytest.raises(TooDeep):
        loads(text.encode())
    assert issubclass(TooDeep, ValueError)  # a caller that only catches ValueError still answers 4xx


def test_nesting_deeper_than_the_bound_is_named_where_it_passes_it():
    value = loads('{"a": ' + "[" * 20 + "]" * 20 + "}")
    assert first_problem(value, max_depth=16) == Problem(("a",) + (0,) * 16, "too_deep")
    assert first_problem(loads("[" * 16 + "]" * 16), max_depth=16) is None


@pytest.mark.parametrize(("text", "kind", "description"), [
    ("NaN", "constant", "number NaN"),
    ("Infinity", "constant", "number Infinity"),
    ("-Infinity", "constant", "number -Infinity"),
    ("1e400", "float", "number 1e400 out of range"),
    ("-1e400", "float", "number -1e400 out of range"),
    ("9" * 5000, "integer", "integer of 5000 digits"),
    (str(2 ** 63), "integer", "integer of 19 digits"),
    (str(INT64_MIN - 1), "integer", "integer of 19 digits"),
])
def test_each_unstorable_number_becomes_a_marker_named_with_its_path(text, kind, description):
    value = loads(f'{{"items": [{{"n": {text}}}]}}')
    marker = value["items"][0]["n"]
    assert isinstance(marker, OutOfRange) and marker == description
    assert marker.kind == kind and marker.source == text[:30]
    assert first_problem(value, max_depth=16) == Problem(("items", 0, "n"), "number", marker)
    for twin in (copy.deepcopy(marker), pickle.loads(pickle.dumps(marker))):  # a rejected event is deep-copied to be stored
        assert isinstance(twin, OutOfRange) and twin == description and (twin.kind, twin.source) == (kind, marker.source)


def test_the_integer_range_is_the_callers():
    assert loads(f"[{INT64_MAX}, {INT64_MIN}]") == [INT64_MAX, INT64_MIN]
    assert loads(str(2 ** 63), int_range=API_RANGE) == 2 ** 63
    assert loads("9" * 30, int_range=API_RANGE) == int("9" * 30)
    assert isinstance(loads("9" * 31, int_range=API_RANGE), OutOfRange)
    assert isinstance(loads("-" + "9" * 5000, int_range=API_RANGE), OutOfRange)


@pytest.mark.parametrize("bad", ["a\x00b", "\ud800", "ab\udfffc"])
def test_nul_and_lone_surrogates_are_problems_only_when_the_caller_asks(bad):
    in_value = loads(json.dumps({"a": [bad]}))
    assert first_problem(in_value, max_depth=16) is None
    assert first_problem(in_value, max_depth=16, check_text=True) == Problem(("a", 0), "text", bad)
    in_key = loads(json.dumps({"a": {bad: 1}}))
    assert first_problem(in_key, max_depth=16) is None
    assert first_problem(in_key, max_depth=16, check_text=True) == Problem(("a", bad), "key", bad)


def test_a_key_longer_than_the_callers_bound_is_a_problem():
    value = {"k" * 101: 1}
    assert first_problem(value, max_depth=16) is None
    assert first_problem(value, max_depth=16, max_key_length=100) == Problem(("k" * 101,), "key", "k" * 101)


def test_the_first_problem_is_the_first_in_document_order():
    value = loads('{"a": 1, "b": [2, NaN], "c": 1e400}')
    assert first_problem(value, max_depth=16) == Problem(("b", 1), "number", value["b"][1])


def test_a_good_body_reads_as_plain_json_with_no_problem():
    text = '{"id": 9223372036854775807, "price": 12.5, "name": "書 ok", "tags": ["a", true, null], "n": -3}'
    value = loads(text)
    assert value == json.loads(text)
    assert first_problem(value, max_depth=16, check_text=True, max_key_length=100) is None


def test_text_that_is_not_json_raises_jsons_own_error():
    with pytest.raises(json.JSONDecodeError):
        loads('{"a": 1,}')
