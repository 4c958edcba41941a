"""Known verdicts of the program graders: tables of (response, reference) -> verdict, worked out by hand.

Each row is what a person would decide reading the response; the graders must agree, field for field.
"""

from __future__ import annotations

from typing import Any

import pytest

from domain import graders as g
from domain.graders import Verdict

NO_MATCH = "does not match the reference"
OUTSIDE = "outside the tolerance"


@pytest.mark.parametrize(
    ("response", "reference", "expected"),
    [
        ("ANSWER: Paris", "paris", Verdict(True, "Paris")),
        ("ANSWER: 1,240", "1240", Verdict(True, "1,240")),
        ("ANSWER: $1,240", 1240, Verdict(True, "$1,240")),
        ("ANSWER: −5", "-5", Verdict(True, "−5")),  # a typographic minus
        ("Paris.", "Paris", Verdict(True, "Paris.")),
        ("ANSWER: 'yes'", "yes", Verdict(True, "'yes'")),
        ("ANSWER: *7*", "7", Verdict(True, "*7*")),
        ("working\nanswer = 12", "12", Verdict(True, "12")),
        ("Final answer: 3", "3", Verdict(True, "3")),
        ("ANSWER: 1,24", "1,240", Verdict(False, "1,24", NO_MATCH)),
        ("ANSWER: abc,def", "abcdef", Verdict(False, "abc,def", NO_MATCH)),  # commas only vanish from numbers
        ("ANSWER: 12", "13", Verdict(False, "12", NO_MATCH)),
        ("ANSWER: Paris, France", "Paris", Verdict(False, "Paris, France", NO_MATCH)),
    ],
)
def test_exact_table(response: str, reference: Any, expected: Verdict) -> None:
    assert g.grade_exact(response, reference) == expected


@pytest.mark.parametrize(
    ("response", "reference", "options", "expected"),
    [
        # the default tolerance is 0: only float slack (1e-9 of the reference, at least 1e-9) is allowed
        ("42", 42.0, {}, Verdict(True, "42")),
        ("42.000000001", 42.0, {}, Verdict(True, "42.000000001")),
        ("42.001", 42.0, {}, Verdict(False, "42.001", OUTSIDE)),
        ("43", 42.0, {}, Verdict(False, "43", OUTSIDE)),
        ("41.5", 42.0, {}, Verdict(False, "41.5", OUTSIDE)),
        ("0.0000000005", 0.0, {}, Verdict(True, "0.0000000005")),
        ("0.000000002", 0.0, {}, Verdict(False, "0.000000002", OUTSIDE)),
        ("−3", -3.0, {}, Verdict(True, "−3")),
        ("ANSWER: about 7", 7.0, {}, Verdict(True, "about 7")),
        ("ANSWER: x", 1.0, {}, Verdict(False, "x", "no number in the answer")),
        # absolute tolerance, inclusive
        ("42.5", 42.0, {"tolerance": 0.5}, Verdict(True, "42.5")),
        ("42.6", 42.0, {"tolerance": 0.5}, Verdict(False, "42.6", OUTSIDE)),
        # relative tolerance: 1% of 1000 is 10
        ("1010", 1000.0, {"rel_tolerance": 0.01}, Verdict(True, "1010")),
        ("1011", 1000.0, {"rel_tolerance": 0.01}, Verdict(False, "1011", OUTSIDE)),
        # the larger of the two applies
        ("1004", 1000.0, {"tolerance": 5.0, "rel_tolerance": 0.001}, Verdict(True, "1004")),
        ("1006", 1000.0, {"tolerance": 5.0, "rel_tolerance": 0.001}, Verdict(False, "1006", OUTSIDE)),
    ],
)
def test_numeric_table(response: str, reference: float, options: dict[str, float], expected: Verdict) -> None:
    assert g.grade_numeric(response, reference, **options) == expected


def test_within_defaults_to_no_tolerance() -> None:
    assert g.within(42.0, 42.0)
    assert not g.within(43.0, 42.0)
    assert not g.within(42.5, 42.0)
    assert g.within(1e-9, 0.0)  # exactly the float slack: inclusive
    assert not g.within(1.5e-9, 0.0)
    assert g.within(1e9 + 0.5, 1e9)  # float slack scales with the reference: 1e-9 * 1e9 = 1
    assert not g.within(1e9 + 1.5, 1e9)


def test_grade_reads_missing_or_empty_tolerances_as_zero() -> None:
    for item in (
        {"answer_type": "numeric", "answer": 42},
        {"answer_type": "numeric", "answer": "42", "tolerance": None, "rel_tolerance": None},
        {"answer_type": "numeric", "answer": 42, "tolerance": 0, "rel_tolerance": 0},
    ):
        assert g.grade(item, "ANSWER: 42") == Verdict(True, "42")
        assert g.grade(item, "ANSWER: 43") == Verdict(False, "43", OUTSIDE)
    assert g.grade({"answer_type": "numeric", "answer": 42, "tolerance": "1"}, "43").ok
    assert g.grade({"answer_type": "numeric", "answer": 1000, "rel_tolerance": 0.01}, "1010").ok


SCHEMA = {"name": "string", "count": "integer", "ratio": "number", "ok": "boolean", "tags": "array", "meta": "object"}
REFERENCE = {"name": "New York", "count": 3, "ratio": 0.5, "ok": True, "tags": ["a"], "meta": {"k": 1}}
GOOD = '{"name": "new  york", "count": 3.0, "ratio": 0.5000000000001, "ok": true, "tags": ["a"], "meta": {"k": 1}}'


@pytest.mark.parametrize(
    ("response", "ok", "why"),
    [
        (GOOD, True, ""),
        ("ANSWER: " + GOOD, True, ""),
        ("```json\n" + GOOD + "\n```", True, ""),
        (GOOD.replace('"new  york"', '"Boston"'), False, "wrong value for 'name'"),
        (GOOD.replace('"count": 3.0', '"count": 3.5'), False, "key 'count' is not integer"),
        (GOOD.replace('"count": 3.0', '"count": 4'), False, "wrong value for 'count'"),
        (GOOD.replace('"count": 3.0', '"count": true'), False, "key 'count' is not integer"),
        (GOOD.replace('"ratio": 0.5000000000001', '"ratio": 0.51'), False, "wrong value for 'ratio'"),
        (GOOD.replace('"ratio": 0.5000000000001', '"ratio": "0.5"'), False, "key 'ratio' is not number"),
        (GOOD.replace('"ok": true', '"ok": 1'), False, "key 'ok' is not boolean"),
        (GOOD.replace('"ok": true', '"ok": false'), False, "wrong value for 'ok'"),
        (GOOD.replace('"tags": ["a"]', '"tags": "a"'), False, "key 'tags' is not array"),
        (GOOD.replace('"tags": ["a"]', '"tags": ["b"]'), False, "wrong value for 'tags'"),
        (GOOD.replace('"meta": {"k": 1}', '"meta": [1]'), False, "key 'meta' is not object"),
        (GOOD.replace('"name": "new  york", ', ""), False, "missing key 'name'"),
        ("ANSWER: [1, 2]", False, "no JSON object in the answer"),
        ("no json at all", False, "no JSON object in the answer"),
    ],
)
def test_json_table(response: str, ok: bool, why: str) -> None:
    verdict = g.grade_json(response, REFERENCE, SCHEMA)
    assert (verdict.ok, verdict.why) == (ok, why)


def test_json_verdict_shows_what_was_read() -> None:
    # the object read, re-serialised with sorted keys; the answer line when there is no object
    read = '{"a": 2, "b": 1}'
    schema = {"a": "integer", "b": "integer"}
    assert g.grade_json('x {"b": 1, "a": 2} y', {}, {}) == Verdict(True, read)
    assert g.grade_json('x {"b": 1, "a": 2} y', {"a": 2}, schema) == Verdict(True, read)
    assert g.grade_json('{"b": 1, "a": 2}', {"a": 3}, schema) == Verdict(False, read, "wrong value for 'a'")
    assert g.grade_json('{"b": 1, "a": "2"}', {}, schema) == Verdict(
        False, '{"a": "2", "b": 1}', "key 'a' is not integer"
    )
    assert g.grade_json('{"b": 1}', {}, schema) == Verdict(False, '{"b": 1}', "missing key 'a'")
    assert g.grade_json("ANSWER: nothing", {}, {}) == Verdict(False, "nothing", "no JSON object in the answer")
    assert g.grade_json("ANSWER: [1]", {}, {}) == Verdict(False, "[1]", "no JSON object in the answer")


def test_unknown_answer_type_verdict() -> None:
    assert g.grade({"answer_type": "essay"}, "x\nANSWER: y") == Verdict(False, "y", "unknown answer type 'essay'")
    assert g.grade({}, "z") == Verdict(False, "z", "unknown answer type None")


def test_same_value_compares_strings_loosely_and_everything_else_exactly() -> None:
    assert g.same_value("New  York.", "new york")
    assert not g.same_value("New York", "Boston")
    assert g.same_value(3, 3.0) and g.same_value(0.1 + 0.2, 0.3)
    assert g.same_value(0.0, 1e-10)  # an absolute tolerance around zero, where a relative one is empty
    assert not g.same_value(0.0, 1e-8)
    assert g.same_value(True, True) and not g.same_value(True, False)
    assert not g.same_value("3", 3)


def test_schema_fields_forms() -> None:
    properties = {"a": {"type": "integer"}, "b": {"type": "string"}, "c": {}}
    assert g.schema_fields({"properties": properties}) == {"a": "integer", "b": "string", "c": ""}
    assert g.schema_fields({"properties": properties, "required": ["b", "x"]}) == {"b": "string", "x": ""}
    assert g.schema_fields({"a": "integer", 1: "number"}) == {"a": "integer", "1": "number"}


@pytest.mark.parametrize(
    ("value", "type_name", "ok"),
    [
        (3, "integer", True),
        (3.0, "integer", True),
        (3.5, "integer", False),
        (True, "integer", False),
        (3, "number", True),
        (3.5, "number", True),
        (False, "number", False),
        (True, "boolean", True),
        ("x", "string", True),
        (3, "string", False),
        ([], "array", True),
        ({}, "object", True),
        ({}, "array", False),
        ("anything", "uuid", True),  # an unknown type name is not checked
        (True, "", True),
    ],
)
def test_type_table(value: Any, type_name: str, ok: bool) -> None:
    assert g.type_ok(value, type_name) is ok


def test_reading_answers_and_numbers() -> None:
    assert g.final_answer("  \n first \n\n last line \n ") == "last line"
    assert g.final_answer("ANSWER: 1\nanswer:2") == "2"
    assert g.final_answer("   ") == ""
    assert g.numbers_in("−1,000.5 and $.25, v2 and 3.x") == [-1000.5, 0.25, 3.0]
    assert g.extract_json('{not json} then {"a": 1}') == {"a": 1}
    assert g.extract_json("{ {") is None
    assert g.extract_json('{{"a": 1}') == {"a": 1}  # the next brace may be the very next character
    assert g.extract_json('{x} {"a": 1} {"b": 2}') == {"a": 1}  # the first object, not the last
    assert g.normalise("  $1,240.50 ") == "1240.50"
    assert g.normalise("**Yes!**") == "yes"
    assert g.normalise(" New \t  York. ") == "new york"
    assert g.normalise("−1,5") == "-15"
